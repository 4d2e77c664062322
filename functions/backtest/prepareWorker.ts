// Backtest: the worker thread of `PreparePool`. Builds the decision engine from the configuration
// it is sent (once per configuration), prepares one pair's columns per task and transfers the
// typed arrays of the result back.
import { parentPort, workerData } from 'node:worker_threads';
import type { BotConfig } from '../core/config.js';
import { createDecisionEngine } from '../core/engine/index.js';
import type { PreparedPairSeries } from '../core/engine/preparedPairSeries.js';
import type { DecisionEngine } from '../core/engine/types.js';
import type { PrepareAnswer, PrepareTask } from './parallelPrepare.js';
import { registerBundledStrategy, type LoadedStrategy } from '../strategies/userStrategies.js';

const port = parentPort;
if (!port) throw new Error('prepareWorker runs on a worker thread');

let engineKey = '';
let engine: DecisionEngine | undefined;

function engineFor(config: BotConfig): DecisionEngine {
  const key = JSON.stringify(config);
  if (!engine || key !== engineKey) {
    engine = createDecisionEngine(config);
    engineKey = key;
  }
  return engine;
}

port.on('message', (task: PrepareTask) => {
  let answer: PrepareAnswer;
  const transfer = new Set<ArrayBuffer>();
  try {
    const e = engineFor(task.config);
    if (!e.prepareColumns) throw new Error('the engine cannot prepare columns');
    const { base: _base, ...parts } = (e.prepareColumns(task.pair, task.columns) as PreparedPairSeries).parts();
    for (const c of [parts.columns15m, parts.columns1h]) transfer.add(c.openTimeMs.buffer as ArrayBuffer);
    for (const a of [parts.gapFreeRun, parts.index15m, parts.index1h, parts.entrySignals, ...parts.ind]) if (a) transfer.add(a.buffer as ArrayBuffer);
    answer = { parts };
  } catch (err) {
    answer = { error: (err as Error).stack ?? String(err) };
    transfer.clear();
  }
  port.postMessage(answer, [...transfer]);
});
// The user strategies the main thread loaded, from the modules it bundled.
for (const strategy of ((workerData as { userStrategies?: LoadedStrategy[] } | null)?.userStrategies ?? [])) await registerBundledStrategy(strategy);
port.postMessage('ready');
