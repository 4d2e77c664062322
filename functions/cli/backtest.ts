// CLI: `kbot backtest`. Loads candle files, replays them through the live decision engine with a
// simulated exchange (functions/backtest), prints a reconciled summary or JSON, writes the report.
import { readSnapshotFile } from './snapshotFile.js';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { ConfigError, quoteCurrency, type BotConfig } from '../core/config.js';
import { createDecisionEngine } from '../core/engine/index.js';
import type { DecisionEngine } from '../core/engine/types.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type MarketInfo, type Pair } from '../core/types.js';
import type { BacktestResult } from '../backtest/backtestResult.js';
import { cutColumns, loadCandleColumns } from '../backtest/candleCache.js';
import { candlesFromColumns, type CandleColumns } from '../core/engine/candleColumns.js';
import { formatGapReport, gapReportOfTimes } from '../backtest/gapReport.js';
import { renderHtmlReport, writeReportFile } from '../backtest/htmlReport.js';
import { pairFromKrakenName, parseKrakenFileName } from '../backtest/krakenPairs.js';
import { builtInMarkets, marketsFromAssetPairs } from '../backtest/marketTable.js';
import { parseIsoTime } from '../backtest/parseIsoTime.js';
import { runBacktest } from '../backtest/runBacktest.js';
import { runShortBacktest, type ShortBacktestResult } from '../backtest/shortBacktest.js';
import { loadConfigFile } from './configFile.js';
import { builtInSymbols, pairProblems, UnlistedPairError, type PairProblem } from './pairCheck.js';

/** Parsed `kbot backtest` options. */
export interface BacktestCliOptions {
  data: string[];
  config?: string;
  from?: string;
  to?: string;
  balance?: string;
  markets?: string;
  exitFill?: string;
  json?: boolean;
  report?: string;
  /** Walk-forward learning inside the replay (functions/learning): retrain the filter every `retrainDays`. */
  learn?: boolean;
  retrainDays?: string;
  /** Recorded market snapshots (`kbot data export-snapshots`) replayed beside the candles. */
  snapshots?: string;
  /** Also replay margin shorts (docs/shorts.md), with rollover, in a wallet of their own. */
  shorts?: boolean;
  /** Configuration files replayed on the same candles and reported side by side (instead of --config). */
  compare?: string[];
}

/** Where the command writes; `progress` is true when a progress bar may be drawn. */
export interface BacktestCliIo {
  out(text: string): void;
  err(text: string): void;
  progress: boolean;
}

/** `kbot backtest` (the lead registers it in the program). */
export function backtestCommand(): Command {
  return new Command('backtest')
    .description('Replay candle history through the live decision engine with simulated fills (fee, slippage, Kraken minimums)')
    .option('--data <PAIR=FILE>', 'candles for one pair: CSV (timestamp_ms,open,high,low,close,volume) or a Kraken OHLCVT file; repeat per pair (PAIR= may be left out for Kraken file names like XBTUSD_5.csv)', collect, [])
    .option('--config <file>', 'bot configuration (JSON); its pairs are replaced by the --data pairs')
    .option('--from <ISO>', 'first candle to trade on (earlier candles only warm indicators up)')
    .option('--to <ISO>', 'end of the replay (candles opening at or after it are ignored)')
    .option('--balance <ASSET=AMOUNT>', 'starting wallet in the quote currency (default: config paper.startingBalances)')
    .option('--markets <file>', 'a saved Kraken AssetPairs reply for minimums and precision (default: built-in Kraken table)')
    .option('--exit-fill <level|next-open>', 'where stops and targets fill: at their level (default) or at the next open, as a live tick sells', 'level')
    .option('--json', 'print the machine-readable summary and trade list instead of text')
    .option('--report <out.html>', 'write a self-contained HTML report')
    .option('--learn', 'also replay with the learned trade filter retrained walk-forward inside the backtest (on past trades only), reported beside the plain run')
    .option('--retrain-days <n>', 'with --learn: retrain every this many days', '7')
    .option('--snapshots <file>', 'market snapshots the ticks recorded (kbot data export-snapshots), replayed beside the candles; the microstructure strategy needs them')
    .option('--shorts', 'also replay margin shorts (the short book, rollover charged) in a wallet of their own, reported beside the spot run')
    .option('--compare <configs...>', 'replay two (or more) configuration files on the same candles and report them side by side (table, --json, --report)')
    .action(async (opts: BacktestCliOptions) => {
      const io: BacktestCliIo = {
        out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
        err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
        progress: Boolean(process.stdout.isTTY) && !opts.json,
      };
      process.exitCode = await runBacktestCli(opts, io);
    });
}

/**
 * Runs the command; returns the exit code (0 ok, 1 bad input or data). Configuration errors, and
 * a pair the market table does not list, are thrown as `ConfigError` for the program to print (exit 2).
 */
export async function runBacktestCli(
  opts: BacktestCliOptions,
  io: BacktestCliIo,
  makeEngine: (config: BotConfig) => DecisionEngine = createDecisionEngine,
): Promise<number> {
  try {
    if (opts.data.length === 0) throw new UsageError('no candles: give at least one --data PAIR=FILE (see kbot data download)');
    const inputs = opts.data.map(parseDataArg);
    const pairs = inputs.map((d) => d.pair);
    if (new Set(pairs).size !== pairs.length) throw new UsageError(`a pair is given twice in --data: ${pairs.join(', ')}`);
    refuseUnknownDataPairs(inputs, opts.markets);
    if (opts.compare) return await runComparison(opts, inputs, io, makeEngine);
    // A universe configuration chooses among the --data pairs; a list is replaced by them.
    const own = opts.config ? await loadConfigFile(opts.config) : undefined;
    const config = own?.universe ? own : await loadConfigFile(opts.config, { pairs });
    const quote = quoteCurrency(config);
    const fromMs = opts.from !== undefined ? parseIsoTime(opts.from, '--from') : undefined;
    const toMs = opts.to !== undefined ? parseIsoTime(opts.to, '--to') : undefined;
    if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');
    const startingQuote = startingBalance(opts.balance, config, quote);
    const exitFill = opts.exitFill ?? 'level';
    if (exitFill !== 'level' && exitFill !== 'next-open') throw new UsageError(`--exit-fill ${exitFill}: expected level or next-open`);
    const markets = loadMarkets(opts.markets, pairs, config.paper.takerFeeRate);
    const engine = makeEngine(config);

    // Keep enough history before --from to warm the indicators up, and a day more for the 24h volume.
    const keepFromMs = fromMs !== undefined ? fromMs - (engine.warmupCandles + 1) * FIVE_MINUTES_MS - ONE_DAY_MS : undefined;
    const series = loadSeries(inputs, keepFromMs, toMs);
    for (const s of series) io.err(formatGapReport(s.pair, gapReportOfTimes(replayedColumns(s.columns, fromMs).openTimeMs)));

    const total = series.reduce((n, s) => n + replayedColumns(s.columns, fromMs).length, 0);
    const bar = io.progress ? new SingleBar({ format: 'backtest [{bar}] {percentage}% | {value}/{total} candle-steps | eta {eta}s', hideCursor: true }) : undefined;
    bar?.start(total, 0);
    const startedMs = performance.now();
    const snapshots = opts.snapshots ? readSnapshotFile(opts.snapshots) : undefined;
    const result = runBacktest({
      config,
      engine,
      series: series.map((s) => ({ pair: s.pair, columns: s.columns })),
      markets,
      startingQuote,
      exitFill,
      ...(snapshots ? { snapshots } : {}),
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
      ...(bar ? { onProgress: (done: number) => bar.update(done) } : {}),
    });
    const elapsedMs = performance.now() - startedMs;
    bar?.stop();
    if (opts.learn) {
      const retrainDays = Number(opts.retrainDays ?? '7');
      if (!Number.isInteger(retrainDays) || retrainDays < 1) throw new UsageError(`--retrain-days ${opts.retrainDays}: expected a whole number of days, at least 1`);
      const { runLearningBacktest, describeLearningBacktest, learningJson } = await import('./learnBacktest.js');
      const learned = runLearningBacktest({ config, engine, series: series.map((s) => ({ pair: s.pair, candles: candlesFromColumns(s.columns) })), markets, startingQuote, exitFill, ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) }, config.learning, retrainDays);
      if (opts.json) io.out(JSON.stringify({ summary: learned.unfiltered.summary, trades: learned.unfiltered.trades, fills: learned.unfiltered.fills, learning: learningJson(learned) }, null, 2));
      else for (const line of describeLearningBacktest(learned)) io.out(line);
      return 0;
    }

    const shorts = opts.shorts
      ? runShortBacktest({ config, series: series.map((s) => ({ pair: s.pair, candles: candlesFromColumns(s.columns) })), markets, startingQuote, ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) })
      : undefined;
    // The summary first: a report that cannot be written must not cost the result.
    if (opts.json) io.out(JSON.stringify({ summary: result.summary, trades: result.trades, fills: result.fills, ...(shorts ? { shorts } : {}) }, null, 2));
    else {
      for (const line of describeBacktest(result)) io.out(line);
      if (shorts) for (const line of describeShortBacktest(shorts)) io.out(line);
      io.out(`Replayed ${result.summary.candlesProcessed} candle-steps in ${(elapsedMs / 1000).toFixed(2)} s (including indicator preparation).`);
    }
    if (opts.report) {
      try {
        writeReportFile(opts.report, renderHtmlReport(result, Object.fromEntries(series.map((s) => [s.pair, candlesFromColumns(replayedColumns(s.columns, fromMs))]))));
      } catch (err) {
        io.err(`kbot backtest: the report could not be written to ${opts.report} (${(err as Error).message}); the summary above is complete`);
        return 1;
      }
      io.err(`Report written to ${opts.report}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    io.err(`kbot backtest: ${(err as Error).message}`);
    return 1;
  }
}

/** `--compare a.json b.json`: each configuration on the same candles, one table, one JSON document, one report. */
async function runComparison(
  opts: BacktestCliOptions,
  inputs: { pair: Pair; file: string }[],
  io: BacktestCliIo,
  makeEngine: (config: BotConfig) => DecisionEngine,
): Promise<number> {
  const files = opts.compare ?? [];
  if (files.length < 2) throw new UsageError('--compare needs at least two configuration files');
  if (opts.config) throw new UsageError('--compare replaces --config: give the configurations to --compare');
  if (opts.learn) throw new UsageError('--compare and --learn do not go together');
  const pairs = inputs.map((d) => d.pair);
  const configs = await Promise.all(files.map((f) => loadConfigFile(f, { pairs })));
  const engines = configs.map((c) => makeEngine(c));
  const fromMs = opts.from !== undefined ? parseIsoTime(opts.from, '--from') : undefined;
  const toMs = opts.to !== undefined ? parseIsoTime(opts.to, '--to') : undefined;
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs) throw new UsageError('--to must be after --from');
  const exitFill = opts.exitFill ?? 'level';
  if (exitFill !== 'level' && exitFill !== 'next-open') throw new UsageError(`--exit-fill ${exitFill}: expected level or next-open`);
  const warmup = Math.max(...engines.map((e) => e.warmupCandles));
  const keepFromMs = fromMs !== undefined ? fromMs - (warmup + 1) * FIVE_MINUTES_MS - ONE_DAY_MS : undefined;
  const series = loadSeries(inputs, keepFromMs, toMs);
  const { describeComparison, renderComparisonHtml } = await import('../backtest/compareReport.js');
  const runs = configs.map((config, k) => {
    const quote = quoteCurrency(config);
    const result = runBacktest({
      config,
      engine: engines[k]!,
      series: series.map((s) => ({ pair: s.pair, columns: s.columns })),
      markets: loadMarkets(opts.markets, pairs, config.paper.takerFeeRate),
      startingQuote: startingBalance(opts.balance, config, quote),
      exitFill,
      ...(fromMs !== undefined ? { fromMs } : {}),
      ...(toMs !== undefined ? { toMs } : {}),
    });
    return { label: files[k]!, result };
  });
  // The summary first: a report that cannot be written must not cost the result.
  if (opts.json) io.out(JSON.stringify({ compare: runs.map((r) => ({ config: r.label, summary: r.result.summary, trades: r.result.trades })) }, null, 2));
  else for (const line of describeComparison(runs)) io.out(line);
  if (opts.report) {
    const candles = Object.fromEntries(series.map((s) => [s.pair, candlesFromColumns(replayedColumns(s.columns, fromMs))]));
    try {
      writeReportFile(opts.report, renderComparisonHtml(runs, runs.map((r) => renderHtmlReport(r.result, candles, r.label))));
    } catch (err) {
      io.err(`kbot backtest: the report could not be written to ${opts.report} (${(err as Error).message}); the summary above is complete`);
      return 1;
    }
    io.err(`Report written to ${opts.report}`);
  }
  return 0;
}

/**
 * Each pair's candles in [keepFromMs, toMs), through the columnar cache (.kbot/cache/candles,
 * keyed by the file's SHA-256): a file read before is not parsed again.
 */
function loadSeries(inputs: readonly { pair: Pair; file: string }[], keepFromMs: number | undefined, toMs: number | undefined): { pair: Pair; columns: CandleColumns }[] {
  return inputs.map((d) => {
    const { columns } = loadCandleColumns(d.file, { range: { ...(keepFromMs !== undefined ? { fromMs: keepFromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) } });
    if (columns.length === 0) throw new UsageError(`${d.file}: no candles in the requested range`);
    return { pair: d.pair, columns };
  });
}

/** The human-readable summary. */
export function describeBacktest(r: BacktestResult): string[] {
  const s = r.summary;
  const q = s.quote;
  const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const lines = [
    `Backtest ${Object.keys(s.pairs).join(', ')}: ${s.fromIso.slice(0, 16)} .. ${s.toIso.slice(0, 16)} UTC, ${s.candlesProcessed} candles`,
    '',
    `${'pair'.padEnd(10)}${'candles'.padStart(9)}${'gaps'.padStart(6)}${'trades'.padStart(8)}${'win'.padStart(9)}${'gross'.padStart(12)}${'fees'.padStart(10)}${'net'.padStart(12)}${'exposure'.padStart(10)}`,
  ];
  for (const p of Object.values(s.pairs)) {
    lines.push(
      `${p.pair.padEnd(10)}${String(p.candles).padStart(9)}${String(p.gaps.gaps).padStart(6)}${String(p.trades).padStart(8)}${pct(p.winRate).padStart(9)}` +
        `${money(p.grossPnlQuote).padStart(12)}${p.feesQuote.toFixed(2).padStart(10)}${money(p.netPnlQuote).padStart(12)}${pct(p.exposureFraction).padStart(10)}`,
    );
  }
  lines.push(
    '',
    `Equity    ${s.startEquityQuote.toFixed(2)} ${q} -> ${s.endEquityQuote.toFixed(2)} ${q}  (net ${money(s.netPnlQuote)} ${q}, ${pct(s.returnFraction)})`,
    `P&L       gross ${money(s.grossPnlQuote)} - fees ${s.feesQuote.toFixed(2)} = net ${money(s.netPnlQuote)} ${q}`,
    `Trades    ${s.trades} (${s.wins} won, ${s.losses} lost, win rate ${pct(s.winRate)})`,
    `Risk      max drawdown ${pct(s.maxDrawdownFraction)} (${s.maxDrawdownQuote.toFixed(2)} ${q}), Sharpe ${s.sharpe === null ? 'n/a' : s.sharpe.toFixed(2)} (daily, x sqrt(365)), exposure ${pct(s.exposureFraction)}`,
  );
  const P = s.performance;
  const ratio = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
  const hold = Object.entries(P.buyAndHold).map(([pair, b]) => `${pair} ${pct(b.returnFraction)}`).join(', ');
  lines.push(
    `Market    buy and hold ${pct(P.marketChangeFraction)}${hold ? ` (${hold})` : ''}; the strategy ${pct(s.returnFraction)}, ${pct(P.excessReturnFraction)} against it`,
    `Quality   CAGR ${pct(P.cagr)}, Sortino ${ratio(P.sortino)}, Calmar ${ratio(P.calmar)}, profit factor ${ratio(P.profitFactor)}, expectancy ${P.expectancyQuote === null ? 'n/a' : money(P.expectancyQuote)} ${q} per trade`,
    `Exits     ${Object.entries(P.byExitReason).map(([k, g]) => `${k} ${g.trades} (${money(g.netPnlQuote)})`).join(', ') || 'none'}`,
    `Config    ${s.strategies.join(' + ')}, hash ${s.configHash}`,
  );
  const refusals = Object.entries(s.refusals).sort((a, b) => b[1] - a[1]);
  if (refusals.length) lines.push(`Refused   ${refusals.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const open = r.trades.filter((t) => t.exitReason === 'end-of-data').length;
  if (open) lines.push(`Note      ${open} position(s) still open at the end were sold at the last close (end-of-data).`);
  return lines;
}

/** The short replay's summary lines. */
export function describeShortBacktest(r: ShortBacktestResult): string[] {
  const s = r.summary;
  const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const reasons = new Map<string, number>();
  for (const t of r.trades) reasons.set(t.exitReason, (reasons.get(t.exitReason) ?? 0) + 1);
  return [
    '',
    `Shorts    ${s.trades} (${s.wins} won), own wallet ${s.startEquityQuote.toFixed(2)} -> ${s.endEquityQuote.toFixed(2)} ${r.quote}`,
    `Short P&L gross ${money(s.grossPnlQuote)} - fees ${s.feesQuote.toFixed(2)} - rollover ${s.rolloverQuote.toFixed(2)} = net ${money(s.netPnlQuote)} ${r.quote}`,
    `Exits     ${[...reasons].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    ...(Object.keys(s.refused).length ? [`Refused   ${Object.entries(s.refused).map(([k, n]) => `${k} ${n}`).join(', ')}`] : []),
  ];
}

class UsageError extends Error {}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `BTC/USD=file.csv`, or a Kraken file name that names its pair. */
function parseDataArg(arg: string): { pair: Pair; file: string } {
  const eq = arg.indexOf('=');
  if (eq > 0 && arg.slice(0, eq).includes('/')) return { pair: arg.slice(0, eq).toUpperCase(), file: arg.slice(eq + 1) };
  const file = eq > 0 ? arg.slice(eq + 1) : arg;
  const named = parseKrakenFileName(file);
  if (!named) throw new UsageError(`--data ${arg}: say which pair it holds, e.g. --data BTC/USD=${file}`);
  return { pair: named.pair, file };
}


function startingBalance(arg: string | undefined, config: BotConfig, quote: string): number {
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

/**
 * Refuses a `--data` pair the market table does not list (the saved AssetPairs reply of
 * `--markets`, else the built-in Kraken table), or that a Kraken file name contradicts
 * (`DOGE/USDD=XDGUSD_5.csv`), naming the nearest listed symbol. Throws `UnlistedPairError` (exit 2).
 */
function refuseUnknownDataPairs(inputs: readonly { pair: Pair; file: string }[], marketsFile: string | undefined): void {
  const problems: PairProblem[] = [];
  inputs.forEach(({ pair, file }, index) => {
    const named = parseKrakenFileName(file)?.pair;
    if (named !== undefined && named !== pair) {
      const line = `${pair} does not match ${file}, which holds ${named}`;
      problems.push({ pair, line, issue: { path: ['data', index], message: `does not match ${file}, which holds ${named}`, suggestion: named } });
    }
  });
  const pairs = inputs.map((d) => d.pair);
  const listed = marketsFile ? Object.keys(readMarketsFile(marketsFile, 0)) : builtInSymbols();
  const listedBy = marketsFile ? `the --markets file ${marketsFile}` : 'the built-in Kraken market table';
  for (const p of pairProblems(pairs, listed, listedBy, pairFromKrakenName)) problems.push({ ...p, issue: { ...p.issue, path: ['data', pairs.indexOf(p.pair)] } });
  if (!problems.length) return;
  const hint = marketsFile ? undefined : 'Pass --markets with a saved Kraken AssetPairs reply (kbot data markets) for pairs the built-in table does not know.';
  throw new UnlistedPairError(problems, hint);
}

function readMarketsFile(file: string, feeRate: number): Record<Pair, MarketInfo> {
  let reply: unknown;
  try {
    reply = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--markets ${file}: ${(err as Error).message}`);
  }
  try {
    return marketsFromAssetPairs(reply, feeRate);
  } catch (err) {
    throw new UsageError(`--markets ${file}: ${(err as Error).message}`);
  }
}

function loadMarkets(file: string | undefined, pairs: Pair[], feeRate: number): Record<Pair, MarketInfo> {
  if (!file) return builtInMarkets(pairs, feeRate);
  const all = readMarketsFile(file, feeRate);
  const missing = pairs.filter((p) => !all[p]);
  if (missing.length) throw new UsageError(`--markets ${file} does not list ${missing.join(', ')}`);
  return Object.fromEntries(pairs.map((p) => [p, all[p]!]));
}

/** The columns from `fromMs` on (views, no copy). */
function replayedColumns(columns: CandleColumns, fromMs: number | undefined): CandleColumns {
  return fromMs === undefined ? columns : cutColumns(columns, { fromMs });
}
