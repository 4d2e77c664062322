// Research: the inputs the research commands share with `kbot backtest`: `--data PAIR=FILE`
// (through the columnar candle cache), `--balance`, `--markets`, `--from` / `--to`.
import { readFileSync } from 'node:fs';
import { cutColumns, encodeCandleColumns, loadCandleColumns, sha256Hex } from '../backtest/candleCache.js';
import { parseKrakenFileName } from '../backtest/krakenPairs.js';
import { builtInMarkets, marketsFromAssetPairs } from '../backtest/marketTable.js';
import { parseIsoTime } from '../backtest/parseIsoTime.js';
import type { BotConfig } from '../core/config.js';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import type { MarketInfo, Pair } from '../core/types.js';

/** A mistake in the command line or the files it names (printed without a stack). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One pair's candles for a research command, identified by the hash of their encoding. */
export interface ResearchSeries {
  pair: Pair;
  file: string;
  columns: CandleColumns;
  /** SHA-256 of `encoded`: the id a cloud sweep stores the candles under. */
  hash: string;
  encoded: Uint8Array;
  /** Whether the candle cache had them (else the file was parsed and the cache filled). */
  cached: boolean;
}

/** `BTC/USD=file.csv`, or a Kraken file name that names its pair. */
export function parseDataArg(arg: string): { pair: Pair; file: string } {
  const eq = arg.indexOf('=');
  if (eq > 0 && arg.slice(0, eq).includes('/')) return { pair: arg.slice(0, eq).toUpperCase(), file: arg.slice(eq + 1) };
  const file = eq > 0 ? arg.slice(eq + 1) : arg;
  const named = parseKrakenFileName(file);
  if (!named) throw new UsageError(`--data ${arg}: say which pair it holds, e.g. --data BTC/USD=${file}`);
  return { pair: named.pair, file };
}

/** The `--data` pairs, checked: at least one, none twice. */
export function dataPairs(data: readonly string[]): { pair: Pair; file: string }[] {
  if (data.length === 0) throw new UsageError('no candles: give at least one --data PAIR=FILE (see kbot data download)');
  const inputs = data.map(parseDataArg);
  const pairs = inputs.map((d) => d.pair);
  if (new Set(pairs).size !== pairs.length) throw new UsageError(`a pair is given twice in --data: ${pairs.join(', ')}`);
  return inputs;
}

/** `--from` / `--to` as milliseconds. */
export function parseRange(from: string | undefined, to: string | undefined): { fromMs?: number; toMs?: number } {
  const fromMs = from !== undefined ? parseIsoTime(from, '--from') : undefined;
  const toMs = to !== undefined ? parseIsoTime(to, '--to') : undefined;
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');
  return { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) };
}

/**
 * Loads every `--data` file as columns (through the candle cache), cut to the range; the columns
 * are in shared memory so worker threads read them in place.
 */
export function loadResearchSeries(inputs: readonly { pair: Pair; file: string }[], range: { fromMs?: number; toMs?: number }, cacheDir?: string | null): ResearchSeries[] {
  return inputs.map((d) => {
    const loaded = loadCandleColumns(d.file, { shared: true, ...(cacheDir !== undefined ? { cacheDir } : {}) });
    const columns = cutColumns(loaded.columns, range);
    if (columns.length === 0) throw new UsageError(`${d.file}: no candles in the requested range`);
    const encoded = encodeCandleColumns(columns, { format: loaded.format, sourceIntervalMinutes: loaded.sourceIntervalMinutes });
    return { pair: d.pair, file: d.file, columns, hash: sha256Hex(encoded), encoded, cached: loaded.cached };
  });
}

/** The starting wallet in the quote currency (`--balance USD=1000`, else the config's paper balance). */
export function startingBalance(arg: string | undefined, config: BotConfig, quote: string): number {
  if (arg === undefined) {
    const configured = config.paper.startingBalances[quote];
    if (configured === undefined) throw new UsageError(`no starting ${quote} balance: pass --balance ${quote}=1000`);
    return configured;
  }
  const m = /^([A-Za-z0-9]+)=(\d+(?:\.\d+)?)$/.exec(arg);
  if (!m) throw new UsageError(`--balance ${arg}: expected ASSET=AMOUNT, e.g. ${quote}=1000`);
  if (m[1]!.toUpperCase() !== quote) throw new UsageError(`--balance ${arg}: a backtest starts from the quote currency only (${quote})`);
  return Number(m[2]);
}

/** Market rules: a saved Kraken AssetPairs reply, or the built-in table. */
export function loadMarkets(file: string | undefined, pairs: readonly Pair[], feeRate: number): Record<Pair, MarketInfo> {
  if (!file) return builtInMarkets(pairs, feeRate);
  let reply: unknown;
  try {
    reply = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--markets ${file}: ${(err as Error).message}`);
  }
  const all = marketsFromAssetPairs(reply, feeRate);
  const missing = pairs.filter((p) => !all[p]);
  if (missing.length) throw new UsageError(`--markets ${file} does not list ${missing.join(', ')}`);
  return Object.fromEntries(pairs.map((p) => [p, all[p]!]));
}

/** `--exit-fill`. */
export function parseExitFill(text: string | undefined): 'level' | 'next-open' {
  const v = text ?? 'level';
  if (v !== 'level' && v !== 'next-open') throw new UsageError(`--exit-fill ${v}: expected level or next-open`);
  return v;
}
