// Test support (learning): trades with version-2 entry features from a real replay of the
// project's generated markets (functions/sandbox's candle generator, as the benchmark uses it),
// and a small, fast forest configuration.
import { parseConfig, type BotConfig, type BotConfigInput } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { CandleColumns } from '../../../functions/core/engine/candleColumns.js';
import { generatedColumns } from '../../../functions/backtest/bench.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import type { BacktestInput } from '../../../functions/backtest/runBacktest.js';

export const PAIRS = ['BTC/USD', 'SOL/USD'];
/** 40 days of 5m candles per pair. */
export const CANDLES = 40 * 288;

/** The aggressive regime strategy (many trades) and a forest small enough for tests. */
export function learningTestConfig(overrides: BotConfigInput = {}): BotConfig {
  return parseConfig({
    pairs: PAIRS,
    strategies: { use: ['regime'], regime: { aggressive: true } },
    limits: { maxTradesPerDay: 40, maxTradesPerPairPerDay: 20, maxDailyLossQuote: 1_000 },
    protections: { enabled: false },
    learning: { minProbability: 0.5, training: { trainDays: 10, testDays: 5, minTrainTrades: 15, minTestTrades: 5, trees: 12, maxDepth: 4, minNodeTrades: 4 } },
    ...overrides,
  });
}

let cached: Map<string, CandleColumns> | undefined;

/** The generated candles (the same every run). */
export function generatedSeries(): { pair: string; columns: CandleColumns }[] {
  cached ??= new Map(PAIRS.map((p) => [p, generatedColumns(p, CANDLES)]));
  return PAIRS.map((pair) => ({ pair, columns: cached!.get(pair)! }));
}

/** A replay input over `series` with `config`. */
export function backtestInput(config: BotConfig, series = generatedSeries()): BacktestInput {
  return { config, engine: createDecisionEngine(config), series, markets: builtInMarkets(PAIRS, config.paper.takerFeeRate), startingQuote: 10_000 };
}
