// Core domain: the strategy seam. A strategy reads a prepared series at one index and returns
// advice (a signal or the rule that said no); it never sizes, never places orders. Built-in and
// user strategies implement the same interface (see ./definition.ts for how one is declared).
import type { ExitsOverride } from '../config.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';

/** The name of a strategy that owns positions (the regime orchestrator routes to one of them). */
export type PositionStrategyName = string;

/** A strategy's buy advice, before risk. */
export interface StrategySignal {
  /**
   * The strategy that owns the position (decides its exit overrides and signal exit). Omitted: the
   * strategy that gave the signal (an orchestrator such as the regime names the one it routed to).
   */
  strategy?: PositionStrategyName;
  /** 0..1 */
  confidence: number;
  /** Where the strategy's own exit sits (mean reversion: the mean or upper band); the edge gate uses it when nearer than the take-profit. */
  targetPrice?: number;
  explanation: Explanation;
}

/** A refusal: the rule that said no, a fixed sentence, and the values compared. */
export interface StrategyRefusal {
  ok: false;
  rule: string;
  reason: string;
  explanation: Explanation;
}

export type StrategyVerdict = { ok: true; signal: StrategySignal } | StrategyRefusal;

/** An entry strategy: what a strategy definition's `create` returns. */
export interface Strategy {
  /** Advice at candle i, with the values behind it. */
  entry(series: PreparedPairSeries, i: number): StrategyVerdict;
  /**
   * Whether `entry(series, i)` advises a buy, without building the answer (nothing allocated): a
   * backtest asks at every candle, and almost always the answer is no. Both should read one
   * decision function, so they cannot disagree. Optional: without it the engine asks `entry`.
   */
  signals?(series: PreparedPairSeries, i: number): boolean;
  /** The signal exit for positions this strategy opens; omit for none (stops, targets and time limits still apply). */
  readonly signalExit?: SignalExit | undefined;
  /** Exit overrides (any field of the `exits` section) for positions this strategy opens. */
  readonly exits?: ExitsOverride | undefined;
  /** An orchestrator that only routes (its signals name the strategy that owns the position): it needs no exit settings of its own. */
  readonly routesOnly?: boolean;
}

/** A position strategy's signal exit. */
export interface SignalExit {
  /** The values that show the signal reversed at candle i, or undefined when it has not. */
  reversal(series: PreparedPairSeries, i: number): Explanation | undefined;
}

/** Builds a refusal (reasons are fixed sentences: formatting numbers into text in the hot path costs more than the decision). */
export function refuse(rule: string, reason: string, explanation: Explanation): StrategyRefusal {
  return { ok: false, rule, reason, explanation };
}

/** Clamps to 0..1 (NaN becomes 0). */
export function clamp01(x: number): number {
  return x > 1 ? 1 : x > 0 ? x : 0;
}
