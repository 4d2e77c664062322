// Research: what a cloud sweep will cost and how long it will take, worked out before it starts,
// from the planned stages (work items, candle-steps), a worker's throughput measured on this
// machine, and AWS list prices. The prices are constants with their date: check them against
// the AWS pricing pages for your region.
import type { BuiltSweep } from './optimizer.js';
import { plannedStages } from './optimizer.js';
import type { LabTarget } from './cloudRunner.js';

/** AWS list prices in USD (us-east-1, as published in 2025). */
export const AWS_PRICES = {
  asOf: 'us-east-1 list prices, 2025',
  /** Lambda on arm64, per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** Step Functions Standard, per state transition. */
  stateTransition: 0.025 / 1000,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
} as const;

/**
 * State transitions per child execution of the Distributed Map (one per item batch: start, the
 * Lambda task, end) and per stage (the parent's own states and the map run).
 */
const TRANSITIONS_PER_BATCH = 3;
const TRANSITIONS_PER_STAGE = 10;
/** Time a stage takes beyond its work: starting the execution and the map run, cold starts, the last poll. */
const STAGE_OVERHEAD_SECONDS = 20;

/** The estimate, and what it was worked out from. */
export interface CostEstimate {
  stages: { name: string; sets: number; items: number; batches: number; candleSteps: number; workerSeconds: number; wallSeconds: number }[];
  candleSteps: number;
  invocations: number;
  workerSeconds: number;
  lambdaGbSeconds: number;
  wallSeconds: number;
  usd: { lambda: number; requests: number; stepFunctions: number; s3: number; total: number };
  inputs: { candleStepsPerWorkerSecond: number; workerMemoryMb: number; maxConcurrency: number; itemsPerBatch: number; prices: string };
}

/**
 * Estimates a sweep on the lab stack. `candleStepsPerWorkerSecond` is one worker's throughput
 * (the CLI measures it on this machine with a sample item: a 1,769 MB Lambda has one vCPU).
 */
export function estimateCloudCost(sweep: BuiltSweep, target: Pick<LabTarget, 'maxConcurrency' | 'workerMemoryMb' | 'itemsPerBatch'>, candleStepsPerWorkerSecond: number, dataBytes: number): CostEstimate {
  const stages = plannedStages(sweep, target.maxConcurrency).map((s) => {
    const batches = Math.ceil(s.items / target.itemsPerBatch);
    const workerSeconds = s.candleSteps / candleStepsPerWorkerSecond;
    // Batches run in waves of at most maxConcurrency; the slowest batch ends the stage.
    const perBatch = workerSeconds / Math.max(1, batches);
    const wallSeconds = Math.ceil(batches / target.maxConcurrency) * perBatch + STAGE_OVERHEAD_SECONDS;
    return { ...s, batches, workerSeconds, wallSeconds };
  });
  const invocations = stages.reduce((n, s) => n + s.batches, 0);
  const workerSeconds = stages.reduce((n, s) => n + s.workerSeconds, 0);
  const gbSeconds = workerSeconds * (target.workerMemoryMb / 1024);
  const lambda = gbSeconds * AWS_PRICES.lambdaArmGbSecond;
  const requests = invocations * AWS_PRICES.lambdaPerRequest;
  const stepFunctions = (invocations * TRANSITIONS_PER_BATCH + stages.length * TRANSITIONS_PER_STAGE) * AWS_PRICES.stateTransition;
  // Puts: candles (when not there yet), the plan, a manifest per stage, a result per batch; gets: the worker's reads (plan and candles per cold container, about one per batch at most) and the downloads.
  const puts = sweep.plan.series.length + 1 + stages.length + invocations;
  const gets = invocations * (1 + sweep.plan.series.length) + invocations;
  // Transfer into S3 and within a region is free; storage for a few days is a fraction of a cent per GB.
  const s3 = puts * AWS_PRICES.s3Put + gets * AWS_PRICES.s3Get + (dataBytes / 2 ** 30) * 0.023 * (7 / 30);
  const total = lambda + requests + stepFunctions + s3;
  return {
    stages,
    candleSteps: stages.reduce((n, s) => n + s.candleSteps, 0),
    invocations,
    workerSeconds,
    lambdaGbSeconds: gbSeconds,
    wallSeconds: stages.reduce((n, s) => n + s.wallSeconds, 0),
    usd: { lambda, requests, stepFunctions, s3, total },
    inputs: { candleStepsPerWorkerSecond, workerMemoryMb: target.workerMemoryMb, maxConcurrency: target.maxConcurrency, itemsPerBatch: target.itemsPerBatch, prices: AWS_PRICES.asOf },
  };
}

/** The estimate as lines for stderr. */
export function describeEstimate(e: CostEstimate): string[] {
  return [
    `Cloud estimate: ${e.invocations} worker invocations, ${(e.candleSteps / 1e6).toFixed(0)} M candle-steps, ${(e.workerSeconds / 60).toFixed(1)} worker-minutes at ${(e.inputs.candleStepsPerWorkerSecond / 1e6).toFixed(2)} M steps/s each (measured here on a sample item)`,
    `  about ${(e.wallSeconds / 60).toFixed(1)} minutes with up to ${e.inputs.maxConcurrency} workers of ${e.inputs.workerMemoryMb} MB; ` +
      `USD ${e.usd.total.toFixed(4)} (Lambda ${e.usd.lambda.toFixed(4)}, requests ${e.usd.requests.toFixed(4)}, Step Functions ${e.usd.stepFunctions.toFixed(4)}, S3 ${e.usd.s3.toFixed(4)}; ${e.inputs.prices})`,
  ];
}
