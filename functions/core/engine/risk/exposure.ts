// Core domain: what the open positions are worth, per pair, per base asset and in total (for the
// allocation and exposure caps).
import type { Pair, Position } from '../../types.js';
import type { PortfolioView } from '../types.js';

/** Quote value of open positions relevant to one pair. */
export interface Exposure {
  pairQuote: number;
  assetQuote: number;
  totalQuote: number;
}

/** Values positions at the last price (their entry price when no last price is known). */
export function exposureFor(portfolio: Pick<PortfolioView, 'openPositions' | 'lastPrice'>, pair: Pair, baseAsset: string): Exposure {
  let pairQuote = 0;
  let assetQuote = 0;
  let totalQuote = 0;
  for (const p of portfolio.openPositions) {
    const value = positionValue(p, portfolio.lastPrice[p.pair]);
    totalQuote += value;
    if (p.pair === pair) pairQuote += value;
    if (baseOf(p.pair) === baseAsset) assetQuote += value;
  }
  return { pairQuote, assetQuote, totalQuote };
}

function positionValue(p: Position, lastPrice: number | undefined): number {
  const price = lastPrice !== undefined && lastPrice > 0 ? lastPrice : p.entryPrice;
  return p.amountBase * price;
}

/** The base asset of a `BASE/QUOTE` symbol. */
export function baseOf(pair: Pair): string {
  const slash = pair.indexOf('/');
  return slash < 0 ? pair : pair.slice(0, slash);
}
