// Backtest: prepares the pairs' series (resampling, indicators, entry signals) in parallel, one
// pair per task, on worker threads and on the calling thread, and takes the workers' typed arrays
// back without copying them (transferred buffers). The replay itself, one wallet shared by every
// pair, stays on the calling thread.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { loadedUserStrategies } from '../strategies/userStrategies.js';
import type { BotConfig } from '../core/config.js';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import type { PreparedParts } from '../core/engine/preparedPairSeries.js';
import type { DecisionEngine, PreparedSeries } from '../core/engine/types.js';
import type { Pair } from '../core/types.js';
import type { BacktestSeries } from './runBacktest.js';

/** A task for a worker: prepare one pair's columns with an engine built from `config`. */
export interface PrepareTask {
  config: BotConfig;
  pair: Pair;
  columns: CandleColumns;
}

/** A worker's answer: the prepared parts but the 5m columns (the caller has them), or the error. */
export type PrepareAnswer = { parts: Omit<PreparedParts, 'base'> } | { error: string };

/**
 * Worker threads that prepare series for `runBacktest`, with the calling thread taking tasks
 * too. Start once, use for many backtests (one `prepare` at a time), close.
 */
export class PreparePool {
  private busy = false;

  private constructor(private readonly workers: Worker[]) {}

  /**
   * Starts `size` workers (default: one per core but the one the calling thread works on) and
   * waits until each has loaded the engine.
   */
  static async start(size = Math.max(1, availableParallelism() - 1)): Promise<PreparePool> {
    const workers = Array.from({ length: Math.max(1, size) }, () => new Worker(workerEntry(), { workerData: { userStrategies: loadedUserStrategies() } }));
    try {
      await Promise.all(workers.map((w) => nextAnswer<'ready'>(w)));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new PreparePool(workers);
  }

  /** Worker threads (the calling thread works as well). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Prepares every series given as columns, each with an engine built from `config`: the workers
   * and this thread take the pairs one at a time until none is left. The caller's `engine` must
   * be built from the same configuration: it prepares this thread's share and adopts the
   * workers' (checking that its strategies match). Series given as candle objects are left to
   * `runBacktest`.
   */
  async prepare(config: BotConfig, engine: DecisionEngine, series: readonly BacktestSeries[]): Promise<BacktestSeries[]> {
    const adopt = engine.preparedFromParts?.bind(engine);
    const prepareHere = engine.prepareColumns?.bind(engine);
    if (!adopt || !prepareHere) throw new Error('this engine cannot prepare columns or adopt series prepared on other threads');
    if (this.busy) throw new Error('PreparePool.prepare: one call at a time');
    this.busy = true;
    try {
      const out = [...series];
      const todo = series.flatMap((s, k) => ('columns' in s ? [k] : []));
      let next = 0;
      const take = (): number | undefined => (next < todo.length ? todo[next++] : undefined);
      const done = (k: number, prepared: PreparedSeries) => {
        const s = series[k] as Extract<BacktestSeries, { columns: CandleColumns }>;
        out[k] = { pair: s.pair, columns: s.columns, prepared };
      };
      const onWorker = async (w: Worker) => {
        for (let k = take(); k !== undefined; k = take()) {
          const s = series[k] as Extract<BacktestSeries, { columns: CandleColumns }>;
          const answer = nextAnswer<PrepareAnswer>(w);
          // The columns are shared or copied to the worker (this thread keeps its own); the parts come back transferred.
          w.postMessage({ config, pair: s.pair, columns: s.columns } satisfies PrepareTask);
          const a = await answer;
          if ('error' in a) throw new Error(`preparing ${s.pair} on a worker: ${a.error}`);
          done(k, adopt(s.pair, { ...a.parts, base: s.columns }));
        }
      };
      const onThisThread = async () => {
        for (let k = take(); k !== undefined; k = take()) {
          const s = series[k] as Extract<BacktestSeries, { columns: CandleColumns }>;
          done(k, prepareHere(s.pair, s.columns));
          // Let the workers' answers in, and hand them their next pair, between two of ours.
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      // The workers get their first pairs before this thread starts on one.
      const running = this.workers.map(onWorker);
      running.push(onThisThread());
      await Promise.all(running);
      return out;
    } finally {
      this.busy = false;
    }
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker's next message, or its failure. */
function nextAnswer<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: T) => {
      cleanup();
      resolve(m);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`prepare worker exited with code ${code}`));
    };
    const cleanup = () => w.off('message', onMessage).off('error', onError).off('exit', onExit);
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** The worker module; run from TypeScript (tsx), the worker registers tsx before importing it. */
function workerEntry(): URL | string {
  const url = new URL(import.meta.url.endsWith('.ts') ? './prepareWorker.ts' : './prepareWorker.js', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return fileURLToPath(url);
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(url.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
