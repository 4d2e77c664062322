// Learning: the use case behind `kbot learn`. Closed trades in; out come the walk-forward
// (out-of-sample) report and a sealed model file trained the same way as each window's model, on
// the latest `trainDays` of trades whose outcome is known.
import type { ClosedTrade } from '../core/analyzer.js';
import type { BotConfig } from '../core/config.js';
import { FEATURE_NAMES, FEATURE_SET_VERSION, imputed } from '../core/learning/featureVector.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, sealModel, type TradeFilterModel } from '../core/learning/modelFile.js';
import { ONE_DAY_MS } from '../core/types.js';
import { datasetOf, medians, type Dataset } from './dataset.js';
import { FOREST_ALGORITHM, forestHyperparameters, trainForest } from './randomForest.js';
import { walkForward, type OutOfSamplePrediction, type WalkForwardReport } from './walkForward.js';

/** What `learnFromTrades` produced. */
export interface LearnResult {
  dataset: Dataset['skipped'] & { examples: number };
  report: WalkForwardReport;
  predictions: OutOfSamplePrediction[];
  /** Undefined when too few trades with known outcomes fall in the last `trainDays`. */
  model: TradeFilterModel | undefined;
  /** Why no model was written, when none was. */
  noModel?: string;
}

/**
 * Walk-forward over `trades`, then the final model on the trades entered within `trainDays` of
 * `nowMs` whose exits came before it (default: just after the last exit). `source` names the data.
 */
export function learnFromTrades(trades: readonly ClosedTrade[], learning: BotConfig['learning'], source: string, nowMs?: number): LearnResult {
  const training = learning.training;
  const data = datasetOf(trades);
  const { report, predictions } = walkForward(data.examples, training, learning.minProbability);
  const examples = data.examples;
  const now = nowMs ?? (examples.length ? Math.max(...examples.map((e) => e.exitTimeMs)) + 1 : 0);
  const train = examples.filter((e) => e.entryTimeMs >= now - training.trainDays * ONE_DAY_MS && e.exitTimeMs < now);
  const summary = { ...data.skipped, examples: examples.length };
  if (train.length < training.minTrainTrades) {
    return { dataset: summary, report, predictions, model: undefined, noModel: `${train.length} trades with known outcomes in the last ${training.trainDays} days, fewer than learning.training.minTrainTrades (${training.minTrainTrades})` };
  }
  const imputation = medians(train, FEATURE_NAMES.length);
  const forest = trainForest(
    train.map((e) => imputed(e.vector, imputation)),
    train.map((e) => (e.win ? 1 : 0)),
    training,
  );
  const lastExit = Math.max(...train.map((e) => e.exitTimeMs));
  const model = sealModel({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    createdAtIso: new Date(now).toISOString(),
    features: {
      version: FEATURE_SET_VERSION,
      names: [...FEATURE_NAMES],
      priceTierBounds: [...learning.priceTierBounds],
      recentTrades: learning.recentTrades,
      imputation,
    },
    label: { kind: 'win', definition: 'net P&L after both fees > 0' },
    algorithm: { ...FOREST_ALGORITHM },
    hyperparameters: forestHyperparameters(training),
    training: {
      source,
      trades: train.length,
      wins: train.filter((e) => e.win).length,
      fromIso: new Date(Math.min(...train.map((e) => e.entryTimeMs))).toISOString(),
      toIso: new Date(lastExit).toISOString(),
      trainedThroughMs: lastExit,
    },
    evaluation: report as unknown as Record<string, unknown>,
    forest: forest.json,
  });
  return { dataset: summary, report, predictions, model };
}
