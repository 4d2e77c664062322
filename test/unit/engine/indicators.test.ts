// Indicator kernels agree with technicalindicators (the reference) within 1e-9 relative on long
// random series, with the warm-up aligned: our arrays are indexed like the candles (NaN during
// warm-up), technicalindicators' arrays omit the warm-up.
import * as ti from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import { adx } from '../../../functions/core/indicators/adx.js';
import { atr } from '../../../functions/core/indicators/atr.js';
import { choppiness } from '../../../functions/core/indicators/choppiness.js';
import { rollingMax, rollingMin } from '../../../functions/core/indicators/rollingExtremes.js';
import { rollingStdDev } from '../../../functions/core/indicators/rollingStdDev.js';
import { rollingSum } from '../../../functions/core/indicators/rollingSum.js';
import { rsi } from '../../../functions/core/indicators/rsi.js';
import { sma } from '../../../functions/core/indicators/sma.js';
import { trueRange } from '../../../functions/core/indicators/trueRange.js';
import { randomWalk } from './engineFixtures.js';

const REL = 1e-9;

/** Asserts `ours[offset + k]` matches `ref[k]` for every k, and that `ours` is NaN before `offset` (unless `warmupFrom` says otherwise). */
function expectAligned(ours: Float64Array, ref: readonly number[], offset: number, warmupFrom = 0): void {
  expect(ours.length - offset).toBe(ref.length);
  const notNaN = [...ours.subarray(warmupFrom, offset)].findIndex((x) => !Number.isNaN(x));
  expect(notNaN, 'every warm-up value is NaN').toBe(-1);
  let worst = 0;
  let worstAt = -1;
  for (let k = 0; k < ref.length; k++) {
    const a = ours[offset + k]!;
    const b = ref[k]!;
    const err = Math.abs(a - b) / Math.abs(b);
    if (!(err <= worst)) {
      worst = err;
      worstAt = k;
    }
  }
  expect(worst, `worst relative error at reference index ${worstAt}`).toBeLessThanOrEqual(REL);
}

// Three long series at very different price scales (BTC-like, XRP-like, a micro-cap) and volatilities.
const SERIES = [
  { name: 'BTC-like', candles: randomWalk(6_000, 11, 60_000, 0.004) },
  { name: 'XRP-like', candles: randomWalk(6_000, 22, 1.2, 0.01) },
  { name: 'micro-cap', candles: randomWalk(6_000, 33, 0.00001234, 0.02) },
];

describe.each(SERIES)('Indicators vs technicalindicators on a 6,000-candle $name random walk', ({ candles }) => {
  const close = candles.map((c) => c.close);
  const high = candles.map((c) => c.high);
  const low = candles.map((c) => c.low);
  const volume = candles.map((c) => c.volume);

  it.each([5, 10, 20, 50])('SMA(%i) of closes', (period) => {
    expectAligned(sma(close, period), ti.SMA.calculate({ period, values: close }), period - 1);
  });

  it('SMA(20) of volumes', () => {
    expectAligned(sma(volume, 20), ti.SMA.calculate({ period: 20, values: volume }), 19);
  });

  it('rolling sum (24h of 5m candles)', () => {
    expectAligned(rollingSum(volume, 288), ti.Sum.calculate({ period: 288, values: volume }), 287);
  });

  it.each([10, 20])('standard deviation(%i) and Bollinger bands', (period) => {
    const std = rollingStdDev(close, period);
    expectAligned(std, ti.SD.calculate({ period, values: close }), period - 1);
    const bands = ti.BollingerBands.calculate({ period, stdDev: 2, values: close });
    const mid = sma(close, period);
    expectAligned(
      mid.map((m, i) => m - 2 * std[i]!),
      bands.map((b) => b.lower),
      period - 1,
    );
    expectAligned(
      mid.map((m, i) => m + 2 * std[i]!),
      bands.map((b) => b.upper),
      period - 1,
    );
  });

  it('RSI(14): exact against the reference average gain/loss; within its 2-decimal rounding of technicalindicators RSI', () => {
    const ours = rsi(close, 14);
    const gain = ti.AverageGain.calculate({ period: 14, values: close });
    const loss = ti.AverageLoss.calculate({ period: 14, values: close });
    const unrounded = gain.map((g, k) => (loss[k] === 0 ? 100 : g === 0 ? 0 : 100 - 100 / (1 + g / loss[k]!)));
    expectAligned(ours, unrounded, 14);
    const rounded = ti.RSI.calculate({ period: 14, values: close });
    expect(rounded.length).toBe(ours.length - 14);
    let worst = 0;
    for (let k = 0; k < rounded.length; k++) worst = Math.max(worst, Math.abs(ours[14 + k]! - rounded[k]!));
    expect(worst).toBeLessThanOrEqual(0.005 + 1e-9);
  });

  it('true range', () => {
    expectAligned(trueRange(high, low, close), ti.TrueRange.calculate({ high, low, close }), 1);
  });

  it.each([7, 14])('ATR(%i)', (period) => {
    expectAligned(atr(high, low, close, period), ti.ATR.calculate({ period, high, low, close }), period);
  });

  it('ADX(14), +DI and −DI', () => {
    const ours = adx(high, low, close, 14);
    const ref = ti.ADX.calculate({ period: 14, high, low, close });
    expectAligned(ours.adx, ref.map((r) => r.adx), 27);
    // DI values exist from index `period`; the reference only reports them alongside ADX.
    expectAligned(ours.plusDi, ref.map((r) => r.pdi), 27, 27);
    expectAligned(ours.minusDi, ref.map((r) => r.mdi), 27, 27);
    expect(Number.isNaN(ours.plusDi[13]!)).toBe(true);
    expect(ours.plusDi[14]! + ours.minusDi[14]!).toBeGreaterThan(0);
  });

  it('rolling highest high and lowest low', () => {
    expectAligned(rollingMax(high, 14), ti.Highest.calculate({ period: 14, values: high }), 13);
    expectAligned(rollingMin(low, 14), ti.Lowest.calculate({ period: 14, values: low }), 13);
  });

  it('choppiness index(14) from the reference true range, highest and lowest', () => {
    const period = 14;
    const tr = ti.TrueRange.calculate({ high, low, close }); // tr[k] is candle k + 1
    const hh = ti.Highest.calculate({ period, values: high }); // hh[k] is candle k + period - 1
    const ll = ti.Lowest.calculate({ period, values: low });
    const ref: number[] = [];
    for (let i = period; i < close.length; i++) {
      let sum = 0;
      for (let j = i - period + 1; j <= i; j++) sum += tr[j - 1]!;
      const range = hh[i - period + 1]! - ll[i - period + 1]!;
      ref.push((100 * Math.log10(sum / range)) / Math.log10(period));
    }
    expectAligned(choppiness(high, low, close, period), ref, period);
  });
});

describe('Indicators: hand-computed values', () => {
  it('SMA(3) of 1..6 is 2, 3, 4, 5 from index 2', () => {
    expect([...sma([1, 2, 3, 4, 5, 6], 3)].slice(2)).toEqual([2, 3, 4, 5]);
  });

  it('standard deviation(4) of 2, 4, 4, 4 is √0.75, and of a flat window 0', () => {
    expect(rollingStdDev([2, 4, 4, 4], 4)[3]).toBeCloseTo(Math.sqrt(0.75), 12);
    expect(rollingStdDev([5, 5, 5, 5, 5], 3)[4]).toBe(0);
  });

  it('RSI is 100 with only gains and 0 with only losses', () => {
    expect(rsi([1, 2, 3, 4, 5], 3)[4]).toBe(100);
    expect(rsi([5, 4, 3, 2, 1], 3)[4]).toBe(0);
  });

  it('RSI(2) of 10, 12, 11, 13: avg gain (2 + 0)/2 = 1, loss 0.5; then (1·1 + 2)/2 = 1.5 and 0.25 → 100 − 100/7', () => {
    const r = rsi([10, 12, 11, 13], 2);
    expect(r[2]).toBeCloseTo(100 - 100 / (1 + 1 / 0.5), 12);
    expect(r[3]).toBeCloseTo(100 - 100 / (1 + 1.5 / 0.25), 12);
  });

  it('ATR(2): true ranges 3 and 4 average to 3.5, then 3.5 + (1 − 3.5)/2 = 2.25', () => {
    // candle 1: high 13, low 10, prev close 11 → TR 3; candle 2: high 15, low 11, prev close 12 → 4; candle 3: 13..12, prev 13 → 1
    const high = [12, 13, 15, 13];
    const low = [10, 10, 11, 12];
    const close = [11, 12, 13, 12.5];
    const a = atr(high, low, close, 2);
    expect(Number.isNaN(a[1]!)).toBe(true);
    expect(a[2]).toBe(3.5);
    expect(a[3]).toBe(2.25);
  });

  it('ADX of a flat stretch is 0 rather than NaN for the rest of the series', () => {
    const flat = Array.from({ length: 40 }, () => 10);
    const moving = Array.from({ length: 40 }, (_, i) => 10 + i);
    const high = [...flat, ...moving.map((x) => x + 1)];
    const low = [...flat, ...moving.map((x) => x - 1)];
    const close = [...flat, ...moving];
    const out = adx(high, low, close, 5);
    expect(out.adx[20]).toBe(0);
    expect(out.adx[79]).toBeGreaterThan(50);
  });

  it('choppiness is 100 when the window has no range, low when the market moves one way', () => {
    const flat = Array.from({ length: 20 }, () => 10);
    expect(choppiness(flat, flat, flat, 14)[19]).toBe(100);
    const up = Array.from({ length: 20 }, (_, i) => 10 + i);
    expect(choppiness(up.map((x) => x + 0.1), up.map((x) => x - 0.1), up, 14)[19]).toBeLessThan(30);
  });

  it('rolling sums do not drift over a long series (periodic resync)', () => {
    const values = Array.from({ length: 100_000 }, (_, i) => (i % 7 === 0 ? 1e9 : 1e-3));
    const sums = rollingSum(values, 10);
    let exact = 0;
    for (let i = values.length - 10; i < values.length; i++) exact += values[i]!;
    expect(sums[values.length - 1]).toBe(exact);
  });
});
