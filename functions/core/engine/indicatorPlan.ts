// Core domain: which indicators the configured strategies and exits need, each given a numbered
// slot once at engine creation. `prepare` fills the slots for a series; decisions read them by index.
import { FIVE_MINUTES_MS, FIFTEEN_MINUTES_MS, ONE_HOUR_MS } from '../types.js';
import type { Timeframe } from './config.js';

/** One indicator series to compute. Every spec is computed on the candles of its timeframe. */
export type IndicatorSpec =
  | { kind: 'sma'; source: 'close' | 'volume'; timeframe: Timeframe; period: number }
  | { kind: 'stdDev'; timeframe: Timeframe; period: number }
  | { kind: 'rsi'; timeframe: Timeframe; period: number }
  | { kind: 'atr'; timeframe: Timeframe; period: number }
  | { kind: 'adx' | 'plusDi' | 'minusDi'; timeframe: Timeframe; period: number }
  | { kind: 'chop'; timeframe: Timeframe; period: number }
  /** Sum of close × volume over `period` candles (24h liquidity from candles). */
  | { kind: 'quoteVolumeSum'; timeframe: Timeframe; period: number }
  /** Index of the last candle where slot `fast` crossed above slot `slow` (−1 when none yet). */
  | { kind: 'lastCrossUp'; timeframe: Timeframe; fast: number; slow: number; period: number };

/** Length of each timeframe. */
export const TIMEFRAME_MS: Record<Timeframe, number> = { '5m': FIVE_MINUTES_MS, '15m': FIFTEEN_MINUTES_MS, '1h': ONE_HOUR_MS };

/**
 * The registry of indicator slots. Strategies ask for what they read (deduplicated), remember the
 * slot number and read `series.ind[slot][index]` in the hot path: an array access, no map lookup.
 */
export class IndicatorPlan {
  readonly specs: IndicatorSpec[] = [];
  private readonly slots = new Map<string, number>();
  /** Slots only recorded for information (entry features): they never hold a decision back. */
  private readonly informational = new Set<number>();

  /**
   * The slot holding `spec`, registering it the first time. An `informational` slot (read for the
   * entry features, not by a rule) does not count toward the warm-up, so recording features never
   * changes when the engine can decide; a rule asking for the same spec makes it count.
   */
  slot(spec: IndicatorSpec, options: { informational?: boolean } = {}): number {
    const key = JSON.stringify(spec);
    const existing = this.slots.get(key);
    if (existing !== undefined) {
      if (!options.informational) this.informational.delete(existing);
      return existing;
    }
    const slot = this.specs.length;
    this.specs.push(spec);
    this.slots.set(key, slot);
    if (options.informational) this.informational.add(slot);
    return slot;
  }

  /** SMA of closes (or volumes) on a timeframe. */
  sma(period: number, timeframe: Timeframe = '5m', source: 'close' | 'volume' = 'close'): number {
    return this.slot({ kind: 'sma', source, timeframe, period });
  }

  /** Whether any spec is computed on `timeframe`. */
  uses(timeframe: Timeframe): boolean {
    return this.specs.some((s) => s.timeframe === timeframe);
  }

  /**
   * Closed 5m candles needed before every slot (but the 24h volume fallback) has a value at the
   * last index. A higher-timeframe indicator needing c candles needs c × k 5m candles plus k − 1
   * for bucket alignment.
   */
  warmupCandles(): number {
    let needed = 2;
    for (const [slot, spec] of this.specs.entries()) {
      if (this.informational.has(slot)) continue;
      // The 24h volume from candles is only a fallback for the ticker's: a missing value refuses
      // the liquidity rule on its own, it should not hold every decision back for a day of candles.
      if (spec.kind === 'quoteVolumeSum') continue;
      const own = candlesNeeded(spec);
      const per = TIMEFRAME_MS[spec.timeframe] / FIVE_MINUTES_MS;
      needed = Math.max(needed, own * per + (per - 1));
    }
    return needed;
  }
}

function candlesNeeded(spec: IndicatorSpec): number {
  switch (spec.kind) {
    case 'sma':
    case 'stdDev':
    case 'quoteVolumeSum':
      return spec.period;
    case 'rsi':
    case 'atr':
    case 'plusDi':
    case 'minusDi':
    case 'chop':
      return spec.period + 1;
    case 'adx':
      return 2 * spec.period;
    case 'lastCrossUp':
      // A cross compares the candle with the one before it.
      return spec.period + 1;
  }
}
