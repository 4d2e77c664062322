// CLI: `kbot data download` (5m candles from Kraken's public API, cached), `kbot data check`
// (gap report of candle files), both feeding `kbot backtest`, and `kbot data markets` (Kraken's
// AssetPairs reply saved for offline pair checks and `kbot backtest --markets`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { formatCandleCsv, loadCandleFile } from '../backtest/candleFile.js';
import { formatGapReport, gapReport } from '../backtest/gapReport.js';
import { downloadKrakenCandles, KRAKEN_API_URL } from '../backtest/krakenHistory.js';
import { parseIsoTime } from '../backtest/parseIsoTime.js';
import { exportSnapshotsCommand } from './snapshotFile.js';
import { ASSET_PAIRS_SNAPSHOT_FILE, fetchAssetPairs, listedSymbols, writeAssetPairsSnapshot } from './assetPairsSnapshot.js';

/** Where `kbot data download` caches days and writes files by default. */
export const DEFAULT_DATA_DIR = '.kbot/data';

/** Options of `kbot data download`. */
export interface DownloadCliOptions {
  pair: string;
  from: string;
  to: string;
  out?: string;
  exchangeUrl: string;
  cacheDir: string;
  throttleMs: string;
}

/** Where the data commands write. */
export interface DataCliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: DataCliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** `kbot data` with its `download` and `check` subcommands. */
export function dataCommand(): Command {
  const data = new Command('data').description('Market data: candles for backtests (download, check) and the AssetPairs snapshot (markets)');
  data
    .command('download')
    .description('Download 5m candles from Kraken (OHLC for the latest 720, trade history beyond), cached per day')
    .requiredOption('--pair <PAIR>', 'pair, e.g. BTC/USD')
    .requiredOption('--from <ISO>', 'start (UTC), e.g. 2024-01-01')
    .requiredOption('--to <ISO>', 'end (UTC, exclusive), e.g. 2024-02-01')
    .option('--out <file>', 'CSV to write (default: .kbot/data/<PAIR>_5m_<from>_<to>.csv)')
    .option('--exchange-url <url>', 'Kraken REST base URL', KRAKEN_API_URL)
    .option('--cache-dir <dir>', 'cache directory', DEFAULT_DATA_DIR)
    .option('--throttle-ms <ms>', 'pause between requests (Kraken allows about 1 public call per second)', '1000')
    .action(async (opts: DownloadCliOptions) => {
      process.exitCode = await runDownloadCli(opts, processIo);
    });
  data
    .command('check')
    .description('Validate candle files and report their gaps (gaps are never filled)')
    .argument('<files...>', 'CSV files (timestamp_ms,... or Kraken OHLCVT)')
    .action((files: string[]) => {
      process.exitCode = runCheckCli(files, processIo);
    });
  data
    .command('markets')
    .description(`Save Kraken's public AssetPairs reply (every listed pair, its minimums and precision) for offline checks and backtests`)
    .option('--out <file>', 'where to write it', ASSET_PAIRS_SNAPSHOT_FILE)
    .option('--exchange-url <url>', 'Kraken REST base URL (default: KRAKEN_API_URL, else Kraken)')
    .action(async (opts: MarketsCliOptions) => {
      process.exitCode = await runMarketsCli(opts, processIo);
    });
  data.addCommand(exportSnapshotsCommand(processIo));
  return data;
}

/** Options of `kbot data markets`. */
export interface MarketsCliOptions {
  out?: string;
  exchangeUrl?: string;
}

/**
 * Runs `kbot data markets`: fetches AssetPairs from `--exchange-url` (else `KRAKEN_API_URL`, else
 * Kraken) and writes the reply as it came to `--out`. Prints the file on stdout; returns 0, or 1
 * when the server cannot be read or answers with an error.
 */
export async function runMarketsCli(opts: MarketsCliOptions, io: DataCliIo, env: Record<string, string | undefined> = process.env): Promise<number> {
  const baseUrl = opts.exchangeUrl ?? (env.KRAKEN_API_URL || KRAKEN_API_URL);
  const out = opts.out ?? ASSET_PAIRS_SNAPSHOT_FILE;
  try {
    const reply = await fetchAssetPairs(baseUrl);
    writeAssetPairsSnapshot(out, reply);
    const symbols = listedSymbols(reply);
    io.err(`Saved ${symbols.length} asset pairs from ${baseUrl} to ${out}`);
    io.out(out);
    return 0;
  } catch (err) {
    io.err(`kbot data markets: ${(err as Error).message}`);
    return 1;
  }
}

/** Runs `kbot data download`; returns the exit code. */
export async function runDownloadCli(opts: DownloadCliOptions, io: DataCliIo): Promise<number> {
  try {
    const pair = opts.pair.toUpperCase();
    if (!/^[A-Z0-9]{2,10}\/[A-Z]{2,5}$/.test(pair)) throw new Error(`--pair ${opts.pair}: expected BASE/QUOTE, e.g. BTC/USD`);
    const fromMs = parseIsoTime(opts.from, '--from');
    const toMs = parseIsoTime(opts.to, '--to');
    const throttleMs = Number(opts.throttleMs);
    if (!Number.isFinite(throttleMs) || throttleMs < 0) throw new Error(`--throttle-ms ${opts.throttleMs}: expected a number of milliseconds`);
    io.err(`Downloading ${pair} 5m candles ${iso(fromMs)} .. ${iso(toMs)} from ${opts.exchangeUrl}`);
    const history = await downloadKrakenCandles({
      pair,
      fromMs,
      toMs,
      baseUrl: opts.exchangeUrl,
      cacheDir: opts.cacheDir,
      throttleMs,
      log: (line) => io.err(line),
    });
    const out = opts.out ?? join(opts.cacheDir, `${pair.replace('/', '-')}_5m_${day(fromMs)}_${day(toMs)}.csv`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, formatCandleCsv(history.candles));
    const via =
      history.source === 'ohlc'
        ? 'OHLC endpoint'
        : `trade history (${history.fetchedDays} day(s) fetched and cached, ${history.cachedDays} from the cache)`;
    io.err(`${history.requests} request(s) via ${via}`);
    io.err(formatGapReport(pair, gapReport(history.candles)));
    io.out(out);
    return 0;
  } catch (err) {
    io.err(`kbot data download: ${(err as Error).message}`);
    return 1;
  }
}

/** Runs `kbot data check`; returns 1 if any file is malformed. */
export function runCheckCli(files: string[], io: DataCliIo): number {
  let code = 0;
  for (const file of files) {
    try {
      const loaded = loadCandleFile(file);
      const label = `${file}${loaded.pair ? ` (${loaded.pair})` : ''}${loaded.sourceIntervalMinutes === 1 ? ' [1m aggregated to 5m]' : ''}`;
      io.out(formatGapReport(label, gapReport(loaded.candles)));
    } catch (err) {
      io.err((err as Error).message);
      code = 1;
    }
  }
  return code;
}


const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);
