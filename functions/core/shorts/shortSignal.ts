// Core domain: the short entry signal, on aligned downtrends. Pure: indicators are computed once
// per series and read by index (live ticks read the last candle, backtests every candle).
import { resample } from '../candles.js';
import { rsi } from '../indicators/rsi.js';
import { sma } from '../indicators/sma.js';
import { FIFTEEN_MINUTES_MS, FIVE_MINUTES_MS, ONE_HOUR_MS, type Candle } from '../types.js';

/** Fast and slow SMA lengths that define a trend on the 15m and 1h candles. */
const TREND_FAST = 9;
const TREND_SLOW = 21;
const RSI_PERIOD = 14;
const SMA_PERIOD = 20;
/** 5m candles needed before the 1h trend can be read (21 hours plus one). */
export const SHORT_WARMUP_CANDLES = (TREND_SLOW + 1) * 12;

/** A series prepared for the short signal: every value indexed like the 5m candles. */
export interface ShortSeries {
  candles: readonly Candle[];
  rsi14: Float64Array;
  sma20: Float64Array;
  /** 1 when the last 15m candle closed by 5m candle i is in a downtrend, 0 when not, NaN when unknown. */
  down15m: Float64Array;
  down1h: Float64Array;
}

/** Computes the indicators of the short signal once over closed 5m candles (oldest first). */
export function prepareShortSeries(candles: readonly Candle[]): ShortSeries {
  const closes = candles.map((c) => c.close);
  return {
    candles,
    rsi14: rsi(closes, RSI_PERIOD),
    sma20: sma(closes, SMA_PERIOD),
    down15m: downtrendBy5m(candles, FIFTEEN_MINUTES_MS),
    down1h: downtrendBy5m(candles, ONE_HOUR_MS),
  };
}

/**
 * Downtrend on a longer timeframe, read at each 5m candle from the last longer candle that had
 * closed by then (never the one still forming: no look-ahead): fast SMA below slow SMA and the
 * close below the slow SMA.
 */
function downtrendBy5m(candles: readonly Candle[], intervalMs: number): Float64Array {
  const out = new Float64Array(candles.length).fill(Number.NaN);
  const higher = resample(candles, intervalMs);
  const closes = higher.map((c) => c.close);
  const fast = sma(closes, TREND_FAST);
  const slow = sma(closes, TREND_SLOW);
  let k = -1;
  for (let i = 0; i < candles.length; i++) {
    const closeMs = candles[i]!.openTimeMs + FIVE_MINUTES_MS;
    while (k + 1 < higher.length && higher[k + 1]!.openTimeMs + intervalMs <= closeMs) k++;
    if (k < 0) continue;
    const f = fast[k]!;
    const s = slow[k]!;
    if (Number.isNaN(f) || Number.isNaN(s)) continue;
    out[i] = f < s && closes[k]! < s ? 1 : 0;
  }
  return out;
}

/** The short signal's answer at one candle, with the values it compared. */
export type ShortSignal =
  | { short: true; referencePrice: number; explanation: Record<string, number> }
  | { short: false; reason: string; explanation: Record<string, number | null> };

/**
 * Short on an aligned downtrend at 5m candle `i`: the 15m and 1h trends down, RSI(14) under
 * `rsiMax`, and the close at or under SMA(20).
 */
export function shortSignal(s: ShortSeries, i: number, rsiMax: number): ShortSignal {
  const c = s.candles[i];
  const r = s.rsi14[i];
  const m = s.sma20[i];
  const d15 = s.down15m[i];
  const d1h = s.down1h[i];
  if (!c || r === undefined || m === undefined || d15 === undefined || d1h === undefined) return { short: false, reason: 'no candle', explanation: {} };
  const explanation = { close: c.close, rsi: nanToNull(r), sma20: nanToNull(m), down15m: nanToNull(d15), down1h: nanToNull(d1h), rsiMax };
  if (Number.isNaN(r) || Number.isNaN(m) || Number.isNaN(d15) || Number.isNaN(d1h)) return { short: false, reason: 'warming up', explanation };
  if (d15 !== 1) return { short: false, reason: '15m trend is not down', explanation };
  if (d1h !== 1) return { short: false, reason: '1h trend is not down', explanation };
  if (!(r < rsiMax)) return { short: false, reason: `RSI ${r.toFixed(1)} is not under ${rsiMax}`, explanation };
  if (!(c.close <= m)) return { short: false, reason: 'close is above SMA20', explanation };
  return { short: true, referencePrice: c.close, explanation: { close: c.close, rsi: r, sma20: m, down15m: 1, down1h: 1, rsiMax } };
}

function nanToNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
