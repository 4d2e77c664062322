// Core domain: candles as columns (one Float64Array per field). A year of 5m candles as objects is
// 105,120 small heap objects that every full garbage collection walks; as columns it is six flat
// arrays the collector never looks into. Backtests generate, load, prepare and replay columns;
// the live tick keeps its Candle[] (720 of them) and `prepare` converts.
import { FIVE_MINUTES_MS, type Candle } from '../types.js';

/** Closed candles of one timeframe, oldest first, one typed array per field (all `length` long). */
export interface CandleColumns {
  readonly length: number;
  readonly openTimeMs: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  /** Volume in base currency. */
  readonly volume: Float64Array;
}

/** Whether `x` holds columns rather than an array of candles. */
export function isCandleColumns(x: readonly Candle[] | CandleColumns): x is CandleColumns {
  return !Array.isArray(x) && (x as CandleColumns).openTimeMs instanceof Float64Array;
}

/**
 * Empty columns with room for `length` candles.
 * @param shared in a SharedArrayBuffer: worker threads read them without a copy
 */
export function allocateColumns(length: number, shared = false): CandleColumns {
  // One buffer for the six columns: one allocation, and one transfer between threads.
  const bytes = length * 6 * Float64Array.BYTES_PER_ELEMENT;
  const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const col = (k: number) => new Float64Array(buffer, k * length * Float64Array.BYTES_PER_ELEMENT, length);
  return { length, openTimeMs: col(0), open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) };
}

/** Candle objects into columns. */
export function columnsFromCandles(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const cols = allocateColumns(n);
  const { openTimeMs, open, high, low, close, volume } = cols;
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    openTimeMs[i] = c.openTimeMs;
    open[i] = c.open;
    high[i] = c.high;
    low[i] = c.low;
    close[i] = c.close;
    volume[i] = c.volume;
  }
  return cols;
}

/** Columns back into candle objects (for display, reports and the tests), candles `from` to `to` − 1. */
export function candlesFromColumns(cols: CandleColumns, from = 0, to = cols.length): Candle[] {
  const out = new Array<Candle>(Math.max(0, to - from));
  for (let i = from; i < to; i++) {
    out[i - from] = { openTimeMs: cols.openTimeMs[i]!, open: cols.open[i]!, high: cols.high[i]!, low: cols.low[i]!, close: cols.close[i]!, volume: cols.volume[i]! };
  }
  return out;
}

/** The same columns in an object of the usual shape (e.g. one rebuilt by a message between threads). */
export function canonicalColumns(cols: CandleColumns): CandleColumns {
  return { length: cols.length, openTimeMs: cols.openTimeMs, open: cols.open, high: cols.high, low: cols.low, close: cols.close, volume: cols.volume };
}

/** Candles `from` to `to` − 1 as views on the same memory (nothing is copied). */
export function sliceColumns(cols: CandleColumns, from: number, to: number): CandleColumns {
  return {
    length: Math.max(0, to - from),
    openTimeMs: cols.openTimeMs.subarray(from, to),
    open: cols.open.subarray(from, to),
    high: cols.high.subarray(from, to),
    low: cols.low.subarray(from, to),
    close: cols.close.subarray(from, to),
    volume: cols.volume.subarray(from, to),
  };
}

/**
 * Resamples consecutive 5m candles into a longer interval (15m, 1h) aligned to UTC boundaries,
 * exactly as the core's `resample` does on candle objects: only complete buckets are emitted (a
 * bucket with a missing 5m candle, or the still-incomplete last bucket, is left out).
 */
export function resampleColumns(cols: CandleColumns, targetMs: number, sourceMs = FIVE_MINUTES_MS): CandleColumns {
  const per = targetMs / sourceMs;
  if (!Number.isInteger(per) || per < 1) throw new Error(`cannot resample ${sourceMs}ms candles to ${targetMs}ms`);
  const n = cols.length;
  const { openTimeMs: t, open: o, high: h, low: l, close: c, volume: v } = cols;
  const out = allocateColumns(Math.floor(n / per) + 1);
  let m = 0;
  let i = 0;
  while (i < n) {
    const firstOpen = t[i]!;
    const bucket = Math.floor(firstOpen / targetMs) * targetMs;
    const bucketEnd = bucket + targetMs;
    let j = i;
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    while (j < n && t[j]! < bucketEnd) {
      if (h[j]! > high) high = h[j]!;
      if (l[j]! < low) low = l[j]!;
      volume += v[j]!;
      j++;
    }
    if (j - i === per && firstOpen === bucket) {
      out.openTimeMs[m] = bucket;
      out.open[m] = o[i]!;
      out.high[m] = high;
      out.low[m] = low;
      out.close[m] = c[j - 1]!;
      out.volume[m] = volume;
      m++;
    }
    i = j;
  }
  return sliceColumns(out, 0, m);
}
