// Core domain: a pair's closed 5m candles with every indicator computed once (O(n)), 15m and 1h
// resampled from 5m, and for each 5m candle the index of the last CLOSED 15m/1h candle (no look-ahead).
// Live ticks prepare a 720-candle window, backtests a whole history; decisions read it by index.
import { resample } from '../candles.js';
import { adx } from '../indicators/adx.js';
import { atr } from '../indicators/atr.js';
import { choppiness } from '../indicators/choppiness.js';
import { rollingStdDev } from '../indicators/rollingStdDev.js';
import { rollingSum } from '../indicators/rollingSum.js';
import { rsi } from '../indicators/rsi.js';
import { sma } from '../indicators/sma.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../types.js';
import type { Timeframe } from './config.js';
import { TIMEFRAME_MS, type IndicatorPlan, type IndicatorSpec } from './indicatorPlan.js';
import type { PreparedSeries } from './types.js';

/** Candle columns of one timeframe. */
interface Columns {
  openTimeMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * The engine's prepared series. Everything is a typed array indexed like `candles` (or like the
 * resampled 15m/1h candles for slots on those timeframes, reached through `index15m`/`index1h`).
 */
export class PreparedPairSeries implements PreparedSeries {
  readonly length: number;
  readonly openTimeMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  /** Consecutive candles ending at i with no missing 5m candle between them (1 = right after a gap or at the start). */
  readonly gapFreeRun: Int32Array;
  /** Indicator values by plan slot. */
  readonly ind: Float64Array[];
  /**
   * For each 5m index, the index of the 15m candle that closed most recently at that 5m candle's
   * close, or −1 when that 15m candle is missing (gap) or not yet available. Same for 1h.
   */
  readonly index15m: Int32Array;
  readonly index1h: Int32Array;
  /** Resampled candles, for display and tests. */
  readonly candles15m: readonly Candle[];
  readonly candles1h: readonly Candle[];

  constructor(
    readonly pair: Pair,
    readonly candles: readonly Candle[],
    /** The plan the slots follow; an engine only reads series prepared with its own plan. */
    readonly plan: IndicatorPlan,
  ) {
    const base = columnsOf(candles);
    this.length = candles.length;
    this.openTimeMs = base.openTimeMs;
    this.open = base.open;
    this.high = base.high;
    this.low = base.low;
    this.close = base.close;
    this.volume = base.volume;
    this.gapFreeRun = gapFreeRuns(base.openTimeMs);

    this.candles15m = plan.uses('15m') ? resample(candles, TIMEFRAME_MS['15m']) : [];
    this.candles1h = plan.uses('1h') ? resample(candles, TIMEFRAME_MS['1h']) : [];
    const byTimeframe: Record<Timeframe, Columns> = {
      '5m': base,
      '15m': columnsOf(this.candles15m),
      '1h': columnsOf(this.candles1h),
    };
    this.index15m = lastClosedIndex(base.openTimeMs, byTimeframe['15m'].openTimeMs, TIMEFRAME_MS['15m']);
    this.index1h = lastClosedIndex(base.openTimeMs, byTimeframe['1h'].openTimeMs, TIMEFRAME_MS['1h']);

    // Specs are registered after the slots they depend on, so one pass in order is enough.
    this.ind = [];
    const adxCache = new Map<string, ReturnType<typeof adx>>();
    for (const spec of plan.specs) this.ind.push(compute(spec, byTimeframe[spec.timeframe], this.ind, adxCache));
  }

  /** Close time of candle i (when the decision on it is taken). */
  closeTimeMs(i: number): number {
    return this.openTimeMs[i]! + FIVE_MINUTES_MS;
  }
}

function columnsOf(candles: readonly Candle[]): Columns {
  const n = candles.length;
  const cols: Columns = {
    openTimeMs: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    cols.openTimeMs[i] = c.openTimeMs;
    cols.open[i] = c.open;
    cols.high[i] = c.high;
    cols.low[i] = c.low;
    cols.close[i] = c.close;
    cols.volume[i] = c.volume;
  }
  return cols;
}

function gapFreeRuns(openTimeMs: Float64Array): Int32Array {
  const n = openTimeMs.length;
  const run = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // A missing candle, a duplicate or an out-of-order candle all break the run.
    run[i] = i > 0 && openTimeMs[i]! - openTimeMs[i - 1]! === FIVE_MINUTES_MS ? run[i - 1]! + 1 : 1;
  }
  return run;
}

/**
 * Maps every 5m candle to the higher-timeframe candle that closed last at its close time. A 15m
 * candle opening at T is closed once the 5m candle opening at T + 10m has closed; a later 5m
 * candle must not see a 15m candle that is still forming, and a missing bucket maps to −1.
 */
function lastClosedIndex(openTimeMs5m: Float64Array, htfOpenTimeMs: Float64Array, htfMs: number): Int32Array {
  const n = openTimeMs5m.length;
  const out = new Int32Array(n).fill(-1);
  let j = -1;
  for (let i = 0; i < n; i++) {
    const closeMs = openTimeMs5m[i]! + FIVE_MINUTES_MS;
    const expectedOpen = Math.floor(closeMs / htfMs) * htfMs - htfMs;
    while (j + 1 < htfOpenTimeMs.length && htfOpenTimeMs[j + 1]! <= expectedOpen) j++;
    if (j >= 0 && htfOpenTimeMs[j] === expectedOpen) out[i] = j;
  }
  return out;
}

function compute(spec: IndicatorSpec, c: Columns, done: readonly Float64Array[], adxCache: Map<string, ReturnType<typeof adx>>): Float64Array {
  switch (spec.kind) {
    case 'sma':
      return sma(spec.source === 'close' ? c.close : c.volume, spec.period);
    case 'stdDev':
      return rollingStdDev(c.close, spec.period);
    case 'rsi':
      return rsi(c.close, spec.period);
    case 'atr':
      return atr(c.high, c.low, c.close, spec.period);
    case 'adx':
    case 'plusDi':
    case 'minusDi': {
      const key = `${spec.timeframe}:${spec.period}`;
      let result = adxCache.get(key);
      if (!result) {
        result = adx(c.high, c.low, c.close, spec.period);
        adxCache.set(key, result);
      }
      return spec.kind === 'adx' ? result.adx : spec.kind === 'plusDi' ? result.plusDi : result.minusDi;
    }
    case 'chop':
      return choppiness(c.high, c.low, c.close, spec.period);
    case 'quoteVolumeSum':
      return rollingSum(quoteVolumes(c.close, c.volume), spec.period);
    case 'lastCrossUp':
      return lastCrossUp(done[spec.fast]!, done[spec.slow]!);
  }
}

function quoteVolumes(close: Float64Array, volume: Float64Array): Float64Array {
  const out = new Float64Array(close.length);
  for (let i = 0; i < out.length; i++) out[i] = close[i]! * volume[i]!;
  return out;
}

/** Index of the last candle at or before i where `fast` crossed above `slow` (−1 before the first). */
function lastCrossUp(fast: Float64Array, slow: Float64Array): Float64Array {
  const out = new Float64Array(fast.length);
  let last = -1;
  for (let i = 0; i < out.length; i++) {
    // NaN (warm-up) compares false, so the first candle with both values is never a cross.
    if (i > 0 && fast[i]! > slow[i]! && fast[i - 1]! <= slow[i - 1]!) last = i;
    out[i] = last;
  }
  return out;
}
