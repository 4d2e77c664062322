// Lab (cloud sweeps): the worker's use case. Reads the sweep plan and the candles from the lab
// bucket (once per container: a warm Lambda keeps them, with its indicator caches), runs its batch
// of items with the same `runItems` the local worker threads use, writes the results next to the
// plan and returns where.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { decodeCandleColumns, sha256Hex } from '../backtest/candleCache.js';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import { runItems, SweepWorkerState } from '../research/runItems.js';
import type { SweepPlan, SweepResult } from '../research/sweepPlan.js';
import { dataKey, planKey, resultKey, type LabWorkerEvent, type LabWorkerResult } from './labKeys.js';

/** A worker bound to an S3 client; keeps plan and candles between invocations. */
export function createLabWorker(s3: Pick<S3Client, 'send'>): (event: LabWorkerEvent) => Promise<LabWorkerResult> {
  const states = new Map<string, SweepWorkerState>();
  const candles = new Map<string, CandleColumns>();

  async function bytes(bucket: string, key: string): Promise<Uint8Array> {
    const reply = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!reply.Body) throw new Error(`s3://${bucket}/${key} is empty`);
    return reply.Body.transformToByteArray();
  }

  async function stateFor(bucket: string, runId: string): Promise<SweepWorkerState> {
    const id = `${bucket}/${runId}`;
    let state = states.get(id);
    if (state) return state;
    const plan = JSON.parse(new TextDecoder().decode(await bytes(bucket, planKey(runId)))) as SweepPlan;
    if (plan.kind !== 'kbot-sweep-plan' || plan.version !== 1) throw new Error(`${planKey(runId)} is not a sweep plan this worker reads`);
    const data = new Map<string, CandleColumns>();
    for (const s of plan.series) {
      let cols = candles.get(s.hash);
      if (!cols) {
        const encoded = await bytes(bucket, dataKey(s.hash));
        // The key is the content's hash: a corrupted or replaced object is refused, never replayed.
        if (sha256Hex(encoded) !== s.hash) throw new Error(`${dataKey(s.hash)} does not match its hash`);
        cols = decodeCandleColumns(encoded).columns;
        candles.set(s.hash, cols);
      }
      data.set(s.hash, cols);
    }
    // One plan at a time per container: an older one's caches are let go.
    states.clear();
    state = new SweepWorkerState(plan, data);
    states.set(id, state);
    return state;
  }

  return async (event) => {
    const { bucket, runId, stage } = event.BatchInput;
    const items = event.Items;
    if (!Array.isArray(items) || items.length === 0) throw new Error('lab worker: the event has no Items');
    const state = await stateFor(bucket, runId);
    const results: SweepResult[] = runItems(state, items);
    const key = resultKey(runId, stage, items);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify({ items, results }), ContentType: 'application/json' }));
    return { resultKey: key, items: items.length, backtests: results.length };
  };
}
