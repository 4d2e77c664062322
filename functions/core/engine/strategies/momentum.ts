// Core domain: the momentum strategy. Buy when the fast SMA crosses above the slow SMA; the
// signal exit fires when the fast SMA falls back below the slow one.
import type { z } from 'zod';
import type { momentumConfigSchema } from '../config.js';
import type { IndicatorPlan } from '../indicatorPlan.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';
import { refuse, type SignalExit, type Strategy, type StrategyVerdict } from './strategy.js';

export type MomentumConfig = z.output<typeof momentumConfigSchema>;

/** Confidence of a plain crossover: it carries no measure of its own strength. */
const MOMENTUM_CONFIDENCE = 0.5;

const PASS = 0;
const NOT_ABOVE = 1;
const NO_RECENT_CROSS = 2;

/** SMA crossover momentum. */
export class MomentumStrategy implements Strategy, SignalExit {
  readonly name = 'momentum' as const;
  private readonly fastSlot: number;
  private readonly slowSlot: number;
  private readonly crossSlot: number;
  private readonly crossWithin: number;

  constructor(config: MomentumConfig, plan: IndicatorPlan) {
    this.fastSlot = plan.sma(config.fastSma);
    this.slowSlot = plan.sma(config.slowSma);
    this.crossSlot = plan.slot({ kind: 'lastCrossUp', timeframe: '5m', fast: this.fastSlot, slow: this.slowSlot, period: config.slowSma });
    this.crossWithin = config.crossWithinCandles;
  }

  /** Buy on a fresh cross: fast above slow now, and the cross happened within `crossWithinCandles`. */
  entry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const verdict = this.crossCheck(s, i);
    const fast = s.ind[this.fastSlot]![i]!;
    const slow = s.ind[this.slowSlot]![i]!;
    if (verdict === NOT_ABOVE) return refuse('momentum.trend', 'fast SMA is not above the slow SMA', { fastSma: fast, slowSma: slow });
    const lastCross = s.ind[this.crossSlot]![i]!;
    const since = lastCross < 0 ? -1 : i - lastCross;
    if (verdict === NO_RECENT_CROSS) {
      return refuse('momentum.cross', 'fast SMA did not cross above the slow SMA recently', {
        fastSma: fast,
        slowSma: slow,
        candlesSinceCross: since < 0 ? null : since,
        crossWithinCandles: this.crossWithin,
      });
    }
    return {
      ok: true,
      signal: { strategy: 'momentum', confidence: MOMENTUM_CONFIDENCE, explanation: { fastSma: fast, slowSma: slow, candlesSinceCross: since } },
    };
  }

  signals(s: PreparedPairSeries, i: number): boolean {
    return this.crossCheck(s, i) === PASS;
  }

  /** The regime's trend entry: fast above slow, with or without a fresh cross. */
  trendEntry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const fast = s.ind[this.fastSlot]![i]!;
    const slow = s.ind[this.slowSlot]![i]!;
    if (!this.trendSignals(s, i)) return refuse('momentum.trend', 'fast SMA is not above the slow SMA', { fastSma: fast, slowSma: slow });
    return { ok: true, signal: { strategy: 'momentum', confidence: MOMENTUM_CONFIDENCE, explanation: { fastSma: fast, slowSma: slow } } };
  }

  /** Whether `trendEntry(s, i)` advises a buy. */
  trendSignals(s: PreparedPairSeries, i: number): boolean {
    return s.ind[this.fastSlot]![i]! > s.ind[this.slowSlot]![i]!;
  }

  /** The decision of `entry`: PASS, NOT_ABOVE or NO_RECENT_CROSS. */
  private crossCheck(s: PreparedPairSeries, i: number): number {
    if (!this.trendSignals(s, i)) return NOT_ABOVE;
    const lastCross = s.ind[this.crossSlot]![i]!;
    if (lastCross < 0 || i - lastCross >= this.crossWithin) return NO_RECENT_CROSS;
    return PASS;
  }

  /** Reversal: the fast SMA is below the slow SMA. */
  reversal(s: PreparedPairSeries, i: number): Explanation | undefined {
    const fast = s.ind[this.fastSlot]![i]!;
    const slow = s.ind[this.slowSlot]![i]!;
    return fast < slow ? { fastSma: fast, slowSma: slow } : undefined;
  }
}
