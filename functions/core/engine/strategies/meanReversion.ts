// Core domain: the mean-reversion strategy. Buy below the Bollinger lower band (SMA − k·stddev);
// the signal exit fires back at the mean (or the upper band).
import type { z } from 'zod';
import type { meanReversionConfigSchema } from '../config.js';
import type { IndicatorPlan } from '../indicatorPlan.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';
import { clamp01, refuse, type SignalExit, type Strategy, type StrategyVerdict } from './strategy.js';

export type MeanReversionConfig = z.output<typeof meanReversionConfigSchema>;

/** Bollinger-band mean reversion. */
export class MeanReversionStrategy implements Strategy, SignalExit {
  readonly name = 'meanReversion' as const;
  private readonly meanSlot: number;
  private readonly stdSlot: number;
  private readonly k: number;
  private readonly exitAtUpper: boolean;

  constructor(config: MeanReversionConfig, plan: IndicatorPlan) {
    this.meanSlot = plan.sma(config.period);
    this.stdSlot = plan.slot({ kind: 'stdDev', timeframe: '5m', period: config.period });
    this.k = config.stdDevMultiplier;
    this.exitAtUpper = config.exitAt === 'upper';
  }

  /**
   * Buy when the close is below the lower band. Confidence grows with depth below the band:
   * 0.5 at the band, 1 at half a standard deviation or more below it.
   */
  entry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const close = s.close[i]!;
    const mean = s.ind[this.meanSlot]![i]!;
    const std = s.ind[this.stdSlot]![i]!;
    const lower = this.lowerBand(s, i);
    if (!this.signals(s, i)) return refuse('meanReversion.band', 'close is not below the lower Bollinger band', { close, lowerBand: lower, middleBand: mean });
    const target = this.exitAtUpper ? mean + this.k * std : mean;
    const depthStd = (lower - close) / std;
    return {
      ok: true,
      signal: {
        strategy: 'meanReversion',
        confidence: this.confidenceAt(s, i),
        targetPrice: target,
        explanation: { close, lowerBand: lower, middleBand: mean, stdDev: std, depthStd, targetPrice: target },
      },
    };
  }

  signals(s: PreparedPairSeries, i: number): boolean {
    return s.close[i]! < this.lowerBand(s, i);
  }

  /** The confidence of a signal at i: 0.5 at the band, 1 at half a standard deviation or more below it. */
  confidenceAt(s: PreparedPairSeries, i: number): number {
    return clamp01(0.5 + (this.lowerBand(s, i) - s.close[i]!) / s.ind[this.stdSlot]![i]!);
  }

  private lowerBand(s: PreparedPairSeries, i: number): number {
    return s.ind[this.meanSlot]![i]! - this.k * s.ind[this.stdSlot]![i]!;
  }

  /** Reversal: the close is back at the target (the mean, or the upper band). */
  reversal(s: PreparedPairSeries, i: number): Explanation | undefined {
    const close = s.close[i]!;
    const mean = s.ind[this.meanSlot]![i]!;
    const target = this.exitAtUpper ? mean + this.k * s.ind[this.stdSlot]![i]! : mean;
    return close >= target ? { close, targetPrice: target } : undefined;
  }
}
