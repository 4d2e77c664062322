// Core domain: mental exits for one open position on one closed candle, checked before any entry.
// Order inside a candle: the low is assumed to come before the high (stops before targets), then
// the high moves the trailing stop, then the close; then the time limit and the signal exit.
import { FIVE_MINUTES_MS, type ExitReason, type MarketInfo, type Position } from '../types.js';
import { sellableAmountBase } from './precision.js';
import type { PreparedPairSeries } from './preparedPairSeries.js';
import type { SignalExit } from './strategies/strategy.js';
import type { ExitDecision, Explanation } from './types.js';

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
  const open = s.open[i]!;
  const high = s.high[i]!;
  const low = s.low[i]!;
  const close = s.close[i]!;
  // A candle that closed before the entry says nothing about the position's price path.
  const afterEntry = s.openTimeMs[i]! + FIVE_MINUTES_MS > position.entryTimeMs;
  const trailing = position.trailing;
  let updated: Position | undefined;
  let trailingStop: number | undefined = trailing?.armed ? trailing.highestPrice * (1 - trailing.distanceFraction) : undefined;

  if (afterEntry) {
    let level = position.stopPrice;
    let reason: ExitReason = 'stop-loss';
    if (trailingStop !== undefined && (level === undefined || trailingStop > level)) {
      level = trailingStop;
      reason = 'trailing-stop';
    }
    if (level !== undefined && low <= level) {
      return sell(position, reason, open < level ? open : level, freeBase, market, close, { low, open, level }, undefined);
    }
    const tp = position.takeProfitPrice;
    if (tp !== undefined && high >= tp) {
      return sell(position, 'take-profit', open > tp ? open : tp, freeBase, market, close, { high, open, takeProfitPrice: tp }, undefined);
    }
    if (trailing) {
      const highest = high > trailing.highestPrice ? high : trailing.highestPrice;
      const armed = trailing.armed || high >= trailing.activationPrice;
      if (highest !== trailing.highestPrice || armed !== trailing.armed) {
        updated = { ...position, trailing: { ...trailing, highestPrice: highest, armed } };
      }
      if (armed) {
        trailingStop = highest * (1 - trailing.distanceFraction);
        if (close <= trailingStop) {
          return sell(position, 'trailing-stop', trailingStop, freeBase, market, close, { high, close, highestPrice: highest, level: trailingStop }, updated);
        }
      }
    }
  }
  if (position.maxHoldUntilMs !== undefined && nowMs >= position.maxHoldUntilMs) {
    return sell(position, 'max-hold', close, freeBase, market, close, { nowMs, maxHoldUntilMs: position.maxHoldUntilMs }, updated);
  }
  if (afterEntry && signalExit) {
    const why = signalExit.reversal(s, i);
    if (why) return sell(position, 'signal-reversal', close, freeBase, market, close, why, updated);
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
