// Kraken sandbox: a reference exchange beside Kraken (for the premium gap), answering Binance's
// public `GET /api/v3/ticker/bookTicker?symbols=[...]` for the sandbox's pairs (`BTCUSD` for
// BTC/USD). Its prices follow the sandbox's own, offset by a premium that drifts slowly per pair
// (a few basis points either side), so Kraken trades at a discount some of the time.
import type { Pair } from '../core/types.js';

/** The reference's premium over Kraken's price for a pair at a time, as a fraction (0.001 = 10 bps). */
export type ReferencePremium = (pair: Pair, ms: number) => number;

/** The default premium: ±`amplitudeBps` on a wave of a few hours, phase-shifted per pair. */
export function wavePremium(amplitudeBps = 12, periodMs = 3 * 3_600_000): ReferencePremium {
  return (pair, ms) => {
    let phase = 0;
    for (let k = 0; k < pair.length; k++) phase = (phase * 31 + pair.charCodeAt(k)) % 1_000;
    return (amplitudeBps / 10_000) * Math.sin((2 * Math.PI * ms) / periodMs + phase);
  };
}

/**
 * The bookTicker reply for `symbols` (a JSON list, as Binance takes it), or a Binance error body
 * with its HTTP status. `price` gives the sandbox's price of a pair now, or undefined.
 */
export function referenceBookTicker(
  symbolsParam: string | null,
  pairs: readonly Pair[],
  price: (pair: Pair) => number | undefined,
  premium: ReferencePremium,
  nowMs: number,
): { status: number; body: unknown } {
  let symbols: unknown;
  try {
    symbols = symbolsParam === null ? pairs.map((p) => p.replace('/', '')) : JSON.parse(symbolsParam);
  } catch {
    return { status: 400, body: { code: -1100, msg: "Illegal characters found in parameter 'symbols'" } };
  }
  if (!Array.isArray(symbols)) return { status: 400, body: { code: -1100, msg: "Illegal characters found in parameter 'symbols'" } };
  const bySymbol = new Map(pairs.map((p) => [p.replace('/', ''), p]));
  const rows: unknown[] = [];
  for (const symbol of symbols) {
    const pair = typeof symbol === 'string' ? bySymbol.get(symbol) : undefined;
    const p = pair ? price(pair) : undefined;
    if (!pair || p === undefined) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    const mid = p * (1 + premium(pair, nowMs));
    const half = mid * 0.0001;
    rows.push({ symbol, bidPrice: (mid - half).toPrecision(10), bidQty: '10.00000000', askPrice: (mid + half).toPrecision(10), askQty: '10.00000000' });
  }
  return { status: 200, body: rows };
}
