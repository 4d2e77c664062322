// Core domain: closed-candle handling. The exchange returns the still-forming candle last;
// decisions use closed candles only, and refuse stale or gapped series.
import { FIVE_MINUTES_MS, type Candle } from './types.js';

/** Close time of the latest 5m candle that has closed at `nowMs` (candles close on 5-minute boundaries). */
export function lastClosedCandleCloseMs(nowMs: number, intervalMs = FIVE_MINUTES_MS): number {
  return Math.floor(nowMs / intervalMs) * intervalMs;
}

/** Drops every candle that has not closed by `closeTimeMs` (the forming one and anything later). */
export function closedCandles(candles: readonly Candle[], closeTimeMs: number, intervalMs = FIVE_MINUTES_MS): Candle[] {
  let end = candles.length;
  while (end > 0 && candles[end - 1]!.openTimeMs + intervalMs > closeTimeMs) end--;
  return candles.slice(0, end);
}

/** A gap: candles missing between two consecutive candles. */
export interface CandleGap {
  afterOpenTimeMs: number;
  missing: number;
}

/** Lists gaps (missing intervals) in a series. Duplicate or out-of-order candles count as malformed. */
export function findGaps(candles: readonly Candle[], intervalMs = FIVE_MINUTES_MS): CandleGap[] {
  const gaps: CandleGap[] = [];
  for (let i = 1; i < candles.length; i++) {
    const step = candles[i]!.openTimeMs - candles[i - 1]!.openTimeMs;
    if (step > intervalMs) gaps.push({ afterOpenTimeMs: candles[i - 1]!.openTimeMs, missing: Math.round(step / intervalMs) - 1 });
  }
  return gaps;
}

/** Why a series cannot be traded on, or `undefined` when it can. */
export type SeriesProblem =
  | { kind: 'empty' }
  | { kind: 'stale'; expectedOpenTimeMs: number; lastOpenTimeMs: number }
  /** `index` into the series handed to the engine; `detail` names what is wrong and the candle's open time. */
  | { kind: 'malformed'; index: number; openTimeMs: number; detail: string }
  | { kind: 'gap'; gaps: number; missing: number; lastGapAfterOpenTimeMs: number };

/**
 * Checks a closed 5m series once, before any decision. It must end exactly at the expected candle
 * (the one closing at `expectedCloseMs`); every candle of it, not only the recent ones, must hold
 * finite, positive, self-consistent values, open on the interval grid, after the one before it and
 * close by `expectedCloseMs` (indicators read the whole series, so a bad candle 300 back is as
 * wrong as the last one). Gaps only count within the last `gapWindow` candles, and block entries
 * only (the caller decides): older gaps are the exchange's history, not bad data.
 */
export function checkSeries(
  candles: readonly Candle[],
  expectedCloseMs: number,
  gapWindow: number,
  intervalMs = FIVE_MINUTES_MS,
): SeriesProblem | undefined {
  const last = candles[candles.length - 1];
  if (!last) return { kind: 'empty' };
  const expectedOpenTimeMs = expectedCloseMs - intervalMs;
  // A last candle without a usable time is malformed (below), not stale: there is no time to report.
  if (Number.isFinite(last.openTimeMs) && last.openTimeMs !== expectedOpenTimeMs) return { kind: 'stale', expectedOpenTimeMs, lastOpenTimeMs: last.openTimeMs };
  const from = Math.max(0, candles.length - gapWindow);
  let gaps = 0;
  let missing = 0;
  let lastGapAfter = 0;
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i]!;
    const bad = candleProblem(c) ?? seriesOrderProblem(c, candles[i - 1], expectedCloseMs, intervalMs);
    if (bad) return { kind: 'malformed', index: i, openTimeMs: c.openTimeMs, detail: `${bad} (${openedAt(c.openTimeMs)})` };
    if (i > from) {
      const step = c.openTimeMs - candles[i - 1]!.openTimeMs;
      if (step > intervalMs) {
        gaps++;
        missing += Math.round(step / intervalMs) - 1;
        lastGapAfter = candles[i - 1]!.openTimeMs;
      }
    }
  }
  if (gaps > 0) return { kind: 'gap', gaps, missing, lastGapAfterOpenTimeMs: lastGapAfter };
  return undefined;
}

/**
 * What is wrong with one candle's values, or undefined. The backtest's candle files refuse a row
 * for the same reasons, in the same words (functions/backtest/candleFile.ts).
 */
export function candleProblem(c: Candle): string | undefined {
  const { open, high, low, close, volume } = c;
  const fields = { openTimeMs: c.openTimeMs, open, high, low, close, volume };
  const notFinite = Object.entries(fields).find(([, v]) => !Number.isFinite(v));
  if (notFinite) return `non-numeric value: ${notFinite[0]} is ${String(notFinite[1])}`;
  if (low <= 0) return 'non-positive price';
  if (volume < 0) return 'negative volume';
  if (high < low || high < open || high < close || low > open || low > close) return 'high/low inconsistent with open/close';
  return undefined;
}

/**
 * Where a candle sits in its series, or undefined when that is fine: on the interval grid, after
 * the previous candle (the candle files say `duplicate candle time` / `candle time goes backwards`
 * for the same rows), and closed by `closeTimeMs` (a candle from the future is not a closed one).
 */
export function seriesOrderProblem(c: Candle, previous: Candle | undefined, closeTimeMs: number, intervalMs = FIVE_MINUTES_MS): string | undefined {
  if (c.openTimeMs % intervalMs !== 0) return `time is not on a ${intervalMs / 60_000}-minute boundary`;
  if (previous && c.openTimeMs === previous.openTimeMs) return 'duplicate candle time';
  if (previous && c.openTimeMs < previous.openTimeMs) return 'candle time goes backwards';
  if (c.openTimeMs + intervalMs > closeTimeMs) return `closes after ${new Date(closeTimeMs).toISOString()}, in the future`;
  return undefined;
}

function openedAt(openTimeMs: number): string {
  return Number.isFinite(openTimeMs) ? `opens ${new Date(openTimeMs).toISOString()}` : `open time ${String(openTimeMs)}`;
}

/**
 * Resamples consecutive 5m candles into a longer interval (15m, 1h) aligned to UTC boundaries.
 * Only complete buckets are emitted: a bucket with a missing 5m candle, or the still-incomplete
 * last bucket, is left out rather than invented.
 */
export function resample(candles: readonly Candle[], targetMs: number, sourceMs = FIVE_MINUTES_MS): Candle[] {
  const per = targetMs / sourceMs;
  if (!Number.isInteger(per) || per < 1) throw new Error(`cannot resample ${sourceMs}ms candles to ${targetMs}ms`);
  const out: Candle[] = [];
  let i = 0;
  while (i < candles.length) {
    const first = candles[i]!;
    const bucket = Math.floor(first.openTimeMs / targetMs) * targetMs;
    let j = i;
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    while (j < candles.length && candles[j]!.openTimeMs < bucket + targetMs) {
      const c = candles[j]!;
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
      volume += c.volume;
      j++;
    }
    const count = j - i;
    if (count === per && first.openTimeMs === bucket) {
      out.push({ openTimeMs: bucket, open: first.open, high, low, close: candles[j - 1]!.close, volume });
    }
    i = j;
  }
  return out;
}
