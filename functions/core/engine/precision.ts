// Core domain: the one place amounts and costs are rounded to the market's precision. Sizing,
// exits and the tick all round through here, always down, so nobody sells more than is held.
import type { MarketInfo } from '../types.js';

const MAX_DECIMALS = 15;

/**
 * Rounds `value` down to `decimals` decimal places, returning the double nearest that decimal
 * (so `toFixed(decimals)` round-trips) and never a value above `value`.
 *
 * `Math.floor(value * 10 ** decimals)` is wrong for values like 0.29 (0.29 × 100 = 28.999…),
 * so start from the nearest grid step and step down only while it lies above `value`.
 */
export function floorToDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new Error(`floorToDecimals: decimals must be an integer 0..${MAX_DECIMALS}, got ${decimals}`);
  }
  const scale = 10 ** decimals;
  // Beyond 2^53 grid steps a double cannot hold a finer fraction anyway: the value is its own floor.
  if (value * scale >= Number.MAX_SAFE_INTEGER) return value;
  let steps = Math.round(value * scale);
  while (steps > 0 && steps / scale > value) steps--;
  return steps / scale;
}

/** Rounds a base amount down to the market's amount precision (Kraken `lot_decimals`). */
export function floorAmountBase(amountBase: number, market: Pick<MarketInfo, 'amountDecimals'>): number {
  return floorToDecimals(amountBase, market.amountDecimals);
}

/**
 * Decimal places used for a quote cost. MarketInfo has no cost precision, so use what a
 * price × amount product can carry (price decimals + amount decimals), at most 8.
 */
export function costDecimals(market: Pick<MarketInfo, 'amountDecimals' | 'priceDecimals'>): number {
  return Math.min(8, market.priceDecimals + market.amountDecimals);
}

/** Rounds a quote cost down to the cost precision (see `costDecimals`). */
export function floorCostQuote(costQuote: number, market: Pick<MarketInfo, 'amountDecimals' | 'priceDecimals'>): number {
  return floorToDecimals(costQuote, costDecimals(market));
}

/**
 * The base amount a sell may carry: the position's amount capped by the free balance (which is
 * net of open orders), rounded down to the market's precision.
 */
export function sellableAmountBase(positionAmountBase: number, freeBase: number, market: Pick<MarketInfo, 'amountDecimals'>): number {
  const held = Math.min(positionAmountBase, freeBase);
  return floorAmountBase(held, market);
}
