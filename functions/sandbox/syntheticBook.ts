// Kraken sandbox: a synthetic order book around the current price (what Depth serves), and the
// walk a market order makes through it (how the sandbox fills market orders, slippage included).

/** One price level: price in quote, volume in base. */
export interface BookLevel {
  price: number;
  volume: number;
}

export interface Book {
  /** Ascending prices. */
  asks: BookLevel[];
  /** Descending prices. */
  bids: BookLevel[];
}

export interface BookShape {
  /** Total spread in basis points (at least one tick). */
  spreadBps: number;
  /** Quote value resting on the best level; level i holds `levelQuote × (1 + 0.35 i)`. */
  levelQuote: number;
  /** Distance between levels in basis points. */
  stepBps?: number;
  priceDecimals: number;
  lotDecimals: number;
  /** Multipliers of the quote resting on each bid and ask level (default 1: a symmetric book). */
  bidWeight?: number;
  askWeight?: number;
}

/** Builds `levels` levels per side around `midPrice`. Deterministic: the same inputs give the same book. */
export function syntheticBook(midPrice: number, shape: BookShape, levels = 100): Book {
  const tick = 10 ** -shape.priceDecimals;
  const lotFactor = 10 ** shape.lotDecimals;
  const halfSpread = Math.max(tick / 2, (midPrice * shape.spreadBps) / 20_000);
  const step = Math.max(tick, (midPrice * (shape.stepBps ?? 1)) / 10_000);
  const bestAsk = roundTo(Math.ceil((midPrice + halfSpread) / tick) * tick, shape.priceDecimals);
  let bestBid = roundTo(Math.floor((midPrice - halfSpread) / tick) * tick, shape.priceDecimals);
  if (bestBid >= bestAsk) bestBid = roundTo(bestAsk - tick, shape.priceDecimals);
  const asks: BookLevel[] = [];
  const bids: BookLevel[] = [];
  for (let i = 0; i < levels; i++) {
    const quote = shape.levelQuote * (1 + 0.35 * i);
    const askPrice = roundTo(bestAsk + i * step, shape.priceDecimals);
    const bidPrice = roundTo(bestBid - i * step, shape.priceDecimals);
    asks.push({ price: askPrice, volume: Math.floor(((quote * (shape.askWeight ?? 1)) / askPrice) * lotFactor) / lotFactor });
    if (bidPrice > 0) bids.push({ price: bidPrice, volume: Math.floor(((quote * (shape.bidWeight ?? 1)) / bidPrice) * lotFactor) / lotFactor });
  }
  return { asks, bids };
}

/** The result of walking a book. */
export interface BookWalk {
  /** Base executed. */
  amountBase: number;
  /** Quote paid (buys) or received (sells), before fees. */
  costQuote: number;
  /** True when the book ran out before the order was complete. */
  exhausted: boolean;
}

/** Walks `levels` (best first) to execute `amountBase`. */
export function walkByBase(levels: readonly BookLevel[], amountBase: number): BookWalk {
  let remaining = amountBase;
  let cost = 0;
  for (const level of levels) {
    if (remaining <= 0) break;
    const take = Math.min(remaining, level.volume);
    cost += take * level.price;
    remaining -= take;
  }
  return { amountBase: amountBase - Math.max(0, remaining), costQuote: cost, exhausted: remaining > 1e-12 };
}

/** Walks `levels` (best first) spending `costQuote`; the base obtained is not rounded. */
export function walkByQuote(levels: readonly BookLevel[], costQuote: number): BookWalk {
  let remaining = costQuote;
  let base = 0;
  for (const level of levels) {
    if (remaining <= 0) break;
    const levelCost = level.volume * level.price;
    const spend = Math.min(remaining, levelCost);
    base += spend / level.price;
    remaining -= spend;
  }
  return { amountBase: base, costQuote: costQuote - Math.max(0, remaining), exhausted: remaining > 1e-9 };
}

function roundTo(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
