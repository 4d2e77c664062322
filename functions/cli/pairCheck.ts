// CLI support: refuse, before anything starts, a pair the venue does not list, naming the nearest
// listed symbol (`DOGE/USDD is not listed by Kraken; did you mean DOGE/USD?`). Used by paper, demo and backtest.
import { pairFromKrakenName } from '../backtest/krakenPairs.js';
import { builtInMarketBases } from '../backtest/marketTable.js';
import { ConfigError } from '../core/config.js';
import { formatUnlistedPair, unlistedPairs, type ConfigIssue } from '../core/configIssues.js';
import type { Pair } from '../core/types.js';
import { SANDBOX_MARKETS, findSandboxMarket } from '../sandbox/sandboxMarkets.js';
import { AssetPairsError, fetchAssetPairs, listedSymbols } from './assetPairsSnapshot.js';

/** One refused pair, as text for the user and as an issue (path `pairs.<i>`) for `--json`. */
export interface PairProblem {
  pair: Pair;
  line: string;
  issue: ConfigIssue;
}

/** Thrown when a configured pair is not listed; a `ConfigError`, so `kbot` prints it without a stack and exits 2. */
export class UnlistedPairError extends ConfigError {
  constructor(
    readonly problems: readonly PairProblem[],
    hint?: string,
  ) {
    super([...problems.map((p) => p.line), ...(hint ? [hint] : [])].join('\n'), problems.map((p) => p.issue));
  }
}

/**
 * The pairs of `pairs` that `listed` lacks, each with the nearest listed symbol. `rename` maps a
 * venue spelling (`XBT/USD`, `XBTUSD`) to the unified symbol first. Empty when all are listed.
 */
export function pairProblems(pairs: readonly Pair[], listed: Iterable<Pair>, listedBy: string, rename?: (pair: string) => string | undefined): PairProblem[] {
  return unlistedPairs(pairs, listed, rename).map((u) => ({
    pair: u.pair,
    line: formatUnlistedPair(u, listedBy),
    issue: { path: ['pairs', pairs.indexOf(u.pair)], message: `not listed by ${listedBy}`, ...(u.suggestion !== undefined ? { suggestion: u.suggestion } : {}) },
  }));
}

/** Throws `UnlistedPairError` when any pair is not listed. */
export function refuseUnlistedPairs(pairs: readonly Pair[], listed: Iterable<Pair>, listedBy: string, options: { rename?: (pair: string) => string | undefined; hint?: string } = {}): void {
  const problems = pairProblems(pairs, listed, listedBy, options.rename);
  if (problems.length) throw new UnlistedPairError(problems, options.hint);
}

/**
 * `kbot paper`: the pairs Kraken (or the server at `baseUrl`) lists, through the Kraken adapter's
 * own `loadMarkets`, so the check is the tick's. A pair left out is explained by `marketIssue`;
 * when it is not listed at all, the AssetPairs reply supplies the nearest symbol.
 */
export async function refuseUnlistedKrakenPairs(pairs: readonly Pair[], baseUrl: string): Promise<void> {
  // Loaded here: ccxt costs a few hundred ms to import, and only kbot paper asks Kraken.
  const { KrakenExchangeAdapter } = await import('../adapters/kraken/krakenExchange.js');
  const adapter = new KrakenExchangeAdapter({ baseUrl, enableRateLimit: false });
  const markets = await adapter.loadMarkets(pairs);
  const missing = pairs.filter((pair) => !markets[pair]);
  if (!missing.length) return;
  let symbols: Pair[] | undefined;
  try {
    symbols = listedSymbols(await fetchAssetPairs(baseUrl));
  } catch (err) {
    if (!(err instanceof AssetPairsError)) throw err;
  }
  const problems: PairProblem[] = missing.map((pair) => {
    const index = pairs.indexOf(pair);
    // Listed but unusable (e.g. without the precision the bot needs): the adapter's reason says why.
    if (!symbols || symbols.includes(pair)) {
      const why = adapter.marketIssue(pair) ?? `${pair} is not listed by Kraken`;
      return { pair, line: why, issue: { path: ['pairs', index], message: why } };
    }
    return pairProblems([pair], symbols, 'Kraken', pairFromKrakenName).map((p) => ({ ...p, issue: { ...p.issue, path: ['pairs', index] } }))[0]!;
  });
  throw new UnlistedPairError(problems);
}

/** `kbot demo`: the pairs the local sandbox lists (it also accepts Kraken's names, `XBTUSD`). */
export function refuseUnlistedSandboxPairs(pairs: readonly Pair[]): void {
  const symbols = SANDBOX_MARKETS.map((m) => m.symbol);
  refuseUnlistedPairs(pairs, symbols, 'the sandbox', {
    rename: (pair) => findSandboxMarket(SANDBOX_MARKETS, pair)?.symbol ?? pairFromKrakenName(pair),
    hint: `The sandbox lists ${symbols.filter((x) => !/^T\d\d\//.test(x)).join(', ')}, and T01/USD to T40/USD (synthetic).`,
  });
}

/** Quote currencies the built-in backtest market table is offered against: those Kraken quotes in (fiat, stablecoins, BTC, ETH). */
export const BUILT_IN_QUOTES = ['USD', 'EUR', 'USDT', 'USDC', 'PYUSD', 'DAI', 'GBP', 'CAD', 'CHF', 'JPY', 'AUD', 'BTC', 'ETH'] as const;

/** Symbols of the built-in backtest market table: its bases against the quotes above (never a base against itself). */
export function builtInSymbols(): Pair[] {
  return builtInMarketBases().flatMap((base) => BUILT_IN_QUOTES.filter((quote) => quote !== base).map((quote) => `${base}/${quote}`));
}
