// prepare(): higher timeframes map to the last CLOSED candle (no look-ahead), values at index i
// depend only on candles up to i, and a live 719-candle window decides like the whole history.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { PreparedPairSeries } from '../../../functions/core/engine/preparedPairSeries.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';
import { FIVE_MINUTES_MS } from '../../../functions/core/types.js';
import { T0, candlesFromCloses, engineFor, makePortfolio, makePosition, makeMarket, randomWalk } from './engineFixtures.js';

describe('prepare: higher-timeframe mapping', () => {
  const { engine } = engineFor({});
  const s = engine.prepare('BTC/USD', randomWalk(30, 1)) as PreparedPairSeries;

  it.each([
    // [5m index, its close, last closed 15m index, last closed 1h index]
    [0, '00:05', -1, -1],
    [1, '00:10', -1, -1],
    [2, '00:15', 0, -1], // the 00:00–00:15 bucket has just closed with this candle
    [4, '00:25', 0, -1],
    [5, '00:30', 1, -1],
    [11, '01:00', 3, 0],
    [12, '01:05', 3, 0],
    [23, '02:00', 7, 1],
  ])('5m candle %i (closes %s) sees 15m #%i and 1h #%i', (i, _close, j15, j1h) => {
    expect(s.index15m[i]).toBe(j15);
    expect(s.index1h[i]).toBe(j1h);
    if (j15 >= 0) expect(s.candles15m[j15]!.openTimeMs + 15 * 60_000).toBeLessThanOrEqual(s.closeTimeMs(i));
  });

  it('a missing 5m candle drops its 15m and 1h buckets: candles there see −1, not an older candle', () => {
    const candles = randomWalk(36, 2).filter((_, k) => k !== 7);
    const g = engine.prepare('BTC/USD', candles) as PreparedPairSeries;
    // After removing index 7, candle 7 of the new series is the old 8 (closes 00:45): bucket 00:30–00:45 is incomplete.
    expect(g.index15m[7]).toBe(-1);
    expect(g.candles15m.map((c) => (c.openTimeMs - T0) / 60_000)).not.toContain(30);
    expect(g.index1h[10]).toBe(-1); // closes 01:00: the first hour is incomplete
    expect(g.index1h[22]).toBe(0); // closes 02:00: 01:00–02:00 is complete, and the first hour resampled
    expect(g.candles1h[0]!.openTimeMs).toBe(T0 + 60 * 60_000);
    expect(g.gapFreeRun[6]).toBe(7);
    expect(g.gapFreeRun[7]).toBe(1);
  });
});

describe('prepare: no look-ahead', () => {
  it('every indicator value a decision at i reads is the same when the series ends at i', () => {
    const { engine } = engineFor({ strategies: { use: ['regime', 'momentum', 'meanReversion', 'scalping'] }, risk: { minQuoteVolume24h: 1 } });
    const candles = randomWalk(900, 3);
    const full = engine.prepare('BTC/USD', candles) as PreparedPairSeries;
    const specs = full.plan.specs;
    let compared = 0;
    for (const i of [400, 401, 402, 455, 617, 718, 899]) {
      const cut = engine.prepare('BTC/USD', candles.slice(0, i + 1)) as PreparedPairSeries;
      expect(cut.index15m[i]).toBe(full.index15m[i]);
      expect(cut.index1h[i]).toBe(full.index1h[i]);
      specs.forEach((spec, slot) => {
        const j = spec.timeframe === '5m' ? i : spec.timeframe === '15m' ? full.index15m[i]! : full.index1h[i]!;
        if (j < 0) return;
        const a = full.ind[slot]![j]!;
        const b = cut.ind[slot]![j]!;
        compared++;
        if (Number.isNaN(a)) expect(Number.isNaN(b)).toBe(true);
        else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
      });
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('a live window of the last 719 candles decides like the whole history at the same candle', () => {
    const { engine } = engineFor({ risk: { minQuoteVolume24h: 0 }, fees: { requireEdge: false } });
    const candles = randomWalk(3_000, 4, 100, 0.006);
    const full = engine.prepare('BTC/USD', candles);
    const outcomes = new Map<string, number>();
    for (let i = 1_500; i < 3_000; i += 7) {
      const window = engine.prepare('BTC/USD', candles.slice(i - 718, i + 1));
      const nowMs = candles[i]!.openTimeMs + FIVE_MINUTES_MS;
      const a = engine.checkEntry(full, i, makePortfolio(nowMs));
      const b = engine.checkEntry(window, 718, makePortfolio(nowMs));
      const key = a.action === 'buy' ? 'buy' : a.rule;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      expect({ i, action: b.action, rule: b.action === 'none' ? b.rule : 'buy' }).toEqual({ i, action: a.action, rule: a.action === 'none' ? a.rule : 'buy' });
      if (a.action === 'buy' && b.action === 'buy') {
        expect(b.costQuote).toBe(a.costQuote);
        expect(b.plan.stopPrice!).toBeCloseTo(a.plan.stopPrice!, 8);
      }
    }
    // The comparison covered several different outcomes, not one refusal repeated.
    expect(outcomes.size).toBeGreaterThanOrEqual(4);
  });
});

describe('prepare: warm-up and ownership', () => {
  it.each([
    ['the default regime (1h SMA 30: 30 × 12 + 11)', 371, {}],
    ['simple momentum 10/30 (a cross needs 31 candles)', 31, simpleMomentumConfig()],
    ['momentum with ATR exits on 1h (ATR 14 needs 15 hours + 11)', 191, { ...simpleMomentumConfig(), exits: { mode: 'atr' } }],
  ] as const)('%s needs %i candles', (_name, expected, input) => {
    expect(engineFor(input as object).engine.warmupCandles).toBe(expected);
  });

  it('refuses a configuration a live 719-candle window cannot serve', () => {
    expect(() => createDecisionEngine(parseConfig({ strategies: { regime: { trend1h: { fastSma: 20, slowSma: 60 } } } }))).toThrow(/need 731 closed 5m candles, more than the 719/);
  });

  it('refuses series prepared by another engine and indexes outside the series', () => {
    const a = engineFor({}).engine;
    const b = engineFor({}).engine;
    const s = a.prepare('BTC/USD', candlesFromCloses([1, 2, 3]));
    expect(() => b.checkEntry(s, 2, makePortfolio(T0))).toThrow(/not prepared by this engine/);
    expect(() => a.checkExit(makePosition(), s, 3, T0, 1, makeMarket())).toThrow(RangeError);
    expect(a.checkEntry(s, 2, makePortfolio(T0))).toMatchObject({ action: 'none', stage: 'signal', rule: 'warmup' });
  });
});
