// Entry features: what the engine records about the market with every entry it decides, that
// they are the values its rules compared, and that recording them never delays a decision.
import { describe, expect, it } from 'vitest';
import { generatedCandles } from '../../../functions/backtest/bench.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { parseConfig } from '../../../functions/core/config.js';
import { columnsFromCandles } from '../../../functions/core/engine/candleColumns.js';
import { classifyRegime, priceTierOf, recentWinRate } from '../../../functions/core/engine/entryFeatures.js';
import { createDecisionEngine, simpleMomentumConfig } from '../../../functions/core/engine/index.js';
import type { DecisionEngine } from '../../../functions/core/engine/types.js';
import type { EntryFilter } from '../../../functions/core/learning/tradeFilter.js';
import { openPosition } from '../../../functions/core/positionLifecycle.js';
import { FIVE_MINUTES_MS } from '../../../functions/core/types.js';
import { closeOf, engineFor, makeExitTrade, makePortfolio, randomWalk } from './engineFixtures.js';

const N = 720;
const candles = randomWalk(N, 7, 100, 0.004);

describe('Engine: entry features', () => {
  it('records the regime, indicators, spread and time with a forced entry, matching the values computed by hand', () => {
    // Prepare
    const { engine } = engineFor({ risk: { minQuoteVolume24h: 0 } });
    const series = engine.prepare('BTC/USD', candles);
    const i = N - 1;
    const portfolio = makePortfolio(closeOf(i) + 5_000, { spreadFraction: { 'BTC/USD': 0.0004 } });
    // Act
    const d = engine.checkForcedEntry(series, i, portfolio, 50);
    // Assess
    expect(d.action).toBe('buy');
    if (d.action !== 'buy') return;
    const f = d.plan.entryFeatures!;
    const closes = candles.map((c) => c.close);
    const last20 = closes.slice(-20);
    const mean20 = last20.reduce((s, x) => s + x, 0) / 20;
    const std20 = Math.sqrt(last20.reduce((s, x) => s + (x - mean20) ** 2, 0) / 20);
    const mean50 = closes.slice(-50).reduce((s, x) => s + x, 0) / 50;
    const close = closes[i]!;
    expect(f).toMatchObject({ version: 2, strategy: 'force-entry', confidence: 1, spreadFraction: 0.0004, recentWinRate: null });
    expect(f.smaDistance20).toBeCloseTo(close / mean20 - 1, 10);
    expect(f.smaDistance50).toBeCloseTo(close / mean50 - 1, 10);
    expect(f.bollingerPercentB).toBeCloseTo((close - (mean20 - 2 * std20)) / (4 * std20), 8);
    const volumeAverage = candles.slice(-20).reduce((s, c) => s + c.volume, 0) / 20;
    expect(f.volumeRatio).toBeCloseTo(candles[i]!.volume / volumeAverage, 10);
    for (const key of ['adx', 'plusDi', 'minusDi', 'rsi', 'atrFraction'] as const) expect(f[key], key).toBeGreaterThan(0);
    expect(f.rsi).toBeLessThan(100);
    const closeAt = new Date(candles[i]!.openTimeMs + FIVE_MINUTES_MS);
    expect([f.hourUtc, f.weekdayUtc]).toEqual([closeAt.getUTCHours(), closeAt.getUTCDay()]);
    expect(f.regime).toBe(classifyRegime(f.adx, f.plusDi, f.minusDi, f.atrFraction, { trendAdxMin: 25, rangeAdxMax: 20, maxAtrFraction: 0.01 }));
  });

  it('classifies the regime exactly as the regime strategy did on every candle it explained', () => {
    const { engine } = engineFor({ risk: { minQuoteVolume24h: 0 } });
    const series = engine.prepare('BTC/USD', candles);
    let compared = 0;
    for (let i = 400; i < N; i += 7) {
      const pf = makePortfolio(closeOf(i) + 5_000);
      const refusal = engine.checkEntry(series, i, pf);
      const regime = refusal.action === 'none' ? refusal.explanation.regime : undefined;
      if (typeof regime !== 'string') continue;
      const forced = engine.checkForcedEntry(series, i, pf, 50);
      if (forced.action !== 'buy') continue;
      expect(forced.plan.entryFeatures?.regime, `candle ${i}`).toBe(regime);
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('never delays a decision: features read informational slots that do not count toward the warm-up', () => {
    // A 5/20 momentum strategy needs about 21 candles; the 50-candle SMA distance must not make it wait for 50.
    const { engine } = engineFor(simpleMomentumConfig({ fastSma: 5, slowSma: 20 }));
    expect(engine.warmupCandles).toBeLessThan(50);
    const i = engine.warmupCandles - 1;
    const d = engine.checkForcedEntry(engine.prepare('BTC/USD', candles.slice(0, i + 1)), i, makePortfolio(closeOf(i) + 5_000), 50);
    expect(d.action).toBe('buy');
    if (d.action !== 'buy') return;
    expect(d.plan.entryFeatures).toMatchObject({ strategy: 'force-entry', smaDistance50: null, adx: null, regime: null });
    expect(d.plan.entryFeatures?.smaDistance20).not.toBeNull();
  });

  it('travels from the plan to the position the fill opens', () => {
    const { engine } = engineFor({ risk: { minQuoteVolume24h: 0 } });
    const d = engine.checkForcedEntry(engine.prepare('BTC/USD', candles), N - 1, makePortfolio(closeOf(N - 1) + 5_000), 50);
    if (d.action !== 'buy') throw new Error('expected a buy');
    const position = openPosition({ mode: 'paper', pair: 'BTC/USD', entryClientOrderId: 'a'.repeat(32), plan: d.plan, referencePrice: d.referencePrice, fill: { filledBase: 0.5, costQuote: 50, feeQuote: 0.2, averagePrice: 100 }, entryTimeMs: closeOf(N - 1) });
    expect(position.entryFeatures).toEqual(d.plan.entryFeatures);
  });

  it('records the price tier by the configured bounds and the recent win rate of the closed trades it saw (version 2)', () => {
    // Prepare: 12 closed trades, the last 10 of which won 3 times (the two oldest won, and must not count).
    const pnls = [5, 5, -1, 2, -1, -1, 3, -1, -1, 4, -1, -1];
    const trades = pnls.map((pnl, k) => makeExitTrade(closeOf(N - 200 + k), { realizedPnlQuote: pnl }));
    const cheap = engineFor({ risk: { minQuoteVolume24h: 0 }, learning: { priceTierBounds: [50, 99, 150] } }).engine;
    const tiny = engineFor({ risk: { minQuoteVolume24h: 0 }, learning: { recentTrades: 3 } }).engine;
    const pf = makePortfolio(closeOf(N - 1) + 5_000, { recentTrades: trades });
    const close = candles[N - 1]!.close;
    // Act
    const withTiers = cheap.checkForcedEntry(cheap.prepare('BTC/USD', candles), N - 1, pf, 50);
    const lastThree = tiny.checkForcedEntry(tiny.prepare('BTC/USD', candles), N - 1, pf, 50);
    // Assess
    if (withTiers.action !== 'buy' || lastThree.action !== 'buy') throw new Error('expected buys');
    expect(withTiers.plan.entryFeatures).toMatchObject({ version: 2, priceTier: priceTierOf(close, [50, 99, 150]), recentWinRate: 3 / 10 });
    expect(lastThree.plan.entryFeatures?.recentWinRate).toBe(1 / 3);
    expect(lastThree.plan.entryFeatures?.priceTier).toBe(2); // the default bounds 0.05 and 0.15: the price is above both
  });

  it('puts a price exactly on a bound in the upper tier, and ignores rows without realized P&L', () => {
    expect([0.01, 0.05, 0.1, 0.15, 2].map((p) => priceTierOf(p, [0.05, 0.15]))).toEqual([0, 1, 1, 2, 2]);
    const buy = { ...makeExitTrade(1), side: 'buy' as const, realizedPnlQuote: undefined };
    expect(recentWinRate([makeExitTrade(1, { realizedPnlQuote: 1 }), buy, makeExitTrade(2, { realizedPnlQuote: 0 })], 10)).toBe(0.5);
    expect(recentWinRate([buy], 10)).toBeNull();
  });
});

describe('Engine: built without entry features (entryFeatures: false, as sweeps run)', () => {
  const PAIRS = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
  const replay = (entryFeatures: boolean, cfg: Record<string, unknown>) => {
    const config = parseConfig({ pairs: PAIRS, ...cfg, paper: { startingBalances: { USD: 10_000 } } });
    const engine = createDecisionEngine(config, { entryFeatures });
    const result = runBacktest({
      config,
      engine,
      series: PAIRS.map((pair) => ({ pair, columns: columnsFromCandles(generatedCandles(pair, 8_000)) })),
      markets: builtInMarkets(PAIRS, config.paper.takerFeeRate),
      startingQuote: 10_000,
    });
    return { engine, result };
  };

  it.each([
    ['the plain momentum configuration', simpleMomentumConfig({ fastSma: 20, slowSma: 50, stopLossFraction: 0.02, takeProfitFraction: 0.03, exitOnReversal: true })],
    ['the default strategy set', {}],
  ])('%s decides exactly the same, records no features and computes fewer indicators', (_label, cfg) => {
    const withFeatures = replay(true, cfg);
    const without = replay(false, cfg);
    expect(withFeatures.result.trades.length).toBeGreaterThan(10);
    expect(withFeatures.result.trades.every((t) => t.entryFeatures !== undefined)).toBe(true);
    expect(without.result.trades.some((t) => t.entryFeatures !== undefined)).toBe(false);
    expect(without.result.trades).toEqual(withFeatures.result.trades.map(({ entryFeatures: _dropped, ...t }) => t));
    expect(without.result.summary.refusals).toEqual(withFeatures.result.summary.refusals);
    expect(Array.from(without.result.equity.equityQuote)).toEqual(Array.from(withFeatures.result.equity.equityQuote));
    expect(without.engine.warmupCandles).toBe(withFeatures.engine.warmupCandles);
    const slots = (e: DecisionEngine) => (e as unknown as { plan: { specs: unknown[] } }).plan.specs.length;
    expect(slots(without.engine)).toBeLessThan(slots(withFeatures.engine));
  });

  it('refuses to apply a trade filter, which needs the features', () => {
    const config = parseConfig({ pairs: PAIRS, paper: { startingBalances: { USD: 10_000 } } });
    const filter: EntryFilter = { check: () => ({ ok: true, rule: 'trade-filter', explanation: {} }) } as unknown as EntryFilter;
    const run = (entryFeatures: boolean) =>
      runBacktest({
        config,
        engine: createDecisionEngine(config, { entryFeatures }),
        series: PAIRS.map((pair) => ({ pair, columns: columnsFromCandles(generatedCandles(pair, 8_000)) })),
        markets: builtInMarkets(PAIRS, config.paper.takerFeeRate),
        startingQuote: 10_000,
        learn: { retrainEveryDays: 1, retrain: () => filter },
      });
    expect(run(true).trades.length).toBeGreaterThan(0);
    expect(() => run(false)).toThrow(/trade filter needs the entry features/);
  });
});
