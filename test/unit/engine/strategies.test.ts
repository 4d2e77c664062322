// Momentum, mean reversion and scalping on tiny hand-computed series: which candle signals, which
// rule refuses, and the confidence and target each signal carries.
import { describe, expect, it } from 'vitest';
import { meanReversionConfigSchema, momentumConfigSchema, scalpingConfigSchema } from '../../../functions/core/engine/config.js';
import { IndicatorPlan } from '../../../functions/core/engine/indicatorPlan.js';
import { PreparedPairSeries } from '../../../functions/core/engine/preparedPairSeries.js';
import { MeanReversionStrategy } from '../../../functions/core/engine/strategies/meanReversion.js';
import { MomentumStrategy } from '../../../functions/core/engine/strategies/momentum.js';
import { ScalpingStrategy } from '../../../functions/core/engine/strategies/scalping.js';
import type { Strategy } from '../../../functions/core/engine/strategies/strategy.js';
import { candlesFromCloses } from './engineFixtures.js';

function run(make: (plan: IndicatorPlan) => Strategy, closes: number[]) {
  const plan = new IndicatorPlan();
  const strategy = make(plan);
  const series = new PreparedPairSeries('BTC/USD', candlesFromCloses(closes), plan);
  return (i: number) => strategy.entry(series, i);
}

describe('Strategy: momentum (SMA 2 / SMA 3 crossover)', () => {
  // closes:      10    10    10    9      11      12      12      11      10
  // SMA2:        -     10    10    9.5    10      11.5    12      11.5    10.5
  // SMA3:        -     -     10    9.667  10      10.667  11.667  11.667  11
  const closes = [10, 10, 10, 9, 11, 12, 12, 11, 10];
  const at = run((plan) => new MomentumStrategy(momentumConfigSchema.parse({ fastSma: 2, slowSma: 3 }), plan), closes);
  const within2 = run((plan) => new MomentumStrategy(momentumConfigSchema.parse({ fastSma: 2, slowSma: 3, crossWithinCandles: 2 }), plan), closes);

  it.each([
    // [index, rule or 'signal', fast, slow]
    [2, 'momentum.trend', 10, 10], // equal is not above
    [3, 'momentum.trend', 9.5, 29 / 3],
    [4, 'momentum.trend', 10, 10],
    [5, 'signal', 11.5, 32 / 3], // fast above, and at or below one candle earlier: the cross
    [6, 'momentum.cross', 12, 35 / 3], // still above, but the cross was one candle ago
    [7, 'momentum.trend', 11.5, 35 / 3],
    [8, 'momentum.trend', 10.5, 11],
  ] as const)('candle %i: %s', (i, expected, fast, slow) => {
    const v = at(i);
    if (expected === 'signal') {
      expect(v.ok).toBe(true);
      if (!v.ok) return;
      expect(v.signal.strategy).toBe('momentum');
      expect(v.signal.confidence).toBe(0.5);
      expect(v.signal.explanation).toEqual({ fastSma: fast, slowSma: expect.closeTo(slow, 12), candlesSinceCross: 0 });
    } else {
      expect(v.ok).toBe(false);
      if (v.ok) return;
      expect(v.rule).toBe(expected);
      expect(v.explanation.fastSma).toBeCloseTo(fast, 12);
      expect(v.explanation.slowSma).toBeCloseTo(slow, 12);
    }
  });

  it('crossWithinCandles: 2 also accepts the candle after the cross, and says how long ago it was', () => {
    const v = within2(6);
    expect(v.ok && v.signal.explanation.candlesSinceCross).toBe(1);
    expect(within2(7).ok).toBe(false);
  });

  it('the first candle where both SMAs exist is never a cross (no value before it to compare)', () => {
    const rising = run((plan) => new MomentumStrategy(momentumConfigSchema.parse({ fastSma: 2, slowSma: 3 }), plan), [1, 2, 3, 4]);
    // SMA2 (2.5) > SMA3 (2) at index 2, the first index with SMA3: no earlier value, so no cross
    const v = rising(2);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.rule).toBe('momentum.cross');
  });
});

describe('Strategy: mean reversion (Bollinger 3)', () => {
  // Window at candle 4 = [10, 10, 7]: mean 9, population std √2 ≈ 1.41421.
  const closes = [10, 10, 10, 10, 7];

  it.each([
    // [k, exitAt, expected, lowerBand, target, confidence]
    [1, 'mean', 'signal', 9 - Math.SQRT2, 9, 0.5 + (9 - Math.SQRT2 - 7) / Math.SQRT2],
    [1, 'upper', 'signal', 9 - Math.SQRT2, 9 + Math.SQRT2, 0.5 + (9 - Math.SQRT2 - 7) / Math.SQRT2],
    [0.5, 'mean', 'signal', 9 - Math.SQRT2 / 2, 9, 1], // 1.207 std deep: confidence capped at 1
    [2, 'mean', 'meanReversion.band', 9 - 2 * Math.SQRT2, undefined, undefined], // 7 is above 6.17
  ] as const)('k = %s, exit at %s → %s', (k, exitAt, expected, lower, target, confidence) => {
    const v = run((plan) => new MeanReversionStrategy(meanReversionConfigSchema.parse({ period: 3, stdDevMultiplier: k, exitAt }), plan), closes)(4);
    if (expected === 'signal') {
      expect(v.ok).toBe(true);
      if (!v.ok) return;
      expect(v.signal.strategy).toBe('meanReversion');
      expect(v.signal.targetPrice).toBeCloseTo(target!, 12);
      expect(v.signal.confidence).toBeCloseTo(confidence!, 12);
      expect(v.signal.explanation.lowerBand).toBeCloseTo(lower, 12);
    } else {
      expect(v.ok).toBe(false);
      if (v.ok) return;
      expect(v.rule).toBe(expected);
      expect(v.explanation.lowerBand).toBeCloseTo(lower, 12);
      expect(v.explanation.close).toBe(7);
    }
  });

  it('a flat window (std 0) never signals: the close equals the lower band', () => {
    const v = run((plan) => new MeanReversionStrategy(meanReversionConfigSchema.parse({ period: 3 }), plan), closes)(3);
    expect(v.ok).toBe(false);
  });
});

describe('Strategy: scalping (SMA 3, 5% dip)', () => {
  it.each([
    // [last close, expected, sma, confidence]
    [9, 'signal', 29 / 3, 0.5 + (0.5 * ((29 / 3 - 9) / (29 / 3) - 0.05)) / 0.05], // 6.9% below the SMA
    [9.5, 'scalping.dip', 29.5 / 3, undefined], // 3.4% below: not enough
    [8, 'signal', 28 / 3, 1], // 14% below: confidence capped at 1
  ] as const)('last close %s → %s', (last, expected, mean, confidence) => {
    const v = run((plan) => new ScalpingStrategy(scalpingConfigSchema.parse({ smaPeriod: 3, dipFraction: 0.05 }), plan), [10, 10, 10, last])(3);
    if (expected === 'signal') {
      expect(v.ok).toBe(true);
      if (!v.ok) return;
      expect(v.signal.strategy).toBe('scalping');
      expect(v.signal.explanation.sma).toBeCloseTo(mean, 12);
      expect(v.signal.confidence).toBeCloseTo(confidence!, 12);
      expect(v.signal.targetPrice).toBeUndefined();
    } else {
      expect(v.ok).toBe(false);
      if (v.ok) return;
      expect(v.rule).toBe(expected);
      expect(v.explanation.dipPrice).toBeCloseTo(mean * 0.95, 12);
    }
  });

  it('scalping exits default to a fixed 1% target and 0.5% stop, and naming one field keeps the rest', () => {
    expect(scalpingConfigSchema.parse({}).exits).toMatchObject({ mode: 'fixed', takeProfitFraction: 0.01, stopLossFraction: 0.005, maxHoldMinutes: 120, trailing: { enabled: false } });
    expect(scalpingConfigSchema.parse({ exits: { takeProfitFraction: 0.02 } }).exits).toMatchObject({ mode: 'fixed', takeProfitFraction: 0.02, stopLossFraction: 0.005 });
  });
});
