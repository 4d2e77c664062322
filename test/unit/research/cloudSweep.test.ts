// kbot optimize --cloud without AWS: S3, Step Functions and CloudFormation are mocked
// (aws-sdk-client-mock); the mocked Distributed Map hands the manifest's items in batches to the
// real lab worker handler logic. The cloud report equals the local one; the cost guard refuses
// before anything is uploaded; candles already in the bucket are not uploaded again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generatedCandles } from '../../../functions/backtest/bench.js';
import { formatCandleCsv } from '../../../functions/backtest/candleFile.js';
import { cloudRunnerFactory, type CloudRunInfo } from '../../../functions/cli/lab.js';
import { runOptimizeCli, type OptimizeCliOptions } from '../../../functions/cli/optimize.js';
import type { LabWorkerEvent } from '../../../functions/lab/labKeys.js';
import { createLabWorker } from '../../../functions/lab/labWorker.js';
import type { OptimizeReport } from '../../../functions/research/optimizer.js';
import type { SweepItem } from '../../../functions/research/sweepPlan.js';

const BUCKET = 'kbotlab-bucket';
const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:KbotLab-sweep';
const ITEMS_PER_BATCH = 3;

const s3 = mockClient(S3Client);
const sfn = mockClient(SFNClient);
const cfn = mockClient(CloudFormationClient);
const store = new Map<string, Uint8Array>();
const puts: string[] = [];
const executions: string[] = [];

function body(bytes: Uint8Array) {
  return { transformToByteArray: async () => bytes, transformToString: async () => new TextDecoder().decode(bytes) };
}

function installMocks(): void {
  s3.reset();
  sfn.reset();
  cfn.reset();
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Uint8Array | string }) => {
    puts.push(input.Key);
    store.set(input.Key, typeof input.Body === 'string' ? new TextEncoder().encode(input.Body) : input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const bytes = store.get(input.Key);
    if (!bytes) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey' });
    return { Body: body(bytes) };
  });
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    if (!store.has(input.Key)) throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => ({ Contents: [...store.keys()].filter((k) => k.startsWith(input.Prefix)).map((Key) => ({ Key })), IsTruncated: false }));
  // The Distributed Map: the manifest's items, batched, each batch through the worker.
  const worker = createLabWorker(new S3Client({ region: 'eu-west-1' }));
  const done = new Map<string, Promise<void>>();
  sfn.on(StartExecutionCommand).callsFake((input: { stateMachineArn: string; name: string; input: string }) => {
    const arn = `${SM.replace(':stateMachine:', ':execution:')}:${input.name}`;
    executions.push(arn);
    const args = JSON.parse(input.input) as { bucket: string; manifestKey: string; runId: string; stage: number };
    const items = JSON.parse(new TextDecoder().decode(store.get(args.manifestKey)!)) as SweepItem[];
    done.set(
      arn,
      (async () => {
        for (let k = 0; k < items.length; k += ITEMS_PER_BATCH) {
          const event: LabWorkerEvent = { Items: items.slice(k, k + ITEMS_PER_BATCH), BatchInput: { bucket: args.bucket, runId: args.runId, stage: args.stage } };
          await worker(event);
        }
      })(),
    );
    return { executionArn: arn };
  });
  sfn.on(DescribeExecutionCommand).callsFake(async (input: { executionArn: string }) => {
    await done.get(input.executionArn);
    return { status: 'SUCCEEDED' };
  });
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'KbotLab',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'BucketName', OutputValue: BUCKET },
          { OutputKey: 'StateMachineArn', OutputValue: SM },
          { OutputKey: 'MaxConcurrency', OutputValue: '8' },
          { OutputKey: 'WorkerMemoryMb', OutputValue: '1769' },
          { OutputKey: 'ItemsPerBatch', OutputValue: String(ITEMS_PER_BATCH) },
        ],
      },
    ],
  });
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

const comparable = (r: OptimizeReport) => {
  const { timing: _t, cloud: _c, ...rest } = r;
  return rest;
};

describe('kbot optimize --cloud (mocked AWS)', () => {
  let dir: string;
  let opts: OptimizeCliOptions;
  const cwd = process.cwd();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-cloud-'));
    const file = join(dir, 'btc.csv');
    writeFileSync(file, formatCandleCsv(generatedCandles('BTC/USD', 9_000)));
    process.chdir(dir);
    opts = {
      data: [`BTC/USD=${file}`],
      strategy: 'momentum',
      param: ['momentum.fastSma=5..20:5', 'momentum.slowSma=30,60', 'exits.mode=fixed', 'exits.stopLossFraction=0.01,0.02'],
      method: 'random',
      sets: '12',
      seed: '3',
      objective: 'net',
      minTrades: '1',
      windows: '2',
      top: '3',
      json: true,
    };
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    store.clear();
    puts.length = 0;
    executions.length = 0;
    installMocks();
  });

  const clients = () => ({ s3: new S3Client({ region: 'eu-west-1' }), sfn: new SFNClient({ region: 'eu-west-1' }), cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }) });

  it('gives the report a local run gives, from the same batches run by the worker handler', async () => {
    const local = capture();
    expect(await runOptimizeCli({ ...opts, workers: '2' }, local.io)).toBe(0);
    let info: CloudRunInfo | undefined;
    const cloud = capture();
    const code = await runOptimizeCli({ ...opts, cloud: true, maxCost: '5' }, cloud.io, cloudRunnerFactory(clients, { pollMs: 0, onRun: (i) => (info = i) }));
    expect(cloud.err.join('\n')).not.toMatch(/kbot optimize:/);
    expect(code).toBe(0);
    const a = JSON.parse(local.out[0]!) as OptimizeReport;
    const b = JSON.parse(cloud.out[0]!) as OptimizeReport;
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.backtests).toBe(12 * 2 + 3 * 2);
    // One execution per stage (in sample, out of sample), the estimate printed first.
    expect(executions).toHaveLength(2);
    expect(cloud.err[0]).toMatch(/^Cloud estimate: \d+ worker invocations/);
    expect(info!.estimate.usd.total).toBeGreaterThan(0);
    expect(info!.estimate.usd.total).toBeLessThan(0.01);
    expect(b.cloud).toMatchObject({ runId: info!.runId, executions });
    expect(puts.filter((k) => k.startsWith('data/'))).toHaveLength(1);
    expect(puts.filter((k) => k.includes('/results/')).length).toBeGreaterThan(2);
  });

  it('refuses to start above --max-cost, before uploading anything', async () => {
    const { io, err } = capture();
    const code = await runOptimizeCli({ ...opts, cloud: true, maxCost: '0' }, io, cloudRunnerFactory(clients, { pollMs: 0 }));
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/above --max-cost 0: nothing was started/);
    expect(puts).toEqual([]);
    expect(executions).toEqual([]);
  });

  it('uploads candles once: a second sweep on the same candles finds them by hash', async () => {
    await runOptimizeCli({ ...opts, cloud: true }, capture().io, cloudRunnerFactory(clients, { pollMs: 0 }));
    const firstData = puts.filter((k) => k.startsWith('data/'));
    puts.length = 0;
    const { io, err } = capture();
    expect(await runOptimizeCli({ ...opts, cloud: true, seed: '4' }, io, cloudRunnerFactory(clients, { pollMs: 0, now: () => Date.UTC(2030, 0, 1) }))).toBe(0);
    expect(firstData).toHaveLength(1);
    expect(puts.filter((k) => k.startsWith('data/'))).toEqual([]);
    expect(err.join('\n')).toMatch(/candles already in s3:\/\/kbotlab-bucket\/data\//);
  });
});
