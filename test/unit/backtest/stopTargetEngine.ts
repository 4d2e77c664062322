// Test support for backtest tests: a tiny decision engine with scripted entries and fixed-level
// stop/target exits (low checked before high), so fill rules can be asserted to the cent.
import type { DecisionEngine, EntryDecision, ExitDecision, PortfolioView, PreparedSeries } from '../../../functions/core/engine/types.js';
import { floorToDecimals } from '../../../functions/core/engine/precision.js';
import type { Candle, MarketInfo, Pair, Position } from '../../../functions/core/types.js';

export interface StopTargetOptions {
  /** Whether to buy on candle `i` of `pair`. */
  enterAt: (pair: Pair, i: number, portfolio: PortfolioView) => boolean;
  costQuote: number | ((pair: Pair, i: number, portfolio: PortfolioView) => number);
  stopFraction?: number;
  targetFraction?: number;
  warmupCandles?: number;
  /** Exit with `signal-reversal` on these candles (decided on the close). */
  signalExitAt?: (pair: Pair, i: number) => boolean;
}

/** Every call the engine received, for assertions on what the replay passed in. */
export interface EngineCall {
  kind: 'entry' | 'exit';
  pair: Pair;
  i: number;
  nowMs?: number;
  equityQuote?: number;
  freeQuote?: number;
  dayTrades?: number;
  recentTrades?: number;
  openPositions?: number;
  freeBase?: number;
}

/** A DecisionEngine for tests. `calls` records what it was asked. */
export function stopTargetEngine(opts: StopTargetOptions): DecisionEngine & { calls: EngineCall[] } {
  const calls: EngineCall[] = [];
  return {
    calls,
    warmupCandles: opts.warmupCandles ?? 1,
    prepare(pair: Pair, candles: readonly Candle[]): PreparedSeries {
      return { pair, candles };
    },
    checkExit(position: Position, series: PreparedSeries, i: number, nowMs: number, freeBase: number, market: MarketInfo): ExitDecision {
      calls.push({ kind: 'exit', pair: series.pair, i, nowMs, freeBase });
      const c = series.candles[i]!;
      const amountBase = floorToDecimals(Math.min(position.amountBase, freeBase), market.amountDecimals);
      if (position.stopPrice !== undefined && c.low <= position.stopPrice) {
        return { action: 'sell', pair: series.pair, reason: 'stop-loss', triggerPrice: position.stopPrice, amountBase, explanation: {} };
      }
      if (position.takeProfitPrice !== undefined && c.high >= position.takeProfitPrice) {
        return { action: 'sell', pair: series.pair, reason: 'take-profit', triggerPrice: position.takeProfitPrice, amountBase, explanation: {} };
      }
      if (opts.signalExitAt?.(series.pair, i)) {
        return { action: 'sell', pair: series.pair, reason: 'signal-reversal', triggerPrice: c.close, amountBase, explanation: {} };
      }
      return { action: 'hold', pair: series.pair, explanation: {} };
    },
    checkEntry(series: PreparedSeries, i: number, portfolio: PortfolioView): EntryDecision {
      calls.push({
        kind: 'entry',
        pair: series.pair,
        i,
        nowMs: portfolio.nowMs,
        equityQuote: portfolio.equityQuote,
        freeQuote: portfolio.freeQuote,
        dayTrades: portfolio.day.trades,
        recentTrades: portfolio.recentTrades.length,
        openPositions: portfolio.openPositions.length,
      });
      if (!opts.enterAt(series.pair, i, portfolio)) {
        return { action: 'none', pair: series.pair, stage: 'signal', rule: 'scripted', reason: 'no entry scripted', explanation: {} };
      }
      const close = series.candles[i]!.close;
      const costQuote = typeof opts.costQuote === 'function' ? opts.costQuote(series.pair, i, portfolio) : opts.costQuote;
      return {
        action: 'buy',
        pair: series.pair,
        costQuote,
        expectedAmountBase: costQuote / close,
        referencePrice: close,
        plan: {
          strategy: 'scripted',
          ...(opts.stopFraction ? { stopPrice: close * (1 - opts.stopFraction) } : {}),
          ...(opts.targetFraction ? { takeProfitPrice: close * (1 + opts.targetFraction) } : {}),
        },
        signal: { strategy: 'scripted', confidence: 1, expectedEdge: 0.01, explanation: {} },
        checks: [],
      };
    },
    checkForcedEntry(series: PreparedSeries, i: number): EntryDecision {
      return { action: 'none', pair: series.pair, stage: 'risk', rule: 'unsupported', reason: 'test engine', explanation: { i } };
    },
  };
}
