import { describe, expect, it } from 'vitest';
import { checkSeries, closedCandles, findGaps, lastClosedCandleCloseMs, resample } from '../../../functions/core/candles.js';
import { FIVE_MINUTES_MS, ONE_HOUR_MS, FIFTEEN_MINUTES_MS } from '../../../functions/core/types.js';
import { makeCandle, makeSeries } from '../../support/fakes.js';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('closed candles', () => {
  it('finds the close time of the last closed 5m candle', () => {
    expect(lastClosedCandleCloseMs(T0 + 3_000)).toBe(T0);
    expect(lastClosedCandleCloseMs(T0 + FIVE_MINUTES_MS - 1)).toBe(T0);
    expect(lastClosedCandleCloseMs(T0 + FIVE_MINUTES_MS)).toBe(T0 + FIVE_MINUTES_MS);
  });

  it('drops the forming candle and anything later', () => {
    // candles open at 11:50, 11:55, 12:00 (forming at 12:02)
    const candles = makeSeries(T0, 3);
    const closed = closedCandles(candles, T0);
    expect(closed.map((c) => c.openTimeMs)).toEqual([T0 - 2 * FIVE_MINUTES_MS, T0 - FIVE_MINUTES_MS]);
  });

  it('keeps everything when the last candle has closed', () => {
    const candles = makeSeries(T0 - FIVE_MINUTES_MS, 3);
    expect(closedCandles(candles, T0)).toHaveLength(3);
  });
});

describe('series checks', () => {
  it('accepts a current, complete series', () => {
    expect(checkSeries(makeSeries(T0 - FIVE_MINUTES_MS, 50), T0, 50)).toBeUndefined();
  });

  it('reports a stale series with the expected and actual candle', () => {
    const problem = checkSeries(makeSeries(T0 - 2 * FIVE_MINUTES_MS, 50), T0, 50);
    expect(problem).toEqual({ kind: 'stale', expectedOpenTimeMs: T0 - FIVE_MINUTES_MS, lastOpenTimeMs: T0 - 2 * FIVE_MINUTES_MS });
  });

  it('reports an empty series', () => {
    expect(checkSeries([], T0, 10)).toEqual({ kind: 'empty' });
  });

  it('reports gaps inside the window but not before it', () => {
    const series = makeSeries(T0 - FIVE_MINUTES_MS, 30);
    const withGap = [...series.slice(0, 10), ...series.slice(13)]; // 3 candles missing
    expect(checkSeries(withGap, T0, 30)).toMatchObject({ kind: 'gap', gaps: 1, missing: 3 });
    expect(checkSeries(withGap, T0, 10)).toBeUndefined();
    expect(findGaps(withGap)).toEqual([{ afterOpenTimeMs: series[9]!.openTimeMs, missing: 3 }]);
  });

  it('reports malformed candles with their index', () => {
    const series = makeSeries(T0 - FIVE_MINUTES_MS, 5);
    series[3] = makeCandle(series[3]!.openTimeMs, 100, { high: 90 });
    expect(checkSeries(series, T0, 5)).toMatchObject({ kind: 'malformed', index: 3 });
    series[3] = makeCandle(series[3]!.openTimeMs, Number.NaN);
    expect(checkSeries(series, T0, 5)).toMatchObject({ kind: 'malformed', index: 3, detail: 'non-numeric value' });
  });

  it('reports duplicated candles', () => {
    const series = makeSeries(T0 - FIVE_MINUTES_MS, 5);
    series.splice(2, 0, series[2]!);
    expect(checkSeries(series.slice(1), T0, 6)).toMatchObject({ kind: 'malformed' });
  });
});

describe('resampling', () => {
  it('builds 15m candles from aligned 5m candles', () => {
    const start = Date.UTC(2026, 0, 5, 0, 0);
    const five = [0, 1, 2, 3, 4, 5].map((k) =>
      makeCandle(start + k * FIVE_MINUTES_MS, 100 + k, { open: 100 + k - 0.5, high: 101 + k, low: 99 + k, volume: k + 1 }),
    );
    const fifteen = resample(five, FIFTEEN_MINUTES_MS);
    expect(fifteen).toEqual([
      { openTimeMs: start, open: 99.5, high: 103, low: 99, close: 102, volume: 6 },
      { openTimeMs: start + FIFTEEN_MINUTES_MS, open: 102.5, high: 106, low: 102, close: 105, volume: 15 },
    ]);
  });

  it('leaves out incomplete and misaligned buckets instead of inventing candles', () => {
    const start = Date.UTC(2026, 0, 5, 0, 5); // starts mid-bucket
    const five = Array.from({ length: 14 }, (_, k) => makeCandle(start + k * FIVE_MINUTES_MS, 100 + k));
    const hour = resample(five, ONE_HOUR_MS);
    expect(hour).toEqual([]); // 00:05-00:55 is 11 candles, 01:00-01:10 is 3: both incomplete
    const gapped = five.filter((_, k) => k !== 3); // 00:20 missing: the 00:15 bucket is incomplete
    const q = resample(gapped, FIFTEEN_MINUTES_MS);
    expect(q.map((c) => new Date(c.openTimeMs).toISOString().slice(11, 16))).toEqual(['00:30', '00:45', '01:00']);
  });
});
