// The engine's allocation-free fast paths for replays must decide exactly like the full ones:
// a strategy's signals() like entry().ok, screenEntry like checkEntry, screenExit like checkExit,
// and a series prepared from columns like one prepared from candle objects.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig, type BotConfigInput } from '../../../functions/core/config.js';
import { columnsFromCandles, resampleColumns, candlesFromColumns } from '../../../functions/core/engine/candleColumns.js';
import { meanReversionConfigSchema, momentumConfigSchema, regimeConfigSchema, scalpingConfigSchema } from '../../../functions/core/engine/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import { IndicatorPlan, type IndicatorSpec } from '../../../functions/core/engine/indicatorPlan.js';
import { PreparedPairSeries } from '../../../functions/core/engine/preparedPairSeries.js';
import { MeanReversionStrategy } from '../../../functions/core/engine/strategies/meanReversion.js';
import { MomentumStrategy } from '../../../functions/core/engine/strategies/momentum.js';
import { RegimeStrategy } from '../../../functions/core/engine/strategies/regime.js';
import { ScalpingStrategy } from '../../../functions/core/engine/strategies/scalping.js';
import type { Strategy } from '../../../functions/core/engine/strategies/strategy.js';
import type { DecisionEngine } from '../../../functions/core/engine/types.js';
import { resample } from '../../../functions/core/candles.js';
import { rollingMax, rollingMin } from '../../../functions/core/indicators/rollingExtremes.js';
import { FIVE_MINUTES_MS, type Candle, type DayCounters, type Position } from '../../../functions/core/types.js';
import { CandleGenerator } from '../../../functions/sandbox/candleGenerator.js';
import { T0, makeDay, makeMarket, makePortfolio, makePosition, randomWalk } from './engineFixtures.js';

/** Candles with trends and ranges, so every regime route is taken. */
function marketLike(count: number, seed: number): Candle[] {
  const gen = new CandleGenerator({ seed, startOpenTimeMs: T0, startPrice: 100, volatility5m: 0.002, baseVolume5m: 50, priceDecimals: 3 });
  return Array.from({ length: count }, () => gen.next());
}

describe('strategies: signals() decides exactly like entry().ok', () => {
  /** Values drawn near the default and aggressive thresholds, equal to them, and missing. */
  const near = (...xs: number[]) => fc.oneof({ arbitrary: fc.constantFrom(...xs), weight: 12 }, { arbitrary: fc.constant(Number.NaN), weight: 1 });
  const scene = fc.record({
    close: near(99, 100, 101),
    adx: near(14, 20, 22, 25, 30),
    plusDi: near(10, 20, 30),
    minusDi: near(10, 20, 30),
    atr: near(0.5, 1, 1.5, 2.5),
    rsi: near(20, 35, 45, 70, 78, 90),
    chop: near(40, 50, 61.8, 70),
    volume: near(5, 7, 10, 12, 30),
    volumeAverage: near(10),
    fast5m: near(98, 99, 100, 101),
    slow5m: near(99, 100),
    sinceCross: fc.constantFrom(-1, 0, 1, 5),
    bandMean: near(99, 100, 102),
    bandStd: near(0, 0.5, 1),
    fast15m: near(99, 100),
    slow15m: near(99, 100),
    fast1h: near(98, 99, 100),
    slow1h: near(99, 100),
  });

  const setups: [string, (plan: IndicatorPlan) => Strategy & { signals: NonNullable<Strategy['signals']> }][] = [];
  for (const [label, regimeInput] of [
    ['regime (default)', {}],
    ['regime (aggressive)', { aggressive: true }],
    ['regime (cross entries, scalping ranges)', { trendEntry: 'cross', rangeStrategy: 'scalping' }],
    ['regime (no filters)', { filters: { higherTimeframes: false, rsi: false, volume: false, chop: false } }],
    ['regime (trend and range off)', { trendStrategy: 'none', rangeStrategy: 'none' }],
  ] as const) {
    setups.push([
      label,
      (plan) => {
        const config = regimeConfigSchema.parse(regimeInput);
        const momentum = new MomentumStrategy(momentumConfigSchema.parse({}), plan);
        const range =
          config.rangeStrategy === 'meanReversion'
            ? new MeanReversionStrategy(meanReversionConfigSchema.parse({}), plan)
            : config.rangeStrategy === 'scalping'
              ? new ScalpingStrategy(scalpingConfigSchema.parse({}), plan)
              : undefined;
        return new RegimeStrategy(config, plan, momentum, range);
      },
    ]);
  }
  setups.push(['momentum (cross within 2)', (plan) => new MomentumStrategy(momentumConfigSchema.parse({ crossWithinCandles: 2 }), plan)]);
  setups.push(['mean reversion (upper band)', (plan) => new MeanReversionStrategy(meanReversionConfigSchema.parse({ exitAt: 'upper' }), plan)]);
  setups.push(['scalping', (plan) => new ScalpingStrategy(scalpingConfigSchema.parse({ dipFraction: 0.01 }), plan)]);

  it.each(setups)('%s, on hand-set indicator values around every threshold', (label, make) => {
    const plan = new IndicatorPlan();
    const strategy = make(plan);
    const s = new PreparedPairSeries('BTC/USD', randomWalk(800, 9), plan);
    const i = s.length - 1;
    const set = (spec: IndicatorSpec, index: number, value: number) => {
      const slot = plan.slot(spec);
      if (slot < s.ind.length) s.ind[slot]![index] = value;
    };
    let signals = 0;
    fc.assert(
      fc.property(scene, (v) => {
        s.close[i] = v.close;
        s.volume[i] = v.volume;
        set({ kind: 'adx', timeframe: '5m', period: 14 }, i, v.adx);
        set({ kind: 'plusDi', timeframe: '5m', period: 14 }, i, v.plusDi);
        set({ kind: 'minusDi', timeframe: '5m', period: 14 }, i, v.minusDi);
        set({ kind: 'atr', timeframe: '5m', period: 14 }, i, v.atr);
        set({ kind: 'rsi', timeframe: '5m', period: 14 }, i, v.rsi);
        set({ kind: 'chop', timeframe: '5m', period: 14 }, i, v.chop);
        set({ kind: 'sma', source: 'volume', timeframe: '5m', period: 20 }, i, v.volumeAverage);
        set({ kind: 'sma', source: 'close', timeframe: '5m', period: 10 }, i, v.fast5m);
        set({ kind: 'sma', source: 'close', timeframe: '5m', period: 30 }, i, v.slow5m);
        const fast = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: 10 });
        const slow = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: 30 });
        set({ kind: 'lastCrossUp', timeframe: '5m', fast, slow, period: 30 }, i, v.sinceCross < 0 ? -1 : i - v.sinceCross);
        set({ kind: 'sma', source: 'close', timeframe: '5m', period: 20 }, i, v.bandMean);
        set({ kind: 'stdDev', timeframe: '5m', period: 20 }, i, v.bandStd);
        set({ kind: 'sma', source: 'close', timeframe: '15m', period: 10 }, s.index15m[i]!, v.fast15m);
        set({ kind: 'sma', source: 'close', timeframe: '15m', period: 30 }, s.index15m[i]!, v.slow15m);
        set({ kind: 'sma', source: 'close', timeframe: '1h', period: 10 }, s.index1h[i]!, v.fast1h);
        set({ kind: 'sma', source: 'close', timeframe: '1h', period: 30 }, s.index1h[i]!, v.slow1h);
        const ok = strategy.entry(s, i).ok;
        if (ok) signals++;
        expect(strategy.signals(s, i)).toBe(ok);
      }),
      { numRuns: 3_000, seed: 20_240_101 },
    );
    if (!label.includes('off')) expect(signals).toBeGreaterThan(0);
  });

  it('on generated markets, candle by candle, for every strategy', () => {
    const candles = marketLike(6_000, 7);
    for (const setup of setups) {
      const plan = new IndicatorPlan();
      const strategy = setup[1](plan);
      const s = new PreparedPairSeries('BTC/USD', candles, plan);
      for (let i = 0; i < s.length; i++) expect(strategy.signals(s, i), `${setup[0]} at ${i}`).toBe(strategy.entry(s, i).ok);
    }
  });
});

describe('screenEntry decides like checkEntry', () => {
  const configs: [string, BotConfigInput][] = [
    ['default', {}],
    ['aggressive', { strategies: { regime: { aggressive: true } } }],
    ['several strategies', { strategies: { use: ['momentum', 'meanReversion', 'scalping'] } }],
    ['a pair with its own list', { strategies: { pairs: { 'BTC/USD': { use: ['scalping'] } } } }],
  ];
  const days: [string, DayCounters][] = [
    ['a quiet day', makeDay()],
    ['the daily trade cap reached', makeDay({ trades: 50, tradesByPair: { 'BTC/USD': 1 } })],
    ['the pair cap reached', makeDay({ trades: 4, tradesByPair: { 'BTC/USD': 20 } })],
    ['the kill switch tripped', makeDay({ killSwitchTripped: true })],
    ['the daily loss limit reached', makeDay({ realizedPnlQuote: -1e9 })],
  ];
  const candles = marketLike(2_500, 11);

  it.each(configs)('%s', (_label, input) => {
    const config = parseConfig({ pairs: ['BTC/USD'], ...input });
    const engine = createDecisionEngine(config);
    const fromCandles = engine.prepare('BTC/USD', candles);
    const fromColumns = engine.prepareColumns!('BTC/USD', columnsFromCandles(candles));
    let signalled = 0;
    for (const [dayLabel, day] of days) {
      for (let i = 0; i < candles.length; i += 1) {
        const pf = makePortfolio(candles[i]!.openTimeMs + FIVE_MINUTES_MS, { day, markets: { 'BTC/USD': makeMarket() } });
        const full = engine.checkEntry(fromCandles, i, pf);
        for (const series of [fromCandles, fromColumns]) {
          const screen = engine.screenEntry!(series, i, day);
          const where = `${dayLabel}, candle ${i}`;
          if (screen === undefined) {
            expect(full.action === 'buy' || full.stage === 'risk', where).toBe(true);
            if (full.action === 'none') expect(['kill-switch', 'daily-loss', 'daily-trade-cap', 'pair-trade-cap'], where).not.toContain(full.rule);
          } else {
            expect(full.action, where).toBe('none');
            if (full.action === 'none') {
              expect(full.stage, where).toBe(screen.stage);
              if (screen.stage === 'risk') expect(full.rule, where).toBe(screen.rule);
            }
          }
        }
        if (full.action === 'buy' || full.signal) signalled++;
      }
    }
    expect(signalled).toBeGreaterThan(0);
  });

  it('a series screened by an engine with other strategies is screened again, not trusted', () => {
    const candlesCols = columnsFromCandles(candles);
    const a = createDecisionEngine(parseConfig({ pairs: ['BTC/USD'] }));
    const b = createDecisionEngine(parseConfig({ pairs: ['BTC/USD'], strategies: { regime: { aggressive: true } } }));
    const s = a.prepareColumns!('BTC/USD', candlesCols);
    const parts = (s as PreparedPairSeries).parts();
    expect(() => b.preparedFromParts!('BTC/USD', parts)).toThrow(/other strategies/);
    const adopted = a.preparedFromParts!('BTC/USD', parts);
    const day = makeDay();
    for (let i = 0; i < candles.length; i++) expect(a.screenEntry!(adopted, i, day)).toBe(a.screenEntry!(s, i, day));
  });
});

describe('screenExit decides like checkExit', () => {
  const candles = marketLike(3_000, 5);
  const config = parseConfig({ pairs: ['BTC/USD'], strategies: { use: ['momentum', 'meanReversion', 'scalping'], momentum: { exitOnReversal: true } } });
  const engine: DecisionEngine = createDecisionEngine(config);
  const s = engine.prepare('BTC/USD', candles);
  const market = makeMarket('BTC/USD', { minAmountBase: 0.001 });
  const position = fc.record({
    i: fc.integer({ min: 400, max: candles.length - 1 }),
    entryAgo: fc.integer({ min: -2, max: 400 }),
    strategy: fc.constantFrom('momentum', 'meanReversion', 'scalping', 'force-entry'),
    stop: fc.option(fc.double({ min: 0.9, max: 1.02, noNaN: true }), { nil: undefined }),
    target: fc.option(fc.double({ min: 0.98, max: 1.1, noNaN: true }), { nil: undefined }),
    trailing: fc.option(fc.record({ activation: fc.double({ min: 0.95, max: 1.05, noNaN: true }), highest: fc.double({ min: 0.95, max: 1.08, noNaN: true }), armed: fc.boolean() }), { nil: undefined }),
    holdLeftCandles: fc.option(fc.integer({ min: -3, max: 50 }), { nil: undefined }),
    amountBase: fc.constantFrom(0.0005, 1),
    freeBase: fc.constantFrom(0, 0.0005, 1),
  });

  it('for random positions at random candles', () => {
    let fired = 0;
    fc.assert(
      fc.property(position, (p) => {
        const close = candles[p.i]!.close;
        const nowMs = candles[p.i]!.openTimeMs + FIVE_MINUTES_MS;
        const pos: Position = makePosition({
          strategy: p.strategy,
          amountBase: p.amountBase,
          entryPrice: close,
          entryTimeMs: nowMs - p.entryAgo * FIVE_MINUTES_MS,
          ...(p.stop !== undefined ? { stopPrice: close * p.stop } : {}),
          ...(p.target !== undefined ? { takeProfitPrice: close * p.target } : {}),
          ...(p.trailing ? { trailing: { activationPrice: close * p.trailing.activation, distanceFraction: 0.01, highestPrice: close * p.trailing.highest, armed: p.trailing.armed } } : {}),
          ...(p.holdLeftCandles !== undefined ? { maxHoldUntilMs: nowMs + p.holdLeftCandles * FIVE_MINUTES_MS } : {}),
        });
        const full = engine.checkExit(pos, s, p.i, nowMs, p.freeBase, market);
        const mustAsk = full.action === 'sell' || full.updated !== undefined || full.blocked !== undefined;
        if (mustAsk) fired++;
        expect(engine.screenExit!(pos, s, p.i, nowMs)).toBe(mustAsk);
      }),
      { numRuns: 5_000, seed: 7 },
    );
    expect(fired).toBeGreaterThan(100);
  });
});

describe('columns', () => {
  it('resample columns exactly like candle objects, gaps and a ragged start included', () => {
    const candles = randomWalk(2_000, 3)
      .slice(5)
      .filter((_, k) => k % 97 !== 0 && !(k > 700 && k < 740));
    const cols = columnsFromCandles(candles);
    for (const ms of [15 * 60_000, 60 * 60_000]) expect(candlesFromColumns(resampleColumns(cols, ms))).toEqual(resample(candles, ms));
  });

  it('prepare from columns gives the same series as from candle objects', () => {
    const config = parseConfig({ pairs: ['BTC/USD'], strategies: { use: ['regime', 'momentum', 'meanReversion', 'scalping'] }, risk: { minQuoteVolume24h: 1 } });
    const engine = createDecisionEngine(config);
    const candles = marketLike(3_000, 2).filter((_, k) => k % 501 !== 7);
    const a = engine.prepare('BTC/USD', candles) as PreparedPairSeries;
    const b = engine.prepareColumns!('BTC/USD', columnsFromCandles(candles)) as PreparedPairSeries;
    expect(b.ind.length).toBe(a.ind.length);
    a.ind.forEach((values, slot) => expect(Array.from(b.ind[slot]!), `slot ${slot}`).toEqual(Array.from(values)));
    expect(Array.from(b.index15m)).toEqual(Array.from(a.index15m));
    expect(Array.from(b.index1h)).toEqual(Array.from(a.index1h));
    expect(Array.from(b.gapFreeRun)).toEqual(Array.from(a.gapFreeRun));
    expect(b.candles).toEqual(candles);
    expect(b.candles15m).toEqual(a.candles15m);
  });

  it('rolling highest and lowest match a plain scan, ties included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (values, period) => {
        const max = rollingMax(values, period);
        const min = rollingMin(values, period);
        for (let i = 0; i < values.length; i++) {
          if (i < period - 1) {
            expect(Number.isNaN(max[i]!) && Number.isNaN(min[i]!)).toBe(true);
            continue;
          }
          const window = values.slice(i - period + 1, i + 1);
          expect(max[i]).toBe(Math.max(...window));
          expect(min[i]).toBe(Math.min(...window));
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
