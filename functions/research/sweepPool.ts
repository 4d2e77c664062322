// Research: runs a sweep's items on worker threads, one per core, each holding the plan, the
// candles (shared memory, not copied) and its own indicator caches. Items are handed out one at a
// time as workers finish, so a slow item does not hold the others back.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadedUserStrategies } from '../strategies/userStrategies.js';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import type { SweepItem, SweepPlan, SweepResult } from './sweepPlan.js';
import type { SweepWorkerAnswer, SweepWorkerMessage } from './sweepWorker.js';

/** Whatever runs items: the worker threads here, or the cloud (same items, same results). */
export interface SweepRunner {
  /** Runs the items of one stage; `onProgress` gets the items done so far. */
  run(items: readonly SweepItem[], onProgress?: (done: number, total: number) => void): Promise<SweepResult[]>;
  /** Where the work runs, for reports. */
  readonly where: string;
  /** How many items run at once (sizes the items: about 16 per worker and window). */
  readonly parallelism?: number;
  /** What the report should say about the run besides the figures (the cloud run: estimate, executions). */
  details?(): unknown;
  close(): Promise<void>;
}

/** Worker threads for one plan. */
export class SweepPool implements SweepRunner {
  private constructor(private readonly workers: Worker[]) {}

  get where(): string {
    return `${this.workers.length} worker thread(s)`;
  }

  get parallelism(): number {
    return this.workers.length;
  }

  /**
   * Starts `size` workers (default: one per core) and hands each the plan and the candles. Columns
   * in shared memory are read in place; others are copied once per worker.
   */
  static async start(plan: SweepPlan, data: ReadonlyMap<string, CandleColumns>, size = availableParallelism()): Promise<SweepPool> {
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(workerEntry(), { workerData: { userStrategies: loadedUserStrategies() } }));
    try {
      await Promise.all(
        workers.map((w) => {
          const ready = next(w);
          w.postMessage({ kind: 'plan', plan, data: [...data.entries()] } satisfies SweepWorkerMessage);
          return ready.then((a) => {
            if (a.kind === 'error') throw new Error(`sweep worker: ${a.error}`);
          });
        }),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new SweepPool(workers);
  }

  async run(items: readonly SweepItem[], onProgress?: (done: number, total: number) => void): Promise<SweepResult[]> {
    const answers = new Array<SweepResult[]>(items.length);
    let nextItem = 0;
    let done = 0;
    const onWorker = async (w: Worker) => {
      for (let k = nextItem++; k < items.length; k = nextItem++) {
        const answer = next(w);
        w.postMessage({ kind: 'items', id: k, items: [items[k]!] } satisfies SweepWorkerMessage);
        const a = await answer;
        if (a.kind === 'error') throw new Error(`sweep worker: ${a.error}`);
        if (a.kind !== 'results' || a.id !== k) throw new Error('sweep worker: answer out of order');
        answers[k] = a.results;
        onProgress?.(++done, items.length);
      }
    };
    await Promise.all(this.workers.map(onWorker));
    return answers.flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function next(w: Worker): Promise<SweepWorkerAnswer> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: SweepWorkerAnswer) => {
      cleanup();
      resolve(m);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`sweep worker exited with code ${code}`));
    };
    const cleanup = () => w.off('message', onMessage).off('error', onError).off('exit', onExit);
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** The worker module; run from TypeScript (tsx), the worker registers tsx before importing it. */
function workerEntry(): URL | string {
  const url = new URL(import.meta.url.endsWith('.ts') ? './sweepWorker.ts' : './sweepWorker.js', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return fileURLToPath(url);
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(url.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
