// The replay's fast paths change nothing: candles held as columns, the engine's screens (no view
// filled, nothing allocated when no strategy signals) and series prepared on worker threads give
// the same trades, fills, refusals and equity curve as candle objects through the engine's plain
// prepare / checkEntry / checkExit.
import { describe, expect, it } from 'vitest';
import { generatedCandles } from '../../../functions/backtest/bench.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { PreparePool } from '../../../functions/backtest/parallelPrepare.js';
import { runBacktest, type BacktestInput, type BacktestSeries } from '../../../functions/backtest/runBacktest.js';
import { parseConfig, type BotConfigInput } from '../../../functions/core/config.js';
import { columnsFromCandles } from '../../../functions/core/engine/candleColumns.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { DecisionEngine } from '../../../functions/core/engine/types.js';
import type { Candle, Pair } from '../../../functions/core/types.js';

const PAIRS: Pair[] = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

/** Three pairs of generated candles, one with holes (a missing candle every so often, and a missing hour). */
const CANDLES: Record<Pair, Candle[]> = {
  'BTC/USD': generatedCandles('BTC/USD', 12_000),
  'ETH/USD': generatedCandles('ETH/USD', 12_000).filter((_, k) => k % 1_999 !== 5 && !(k > 6_000 && k < 6_012)),
  'SOL/USD': generatedCandles('SOL/USD', 11_000).slice(300),
};

/** Only the methods every engine has: prepare from candle objects, checkEntry and checkExit at every candle. */
function plainEngine(engine: DecisionEngine): DecisionEngine {
  return {
    warmupCandles: engine.warmupCandles,
    prepare: engine.prepare.bind(engine),
    checkEntry: engine.checkEntry.bind(engine),
    checkExit: engine.checkExit.bind(engine),
    checkForcedEntry: engine.checkForcedEntry.bind(engine),
  };
}

function replay(cfg: BotConfigInput, series: BacktestSeries[], engine: DecisionEngine | ((e: DecisionEngine) => DecisionEngine) = (e) => e, extra: Partial<BacktestInput> = {}) {
  const config = parseConfig({ ...cfg, pairs: PAIRS, paper: { startingBalances: { USD: 10_000 } } });
  const e = typeof engine === 'function' ? engine(createDecisionEngine(config)) : engine;
  return runBacktest({ config, engine: e, series, markets: builtInMarkets(PAIRS, config.paper.takerFeeRate), startingQuote: 10_000, ...extra });
}

const asCandles = (): BacktestSeries[] => PAIRS.map((pair) => ({ pair, candles: CANDLES[pair]! }));
const asColumns = (): BacktestSeries[] => PAIRS.map((pair) => ({ pair, columns: columnsFromCandles(CANDLES[pair]!) }));

describe('replay fast paths', () => {
  const cases: [string, BotConfigInput, Partial<BacktestInput>][] = [
    ['default configuration', {}, {}],
    ['aggressive, next-open exit fills, a date range', { strategies: { regime: { aggressive: true } } }, { exitFill: 'next-open', fromMs: Date.UTC(2023, 0, 5), toMs: Date.UTC(2023, 1, 10) }],
    ['several strategies, tight daily limits', { strategies: { use: ['momentum', 'meanReversion', 'scalping'] }, limits: { maxTradesPerDay: 4, maxTradesPerPairPerDay: 2, maxDailyLossQuote: 3 } }, {}],
  ];

  it.each(cases)('%s: columns and screens decide exactly like candle objects through checkEntry / checkExit', (_label, cfg, extra) => {
    const plain = replay(cfg, asCandles(), plainEngine, extra);
    const fast = replay(cfg, asColumns(), (e) => e, extra);
    expect(plain.trades.length).toBeGreaterThan(10);
    expect(fast.summary).toEqual(plain.summary);
    expect(fast.trades).toEqual(plain.trades);
    expect(fast.fills).toEqual(plain.fills);
    expect(Array.from(fast.equity.equityQuote)).toEqual(Array.from(plain.equity.equityQuote));
    expect(Array.from(fast.equity.closeTimeMs)).toEqual(Array.from(plain.equity.closeTimeMs));
  });

  it('series prepared on worker threads replay exactly like series prepared here', async () => {
    const config = parseConfig({ pairs: PAIRS, paper: { startingBalances: { USD: 10_000 } } });
    const pool = await PreparePool.start(2);
    try {
      const engine = createDecisionEngine(config);
      const prepared = await pool.prepare(config, engine, asColumns());
      const here = replay({}, asColumns());
      const there = runBacktest({ config, engine, series: prepared, markets: builtInMarkets(PAIRS, config.paper.takerFeeRate), startingQuote: 10_000 });
      expect(there.summary).toEqual(here.summary);
      expect(there.fills).toEqual(here.fills);
      expect(Array.from(there.equity.equityQuote)).toEqual(Array.from(here.equity.equityQuote));
    } finally {
      await pool.close();
    }
  }, 60_000);

  it.each([
    ['default configuration', {}],
    ['tight daily limits', { strategies: { use: ['momentum', 'meanReversion', 'scalping'] }, limits: { maxTradesPerDay: 4, maxTradesPerPairPerDay: 2, maxDailyLossQuote: 3 } }],
  ] as [string, BotConfigInput][])('%s: pairs on one time grid step together exactly as pairs whose next candle is searched for', (_label, cfg) => {
    // Three pairs with the same candle times take the shared-index path; a fourth pair whose
    // candles all come after theirs forces the search, and changes nothing while the three trade.
    const grid: Pair[] = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
    const gridCandles = Object.fromEntries(grid.map((p) => [p, generatedCandles(p, 9_000)])) as Record<Pair, Candle[]>;
    const endMs = gridCandles['BTC/USD']!.at(-1)!.openTimeMs;
    const late = generatedCandles('DOGE/USD', 9_500).filter((c) => c.openTimeMs > endMs + 3_600_000);
    const run = (pairs: Pair[], series: BacktestSeries[]) => {
      const config = parseConfig({ ...cfg, pairs, paper: { startingBalances: { USD: 10_000 } } });
      return runBacktest({ config, engine: createDecisionEngine(config), series, markets: builtInMarkets(pairs, config.paper.takerFeeRate), startingQuote: 10_000 });
    };
    const together = run(grid, grid.map((pair) => ({ pair, columns: columnsFromCandles(gridCandles[pair]!) })));
    const searched = run([...grid, 'DOGE/USD'], [...grid.map((pair) => ({ pair, columns: columnsFromCandles(gridCandles[pair]!) })), { pair: 'DOGE/USD', candles: late }]);
    expect(together.trades.length).toBeGreaterThan(10);
    const first = (r: typeof together) => r.trades.filter((t) => t.pair !== 'DOGE/USD');
    expect(first(searched)).toEqual(first(together));
    expect(searched.fills.filter((f) => f.pair !== 'DOGE/USD')).toEqual(together.fills);
    expect(Array.from(searched.equity.equityQuote.subarray(0, together.equity.length))).toEqual(Array.from(together.equity.equityQuote));
    for (const pair of grid) expect(searched.summary.pairs[pair]).toEqual(together.summary.pairs[pair]);
    const refusals = (r: typeof together) => Object.entries(r.summary.refusals).map(([k, v]) => [k, v] as const);
    // Every refusal of the three pairs happened before the fourth had a candle.
    expect(refusals(together).length).toBeGreaterThan(0);
    for (const [key, count] of refusals(together)) expect(searched.summary.refusals[key]!).toBeGreaterThanOrEqual(count);
  });

  it('refuses a series prepared for other candles', () => {
    const config = parseConfig({ pairs: PAIRS });
    const engine = createDecisionEngine(config);
    const series = asColumns().map((s) => ({ ...s, prepared: engine.prepareColumns!(s.pair, columnsFromCandles(CANDLES[s.pair]!.slice(0, 5_000))) }));
    expect(() => runBacktest({ config, engine, series, markets: builtInMarkets(PAIRS, 0.004), startingQuote: 1_000 })).toThrow(/prepared series holds 5000 candles/);
  });
});
