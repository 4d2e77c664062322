// The regime orchestrator, rule by rule: indicator values are set by hand at one candle (the
// prepared series' arrays are plain typed arrays), so every threshold and the confidence formula
// are checked against numbers computed on paper.
import { describe, expect, it } from 'vitest';
import { momentumConfigSchema, meanReversionConfigSchema, regimeConfigSchema, scalpingConfigSchema } from '../../../functions/core/engine/config.js';
import { IndicatorPlan } from '../../../functions/core/engine/indicatorPlan.js';
import { PreparedPairSeries } from '../../../functions/core/engine/preparedPairSeries.js';
import { MeanReversionStrategy } from '../../../functions/core/engine/strategies/meanReversion.js';
import { MomentumStrategy } from '../../../functions/core/engine/strategies/momentum.js';
import { RegimeStrategy } from '../../../functions/core/engine/strategies/regime.js';
import { ScalpingStrategy } from '../../../functions/core/engine/strategies/scalping.js';
import { randomWalk } from './engineFixtures.js';

/** Every input the regime reads at one candle. */
interface Scene {
  close: number;
  adx: number;
  plusDi: number;
  minusDi: number;
  atr: number;
  rsi: number;
  chop: number;
  volume: number;
  volumeAverage: number;
  fast5m: number;
  slow5m: number;
  /** Candles since the 5m fast SMA crossed above the slow one (−1: no cross in the series). */
  candlesSinceCross: number;
  bandMean: number;
  bandStd: number;
  fast15m: number;
  slow15m: number;
  fast1h: number;
  slow1h: number;
}

/** A clean uptrend that passes every trend filter with the default thresholds. */
const TREND: Scene = {
  close: 100,
  adx: 30,
  plusDi: 25,
  minusDi: 15,
  atr: 0.5,
  rsi: 60,
  chop: 40,
  volume: 12,
  volumeAverage: 10,
  fast5m: 100,
  slow5m: 99,
  candlesSinceCross: 5,
  bandMean: 102,
  bandStd: 1,
  fast15m: 100,
  slow15m: 99,
  fast1h: 100,
  slow1h: 98,
};

/** A range with the close one std below the lower band (mean 102, std 1, k 2 → lower 100; close 99). */
const RANGE: Scene = { ...TREND, adx: 15, close: 99, rsi: 30, fast5m: 99, slow5m: 100 };

function regimeAt(scene: Scene, regimeInput: object = {}, rangeWith: 'meanReversion' | 'scalping' = 'meanReversion') {
  const plan = new IndicatorPlan();
  const regimeConfig = regimeConfigSchema.parse(regimeInput);
  const momentum = new MomentumStrategy(momentumConfigSchema.parse({}), plan);
  const range = rangeWith === 'meanReversion' ? new MeanReversionStrategy(meanReversionConfigSchema.parse({}), plan) : new ScalpingStrategy(scalpingConfigSchema.parse({}), plan);
  const regime = new RegimeStrategy(regimeConfig, plan, momentum, regimeConfig.rangeStrategy === 'none' ? undefined : range);
  const s = new PreparedPairSeries('BTC/USD', randomWalk(800, 5), plan);
  const i = s.length - 1;
  const j15 = s.index15m[i]!;
  const j1h = s.index1h[i]!;
  expect(j15).toBeGreaterThanOrEqual(0);
  expect(j1h).toBeGreaterThanOrEqual(0);
  const set = (spec: Parameters<IndicatorPlan['slot']>[0], index: number, value: number) => {
    // Only slots the configured strategies registered exist (scalping has no Bollinger bands).
    const slot = plan.slot(spec);
    if (slot < s.ind.length) s.ind[slot]![index] = value;
  };
  s.close[i] = scene.close;
  s.volume[i] = scene.volume;
  set({ kind: 'adx', timeframe: '5m', period: 14 }, i, scene.adx);
  set({ kind: 'plusDi', timeframe: '5m', period: 14 }, i, scene.plusDi);
  set({ kind: 'minusDi', timeframe: '5m', period: 14 }, i, scene.minusDi);
  set({ kind: 'atr', timeframe: '5m', period: 14 }, i, scene.atr);
  set({ kind: 'rsi', timeframe: '5m', period: 14 }, i, scene.rsi);
  set({ kind: 'chop', timeframe: '5m', period: 14 }, i, scene.chop);
  set({ kind: 'sma', source: 'volume', timeframe: '5m', period: 20 }, i, scene.volumeAverage);
  set({ kind: 'sma', source: 'close', timeframe: '5m', period: 10 }, i, scene.fast5m);
  set({ kind: 'sma', source: 'close', timeframe: '5m', period: 30 }, i, scene.slow5m);
  const fastSlot = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: 10 });
  const slowSlot = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: 30 });
  set({ kind: 'lastCrossUp', timeframe: '5m', fast: fastSlot, slow: slowSlot, period: 30 }, i, scene.candlesSinceCross < 0 ? -1 : i - scene.candlesSinceCross);
  set({ kind: 'sma', source: 'close', timeframe: '5m', period: 20 }, i, scene.bandMean);
  set({ kind: 'stdDev', timeframe: '5m', period: 20 }, i, scene.bandStd);
  set({ kind: 'sma', source: 'close', timeframe: '15m', period: 10 }, j15, scene.fast15m);
  set({ kind: 'sma', source: 'close', timeframe: '15m', period: 30 }, j15, scene.slow15m);
  set({ kind: 'sma', source: 'close', timeframe: '1h', period: 10 }, j1h, scene.fast1h);
  set({ kind: 'sma', source: 'close', timeframe: '1h', period: 30 }, j1h, scene.slow1h);
  return { verdict: regime.entry(s, i), regime: regime.regimeAt(s, i) };
}

describe('Strategy: regime orchestrator (conservative thresholds: trend ADX ≥ 25, range ADX ≤ 20)', () => {
  it.each([
    // [case, scene change, rule, regime]
    ['ADX still warming up', { adx: Number.NaN }, 'regime.warmup', 'unclear'],
    ['too volatile: ATR 1.5% of price > 1%', { atr: 1.5 }, 'regime.volatile', 'volatile'],
    ['strong trend down (−DI above +DI)', { plusDi: 15, minusDi: 25 }, 'regime.downtrend', 'trend-down'],
    ['ADX 22: neither trend nor range', { adx: 22 }, 'regime.unclear', 'unclear'],
    ['trend, but the 5m fast SMA is below the slow one', { fast5m: 98 }, 'momentum.trend', 'trend-up'],
    ['trend, but the 1h trend is down', { fast1h: 97 }, 'regime.higher-timeframes', 'trend-up'],
    ['trend, but the 15m trend is down', { fast15m: 98 }, 'regime.higher-timeframes', 'trend-up'],
    ['trend, but RSI 75 > 70 (overbought)', { rsi: 75 }, 'regime.rsi', 'trend-up'],
    ['trend, but volume 0.8 × its average < 1', { volume: 8 }, 'regime.volume', 'trend-up'],
    ['trend, but choppiness 60 > 50', { chop: 60 }, 'regime.chop', 'trend-up'],
  ] as const)('refuses: %s', (_name, change, rule, regime) => {
    const r = regimeAt({ ...TREND, ...change });
    expect(r.verdict.ok).toBe(false);
    if (r.verdict.ok) return;
    expect(r.verdict.rule).toBe(rule);
    expect(r.regime).toBe(regime);
  });

  it('a clean uptrend routes to momentum; confidence = 0.4 × 1 + 0.3 × (30 − 15)/25 + 0.3 × 1.2/2 = 0.76', () => {
    const { verdict } = regimeAt(TREND);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.signal.strategy).toBe('momentum');
    expect(verdict.signal.confidence).toBeCloseTo(0.76, 12);
    expect(verdict.signal.explanation).toMatchObject({ regime: 'trend-up', adx: 30, trend15m: 'up', trend1h: 'up', rsi: 60, chop: 40 });
    expect(verdict.signal.explanation.volumeRatio).toBeCloseTo(1.2, 12);
  });

  it('with the higher-timeframe filter off a 1h downtrend only lowers confidence: 0.4 × 0.5 + 0.18 + 0.18 = 0.56', () => {
    const { verdict } = regimeAt({ ...TREND, fast1h: 97 }, { filters: { higherTimeframes: false } });
    expect(verdict.ok && verdict.signal.confidence).toBeCloseTo(0.56, 12);
  });

  it('refuses below minConfidence: 0.4 × 0.5 + 0.3 × 10/25 + 0.3 × 0.5/2 = 0.395 < 0.5', () => {
    const { verdict } = regimeAt({ ...TREND, fast1h: 97, adx: 25, volume: 5 }, { filters: { higherTimeframes: false, volume: false } });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.rule).toBe('regime.confidence');
    expect(verdict.explanation.confidence).toBeCloseTo(0.395, 12);
  });

  it('a range with the close below the lower band routes to mean reversion; confidence = 0.4 × 1 + 0.3 × (50 − 30)/30 + 0.3 × 1 = 0.9', () => {
    const { verdict, regime } = regimeAt(RANGE);
    expect(regime).toBe('range');
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.signal.strategy).toBe('meanReversion');
    expect(verdict.signal.targetPrice).toBe(102);
    expect(verdict.signal.confidence).toBeCloseTo(0.9, 12);
    expect(verdict.signal.explanation).toMatchObject({ regime: 'range', trend1h: 'up' });
  });

  it.each([
    ['the close is not below the band', { close: 100.5 }, 'meanReversion.band'],
    ['the 1h trend is down (falling knife)', { fast1h: 97 }, 'regime.higher-timeframes'],
    ['RSI 40 > 35 (not oversold)', { rsi: 40 }, 'regime.rsi'],
    ['volume below its average', { volume: 9 }, 'regime.volume'],
  ] as const)('range refuses when %s', (_name, change, rule) => {
    const { verdict } = regimeAt({ ...RANGE, ...change });
    expect(!verdict.ok && verdict.rule).toBe(rule);
  });

  it('range routes to scalping when configured (close 99 is 2.9% under SMA10 = 102)', () => {
    const { verdict } = regimeAt({ ...RANGE, fast5m: 102 }, { rangeStrategy: 'scalping' }, 'scalping');
    expect(verdict.ok && verdict.signal.strategy).toBe('scalping');
  });

  it('a regime routed to none stays out', () => {
    expect(regimeAt(RANGE, { rangeStrategy: 'none' }).verdict).toMatchObject({ ok: false, rule: 'regime.range-off' });
    expect(regimeAt(TREND, { trendStrategy: 'none' }).verdict).toMatchObject({ ok: false, rule: 'regime.trend-off' });
  });

  it('aggressive lowers the thresholds: ADX 22 is a trend, RSI 75 and volume 0.8× pass, choppiness 60 passes', () => {
    const scene = { ...TREND, adx: 22, rsi: 75, volume: 8, chop: 60 };
    expect(regimeAt(scene).verdict.ok).toBe(false);
    const { verdict, regime } = regimeAt(scene, { aggressive: true });
    expect(regime).toBe('trend-up');
    expect(verdict.ok && verdict.signal.strategy).toBe('momentum');
  });

  it('trendEntry "cross" needs a fresh 5m cross, "trend" only fast above slow', () => {
    expect(regimeAt(TREND).verdict.ok).toBe(true); // the cross was 5 candles ago
    expect(regimeAt(TREND, { trendEntry: 'cross' }).verdict).toMatchObject({ ok: false, rule: 'momentum.cross' });
    expect(regimeAt({ ...TREND, candlesSinceCross: 0 }, { trendEntry: 'cross' }).verdict).toMatchObject({ ok: true, signal: { strategy: 'momentum' } });
  });
});
