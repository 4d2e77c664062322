// CLI: `kbot analyze`. The trade analyzer over the deployed bot's ledger (through the operator's
// AWS credentials, like kbot status), the local paper bot's ledger (--local), or a backtest's JSON
// (--backtest). Prints tables, or one JSON document with --json.
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { Analysis, TradeStats } from '../core/analyzer.js';
import { analyzeBacktestFile, analyzeLedger } from '../analyzer/analyzerSources.js';
import { parseIsoTime } from '../backtest/parseIsoTime.js';
import { createAwsClients } from './ops/awsClients.js';
import { openDynamoStore } from './ops/openDynamoStore.js';
import { createOpsContext } from './ops/opsContext.js';
import { requireOutput, resolveMode, DEFAULT_STACK_NAME } from './ops/stackOutputs.js';
import { formatQuote, textTable } from './ops/textTable.js';
import { terminalIo } from './ops/terminalIo.js';
import type { OpsIo } from './ops/opsIo.js';

/** `kbot analyze` options. */
export interface AnalyzeOptions {
  json?: boolean;
  backtest?: string;
  local?: boolean;
  dataDir: string;
  mode?: string;
  from?: string;
  to?: string;
  stack: string;
  region?: string;
  profile?: string;
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('trade analyzer: win rate, expectancy, profit factor, P&L by strategy, pair, regime, exit reason, hour and weekday')
    .option('--json', 'print one JSON document')
    .option('--backtest <file>', 'analyse the output of kbot backtest --json instead of a ledger')
    .option('--local', 'the local paper bot\'s ledger (kbot paper\'s state under --data-dir; stop kbot paper first, or use its --dashboard)')
    .option('--data-dir <dir>', 'with --local: where kbot paper keeps its state', '.kbot')
    .addOption(new Option('--mode <mode>', 'the ledger of this mode (default: the deployed one; local: paper)').choices(['paper', 'live']))
    .option('--from <ISO>', 'trades closed at or after this time')
    .option('--to <ISO>', 'trades closed at or before this time')
    .option('--stack <name>', 'name of the deployed stack', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your profile)')
    .option('--profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .action(async (opts: AnalyzeOptions) => {
      const io = terminalIo();
      try {
        process.exitCode = await runAnalyze(opts, io);
      } catch (err) {
        io.err(`error: ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        io.close();
      }
    });
}

/** Runs the analysis and prints it; returns the exit code. */
export async function runAnalyze(opts: AnalyzeOptions, io: Pick<OpsIo, 'out' | 'err'>, nowMs = Date.now()): Promise<number> {
  const range = { fromMs: opts.from ? parseIsoTime(opts.from, '--from') : 0, toMs: opts.to ? parseIsoTime(opts.to, '--to') : nowMs };
  let analysis: Analysis;
  if (opts.backtest) {
    analysis = await analyzeBacktestFile(opts.backtest);
  } else if (opts.local) {
    const { startLocalDynamo, createDynamoClient } = await import('../adapters/dynamo/localDynamo.js');
    const { DynamoStore } = await import('../adapters/dynamo/dynamoStore.js');
    const { LOCAL_TABLE } = await import('./localStack.js');
    const dir = join(opts.dataDir, 'dynamo');
    let dynamo;
    try {
      dynamo = await startLocalDynamo({ path: dir });
    } catch (err) {
      throw new Error(`cannot open the local state under ${opts.dataDir} (${(err as Error).message}): stop kbot paper first, or open its dashboard (kbot paper --dashboard)`);
    }
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    try {
      analysis = await analyzeLedger(new DynamoStore({ client, tableName: LOCAL_TABLE }), opts.mode === 'live' ? 'live' : 'paper', range, 'local');
    } finally {
      client.destroy();
      await dynamo.close();
    }
  } else {
    const clients = createAwsClients({ ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
    const ctx = createOpsContext({ clients, io: { ...io, prompt: async () => undefined, interactive: false }, stackName: opts.stack, openStore: openDynamoStore });
    const outputs = await ctx.outputs();
    const mode = resolveMode(outputs, opts.mode);
    analysis = await analyzeLedger(ctx.openStore(clients, requireOutput(outputs, 'TableName')), mode, range, `stack ${opts.stack}`);
  }
  if (opts.json) io.out(JSON.stringify(analysis, null, 2));
  else for (const line of formatAnalysis(analysis)) io.out(line);
  return 0;
}

/** The analysis as text: the overall figures, then one table per grouping. */
export function formatAnalysis(a: Analysis): string[] {
  const lines = [`${a.source}: ${a.overall.trades} closed trades${a.fromIso ? ` from ${a.fromIso.slice(0, 16)} to ${a.toIso!.slice(0, 16)}` : ''}`];
  if (a.overall.trades === 0) return lines;
  const o = a.overall;
  lines.push(
    `  win rate ${pct(o.winRate)}, net ${formatQuote(o.netPnlQuote, true)}, expectancy ${num(o.expectancyQuote, true)} per trade (${pct(o.expectancyFraction)}), profit factor ${num(o.profitFactor)}`,
    `  average win ${num(o.averageWinQuote, true)}, average loss ${num(o.averageLossQuote, true)}, average duration ${minutes(o.averageDurationMinutes)}`,
  );
  const groups: [string, Record<string, TradeStats>][] = [
    ['strategy', a.byStrategy],
    ['pair', a.byPair],
    ['regime at entry', a.byRegime],
    ['exit reason', a.byExitReason],
    ['hour (UTC)', a.byHourUtc],
    ['weekday (UTC)', a.byWeekdayUtc],
  ];
  for (const [title, group] of groups) {
    lines.push('', `by ${title}:`);
    const rows = Object.entries(group).map(([key, s]) => [key, String(s.trades), pct(s.winRate), formatQuote(s.netPnlQuote, true), num(s.expectancyQuote, true), num(s.profitFactor), minutes(s.averageDurationMinutes)]);
    for (const line of textTable([title, 'trades', 'win rate', 'net P&L', 'expectancy', 'profit factor', 'avg duration'], rows)) lines.push(`  ${line}`);
  }
  return lines;
}

const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null, signed = false) => (x === null ? '-' : formatQuote(x, signed));
const minutes = (m: number | null) => (m === null ? '-' : m < 120 ? `${Math.round(m)}m` : `${(m / 60).toFixed(1)}h`);
