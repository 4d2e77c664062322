// Core domain: the fee-aware edge gate. An entry is worth taking only when the move it expects
// pays the round trip (two taker fees and slippage) with a margin to spare.
import type { EntryPlan } from '../../types.js';
import type { FeesConfig } from '../config.js';
import { failed, passed, type RuleCheck } from './ruleCheck.js';

/**
 * The expected gross move of an entry as a fraction of the reference price: the distance to the
 * take-profit, or to the strategy's own target when that is nearer (and the position exits there).
 * Undefined when the plan has neither.
 */
export function expectedEdge(plan: EntryPlan, referencePrice: number, targetPrice: number | undefined): number | undefined {
  let edge: number | undefined;
  if (plan.takeProfitPrice !== undefined) edge = (plan.takeProfitPrice - referencePrice) / referencePrice;
  if (targetPrice !== undefined) {
    const toTarget = (targetPrice - referencePrice) / referencePrice;
    if (edge === undefined || toTarget < edge) edge = toTarget;
  }
  return edge;
}

/** Passes when `edge > 2 × feeRate + 2 × slippage + buffer`. */
export function checkFeeEdge(edge: number | undefined, feeRate: number, feeSource: string, fees: FeesConfig): RuleCheck {
  const roundTripCost = 2 * feeRate + 2 * fees.slippageFraction;
  const required = roundTripCost + fees.edgeBufferFraction;
  const explanation = { expectedEdge: edge ?? null, takerFeeRate: feeRate, feeSource, roundTripCost, edgeBufferFraction: fees.edgeBufferFraction, requiredEdge: required };
  if (!fees.requireEdge) return passed('fee-edge', { ...explanation, gate: 'off' });
  if (edge === undefined) return failed('fee-edge', 'no take-profit or strategy target to measure the expected edge against', explanation);
  if (!(edge > required)) {
    return failed('fee-edge', `expected edge ${pct(edge)} does not exceed round-trip cost ${pct(roundTripCost)} plus buffer ${pct(fees.edgeBufferFraction)}`, explanation);
  }
  return passed('fee-edge', explanation);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(3)}%`;
}
