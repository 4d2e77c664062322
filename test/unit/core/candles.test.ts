import { describe, expect, it } from 'vitest';
import { parseCandleCsv, formatCandleCsv, CandleFileError } from '../../../functions/backtest/candleFile.js';
import { checkSeries, closedCandles, findGaps, lastClosedCandleCloseMs, resample } from '../../../functions/core/candles.js';
import type { Candle } from '../../../functions/core/types.js';
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
    expect(checkSeries(series, T0, 5)).toMatchObject({ kind: 'malformed', index: 3, detail: `non-numeric value: open is NaN (opens ${iso(series[3]!.openTimeMs)})` });
  });

  it('reports duplicated candles', () => {
    const series = makeSeries(T0 - FIVE_MINUTES_MS, 5);
    series.splice(2, 0, series[2]!);
    expect(checkSeries(series.slice(1), T0, 6)).toMatchObject({ kind: 'malformed' });
  });
});

const iso = (ms: number) => new Date(ms).toISOString();

describe('series checks over the whole window the engine reads', () => {
  // What a live tick hands the engine: 719 closed candles; the gap rule looks at the last 100 only.
  const LENGTH = 719;
  const AT = 250; // 469 candles before the last: far outside the gap window
  const fresh = () => makeSeries(T0 - FIVE_MINUTES_MS, LENGTH);
  const withCandle = (patch: (c: Candle, series: Candle[]) => Candle) => {
    const series = fresh();
    series[AT] = patch(series[AT]!, series);
    return series;
  };

  it.each([
    ['a NaN close', (c: Candle) => ({ ...c, close: Number.NaN }), 'non-numeric value: close is NaN'],
    ['an infinite volume', (c: Candle) => ({ ...c, volume: Number.POSITIVE_INFINITY }), 'non-numeric value: volume is Infinity'],
    ['a negative price', (c: Candle) => ({ ...c, low: -1 }), 'non-positive price'],
    ['a negative volume', (c: Candle) => ({ ...c, volume: -3 }), 'negative volume'],
    ['high below low', (c: Candle) => ({ ...c, high: 90, low: 95 }), 'high/low inconsistent with open/close'],
    ['a duplicated candle', (_c: Candle, s: Candle[]) => ({ ...s[AT - 1]! }), 'duplicate candle time'],
    ['an out-of-order candle', (c: Candle) => ({ ...c, openTimeMs: c.openTimeMs - 3 * FIVE_MINUTES_MS }), 'candle time goes backwards'],
    ['a candle off the 5-minute grid', (c: Candle) => ({ ...c, openTimeMs: c.openTimeMs + 60_000 }), 'time is not on a 5-minute boundary'],
    ['a candle from the future', (c: Candle) => ({ ...c, openTimeMs: T0 + 10 * FIVE_MINUTES_MS }), `closes after ${iso(T0)}, in the future`],
  ])('refuses %s 469 candles back, naming its index and open time', (_name, patch, reason) => {
    const series = withCandle(patch);
    const problem = checkSeries(series, T0, 100);
    const openTimeMs = series[AT]!.openTimeMs;
    expect(problem).toEqual({ kind: 'malformed', index: AT, openTimeMs, detail: `${reason} (opens ${iso(openTimeMs)})` });
  });

  it('names a non-numeric open time as it is', () => {
    const series = withCandle((c) => ({ ...c, openTimeMs: Number.NaN }));
    expect(checkSeries(series, T0, 100)).toEqual({ kind: 'malformed', index: AT, openTimeMs: Number.NaN, detail: 'non-numeric value: openTimeMs is NaN (open time NaN)' });
  });

  it('a last candle without a time is malformed, not stale (a stale report would need its time)', () => {
    const series = fresh();
    series[LENGTH - 1] = { ...series[LENGTH - 1]!, openTimeMs: Number.NaN };
    expect(checkSeries(series, T0, 100)).toMatchObject({ kind: 'malformed', index: LENGTH - 1, detail: 'non-numeric value: openTimeMs is NaN (open time NaN)' });
  });

  it('reports the first bad candle of the series', () => {
    const series = fresh();
    series[10] = { ...series[10]!, close: Number.NaN };
    series[700] = { ...series[700]!, volume: -1 };
    expect(checkSeries(series, T0, 100)).toMatchObject({ kind: 'malformed', index: 10 });
  });

  it('keeps the gap rule to its configured window: an old gap is history, a recent one blocks entries', () => {
    const series = fresh();
    const oldGap = [...series.slice(0, AT), ...series.slice(AT + 2)];
    expect(checkSeries(oldGap, T0, 100)).toBeUndefined();
    expect(checkSeries(oldGap, T0, 719)).toMatchObject({ kind: 'gap', gaps: 1, missing: 2 });
  });

  it('accepts a clean 719-candle series', () => {
    expect(checkSeries(fresh(), T0, 100)).toBeUndefined();
  });
});

describe('series checks agree with the backtest\'s candle files', () => {
  // The same bad row refused by a candle file (with file and line) and by the tick (with index and
  // time), in the same words. A future candle is the tick's alone: a file has no "now".
  const series = () => makeSeries(T0 - FIVE_MINUTES_MS, 20);
  it.each([
    ['a NaN close', (c: Candle) => ({ ...c, close: Number.NaN }), 'non-numeric value: close is NaN'],
    ['a negative price', (c: Candle) => ({ ...c, low: -1 }), 'non-positive price'],
    ['a negative volume', (c: Candle) => ({ ...c, volume: -3 }), 'negative volume'],
    ['high below low', (c: Candle) => ({ ...c, high: 90, low: 95 }), 'high/low inconsistent with open/close'],
    ['a duplicated candle', (c: Candle) => ({ ...c, openTimeMs: c.openTimeMs - FIVE_MINUTES_MS }), 'duplicate candle time'],
    ['an out-of-order candle', (c: Candle) => ({ ...c, openTimeMs: c.openTimeMs - 3 * FIVE_MINUTES_MS }), 'candle time goes backwards'],
  ])('%s', (_name, patch, reason) => {
    const candles = series();
    candles[12] = patch(candles[12]!);
    const tick = checkSeries(candles, T0, 100);
    expect(tick).toMatchObject({ kind: 'malformed', index: 12, detail: `${reason} (opens ${iso(candles[12]!.openTimeMs)})` });
    let fileError: unknown;
    try {
      parseCandleCsv(formatCandleCsv(candles), 'x.csv');
    } catch (err) {
      fileError = err;
    }
    expect(fileError).toBeInstanceOf(CandleFileError);
    // Row 12 is line 14 (the header is line 1).
    expect((fileError as Error).message.startsWith(`x.csv:14: ${reason}`)).toBe(true);
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
