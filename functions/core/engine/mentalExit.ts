// Core domain: mental exits for one open position on one closed candle, checked before any entry.
// Order inside a candle: the low is assumed to come before the high (stops before targets), then
// the high moves the trailing stop, then the close; then the time limit and the signal exit.
import { FIVE_MINUTES_MS, type ExitReason, type MarketInfo, type Position } from '../types.js';
import { sellableAmountBase } from './precision.js';
import type { PreparedPairSeries } from './preparedPairSeries.js';
import type { SignalExit } from './strategies/strategy.js';
import type { ExitDecision, Explanation } from './types.js';

// What `exitTrigger` found, as numbers: `exitPending` decides without allocating.
const HOLD = 0;
const LEVEL = 1;
const TAKE_PROFIT = 2;
const TRAILING_CLOSE = 3;
const MAX_HOLD = 4;
const SIGNAL = 5;

/**
 * The values `exitTrigger` worked out, reused between calls (decisions are synchronous). Numbers
 * are always numbers (NaN for none), so storing one allocates nothing.
 */
const found = {
  /** LEVEL: the stop or trailing level the low reached, and which of the two it is. */
  level: Number.NaN,
  reason: 'stop-loss' as ExitReason,
  /** The trailing stop in force after this candle, if `hasTrailingStop` (none while not armed). */
  hasTrailingStop: false,
  trailingStop: Number.NaN,
  /** Whether this candle moves the trailing state (a new high, or arming), and to what. */
  moved: false,
  highest: Number.NaN,
  armed: false,
  /** SIGNAL: the signal exit's values. */
  why: undefined as Explanation | undefined,
};

/**
 * The one decision behind `evaluateExit` and `exitPending`: which exit (if any) fires on candle
 * `i`, in the documented order, with its values left in `found`.
 */
function exitTrigger(position: Position, s: PreparedPairSeries, i: number, nowMs: number, signalExit: SignalExit | undefined): number {
  const high = s.high[i]!;
  const low = s.low[i]!;
  const close = s.close[i]!;
  // A candle that closed before the entry says nothing about the position's price path.
  const afterEntry = s.openTimeMs[i]! + FIVE_MINUTES_MS > position.entryTimeMs;
  const trailing = position.trailing;
  found.moved = false;
  found.why = undefined;
  const trailingStop = trailing?.armed ? trailing.highestPrice * (1 - trailing.distanceFraction) : undefined;
  found.hasTrailingStop = trailingStop !== undefined;
  found.trailingStop = trailingStop ?? Number.NaN;

  if (afterEntry) {
    let level = position.stopPrice;
    let reason: ExitReason = 'stop-loss';
    if (trailingStop !== undefined && (level === undefined || trailingStop > level)) {
      level = trailingStop;
      reason = 'trailing-stop';
    }
    if (level !== undefined && low <= level) {
      found.level = level;
      found.reason = reason;
      return LEVEL;
    }
    const tp = position.takeProfitPrice;
    if (tp !== undefined && high >= tp) return TAKE_PROFIT;
    if (trailing) {
      const highest = high > trailing.highestPrice ? high : trailing.highestPrice;
      const armed = trailing.armed || high >= trailing.activationPrice;
      found.highest = highest;
      found.armed = armed;
      found.moved = highest !== trailing.highestPrice || armed !== trailing.armed;
      if (armed) {
        found.hasTrailingStop = true;
        found.trailingStop = highest * (1 - trailing.distanceFraction);
        if (close <= found.trailingStop) return TRAILING_CLOSE;
      }
    }
  }
  if (position.maxHoldUntilMs !== undefined && nowMs >= position.maxHoldUntilMs) return MAX_HOLD;
  if (afterEntry && signalExit) {
    const why = signalExit.reversal(s, i);
    if (why) {
      found.why = why;
      return SIGNAL;
    }
  }
  return HOLD;
}

/**
 * Whether `evaluateExit` would answer anything but a plain hold: an exit fires, or the trailing
 * state moves (the position must be updated). Allocates nothing (but a firing signal exit's values).
 */
export function exitPending(position: Position, s: PreparedPairSeries, i: number, nowMs: number, signalExit: SignalExit | undefined): boolean {
  return exitTrigger(position, s, i, nowMs, signalExit) !== HOLD || found.moved;
}

/**
 * Decides whether `position` exits on candle `i` of `s`.
 *
 * Trigger prices: a stop fills at its level, or at the open when the candle gapped through it;
 * a take-profit at its level, or at the open when the candle gapped over it; a trailing stop
 * crossed after this candle's high at its new level; time and signal exits at the close.
 * The sell amount is `min(position, free balance)` rounded down to the market's precision;
 * below the market's minimum the exit is reported as `hold` with `blocked` (dust).
 *
 * @param signalExit the position's strategy signal exit, or undefined when it has none or it is disabled
 */
export function evaluateExit(
  position: Position,
  s: PreparedPairSeries,
  i: number,
  nowMs: number,
  freeBase: number,
  market: MarketInfo,
  signalExit: SignalExit | undefined,
): ExitDecision {
  const trigger = exitTrigger(position, s, i, nowMs, signalExit);
  const open = s.open[i]!;
  const high = s.high[i]!;
  const low = s.low[i]!;
  const close = s.close[i]!;
  const trailing = position.trailing;
  const trailingStop = found.hasTrailingStop ? found.trailingStop : undefined;
  const updated: Position | undefined = found.moved && trailing ? { ...position, trailing: { ...trailing, highestPrice: found.highest, armed: found.armed } } : undefined;
  switch (trigger) {
    case LEVEL: {
      const level = found.level;
      return sell(position, found.reason, open < level ? open : level, freeBase, market, close, { low, open, level }, undefined);
    }
    case TAKE_PROFIT: {
      const tp = position.takeProfitPrice!;
      return sell(position, 'take-profit', open > tp ? open : tp, freeBase, market, close, { high, open, takeProfitPrice: tp }, undefined);
    }
    case TRAILING_CLOSE:
      return sell(position, 'trailing-stop', trailingStop!, freeBase, market, close, { high, close, highestPrice: found.highest, level: trailingStop! }, updated);
    case MAX_HOLD:
      return sell(position, 'max-hold', close, freeBase, market, close, { nowMs, maxHoldUntilMs: position.maxHoldUntilMs! }, updated);
    case SIGNAL:
      return sell(position, 'signal-reversal', close, freeBase, market, close, found.why!, updated);
  }
  const explanation: Explanation = {
    close,
    stopPrice: position.stopPrice ?? null,
    takeProfitPrice: position.takeProfitPrice ?? null,
    trailingStop: trailingStop ?? null,
  };
  return updated ? { action: 'hold', pair: position.pair, updated, explanation } : { action: 'hold', pair: position.pair, explanation };
}

function sell(
  position: Position,
  reason: ExitReason,
  triggerPrice: number,
  freeBase: number,
  market: MarketInfo,
  close: number,
  explanation: Explanation,
  updated: Position | undefined,
): ExitDecision {
  const amountBase = sellableAmountBase(position.amountBase, freeBase, market);
  explanation.triggerPrice = triggerPrice;
  explanation.positionBase = position.amountBase;
  explanation.freeBase = freeBase;
  explanation.sellBase = amountBase;
  let blocked: string | undefined;
  if (!market.active) blocked = `${reason} fired but the market is not accepting market orders`;
  else if (!(amountBase > 0)) blocked = `${reason} fired but nothing is free to sell (free ${freeBase}, position ${position.amountBase})`;
  else if (amountBase < market.minAmountBase) blocked = `${reason} fired but ${amountBase} is below the minimum order amount ${market.minAmountBase} (dust)`;
  else if (amountBase * close < market.minCostQuote) blocked = `${reason} fired but ${amountBase} × ${close} is below the minimum order cost ${market.minCostQuote} (dust)`;
  if (blocked) {
    // The exit stays due; the trailing state still moves so the next tick sees the right level.
    explanation.exitReason = reason;
    return updated ? { action: 'hold', pair: position.pair, updated, blocked, explanation } : { action: 'hold', pair: position.pair, blocked, explanation };
  }
  return { action: 'sell', pair: position.pair, reason, triggerPrice, amountBase, explanation };
}

/**
 * The exit a price alone decides, for a tick that could not read the pair's candles: the stop (or
 * an armed trailing stop) at or above the price, the target at or below it, or the time limit. The
 * trailing state is not moved (no candle high is known).
 */
export function exitAtPrice(position: Position, price: number, nowMs: number): { reason: ExitReason; triggerPrice: number } | undefined {
  if (!(price > 0)) return undefined;
  const t = position.trailing;
  const trailingStop = t?.armed ? t.highestPrice * (1 - t.distanceFraction) : undefined;
  const stop = position.stopPrice;
  if (trailingStop !== undefined && (stop === undefined || trailingStop > stop) && price <= trailingStop) return { reason: 'trailing-stop', triggerPrice: price };
  if (stop !== undefined && price <= stop) return { reason: 'stop-loss', triggerPrice: price };
  if (position.takeProfitPrice !== undefined && price >= position.takeProfitPrice) return { reason: 'take-profit', triggerPrice: price };
  if (position.maxHoldUntilMs !== undefined && nowMs >= position.maxHoldUntilMs) return { reason: 'max-hold', triggerPrice: price };
  return undefined;
}
