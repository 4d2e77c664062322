// CLI: `kbot check lookahead` and `kbot check recursive`, the bias checks of functions/research/biasChecks
// on recorded candles, for every built-in strategy (or the ones named) with the configuration's
// exits and risk rules. Exit code 1 when a check finds a bias. (`kbot data check` validates files.)
import { Command } from 'commander';
import { ConfigError, parseConfig, type BotConfig } from '../core/config.js';
import { candlesFromColumns } from '../core/engine/candleColumns.js';
import { BUILT_IN_STRATEGIES } from '../core/engine/strategies/builtins.js';
import { strategyRegistry } from '../core/engine/strategies/registry.js';
import { createDecisionEngine } from '../core/engine/index.js';
import type { DecisionEngine } from '../core/engine/types.js';
import { checkLookahead, checkRecursive, DEFAULT_RECURSIVE_TOLERANCE, type LookaheadResult, type RecursiveResult } from '../research/biasChecks.js';
import { dataPairs, loadMarkets, loadResearchSeries, parseRange, UsageError } from '../research/researchInputs.js';
import { loadConfigFile } from './configFile.js';

/** Options of both checks. */
export interface CheckCliOptions {
  data: string[];
  config?: string;
  strategy?: string;
  from?: string;
  to?: string;
  markets?: string;
  maxChecks?: string;
  evalCandles?: string;
  tolerance?: string;
  json?: boolean;
}

export interface CheckCliIo {
  out(text: string): void;
  err(text: string): void;
}

const BUILT_IN = BUILT_IN_STRATEGIES.map((d) => d.name);

/** `kbot check` with its two checks. */
export function checkCommand(makeEngine: (config: BotConfig) => DecisionEngine = createDecisionEngine): Command {
  const io: CheckCliIo = {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
  const common = (c: Command) =>
    c
      .option('--data <PAIR=FILE>', 'candles for one pair; repeat per pair (each is checked on its own)', collect, [])
      .option('--config <file>', 'bot configuration (JSON): exits, risk and strategy parameters')
      .option('--strategy <names>', `strategies to check, comma-separated (default: every built-in one, or user strategies by name: ${BUILT_IN.join(', ')})`)
      .option('--from <ISO>', 'ignore candles opening before this time')
      .option('--to <ISO>', 'ignore candles opening at or after this time')
      .option('--markets <file>', 'a saved Kraken AssetPairs reply for minimums and precision')
      .option('--json', 'print the results as one JSON document');
  const group = new Command('check').description('Bias checks of the strategies on recorded candles (look-ahead, recursive warm-up)');
  group.addCommand(
    common(new Command('lookahead'))
      .description('Decisions at each signal, recomputed on history cut right after it, must equal those on the whole history')
      .option('--max-checks <n>', 'signals re-checked per strategy and pair (spread evenly)', '200')
      .action(async (opts: CheckCliOptions) => {
        process.exitCode = await runCheckCli('lookahead', opts, io, makeEngine);
      }),
  );
  group.addCommand(
    common(new Command('recursive'))
      .description('Indicators and decisions must not depend on how much history came before, beyond the documented warm-up')
      .option('--eval-candles <n>', 'latest candles compared', '300')
      .option('--tolerance <x>', `relative difference allowed for Wilder-smoothed indicators on the live window (default ${DEFAULT_RECURSIVE_TOLERANCE})`)
      .action(async (opts: CheckCliOptions) => {
        process.exitCode = await runCheckCli('recursive', opts, io, makeEngine);
      }),
  );
  return group;
}

/** Runs one check over every pair and strategy; 0 when none finds a bias, 1 otherwise or on bad input. */
export async function runCheckCli(
  check: 'lookahead' | 'recursive',
  opts: CheckCliOptions,
  io: CheckCliIo,
  makeEngine: (config: BotConfig) => DecisionEngine = createDecisionEngine,
): Promise<number> {
  try {
    const inputs = dataPairs(opts.data);
    const pairs = inputs.map((d) => d.pair);
    const base = await loadConfigFile(opts.config, { pairs });
    const names = opts.strategy ? opts.strategy.split(',').map((s) => s.trim()) : [...BUILT_IN];
    for (const n of names) if (!strategyRegistry.has(n)) throw new UsageError(strategyRegistry.unknownName(n, '--strategy'));
    const series = loadResearchSeries(inputs, parseRange(opts.from, opts.to));
    const markets = loadMarkets(opts.markets, pairs, base.paper.takerFeeRate);
    const results: (LookaheadResult | RecursiveResult)[] = [];
    for (const s of series) {
      const candles = candlesFromColumns(s.columns);
      for (const name of names) {
        const config = parseConfig({ ...JSON.parse(JSON.stringify(base)), pairs: [s.pair], strategies: { ...base.strategies, use: [name] } }, 'check');
        const input = { label: `${s.pair} ${name}`, config, engine: makeEngine(config), pair: s.pair, candles, market: markets[s.pair]! };
        const result =
          check === 'lookahead'
            ? checkLookahead(input, { maxChecks: positive(opts.maxChecks ?? '200', '--max-checks') })
            : checkRecursive(input, {
                evalCandles: positive(opts.evalCandles ?? '300', '--eval-candles'),
                ...(opts.tolerance !== undefined ? { tolerance: fraction(opts.tolerance) } : {}),
              });
        results.push(result);
        if (!opts.json) for (const line of describe(result)) io.out(line);
      }
    }
    const ok = results.every((r) => r.ok);
    if (opts.json) io.out(JSON.stringify({ check, ok, results }, null, 2));
    else io.out(ok ? `No ${check} bias found in ${results.length} check(s).` : `${results.filter((r) => !r.ok).length} of ${results.length} check(s) found a ${check} bias.`);
    return ok ? 0 : 1;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    io.err(`kbot check ${check}: ${(err as Error).message}`);
    return 1;
  }
}

function describe(r: LookaheadResult | RecursiveResult): string[] {
  const verdict = r.ok ? 'ok  ' : 'BIAS';
  if (r.check === 'lookahead') {
    const lines = [`${verdict} lookahead ${r.label}: ${r.checked} candles re-decided on cut history (${r.signals} signals or exits on the whole history), ${r.mismatchCount} differ`];
    for (const m of r.mismatches.slice(0, 3)) lines.push(`       ${m.timeIso} ${m.what}: whole history ${short(m.full)}, cut ${short(m.other)}`);
    return lines;
  }
  const worst = [...r.indicators].sort((a, b) => b.atLiveWindow - a.atLiveWindow)[0];
  const lines = [
    `${verdict} recursive ${r.label}: ${r.evaluatedCandles} candles; decisions differ on ${r.decisionMismatches.atWarmup} with the documented warm-up (${r.documentedWarmupCandles} candles), ${r.decisionMismatches.atLiveWindow} with the live window (${r.liveWindowCandles})` +
      (worst ? `; largest indicator difference ${worst.indicator}: ${pct(worst.atWarmup)} at the warm-up, ${pct(worst.atLiveWindow)} on the live window` : ''),
  ];
  for (const x of r.indicators.filter((i) => !i.ok)) lines.push(`       ${x.indicator}: ${pct(x.atWarmup)} at the warm-up, ${pct(x.atLiveWindow)} on the live window (allowed ${x.recursive ? pct(r.tolerance) : 'rounding only'})`);
  for (const m of r.mismatches.slice(0, 3)) lines.push(`       ${m.timeIso} ${m.what}: whole history ${short(m.full)}, shorter ${short(m.other)}`);
  return lines;
}

function pct(x: number): string {
  return !Number.isFinite(x) ? 'missing' : x === 0 ? '0' : x < 1e-6 ? x.toExponential(1) : `${(x * 100).toPrecision(2)}%`;
}

function short(x: unknown): string {
  const s = typeof x === 'string' ? x : JSON.stringify(x);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positive(text: string, option: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} ${text}: expected a whole number of at least 1`);
  return n;
}

function fraction(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n < 1)) throw new UsageError(`--tolerance ${text}: expected a fraction such as 0.01`);
  return n;
}
