// Core domain: a pair's closed 5m candles with every indicator computed once (O(n)), 15m and 1h
// resampled from 5m, and for each 5m candle the index of the last CLOSED 15m/1h candle (no look-ahead).
// Live ticks prepare a 720-candle window, backtests a whole history; decisions read it by index.
import type { SnapshotColumn } from '../market/marketSnapshot.js';
import { adx, type AdxSeries } from '../indicators/adx.js';
import { atr } from '../indicators/atr.js';
import { choppiness } from '../indicators/choppiness.js';
import { rollingStdDev } from '../indicators/rollingStdDev.js';
import { rollingSum } from '../indicators/rollingSum.js';
import { rsi } from '../indicators/rsi.js';
import { sma } from '../indicators/sma.js';
import { trueRange } from '../indicators/trueRange.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../types.js';
import type { Timeframe } from './config.js';
import { allocateColumns, canonicalColumns, candlesFromColumns, columnsFromCandles, isCandleColumns, resampleColumns, type CandleColumns } from './candleColumns.js';
import { TIMEFRAME_MS, type IndicatorPlan, type IndicatorSpec } from './indicatorPlan.js';
import type { PreparedSeries } from './types.js';

/**
 * Everything `prepare` computes, as typed arrays only: what a worker thread sends back (the
 * buffers are transferred, not copied) for `PreparedPairSeries.fromParts`.
 */
export interface PreparedParts {
  base: CandleColumns;
  columns15m: CandleColumns;
  columns1h: CandleColumns;
  gapFreeRun: Int32Array;
  index15m: Int32Array;
  index1h: Int32Array;
  ind: Float64Array[];
  /** See `PreparedPairSeries.entrySignals`. */
  entrySignals?: Uint8Array | undefined;
  entrySignalsKey?: string | undefined;
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
  /** The 5m candles as columns, and the resampled 15m and 1h ones (empty when no indicator uses them). */
  readonly columns: CandleColumns;
  readonly columns15m: CandleColumns;
  readonly columns1h: CandleColumns;
  /**
   * For each candle, 1 where a strategy of the engine that prepared the series for a replay
   * signals an entry (its `screenEntry` reads it), and the key of that engine's strategies.
   * Only replays fill it; the live tick does not need it.
   */
  entrySignals: Uint8Array | undefined;
  entrySignalsKey: string | undefined;
  /** Market snapshots by candle index (see `PreparedSeries.snapshots`); attaching them resets `entrySignalsKey`. */
  snapshots: SnapshotColumn | undefined;
  private candleObjects: readonly Candle[] | undefined;
  private candles15mObjects: readonly Candle[] | undefined;
  private candles1hObjects: readonly Candle[] | undefined;

  /**
   * @param source the closed 5m candles, as objects (the live tick) or as columns (backtests: no
   *   candle objects are made)
   * @param parts already computed (see `fromParts`); computed here when left out
   * @param cache shared arrays for these same columns (see `PrepareCache`)
   */
  constructor(
    readonly pair: Pair,
    source: readonly Candle[] | CandleColumns,
    /** The plan the slots follow; an engine only reads series prepared with its own plan. */
    readonly plan: IndicatorPlan,
    parts?: PreparedParts,
    cache?: PrepareCache,
  ) {
    const fromColumns = isCandleColumns(source);
    this.candleObjects = fromColumns ? undefined : source;
    const p = parts ?? computeParts(fromColumns ? source : columnsFromCandles(source), plan, cache);
    const base = p.base;
    this.columns = base;
    this.length = base.length;
    this.openTimeMs = base.openTimeMs;
    this.open = base.open;
    this.high = base.high;
    this.low = base.low;
    this.close = base.close;
    this.volume = base.volume;
    this.gapFreeRun = p.gapFreeRun;
    this.columns15m = p.columns15m;
    this.columns1h = p.columns1h;
    this.index15m = p.index15m;
    this.index1h = p.index1h;
    this.ind = p.ind;
    this.entrySignals = p.entrySignals;
    this.entrySignalsKey = p.entrySignalsKey;
  }

  /** A series from the `parts()` of one prepared elsewhere (usually on a worker thread) with an identical plan. */
  static fromParts(pair: Pair, plan: IndicatorPlan, parts: PreparedParts): PreparedPairSeries {
    if (parts.ind.length !== plan.specs.length) throw new Error(`prepared parts hold ${parts.ind.length} indicator slots, the plan has ${plan.specs.length}`);
    const n = parts.base.length;
    if (parts.gapFreeRun.length !== n || parts.index15m.length !== n || parts.index1h.length !== n || (parts.entrySignals && parts.entrySignals.length !== n)) {
      throw new Error(`prepared parts do not match the ${n} candles they came with`);
    }
    // Objects rebuilt by a message between threads can differ in their internal layout from the
    // ones made here; the hot path reads them at every candle, so give them the usual shapes.
    const canonical: PreparedParts = {
      base: canonicalColumns(parts.base),
      columns15m: canonicalColumns(parts.columns15m),
      columns1h: canonicalColumns(parts.columns1h),
      gapFreeRun: parts.gapFreeRun,
      index15m: parts.index15m,
      index1h: parts.index1h,
      ind: parts.ind.map((a) => a),
      entrySignals: parts.entrySignals,
      entrySignalsKey: parts.entrySignalsKey,
    };
    return new PreparedPairSeries(pair, canonical.base, plan, canonical);
  }

  /** The typed arrays of this series (to send to another thread). */
  parts(): PreparedParts {
    return {
      base: this.columns,
      columns15m: this.columns15m,
      columns1h: this.columns1h,
      gapFreeRun: this.gapFreeRun,
      index15m: this.index15m,
      index1h: this.index1h,
      ind: this.ind,
      entrySignals: this.entrySignals,
      entrySignalsKey: this.entrySignalsKey,
    };
  }

  /** The 5m candles as objects (made on first use when the series was prepared from columns). */
  get candles(): readonly Candle[] {
    return (this.candleObjects ??= candlesFromColumns(this.columns));
  }

  /** Resampled candles, for display and tests. */
  get candles15m(): readonly Candle[] {
    return (this.candles15mObjects ??= candlesFromColumns(this.columns15m));
  }

  get candles1h(): readonly Candle[] {
    return (this.candles1hObjects ??= candlesFromColumns(this.columns1h));
  }

  /** Close time of candle i (when the decision on it is taken). */
  closeTimeMs(i: number): number {
    return this.openTimeMs[i]! + FIVE_MINUTES_MS;
  }
}

/**
 * What engines of different configurations preparing the same 5m candles can share: resampled
 * candles, gap runs, timeframe mappings and every indicator array but the cross indices (cheap,
 * and one per pair of averages). A parameter sweep keeps one per series, so sets that need the
 * same SMA compute it once. Its arrays are shared between series: read them, never write them.
 */
export class PrepareCache {
  /** Indicator arrays by their spec (`JSON.stringify(spec)`). */
  readonly indicators = new Map<string, Float64Array>();
  readonly shared = new SharedInputs();
  columns15m: CandleColumns | undefined;
  columns1h: CandleColumns | undefined;
  gapFreeRun: Int32Array | undefined;
  index15m: Int32Array | undefined;
  index1h: Int32Array | undefined;

  /** @param base the 5m candles every series prepared with this cache must be */
  constructor(readonly base: CandleColumns) {}

  /** Bytes held in indicator arrays (to bound a sweep's memory). */
  get indicatorBytes(): number {
    let bytes = 0;
    for (const a of this.indicators.values()) bytes += a.byteLength;
    return bytes;
  }
}

/**
 * Computes every part of a prepared series from 5m columns: resampling, mappings and the plan's
 * indicators; with a `cache` (made for these same columns), whatever it holds already is reused.
 */
export function computeParts(base: CandleColumns, plan: IndicatorPlan, cache?: PrepareCache): PreparedParts {
  if (cache && cache.base !== base) throw new Error('computeParts: the cache belongs to other candles');
  const empty = allocateColumns(0);
  const columns15m = plan.uses('15m') ? (cache ? (cache.columns15m ??= resampleColumns(base, TIMEFRAME_MS['15m'])) : resampleColumns(base, TIMEFRAME_MS['15m'])) : empty;
  const columns1h = plan.uses('1h') ? (cache ? (cache.columns1h ??= resampleColumns(base, TIMEFRAME_MS['1h'])) : resampleColumns(base, TIMEFRAME_MS['1h'])) : empty;
  const byTimeframe: Record<Timeframe, CandleColumns> = { '5m': base, '15m': columns15m, '1h': columns1h };
  // Specs are registered after the slots they depend on, so one pass in order is enough.
  const ind: Float64Array[] = [];
  const shared = cache?.shared ?? new SharedInputs();
  for (const spec of plan.specs) {
    // Cross indices name other slots, which differ between plans: never shared.
    if (!cache || spec.kind === 'lastCrossUp') {
      ind.push(compute(spec, byTimeframe[spec.timeframe], ind, shared));
      continue;
    }
    const key = JSON.stringify(spec);
    let values = cache.indicators.get(key);
    if (!values) {
      values = compute(spec, byTimeframe[spec.timeframe], ind, shared);
      cache.indicators.set(key, values);
    }
    ind.push(values);
  }
  const index15m = () => lastClosedIndex(base.openTimeMs, columns15m.openTimeMs, TIMEFRAME_MS['15m']);
  const index1h = () => lastClosedIndex(base.openTimeMs, columns1h.openTimeMs, TIMEFRAME_MS['1h']);
  return {
    base,
    columns15m,
    columns1h,
    gapFreeRun: cache ? (cache.gapFreeRun ??= gapFreeRuns(base.openTimeMs)) : gapFreeRuns(base.openTimeMs),
    // A mapping made for empty higher-timeframe candles (no indicator on it) is all −1: cached by what it was made for.
    index15m: cache && columns15m.length > 0 ? (cache.index15m ??= index15m()) : index15m(),
    index1h: cache && columns1h.length > 0 ? (cache.index1h ??= index1h()) : index1h(),
    ind,
  };
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
  // No candle of that timeframe (no indicator uses it): every 5m candle maps to none.
  if (htfOpenTimeMs.length === 0) return out;
  let j = -1;
  // Close times in [bucketFrom, bucketTo) share one expected candle: compute it once per bucket.
  let bucketFrom = Infinity;
  let bucketTo = -Infinity;
  let expectedOpen = 0;
  for (let i = 0; i < n; i++) {
    const closeMs = openTimeMs5m[i]! + FIVE_MINUTES_MS;
    if (!(closeMs >= bucketFrom && closeMs < bucketTo)) {
      bucketFrom = Math.floor(closeMs / htfMs) * htfMs;
      bucketTo = bucketFrom + htfMs;
      expectedOpen = bucketFrom - htfMs;
    }
    while (j + 1 < htfOpenTimeMs.length && htfOpenTimeMs[j + 1]! <= expectedOpen) j++;
    if (j >= 0 && htfOpenTimeMs[j] === expectedOpen) out[i] = j;
  }
  return out;
}

/** Inputs several indicators of one series share: computed once per timeframe (and ADX once per period). */
class SharedInputs {
  private readonly adxByKey = new Map<string, AdxSeries>();
  private readonly trueRangeByTimeframe = new Map<CandleColumns, Float64Array>();

  adx(c: CandleColumns, timeframe: Timeframe, period: number): AdxSeries {
    const key = `${timeframe}:${period}`;
    let result = this.adxByKey.get(key);
    if (!result) {
      result = adx(c.high, c.low, c.close, period);
      this.adxByKey.set(key, result);
    }
    return result;
  }

  trueRange(c: CandleColumns): Float64Array {
    let tr = this.trueRangeByTimeframe.get(c);
    if (!tr) {
      tr = trueRange(c.high, c.low, c.close);
      this.trueRangeByTimeframe.set(c, tr);
    }
    return tr;
  }
}

function compute(spec: IndicatorSpec, c: CandleColumns, done: readonly Float64Array[], shared: SharedInputs): Float64Array {
  switch (spec.kind) {
    case 'sma':
      return sma(spec.source === 'close' ? c.close : c.volume, spec.period);
    case 'stdDev':
      return rollingStdDev(c.close, spec.period);
    case 'rsi':
      return rsi(c.close, spec.period);
    case 'atr':
      return atr(c.high, c.low, c.close, spec.period, shared.trueRange(c));
    case 'adx':
    case 'plusDi':
    case 'minusDi': {
      const result = shared.adx(c, spec.timeframe, spec.period);
      return spec.kind === 'adx' ? result.adx : spec.kind === 'plusDi' ? result.plusDi : result.minusDi;
    }
    case 'chop':
      return choppiness(c.high, c.low, c.close, spec.period, shared.trueRange(c));
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
