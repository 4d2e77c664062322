// Core domain: exit levels decided with an entry (fixed % or ATR multiples, trailing, max hold),
// and how they become the stored position's levels once the buy fills. Fixed at entry so a
// restart cannot move them.
import type { EntryPlan, Position } from '../types.js';
import type { ExitsConfig } from './config.js';

/** Builds the entry plan at `referencePrice`; `atrValue` is the ATR on `exits.atrTimeframe` (ATR mode only). */
export function buildEntryPlan(
  strategy: string,
  exits: ExitsConfig,
  referencePrice: number,
  atrValue: number,
): { ok: true; plan: EntryPlan } | { ok: false; reason: string } {
  const plan: EntryPlan = { strategy };
  if (exits.mode === 'fixed') {
    if (exits.stopLossFraction > 0) plan.stopPrice = referencePrice * (1 - exits.stopLossFraction);
    if (exits.takeProfitFraction > 0) plan.takeProfitPrice = referencePrice * (1 + exits.takeProfitFraction);
  } else if (exits.atrStopMultiplier > 0 || exits.atrTakeProfitMultiplier > 0) {
    if (!(atrValue > 0)) return { ok: false, reason: `ATR on ${exits.atrTimeframe} is not available yet` };
    if (exits.atrStopMultiplier > 0) {
      let distance = exits.atrStopMultiplier * atrValue;
      if (exits.maxStopLossFraction > 0) distance = Math.min(distance, exits.maxStopLossFraction * referencePrice);
      plan.stopPrice = referencePrice - distance;
      if (!(plan.stopPrice > 0)) return { ok: false, reason: 'the ATR stop would be at or below zero' };
    }
    if (exits.atrTakeProfitMultiplier > 0) plan.takeProfitPrice = referencePrice + exits.atrTakeProfitMultiplier * atrValue;
  }
  if (exits.trailing.enabled && exits.trailing.distanceFraction > 0) {
    plan.trailing = { activationPrice: referencePrice * (1 + exits.trailing.activationFraction), distanceFraction: exits.trailing.distanceFraction };
  }
  if (exits.maxHoldMinutes > 0) plan.maxHoldMs = exits.maxHoldMinutes * 60_000;
  return { ok: true, plan };
}

/** The level fields of a new position. */
export type PositionLevels = Pick<Position, 'strategy' | 'stopPrice' | 'takeProfitPrice' | 'trailing' | 'maxHoldUntilMs'>;

/**
 * Turns an entry plan into the levels stored with the position when the buy fills. Levels were
 * computed from the decision candle's close; they are moved by the same ratio to the actual
 * fill price, so a 2% stop stays 2% below what was paid. Use this in the tick and the backtest alike.
 */
export function positionLevels(plan: EntryPlan, referencePrice: number, fillPrice: number, entryTimeMs: number): PositionLevels {
  const ratio = referencePrice > 0 && fillPrice > 0 ? fillPrice / referencePrice : 1;
  const levels: PositionLevels = { strategy: plan.strategy };
  if (plan.stopPrice !== undefined) levels.stopPrice = plan.stopPrice * ratio;
  if (plan.takeProfitPrice !== undefined) levels.takeProfitPrice = plan.takeProfitPrice * ratio;
  if (plan.trailing) {
    levels.trailing = {
      activationPrice: plan.trailing.activationPrice * ratio,
      distanceFraction: plan.trailing.distanceFraction,
      highestPrice: fillPrice,
      // Armed at once when the fill already reached the activation price (an activation fraction of 0).
      armed: fillPrice >= plan.trailing.activationPrice * ratio,
    };
  }
  if (plan.maxHoldMs !== undefined) levels.maxHoldUntilMs = entryTimeMs + plan.maxHoldMs;
  return levels;
}
