// Test support (research): small generated candles as columns, a plain momentum base
// configuration, and a sweep request over them.
import { generatedColumns } from '../../../functions/backtest/bench.js';
import { encodeCandleColumns, sha256Hex } from '../../../functions/backtest/candleCache.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import type { CandleColumns } from '../../../functions/core/engine/candleColumns.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/index.js';
import type { Pair } from '../../../functions/core/types.js';
import type { OptimizeRequest } from '../../../functions/research/optimizer.js';
import { parseSearchSpace } from '../../../functions/research/searchSpace.js';

/** Candle-series of generated pairs, with their content hashes. */
export function series(pairs: Pair[], candles: number): { pair: Pair; hash: string; columns: CandleColumns }[] {
  return pairs.map((pair) => {
    const columns = generatedColumns(pair, candles);
    return { pair, columns, hash: sha256Hex(encodeCandleColumns(columns, { format: 'header', sourceIntervalMinutes: 5 })) };
  });
}

/** The plain SMA crossover with a reversal exit, 10,000 USD. */
export function momentumBase(pairs: Pair[]): Record<string, unknown> {
  return { pairs, ...simpleMomentumConfig({ exitOnReversal: true }), paper: { startingBalances: { USD: 10_000 } } } as Record<string, unknown>;
}

export const SMALL_SPACE = `
# a small momentum space
momentum.fastSma = 5..20:5
momentum.slowSma = 30, 60
exits.stopLossFraction = 0.01, 0.02
`;

/** A walk-forward request over `candles` candles of the pairs. */
export function request(pairs: Pair[], candles: number, extra: Partial<OptimizeRequest> = {}): OptimizeRequest {
  return {
    baseConfig: momentumBase(pairs),
    params: parseSearchSpace(SMALL_SPACE),
    method: 'grid',
    objective: 'net',
    minTrades: 1,
    topK: 3,
    walkForward: { windows: 2 },
    series: series(pairs, candles),
    markets: builtInMarkets(pairs, 0.004),
    startingQuote: 10_000,
    exitFill: 'level',
    ...extra,
  };
}
