// Core domain: position sizing. Decides the quote cost of a buy (market buys are sent by cost):
// the sizing rule's amount, capped by every limit, rounded down, then checked against the
// exchange minimums with a buffer so the later sell is not dust.
import type { MarketInfo } from '../../types.js';
import { floorAmountBase, floorCostQuote } from '../precision.js';
import type { Explanation } from '../types.js';

/** The caps on one entry, in quote. Each is the room left under that limit. */
export interface SizingCaps {
  /** Per-pair allocation: equity × allocation fraction − the pair's current exposure. */
  pairAllocationQuote: number;
  maxPositionQuote: number;
  maxOrderQuote: number;
  /** Equity × maxAssetExposureFraction − the asset's current exposure. */
  assetExposureQuote: number;
  /** Equity × maxTotalExposureFraction − all positions' value. */
  totalExposureQuote: number;
}

export interface SizingInput {
  sizing: 'fixed-fraction' | 'risk-based';
  positionFraction: number;
  riskPerTradeFraction: number;
  equityQuote: number;
  /** Quote available to spend, net of open orders. */
  freeQuote: number;
  referencePrice: number;
  /** The planned stop (risk-based sizing needs one; the later sell is checked at it). */
  stopPrice: number | undefined;
  takerFeeRate: number;
  caps: SizingCaps;
  market: MarketInfo;
  minimumBufferFraction: number;
  /** An operator's amount (force-entry), used instead of the sizing rule and still capped. */
  requestedCostQuote?: number;
}

export type SizingResult =
  | { ok: true; costQuote: number; amountBase: number; bindingCap: string; explanation: Explanation }
  | { ok: false; rule: 'sizing' | 'minimums'; reason: string; explanation: Explanation };

/**
 * Sizes one buy. The cost is the smallest of: the sizing rule (fixed fraction of equity, or
 * equity × risk% / stop distance), every cap, and what the free quote pays for including the
 * taker fee. It is rounded down to the cost precision; the amount it buys at the reference price
 * is rounded down to the amount precision. Refused when that amount or cost is below the
 * exchange minimum × (1 + buffer), or when the amount would be worth less than the minimum
 * cost × (1 + buffer) at the stop price (the sell that closes it must still be allowed).
 * Never rounds up to reach a minimum: that would exceed the risk the rules allow.
 */
export function sizeEntry(input: SizingInput): SizingResult {
  const { market, referencePrice: price, caps } = input;
  const explanation: Explanation = {
    sizing: input.requestedCostQuote !== undefined ? 'requested' : input.sizing,
    equityQuote: input.equityQuote,
    freeQuote: input.freeQuote,
    referencePrice: price,
  };
  if (!(price > 0)) return { ok: false, rule: 'sizing', reason: 'no usable reference price', explanation };
  if (!(input.equityQuote > 0)) return { ok: false, rule: 'sizing', reason: 'equity is not positive', explanation };

  let desired: number;
  if (input.requestedCostQuote !== undefined) {
    desired = input.requestedCostQuote;
  } else if (input.sizing === 'fixed-fraction') {
    desired = input.equityQuote * input.positionFraction;
  } else {
    const stop = input.stopPrice;
    if (stop === undefined || !(stop < price) || !(stop > 0)) {
      return { ok: false, rule: 'sizing', reason: 'risk-based sizing needs a stop below the entry price', explanation: { ...explanation, stopPrice: stop ?? null } };
    }
    const stopDistance = (price - stop) / price;
    explanation.stopDistanceFraction = stopDistance;
    desired = (input.equityQuote * input.riskPerTradeFraction) / stopDistance;
  }
  explanation.desiredQuote = desired;

  const affordable = input.freeQuote / (1 + input.takerFeeRate);
  const candidates: [string, number][] = [
    ['sizing rule', desired],
    ['pair allocation', caps.pairAllocationQuote],
    ['max position', caps.maxPositionQuote],
    ['max order', caps.maxOrderQuote],
    ['asset exposure', caps.assetExposureQuote],
    ['total exposure', caps.totalExposureQuote],
    ['free quote after fee', affordable],
  ];
  let bindingCap = 'sizing rule';
  let cost = desired;
  for (const [name, value] of candidates) {
    explanation[`cap: ${name}`] = value;
    // An unknown cap (NaN: a price or balance missing upstream) refuses; it must not be skipped.
    if (Number.isNaN(value)) return { ok: false, rule: 'sizing', reason: `${name} cannot be computed (NaN)`, explanation };
    if (value < cost) {
      cost = value;
      bindingCap = name;
    }
  }
  explanation.bindingCap = bindingCap;
  if (!(cost > 0)) return { ok: false, rule: 'sizing', reason: `no room to buy: ${bindingCap} leaves ${fmt(cost)}`, explanation };

  const costQuote = floorCostQuote(cost, market);
  const amountBase = floorAmountBase(costQuote / price, market);
  explanation.costQuote = costQuote;
  explanation.amountBase = amountBase;

  const buffer = 1 + input.minimumBufferFraction;
  const minAmount = market.minAmountBase * buffer;
  const minCost = market.minCostQuote * buffer;
  const sellPrice = input.stopPrice !== undefined && input.stopPrice > 0 && input.stopPrice < price ? input.stopPrice : price;
  const sellValue = amountBase * sellPrice;
  explanation.minAmountBase = minAmount;
  explanation.minCostQuote = minCost;
  explanation.sellValueAtStopQuote = sellValue;
  if (!(amountBase > 0) || amountBase < minAmount) {
    return { ok: false, rule: 'minimums', reason: `amount ${amountBase} is below the minimum ${fmt(minAmount)} (exchange minimum + buffer)`, explanation };
  }
  if (costQuote < minCost) {
    return { ok: false, rule: 'minimums', reason: `cost ${fmt(costQuote)} is below the minimum ${fmt(minCost)} (exchange minimum + buffer)`, explanation };
  }
  if (sellValue < minCost) {
    return { ok: false, rule: 'minimums', reason: `at the stop the position would be worth ${fmt(sellValue)}, below the minimum ${fmt(minCost)}: the sell would be dust`, explanation };
  }
  return { ok: true, costQuote, amountBase, bindingCap, explanation };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(8))) : String(x);
}
