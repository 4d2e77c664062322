// CLI: `kbot optimize`. Reads the candles (through the columnar cache), the configuration and the
// search space, builds the sweep, runs it on worker threads (every core) or on the lab stack in
// AWS (`--cloud`), and prints the walk-forward report as text or one JSON document.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { ConfigError, parseConfig, quoteCurrency } from '../core/config.js';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import { parseObjective } from '../research/objective.js';
import { writeReportFile } from '../backtest/htmlReport.js';
import { renderOptimizeReport } from '../research/optimizeReport.js';
import { buildSweep, METHODS, runSweep, type BuiltSweep, type OptimizeReport, type SearchMethod } from '../research/optimizer.js';
import { dataPairs, loadMarkets, loadResearchSeries, parseExitFill, parseRange, startingBalance, UsageError } from '../research/researchInputs.js';
import { checkedSpace, formatValue, parseParamArgs, parseSearchSpace, resolvePath, SearchSpaceError, type ParamSpec } from '../research/searchSpace.js';
import { SweepPool, type SweepRunner } from '../research/sweepPool.js';
import { parseDuration } from '../research/walkForward.js';
import { loadConfigFile } from './configFile.js';

/** Parsed `kbot optimize` options. */
export interface OptimizeCliOptions {
  data: string[];
  config?: string;
  space?: string;
  param: string[];
  strategy?: string;
  method?: string;
  sets?: string;
  seed?: string;
  eta?: string;
  objective?: string;
  minTrades?: string;
  windows?: string;
  inSample?: string;
  outOfSample?: string;
  anchored?: boolean;
  top?: string;
  heatmap?: string;
  from?: string;
  to?: string;
  balance?: string;
  markets?: string;
  exitFill?: string;
  workers?: string;
  json?: boolean;
  report?: string;
  cloud?: boolean;
  stack?: string;
  maxCost?: string;
}

/** Where the command writes. */
export interface OptimizeCliIo {
  out(text: string): void;
  err(text: string): void;
}

/** Starts the runner for a built sweep (worker threads by default; the cloud runner with --cloud). */
export type RunnerFactory = (sweep: BuiltSweep, opts: OptimizeCliOptions, io: OptimizeCliIo, encoded: Map<string, Uint8Array>) => Promise<SweepRunner>;

/** `kbot optimize`. */
export function optimizeCommand(cloudRunner?: RunnerFactory): Command {
  return new Command('optimize')
    .description('Walk-forward parameter optimization: sweep a search space over the live decision engine, rank by an objective, test the winners out of sample')
    .option('--data <PAIR=FILE>', 'candles for one pair (as for kbot backtest); repeat per pair', collect, [])
    .option('--config <file>', 'base bot configuration (JSON); its pairs are replaced by the --data pairs')
    .option('--space <file>', 'search space file: one "path = values" per line (see docs/research.md)')
    .option('--param <path=values>', 'one parameter of the space, e.g. momentum.fastSma=5..50:5; repeatable', collect, [])
    .option('--strategy <name[+name]>', 'trade with these strategies (sets strategies.use)')
    .option('--method <grid|random|halving>', 'search method', 'grid')
    .option('--sets <n>', 'random and halving: sets drawn from the grid', '200')
    .option('--seed <n>', 'random and halving: the draw', '1')
    .option('--eta <n>', 'halving: keep one set in eta at each rung', '3')
    .option('--objective <name>', 'net, sharpe, sortino, calmar or profit-factor', 'sharpe')
    .option('--min-trades <n>', 'sets with fewer in-sample trades are not ranked', '10')
    .option('--windows <n>', 'walk-forward windows (0: optimize once over the whole range, no out-of-sample test)')
    .option('--in-sample <duration>', 'in-sample window length, e.g. 90d (default: 3 out-of-sample lengths)')
    .option('--out-of-sample <duration>', 'out-of-sample window length, e.g. 30d')
    .option('--anchored', 'in-sample windows all start at the beginning and grow')
    .option('--top <n>', 'in-sample leaders per window tested out of sample', '10')
    .option('--heatmap <x,y>', 'the two parameters of the heatmap (default: the first two that vary)')
    .option('--from <ISO>', 'ignore candles opening before this time')
    .option('--to <ISO>', 'ignore candles opening at or after this time')
    .option('--balance <ASSET=AMOUNT>', 'starting wallet in the quote currency (default: config paper.startingBalances)')
    .option('--markets <file>', 'a saved Kraken AssetPairs reply for minimums and precision')
    .option('--exit-fill <level|next-open>', 'where stops and targets fill', 'level')
    .option('--workers <n>', 'worker threads (default: one per core)')
    .option('--json', 'print the report as one JSON document')
    .option('--report <out.html>', 'write a self-contained HTML report')
    .option('--cloud', 'run the sweep on the lab stack in AWS (kbot lab deploy) instead of this machine')
    .option('--stack <name>', 'the lab stack (with --cloud)', 'KbotLab')
    .option('--max-cost <usd>', 'with --cloud: refuse to start when the estimate is higher')
    .action(async (opts: OptimizeCliOptions) => {
      const io: OptimizeCliIo = {
        out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
        err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
      };
      process.exitCode = await runOptimizeCli(opts, io, cloudRunner);
    });
}

/** Runs the command; returns the exit code (0 ok, 1 bad input, data or a refused cost). */
export async function runOptimizeCli(opts: OptimizeCliOptions, io: OptimizeCliIo, cloudRunner?: RunnerFactory): Promise<number> {
  try {
    const sweep = await prepareSweep(opts, io);
    const encoded = sweep.encoded;
    let runner: SweepRunner;
    if (opts.cloud) {
      if (!cloudRunner) throw new UsageError('--cloud is not available in this build');
      runner = await cloudRunner(sweep.built, opts, io, encoded);
    } else {
      const workers = opts.workers !== undefined ? positiveInt(opts.workers, '--workers') : availableParallelism();
      runner = await SweepPool.start(sweep.built.plan, sweep.columns, workers);
    }
    let report: OptimizeReport;
    try {
      let lastLine = 0;
      report = await runSweep(
        sweep.built,
        runner,
        (stage, done, total) => {
          const now = Date.now();
          if (done === total || now - lastLine > 2_000) {
            lastLine = now;
            io.err(`${stage}: ${done}/${total} items`);
          }
        },
      );
      const details = runner.details?.();
      if (details !== undefined) report.cloud = details;
    } finally {
      await runner.close();
    }
    if (opts.json) io.out(JSON.stringify(report, null, 2));
    else for (const line of describeOptimize(report)) io.out(line);
    if (opts.report) {
      try {
        writeReportFile(opts.report, renderOptimizeReport(report));
      } catch (err) {
        io.err(`kbot optimize: the report could not be written to ${opts.report} (${(err as Error).message})`);
        return 1;
      }
      io.err(`Report written to ${opts.report}`);
    }
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    io.err(`kbot optimize: ${(err as Error).message}`);
    return 1;
  }
}

/** What `prepareSweep` builds: the sweep and its candles (as columns, and encoded for an upload). */
export interface PreparedSweep {
  built: BuiltSweep;
  columns: Map<string, CandleColumns>;
  encoded: Map<string, Uint8Array>;
}

/** Everything before the runner: data, configuration, space, plan. */
export async function prepareSweep(opts: OptimizeCliOptions, io: OptimizeCliIo): Promise<PreparedSweep> {
  const inputs = dataPairs(opts.data);
  const pairs = inputs.map((d) => d.pair);
  let params: ParamSpec[] = [];
  try {
    if (opts.space) params = parseSearchSpace(readText(opts.space), opts.space);
    params = checkedSpace([...params, ...parseParamArgs(opts.param ?? [])], opts.space ?? '--param');
  } catch (err) {
    if (err instanceof SearchSpaceError) throw new UsageError(err.message);
    throw err;
  }
  const method = (opts.method ?? 'grid') as SearchMethod;
  if (!(METHODS as readonly string[]).includes(method)) throw new UsageError(`--method ${opts.method}: expected ${METHODS.join(', ')}`);
  const overrides: Record<string, unknown> = { pairs };
  const config = await loadConfigFile(opts.config, overrides);
  // The base every set starts from: the parsed configuration (every default filled in), with --strategy.
  const baseConfig = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  if (opts.strategy) {
    const use = opts.strategy.split('+').map((x) => x.trim());
    (baseConfig.strategies as Record<string, unknown>).use = use;
    checkBaseParses(baseConfig);
  }
  const quote = quoteCurrency(config);
  const range = parseRange(opts.from, opts.to);
  const series = loadResearchSeries(inputs, range);
  for (const s of series) if (!s.cached) io.err(`${s.file}: parsed, and cached for the next run`);
  const heatmap = opts.heatmap?.split(',').map((x) => resolvePath(x.trim()));
  if (heatmap && heatmap.length !== 2) throw new UsageError(`--heatmap ${opts.heatmap}: expected two parameters, x,y`);
  const windows = opts.windows !== undefined ? wholeNumber(opts.windows, '--windows') : undefined;
  const built = buildSweep({
    baseConfig,
    params,
    method,
    sets: positiveInt(opts.sets ?? '200', '--sets'),
    seed: wholeNumber(opts.seed ?? '1', '--seed'),
    eta: positiveInt(opts.eta ?? '3', '--eta'),
    objective: parseObjective(opts.objective ?? 'sharpe'),
    minTrades: wholeNumber(opts.minTrades ?? '10', '--min-trades'),
    topK: positiveInt(opts.top ?? '10', '--top'),
    walkForward: {
      ...(windows !== undefined ? { windows } : {}),
      ...(opts.inSample ? { inSampleMs: parseDuration(opts.inSample, '--in-sample') } : {}),
      ...(opts.outOfSample ? { outOfSampleMs: parseDuration(opts.outOfSample, '--out-of-sample') } : {}),
      ...(opts.anchored ? { anchored: true } : {}),
    },
    series: series.map((s) => ({ pair: s.pair, hash: s.hash, columns: s.columns })),
    markets: loadMarkets(opts.markets, pairs, config.paper.takerFeeRate),
    startingQuote: startingBalance(opts.balance, config, quote),
    exitFill: parseExitFill(opts.exitFill),
    ...(heatmap ? { heatmap: heatmap as [string, string] } : {}),
  });
  return { built, columns: new Map(series.map((s) => [s.hash, s.columns])), encoded: new Map(series.map((s) => [s.hash, s.encoded])) };
}

/** The base with --strategy must still parse (a strategy name the schema does not know is a config error). */
function checkBaseParses(base: Record<string, unknown>): void {
  parseConfig(base, '--strategy');
}

/** Reads a file for an option, as a usage error when it cannot be read. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The text summary. */
export function describeOptimize(r: OptimizeReport): string[] {
  const short = (p: string) => p.replace(/^strategies\./, '');
  const params = (p: Record<string, unknown>) =>
    Object.entries(p)
      .map(([k, v]) => `${short(k)}=${formatValue(v as never)}`)
      .join(' ');
  const n = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
  const lines = [
    `Optimize ${r.pairs.join(', ')}: ${r.method}, objective ${r.objective} (min ${r.minTrades} trades), ${r.setsEvaluated} sets of ${r.gridPoints} grid points` +
      (r.invalidSets.count ? ` (${r.invalidSets.count} invalid left out)` : ''),
    `Ran ${r.backtests} backtests (${(r.candleSteps / 1e6).toFixed(1)} M candle-steps) on ${r.timing.where} in ${(r.timing.wallMs / 1000).toFixed(1)} s: ${r.timing.setsPerSecond.toFixed(1)} sets/s, ${(r.timing.candleStepsPerSecond / 1e6).toFixed(2)} M candle-steps/s`,
    '',
    `${'window'.padEnd(8)}${'in sample'.padEnd(25)}${'out of sample'.padEnd(25)}${'IS'.padStart(9)}${'OOS'.padStart(9)}${'OOS net'.padStart(11)}  winner`,
  ];
  for (const w of r.windows) {
    const b = w.best;
    lines.push(
      `${String(w.index + 1).padEnd(8)}${`${w.inSample.fromIso.slice(0, 10)}..${w.inSample.toIso.slice(0, 10)}`.padEnd(25)}${(w.outOfSample ? `${w.outOfSample.fromIso.slice(0, 10)}..${w.outOfSample.toIso.slice(0, 10)}` : '-').padEnd(25)}` +
        `${n(b?.inSampleScore).padStart(9)}${n(b?.outOfSampleScore).padStart(9)}${n(b?.outOfSample?.netPnlQuote).padStart(11)}  ${b ? params(b.params) : '(none ranked)'}`,
    );
  }
  const s = r.summary;
  lines.push(
    '',
    `Walk-forward efficiency ${s.walkForwardEfficiency === null ? 'n/a' : `${(s.walkForwardEfficiency * 100).toFixed(0)}%`} (mean OOS ${n(s.meanOutOfSampleScore)} / mean IS ${n(s.meanInSampleScore)}); ` +
      `out of sample ${s.outOfSampleProfitableWindows} of ${r.windows.filter((w) => w.outOfSample).length} windows profitable, net ${n(s.outOfSampleNetPnlQuote)}`,
    `Stability ${r.stability.map((x) => `${short(x.path)} ${x.stable ? 'stable' : 'UNSTABLE'} (${x.winners.join(', ')})`).join('; ')}`,
  );
  if (r.best[0]) lines.push(`Best mean in-sample set: ${params(r.best[0].params)} (${n(r.best[0].meanInSampleScore)})`);
  if (r.recommended) lines.push(`Latest window's winner: ${params(r.recommended.params)}`);
  for (const w of r.warnings) lines.push(`WARNING   ${w}`);
  return lines;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function wholeNumber(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option} ${text}: expected a whole number`);
  return n;
}

function positiveInt(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} ${text}: expected a whole number of at least 1`);
  return n;
}

