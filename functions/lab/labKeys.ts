// Lab (cloud sweeps): where things live in the lab bucket, one definition for the CLI that writes
// them, the worker Lambda that reads and writes them, and the stack that grants exactly these prefixes.
import { createHash } from 'node:crypto';
import type { SweepItem } from '../research/sweepPlan.js';

/** Candles, by the SHA-256 of their encoding: uploaded once, shared by every sweep. */
export const DATA_PREFIX = 'data/';
/** One folder per sweep: plan, one manifest per stage, results. */
export const RUNS_PREFIX = 'runs/';

export const dataKey = (hash: string): string => `${DATA_PREFIX}${hash}.kbc`;
export const planKey = (runId: string): string => `${RUNS_PREFIX}${runId}/plan.json`;
export const manifestKey = (runId: string, stage: number): string => `${RUNS_PREFIX}${runId}/manifests/stage-${stage}.json`;
export const resultsPrefix = (runId: string, stage: number): string => `${RUNS_PREFIX}${runId}/results/stage-${stage}/`;
/** The Distributed Map's own record of the run (failures, item counts). */
export const mapOutputPrefix = (runId: string): string => `${RUNS_PREFIX}${runId}/map/`;

/**
 * The results object of a batch of items: named after the items themselves, so a retried batch
 * overwrites its own object and never adds a second one; `-n<count>` tells progress how many items it holds.
 */
export function resultKey(runId: string, stage: number, items: readonly SweepItem[]): string {
  const digest = createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 20);
  return `${resultsPrefix(runId, stage)}${digest}-n${items.length}.json`;
}

/** Items in a results object, read from its key (see resultKey). */
export function itemsInResultKey(key: string): number {
  const m = /-n(\d+)\.json$/.exec(key);
  return m ? Number(m[1]) : 0;
}

/** What the state machine hands every worker invocation besides its items (the map's BatchInput). */
export interface LabBatchInput {
  bucket: string;
  runId: string;
  stage: number;
}

/** The worker's event: a batch of items from the Distributed Map's item batcher. */
export interface LabWorkerEvent {
  Items: SweepItem[];
  BatchInput: LabBatchInput;
}

/** What the worker returns to the map (kept small: results go to S3). */
export interface LabWorkerResult {
  resultKey: string;
  items: number;
  backtests: number;
}

/** Run ids: time-sortable and safe in keys and execution names. */
export function newRunId(nowMs: number, random: () => number = Math.random): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${Math.floor(random() * 0xffffff).toString(16).padStart(6, '0')}`;
}
