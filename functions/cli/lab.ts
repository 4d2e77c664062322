// CLI: `kbot lab deploy | synth | destroy` (the optional sweep stack, its own CDK app bin/lab.ts)
// and the `--cloud` runner of `kbot optimize`: finds the lab stack's outputs, measures a worker's
// throughput on a sample item, prints the cost estimate (refusing above --max-cost), then runs
// the stages on Step Functions.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { newRunId } from '../lab/labKeys.js';
import { CloudSweepRunner, type LabTarget } from '../research/cloudRunner.js';
import { describeEstimate, estimateCloudCost, type CostEstimate } from '../research/costEstimate.js';
import type { BuiltSweep } from '../research/optimizer.js';
import { UsageError } from '../research/researchInputs.js';
import { runItems, SweepWorkerState } from '../research/runItems.js';
import { itemCandleSteps } from '../research/sweepPlan.js';
import type { SweepRunner } from '../research/sweepPool.js';
import { PROJECT_ROOT } from '../tick/bundle.js';
import type { OptimizeCliIo, OptimizeCliOptions, RunnerFactory } from './optimize.js';
import { decodeCandleColumns } from '../backtest/candleCache.js';

/** The AWS clients the cloud runner uses (tests pass mocked ones). */
export interface LabClients {
  s3: Pick<S3Client, 'send'>;
  sfn: Pick<SFNClient, 'send'>;
  cloudFormation: Pick<CloudFormationClient, 'send'>;
}

/** What the last cloud run estimated and ran (for the report). */
export interface CloudRunInfo {
  runId: string;
  estimate: CostEstimate;
  executions: string[];
  uploadedBytes: number;
}

/** Reads the lab stack's outputs. */
export async function labTarget(cloudFormation: LabClients['cloudFormation'], stackName: string): Promise<LabTarget> {
  let outputs: Record<string, string> = {};
  try {
    const reply = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Object.fromEntries((reply.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (err) {
    if (/does not exist/.test((err as Error).message)) throw new UsageError(`lab stack ${stackName} not found: run kbot lab deploy first (or pass --stack)`);
    throw err;
  }
  const need = (k: string) => {
    const v = outputs[k];
    if (!v) throw new UsageError(`lab stack ${stackName} has no ${k} output: deploy it again with kbot lab deploy`);
    return v;
  };
  return {
    bucket: need('BucketName'),
    stateMachineArn: need('StateMachineArn'),
    maxConcurrency: Number(need('MaxConcurrency')),
    workerMemoryMb: Number(need('WorkerMemoryMb')),
    itemsPerBatch: Number(need('ItemsPerBatch')),
  };
}

/**
 * The `--cloud` runner factory of `kbot optimize`. `onRun` receives what was estimated and run,
 * `pollMs` paces the progress polls (tests: 0).
 */
export function cloudRunnerFactory(makeClients: () => LabClients = defaultClients, options: { pollMs?: number; onRun?: (info: CloudRunInfo) => void; now?: () => number } = {}): RunnerFactory {
  return async (sweep: BuiltSweep, opts: OptimizeCliOptions, io: OptimizeCliIo, encoded: Map<string, Uint8Array>): Promise<SweepRunner> => {
    const clients = makeClients();
    const target = await labTarget(clients.cloudFormation, opts.stack ?? 'KbotLab');
    const estimate = estimateCloudCost(sweep, target, calibrate(sweep, encoded), [...encoded.values()].reduce((n, b) => n + b.length, 0));
    for (const line of describeEstimate(estimate)) io.err(line);
    if (opts.maxCost !== undefined) {
      const max = Number(opts.maxCost);
      if (!(max >= 0)) throw new UsageError(`--max-cost ${opts.maxCost}: expected an amount in USD`);
      if (estimate.usd.total > max) throw new UsageError(`the estimate (USD ${estimate.usd.total.toFixed(4)}) is above --max-cost ${max}: nothing was started`);
    }
    const runId = newRunId((options.now ?? Date.now)());
    const runner = await CloudSweepRunner.start({ s3: clients.s3, sfn: clients.sfn, target, plan: sweep.plan, encoded, runId, log: (l) => io.err(l), pollMs: options.pollMs ?? 5_000 });
    return {
      get where() {
        return runner.where;
      },
      parallelism: target.maxConcurrency,
      run: (items, onProgress) => runner.run(items, onProgress),
      details: (): CloudRunInfo => ({ runId, estimate, executions: runner.executions, uploadedBytes: runner.uploadedBytes }),
      close: async () => {
        options.onRun?.({ runId, estimate, executions: runner.executions, uploadedBytes: runner.uploadedBytes });
        await runner.close();
      },
    };
  };
}

/** One worker's throughput, measured here on a sample of the first stage's work (a Lambda of 1,769 MB has one vCPU like one core here). */
function calibrate(sweep: BuiltSweep, encoded: Map<string, Uint8Array>): number {
  const data = new Map([...encoded.entries()].map(([hash, bytes]) => [hash, decodeCandleColumns(bytes).columns]));
  const state = new SweepWorkerState(sweep.plan, data);
  const w = sweep.windows[0]!;
  const item = { sets: sweep.plan.sets.slice(0, Math.min(4, sweep.plan.sets.length)).map((_, k) => k), segments: [w.rungSegments[w.rungSegments.length - 1]!] };
  // Once to compile, once to time.
  runItems(state, [{ ...item, sets: item.sets.slice(0, 1) }]);
  const t = performance.now();
  runItems(state, [item]);
  const seconds = Math.max(1e-3, (performance.now() - t) / 1000);
  return itemCandleSteps(sweep.plan, item) / seconds;
}

function defaultClients(): LabClients {
  return { s3: new S3Client({}), sfn: new SFNClient({}), cloudFormation: new CloudFormationClient({}) };
}

/** `kbot lab`: deploy, synth or destroy the sweep stack with the pinned CDK CLI. */
export function labCommand(): Command {
  const group = new Command('lab').description('The optional sweep stack in AWS for kbot optimize --cloud (S3, a worker Lambda, a Step Functions Distributed Map)');
  for (const action of ['deploy', 'synth', 'destroy'] as const) {
    group.addCommand(
      new Command(action)
        .description(`${action} the lab stack (its own CDK app, bin/lab.ts; cdk-nag runs at synthesis)`)
        .option('--stack <name>', 'stack name (lab.prefix)', 'KbotLab')
        .option('--max-concurrency <n>', 'most worker Lambdas at once (the Distributed Map\'s cap)')
        .option('--memory <mb>', 'worker memory in MB (1769 = one vCPU)')
        .option('--items-per-batch <n>', 'work items per worker invocation')
        .action(async (opts: { stack: string; maxConcurrency?: string; memory?: string; itemsPerBatch?: string }) => {
          process.exitCode = await runCdk(action, labContextArgs(opts));
        }),
    );
  }
  return group;
}

/** The `-c lab.*` arguments for the CDK CLI. */
export function labContextArgs(opts: { stack: string; maxConcurrency?: string; memory?: string; itemsPerBatch?: string }): string[] {
  const args = ['-c', `lab.prefix=${opts.stack}`];
  if (opts.maxConcurrency !== undefined) args.push('-c', `lab.maxConcurrency=${opts.maxConcurrency}`);
  if (opts.memory !== undefined) args.push('-c', `lab.workerMemoryMb=${opts.memory}`);
  if (opts.itemsPerBatch !== undefined) args.push('-c', `lab.itemsPerBatch=${opts.itemsPerBatch}`);
  return args;
}

function runCdk(action: 'deploy' | 'synth' | 'destroy', context: string[]): Promise<number> {
  const cdk = join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk');
  const args = [action, '--app', 'npx tsx bin/lab.ts', '--output', 'cdk.out.lab', ...context];
  return new Promise((resolve) => {
    const child = spawn(cdk, args, { cwd: PROJECT_ROOT, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
    child.on('error', (err) => {
      console.error(`kbot lab: cannot run the CDK CLI (${err.message})`);
      resolve(1);
    });
  });
}
