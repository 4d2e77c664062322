// Research: the worker thread of `SweepPool`. Receives the plan and the candles (shared memory)
// once, then runs the items it is sent with `runItems`, keeping its indicator caches between them.
import { parentPort, workerData } from 'node:worker_threads';
import type { CandleColumns } from '../core/engine/candleColumns.js';
import { registerBundledStrategy, type LoadedStrategy } from '../strategies/userStrategies.js';
import { runItems, SweepWorkerState } from './runItems.js';
import type { SweepItem, SweepPlan, SweepResult } from './sweepPlan.js';

/** Messages to a sweep worker. */
export type SweepWorkerMessage = { kind: 'plan'; plan: SweepPlan; data: [string, CandleColumns][] } | { kind: 'items'; id: number; items: SweepItem[] };
/** Its answers. */
export type SweepWorkerAnswer = { kind: 'ready' } | { kind: 'results'; id: number; results: SweepResult[] } | { kind: 'error'; id: number; error: string };

const port = parentPort;
if (!port) throw new Error('sweepWorker runs on a worker thread');

let state: SweepWorkerState | undefined;

// The user strategies the main thread loaded, registered before the plan builds its engines.
const strategiesLoaded = (async () => {
  for (const strategy of (workerData as { userStrategies?: LoadedStrategy[] } | null)?.userStrategies ?? []) await registerBundledStrategy(strategy);
})();

port.on('message', (m: SweepWorkerMessage) => {
  if (m.kind === 'plan') {
    strategiesLoaded
      .then(() => {
        state = new SweepWorkerState(m.plan, new Map(m.data));
        port.postMessage({ kind: 'ready' } satisfies SweepWorkerAnswer);
      })
      .catch((err: unknown) => {
        port.postMessage({ kind: 'error', id: -1, error: (err as Error).stack ?? String(err) } satisfies SweepWorkerAnswer);
      });
    return;
  }
  try {
    if (!state) throw new Error('items before the plan');
    port.postMessage({ kind: 'results', id: m.id, results: runItems(state, m.items) } satisfies SweepWorkerAnswer);
  } catch (err) {
    port.postMessage({ kind: 'error', id: m.id, error: (err as Error).stack ?? String(err) } satisfies SweepWorkerAnswer);
  }
});
