// Secondary adapter (paper exchange): how the paper wallet item stores both the balances and the
// orders it filled. Keeping fills in the same item as the balances makes a fill one conditional
// write: a crash can never leave balances changed without a findable order, or the reverse.
import type { ExchangeOrder, Side } from '../../core/types.js';

/** Prefix of wallet keys that hold a filled order rather than an asset balance. */
export const PAPER_ORDER_PREFIX = '~order|';

/** Asset codes as the config writes them (`USD`, `BTC`). */
const ASSET_CODE = /^[A-Z0-9]{2,10}$/;

/**
 * Encodes a filled order as one wallet entry. The key carries the order (fields joined by `|`,
 * text fields URI-encoded so they cannot contain the separator); the value is its time, used to
 * prune old records.
 */
export function encodePaperOrder(order: ExchangeOrder): [string, number] {
  const fields = [
    'v1',
    encodeURIComponent(order.exchangeOrderId),
    encodeURIComponent(order.clientOrderId),
    order.side,
    encodeURIComponent(order.pair),
    String(order.filledBase),
    String(order.costQuote),
    String(order.averagePrice),
    String(order.feeQuote),
    String(order.timestampMs),
  ];
  return [PAPER_ORDER_PREFIX + fields.join('|'), order.timestampMs];
}

/** Decodes every order entry of a wallet (unknown or damaged entries are skipped). */
export function decodePaperOrders(balances: Record<string, number>): ExchangeOrder[] {
  const out: ExchangeOrder[] = [];
  for (const key of Object.keys(balances)) {
    if (!key.startsWith(PAPER_ORDER_PREFIX)) continue;
    const f = key.slice(PAPER_ORDER_PREFIX.length).split('|');
    if (f[0] !== 'v1' || f.length !== 10) continue;
    const side = f[3] as Side;
    const numbers = f.slice(5).map(Number);
    if ((side !== 'buy' && side !== 'sell') || numbers.some((n) => !Number.isFinite(n))) continue;
    const [filledBase, costQuote, averagePrice, feeQuote, timestampMs] = numbers as [number, number, number, number, number];
    out.push({
      exchangeOrderId: decodeURIComponent(f[1]!),
      clientOrderId: decodeURIComponent(f[2]!),
      pair: decodeURIComponent(f[4]!),
      side,
      status: 'closed',
      filledBase,
      costQuote,
      averagePrice,
      feeQuote,
      timestampMs,
    });
  }
  return out.sort((a, b) => a.timestampMs - b.timestampMs);
}

/** Only the asset balances of a wallet (what `kbot status` and `fetchBalances` show). */
export function paperAssetBalances(balances: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(balances)) if (ASSET_CODE.test(key)) out[key] = value;
  return out;
}
