// Research: runs a sweep's stages on the lab stack in AWS. The candles go up once (by the hash of
// their encoding: a later sweep on the same candles uploads nothing), the plan once per sweep;
// each stage is one manifest of work items and one Step Functions execution whose Distributed
// Map hands them to the worker Lambda; results come back from S3. Same items, same `runItems`:
// the same figures as the worker threads.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { dataKey, itemsInResultKey, manifestKey, planKey, resultKey as labResultKey, resultsPrefix } from '../lab/labKeys.js';
import { resultKey, type SweepItem, type SweepPlan, type SweepResult } from './sweepPlan.js';
import type { SweepRunner } from './sweepPool.js';

/** Where the lab stack is (its outputs). */
export interface LabTarget {
  bucket: string;
  stateMachineArn: string;
  maxConcurrency: number;
  workerMemoryMb: number;
  itemsPerBatch: number;
}

/** What the runner reports as it goes (stderr lines). */
export interface CloudLog {
  (line: string): void;
}

/** A sweep on the lab stack. */
export class CloudSweepRunner implements SweepRunner {
  private stage = 0;
  readonly executions: string[] = [];
  uploadedBytes = 0;

  private constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly sfn: Pick<SFNClient, 'send'>,
    private readonly target: LabTarget,
    readonly runId: string,
    private readonly log: CloudLog,
    private readonly pollMs: number,
  ) {}

  get where(): string {
    return `AWS Step Functions (${this.target.stateMachineArn.split(':').pop()}, up to ${this.target.maxConcurrency} workers)`;
  }

  /** Uploads what is missing of the candles (by hash) and the plan; then stages can run. */
  static async start(args: {
    s3: Pick<S3Client, 'send'>;
    sfn: Pick<SFNClient, 'send'>;
    target: LabTarget;
    plan: SweepPlan;
    encoded: ReadonlyMap<string, Uint8Array>;
    runId: string;
    log: CloudLog;
    pollMs?: number;
  }): Promise<CloudSweepRunner> {
    const runner = new CloudSweepRunner(args.s3, args.sfn, args.target, args.runId, args.log, args.pollMs ?? 5_000);
    const { bucket } = args.target;
    for (const s of args.plan.series) {
      const key = dataKey(s.hash);
      if (await runner.exists(key)) {
        args.log(`${s.pair}: candles already in s3://${bucket}/${key}`);
        continue;
      }
      const body = args.encoded.get(s.hash);
      if (!body) throw new Error(`no encoded candles for ${s.pair}`);
      await args.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
      runner.uploadedBytes += body.length;
      args.log(`${s.pair}: uploaded ${(body.length / 2 ** 20).toFixed(1)} MB of candles to s3://${bucket}/${key}`);
    }
    await args.s3.send(new PutObjectCommand({ Bucket: bucket, Key: planKey(args.runId), Body: JSON.stringify(args.plan), ContentType: 'application/json' }));
    return runner;
  }

  async run(items: readonly SweepItem[], onProgress?: (done: number, total: number) => void): Promise<SweepResult[]> {
    const stage = this.stage++;
    const { bucket, stateMachineArn } = this.target;
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: manifestKey(this.runId, stage), Body: JSON.stringify(items), ContentType: 'application/json' }));
    const started = await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: `${this.runId}-s${stage}`,
        input: JSON.stringify({ bucket, manifestKey: manifestKey(this.runId, stage), runId: this.runId, stage }),
      }),
    );
    const executionArn = started.executionArn;
    if (!executionArn) throw new Error('Step Functions started no execution');
    this.executions.push(executionArn);
    this.log(`stage ${stage + 1}: ${items.length} items, execution ${executionArn}`);
    for (;;) {
      const d = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      const keys = await this.list(resultsPrefix(this.runId, stage));
      onProgress?.(Math.min(items.length, keys.reduce((n, k) => n + itemsInResultKey(k), 0)), items.length);
      if (d.status === 'SUCCEEDED') break;
      if (d.status && d.status !== 'RUNNING' && d.status !== 'PENDING_REDRIVE') {
        throw new Error(`execution ${executionArn} ${d.status}${d.error ? `: ${d.error}` : ''}${d.cause ? ` (${d.cause.slice(0, 400)})` : ''}`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
    // The results of exactly these items: every batch's object, whatever the batching was.
    const byKey = new Map<string, SweepResult>();
    for (const key of await this.list(resultsPrefix(this.runId, stage))) {
      const reply = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = await reply.Body!.transformToString();
      const batch = JSON.parse(text) as { items: SweepItem[]; results: SweepResult[] };
      if (labResultKey(this.runId, stage, batch.items) !== key) throw new Error(`s3://${bucket}/${key} holds other items than its name says`);
      for (const r of batch.results) byKey.set(resultKey(r.set, r.segment), r);
    }
    const out: SweepResult[] = [];
    for (const item of items) {
      for (const set of item.sets) {
        for (const segment of item.segments) {
          const r = byKey.get(resultKey(set, segment));
          if (!r) throw new Error(`stage ${stage + 1}: no result for set ${set} on segment ${segment} in s3://${bucket}/${resultsPrefix(this.runId, stage)}`);
          out.push(r);
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing held open; the run's folder expires with the bucket's lifecycle rule.
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.target.bucket, Key: key }));
      return true;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  private async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.target.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }
}
