// Secondary adapter (paper exchange): the fill simulation. A market order walks the order book
// when one is available, else fills at the last price moved against the order by the slippage.
import type { Side } from '../../core/types.js';

/** Book levels as [price, amount in base], best first. */
export type PaperBookSide = ReadonlyArray<readonly [number, number]>;

export interface PaperFill {
  amountBase: number;
  /** Quote paid or received, before fee. */
  costQuote: number;
  averagePrice: number;
}

/** Truncates toward zero at `decimals` (amounts are never rounded up into money one does not have). */
export function truncateTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.floor(Number((value * f).toFixed(6))) / f;
}

/** Rounds half away from zero at `decimals`. */
export function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f + (value >= 0 ? 1e-9 : -1e-9)) / f;
}

/** The price to fill at without a book: `lastPrice` moved against the order by `slippageBps`. */
export function slippedPrice(side: Side, lastPrice: number, slippageBps: number): number {
  return lastPrice * (side === 'buy' ? 1 + slippageBps / 10_000 : 1 - slippageBps / 10_000);
}

/**
 * Fills a buy of `costQuote` (quote). The base bought is truncated to `amountDecimals` and the
 * cost recomputed for it, so cost ≤ costQuote. Without a book it fills at `fallbackPrice`; what a
 * book is too thin for fills at its deepest level's price.
 */
export function fillBuyByCost(costQuote: number, amountDecimals: number, asks: PaperBookSide | undefined, fallbackPrice: number): PaperFill {
  if (!asks || asks.length === 0) {
    const amountBase = truncateTo(costQuote / fallbackPrice, amountDecimals);
    return { amountBase, costQuote: amountBase * fallbackPrice, averagePrice: fallbackPrice };
  }
  let remaining = costQuote;
  let base = 0;
  for (const [price, amount] of asks) {
    if (remaining <= 0) break;
    const spend = Math.min(remaining, price * amount);
    base += spend / price;
    remaining -= spend;
  }
  if (remaining > 0) base += remaining / asks[asks.length - 1]![0];
  return fillByAmount(truncateTo(base, amountDecimals), asks, fallbackPrice);
}

/** Fills `amountBase` against `levels` (asks for a buy, bids for a sell), or at `fallbackPrice` without a book. */
export function fillByAmount(amountBase: number, levels: PaperBookSide | undefined, fallbackPrice: number): PaperFill {
  if (!levels || levels.length === 0) return { amountBase, costQuote: amountBase * fallbackPrice, averagePrice: fallbackPrice };
  let remaining = amountBase;
  let cost = 0;
  for (const [price, amount] of levels) {
    if (remaining <= 0) break;
    const take = Math.min(remaining, amount);
    cost += take * price;
    remaining -= take;
  }
  if (remaining > 0) cost += remaining * levels[levels.length - 1]![0];
  return { amountBase, costQuote: cost, averagePrice: amountBase > 0 ? cost / amountBase : 0 };
}
