// CLI: `kbot learn`. Trains the learned trade filter (a random forest, ml-random-forest) on closed
// trades from a backtest's JSON or a bot's ledger (the deployed table, or the local paper bot's
// state with --local, read as kbot analyze reads them), walk-forward, and writes a versioned model
// file. --promote stores it and promotes it when it beats the baseline and the current model.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import type { ClosedTrade } from '../core/analyzer.js';
import { ConfigError, type BotConfig } from '../core/config.js';
import type { AlertsPort, StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import { promoteIfBetter, type PromotionOutcome } from '../learning/promotion.js';
import { randomForestRuntime } from '../learning/randomForest.js';
import { backtestFileTrades, ledgerTrades } from '../learning/tradeSources.js';
import { learnFromTrades, type LearnResult } from '../learning/trainModel.js';
import type { WalkForwardReport } from '../learning/walkForward.js';
import { loadConfigFile } from './configFile.js';
import type { OpsIo } from './ops/opsIo.js';

/** `kbot learn` options. */
export interface LearnOptions {
  backtest?: string;
  local?: boolean;
  dataDir: string;
  mode?: string;
  config?: string;
  trainDays?: string;
  testDays?: string;
  minProbability?: string;
  trees?: string;
  seed?: string;
  out?: string;
  promote?: boolean;
  json?: boolean;
  stack: string;
  region?: string;
  profile?: string;
}

export function learnCommand(): Command {
  return new Command('learn')
    .description('train the learned trade filter (random forest) on closed trades, walk-forward; write a model file; --promote puts it live if it beats the baseline')
    .option('--backtest <file>', 'the trades of kbot backtest --json output (default: the deployed bot\'s ledger)')
    .option('--local', 'the local paper bot\'s ledger and state (kbot paper\'s --data-dir; stop kbot paper first)')
    .option('--data-dir <dir>', 'with --local: where kbot paper keeps its state', '.kbot')
    .addOption(new Option('--mode <mode>', 'the ledger and model store of this mode (default: the deployed one; local: paper)').choices(['paper', 'live']))
    .option('--config <file>', 'bot configuration (JSON): its learning section (features, thresholds, training)')
    .option('--train-days <n>', 'days each model is trained on (learning.training.trainDays)')
    .option('--test-days <n>', 'days each walk-forward window is tested on (learning.training.testDays)')
    .option('--min-probability <p>', 'take a trade at or above this predicted probability of a profit (learning.minProbability)')
    .option('--trees <n>', 'trees in the forest (learning.training.trees)')
    .option('--seed <n>', 'the forest\'s seed (learning.training.seed)')
    .option('--out <file>', 'model file to write (default .kbot/models/trade-filter-<hash>.json)')
    .option('--promote', 'store the model and promote it, if it beats the baseline and the current model out of sample (with --local: the local paper state)')
    .option('--json', 'print one JSON document')
    .option('--stack <name>', 'name of the deployed stack', 'KrakenBot')
    .option('--region <region>', 'AWS region of the stack')
    .option('--profile <profile>', 'AWS named profile')
    .action(async (opts: LearnOptions) => {
      const { terminalIo } = await import('./ops/terminalIo.js');
      const io = terminalIo();
      try {
        process.exitCode = await runLearn(opts, io);
      } catch (err) {
        if (err instanceof ConfigError) throw err;
        io.err(`error: ${(err as Error).message}`);
        process.exitCode = 1;
      } finally {
        io.close();
      }
    });
}

/** A ledger and model store to learn from and promote into, and how to close it. */
interface Target {
  label: string;
  mode: Mode;
  store: StorePort;
  alerts: AlertsPort;
  close(): Promise<void>;
}

/** Runs the command; returns the exit code. */
export async function runLearn(opts: LearnOptions, io: Pick<OpsIo, 'out' | 'err'>, nowMs = Date.now()): Promise<number> {
  const config = await learningConfig(opts);
  const learning = config.learning;
  let trades: ClosedTrade[];
  let source: string;
  let target: Target | undefined;
  try {
    if (opts.backtest) {
      trades = await backtestFileTrades(opts.backtest);
      source = `backtest ${opts.backtest}`;
      if (opts.promote) {
        if (!opts.local) throw new Error('--promote with --backtest needs --local: a model trained on a backtest goes into the local paper state only');
        target = await openLocal(opts);
      }
    } else {
      target = opts.local ? await openLocal(opts) : await openDeployed(opts, io);
      trades = await ledgerTrades(target.store, target.mode, nowMs);
      source = `${target.label} ${target.mode} ledger`;
    }
    // A backtest's model is dated by its data; a ledger's by now.
    const result = learnFromTrades(trades, learning, source, opts.backtest ? undefined : nowMs);
    const outPath = result.model ? writeModel(result, opts.out) : undefined;
    let promotion: PromotionOutcome | undefined;
    if (opts.promote && target) {
      promotion = await promoteIfBetter({ store: target.store, alerts: target.alerts, runtime: randomForestRuntime, mode: target.mode, nowMs, actor: `kbot learn --promote (${source})` }, result, learning);
    }
    if (opts.json) {
      io.out(JSON.stringify({ source, dataset: result.dataset, walkForward: result.report, model: result.model ? { path: outPath, contentHash: result.model.contentHash, training: result.model.training } : null, noModel: result.noModel ?? null, promotion: promotion ?? null }, null, 2));
    } else {
      for (const line of describeLearn(source, result, outPath, promotion)) io.out(line);
    }
    return 0;
  } finally {
    await target?.close();
  }
}

/** The text report. */
export function describeLearn(source: string, result: LearnResult, outPath: string | undefined, promotion: PromotionOutcome | undefined): string[] {
  const d = result.dataset;
  const lines = [
    `${source}: ${d.examples} trades with version-2 entry features (left out: ${d.noFeatures} without features, ${d.otherFeatureVersion} of another version, ${d.noEntryTime} without an entry time)`,
    '',
    ...describeWalkForward(result.report),
    '',
    result.model ? `Model ${result.model.contentHash} written to ${outPath}: ${result.model.training.trades} trades from ${result.model.training.fromIso.slice(0, 16)} to ${result.model.training.toIso.slice(0, 16)}` : `No model written: ${result.noModel}`,
  ];
  if (promotion) lines.push(promotion.promoted ? `Promoted: ${promotion.reason}` : `Not promoted: ${promotion.reason}`);
  return lines;
}

/** The walk-forward table and totals. */
export function describeWalkForward(r: WalkForwardReport): string[] {
  const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
  const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const head = ['window (test)', 'train', 'test', 'taken', 'precision', 'recall', 'unfiltered', 'filtered', 'majority'];
  const rows = r.windows.map((w) => [
    `${w.testFromIso.slice(0, 10)}..${w.testToIso.slice(0, 10)}`,
    `${w.trainTrades}${w.trained ? '' : '*'}`,
    String(w.testTrades),
    String(w.taken),
    pct(w.precision),
    pct(w.recall),
    money(w.unfilteredPnlQuote),
    money(w.filteredPnlQuote),
    money(w.majorityPnlQuote),
  ]);
  const t = r.totals;
  rows.push(['total', '', String(t.testTrades), String(t.taken), pct(t.precision), pct(t.recall), money(t.unfilteredPnlQuote), money(t.filteredPnlQuote), money(t.majorityPnlQuote)]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k]!.length)));
  const fmtRow = (row: string[]) => row.map((c, k) => (k === 0 ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join('  ');
  return [
    `Walk-forward: train ${r.trainDays} days, test the next ${r.testDays}, slide ${r.testDays}; take a trade at p >= ${r.minProbability} (out of sample, P&L in quote after fees)`,
    fmtRow(head),
    ...rows.map(fmtRow),
    ...(r.windows.some((w) => !w.trained) ? [`* fewer than ${r.minTrainTrades} training trades: no model, every trade taken`] : []),
    `Baseline always take: precision ${pct(t.alwaysTakePrecision)}, recall 100%, P&L ${money(t.unfilteredPnlQuote)}; majority class: ${money(t.majorityPnlQuote)}`,
    `Verdict: ${r.verdict}`,
  ];
}

async function learningConfig(opts: LearnOptions): Promise<BotConfig> {
  const base = await loadConfigFile(opts.config);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const training = { ...base.learning.training, ...defined({ trainDays: num(opts.trainDays), testDays: num(opts.testDays), trees: num(opts.trees), seed: num(opts.seed) }) };
  const learning = { ...base.learning, training, ...defined({ minProbability: num(opts.minProbability) }) };
  return loadConfigFile(opts.config, { learning });
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function writeModel(result: LearnResult, out: string | undefined): string {
  const model = result.model!;
  const path = out ?? join('.kbot', 'models', `trade-filter-${model.contentHash.slice(7, 19)}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(model)}\n`);
  return path;
}

async function openLocal(opts: LearnOptions): Promise<Target> {
  const { startLocalDynamo, createDynamoClient, ensureTable } = await import('../adapters/dynamo/localDynamo.js');
  const { DynamoStore } = await import('../adapters/dynamo/dynamoStore.js');
  const { ConsoleAlerts } = await import('../adapters/console/consoleAlerts.js');
  const { LOCAL_TABLE } = await import('./localStack.js');
  let dynamo;
  try {
    dynamo = await startLocalDynamo({ path: join(opts.dataDir, 'dynamo') });
  } catch (err) {
    throw new Error(`cannot open the local state under ${opts.dataDir} (${(err as Error).message}): stop kbot paper first`);
  }
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, LOCAL_TABLE);
  return {
    label: 'local',
    mode: opts.mode === 'live' ? 'live' : 'paper',
    store: new DynamoStore({ client, tableName: LOCAL_TABLE }),
    alerts: new ConsoleAlerts(),
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}

async function openDeployed(opts: LearnOptions, io: Pick<OpsIo, 'out' | 'err'>): Promise<Target> {
  const { createAwsClients } = await import('./ops/awsClients.js');
  const { openDynamoStore } = await import('./ops/openDynamoStore.js');
  const { createOpsContext } = await import('./ops/opsContext.js');
  const { requireOutput, resolveMode } = await import('./ops/stackOutputs.js');
  const { SnsAlerts } = await import('../adapters/sns/snsAlerts.js');
  const { silentLogger } = await import('../core/ports.js');
  const clients = createAwsClients({ ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
  const ctx = createOpsContext({ clients, io: { ...io, prompt: async () => undefined, interactive: false }, stackName: opts.stack, openStore: openDynamoStore });
  const outputs = await ctx.outputs();
  return {
    label: `stack ${opts.stack}`,
    mode: resolveMode(outputs, opts.mode),
    store: ctx.openStore(clients, requireOutput(outputs, 'TableName')),
    alerts: new SnsAlerts({ client: clients.sns, topicArn: requireOutput(outputs, 'TopicArn'), logger: silentLogger }),
    close: async () => undefined,
  };
}
