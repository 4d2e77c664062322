// Core domain: the scalping strategy. Buy a small dip below a short SMA and aim for a small fixed
// gain (its exits default to a fixed take-profit and stop); it has no signal exit.
import type { z } from 'zod';
import type { scalpingConfigSchema } from '../config.js';
import type { IndicatorPlan } from '../indicatorPlan.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';
import { clamp01, refuse, type SignalExit, type Strategy, type StrategyVerdict } from './strategy.js';

export type ScalpingConfig = z.output<typeof scalpingConfigSchema>;

/** Dip buying below a short SMA. */
export class ScalpingStrategy implements Strategy, SignalExit {
  readonly name = 'scalping' as const;
  private readonly smaSlot: number;
  private readonly dip: number;

  constructor(config: ScalpingConfig, plan: IndicatorPlan) {
    this.smaSlot = plan.sma(config.smaPeriod);
    this.dip = config.dipFraction;
  }

  /** Buy when close ≤ SMA × (1 − dipFraction). Confidence: 0.5 at the threshold, 1 at twice the dip. */
  entry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const close = s.close[i]!;
    const mean = s.ind[this.smaSlot]![i]!;
    const dipPrice = this.dipPrice(s, i);
    if (!this.signals(s, i)) return refuse('scalping.dip', 'close is not far enough below the SMA', { close, sma: mean, dipPrice });
    const depth = (mean - close) / mean;
    return {
      ok: true,
      signal: {
        strategy: 'scalping',
        confidence: this.confidenceAt(s, i),
        explanation: { close, sma: mean, dipPrice, dipFraction: depth },
      },
    };
  }

  signals(s: PreparedPairSeries, i: number): boolean {
    return s.close[i]! <= this.dipPrice(s, i);
  }

  /** The confidence of a signal at i: 0.5 at the dip threshold, 1 at twice the dip. */
  confidenceAt(s: PreparedPairSeries, i: number): number {
    const mean = s.ind[this.smaSlot]![i]!;
    const depth = (mean - s.close[i]!) / mean;
    return clamp01(0.5 + (0.5 * (depth - this.dip)) / this.dip);
  }

  private dipPrice(s: PreparedPairSeries, i: number): number {
    return s.ind[this.smaSlot]![i]! * (1 - this.dip);
  }

  /** Scalps leave through their fixed target, stop or time limit only. */
  reversal(): Explanation | undefined {
    return undefined;
  }
}
