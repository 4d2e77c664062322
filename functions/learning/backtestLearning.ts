// Learning: `kbot backtest --learn`. The same replay twice: once as it is, once with the learned
// filter retrained every N days inside the replay. The model used on day d is trained only on the
// unfiltered replay's trades that closed before d (the strategy's whole trade stream, known by
// then), entered within `trainDays` of d; the two runs are reported side by side.
import type { BotConfig } from '../core/config.js';
import { learnedFilter } from '../core/learning/tradeFilter.js';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from '../core/learning/featureVector.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, sealModel } from '../core/learning/modelFile.js';
import { ONE_DAY_MS } from '../core/types.js';
import { closedTradesFromBacktest } from '../analyzer/analyzerSources.js';
import type { BacktestResult } from '../backtest/backtestResult.js';
import { runBacktest, type BacktestInput } from '../backtest/runBacktest.js';
import { datasetOf, type Example } from './dataset.js';
import { FOREST_ALGORITHM, forestHyperparameters } from './randomForest.js';
import { fitOn, forestTrainer, type Trainer } from './walkForward.js';

/** One retraining inside the replay. */
export interface RetrainEvent {
  /** The UTC day from which the model decides entries (until the next retraining). */
  appliedFromIso: string;
  appliedFromMs: number;
  /** Training trades: entered at or after `trainFromIso`, closed before `appliedFromIso`. */
  trainFromIso: string;
  trainTrades: number;
  trainWins: number;
  /** The last exit among them, always before `appliedFromMs` (null without any). */
  trainLastExitMs: number | null;
  /** False: too few trades, no filter until the next retraining. */
  trained: boolean;
}

/** Both runs and the retrainings. */
export interface LearningBacktest {
  unfiltered: BacktestResult;
  filtered: BacktestResult;
  retrainEveryDays: number;
  minProbability: number;
  retrains: RetrainEvent[];
  /** Entries the filter refused in the filtered run. */
  refusedByFilter: number;
}

/**
 * Runs `input` unfiltered, then with the learned filter retrained every `retrainEveryDays`.
 * `trainer` is injectable so tests can watch what each retraining is given.
 */
export function runLearningBacktest(input: BacktestInput, learning: BotConfig['learning'], retrainEveryDays: number, trainer: Trainer = forestTrainer): LearningBacktest {
  const unfiltered = runBacktest(input);
  const examples: readonly Example[] = datasetOf(closedTradesFromBacktest(unfiltered.trades)).examples;
  const training = learning.training;
  const retrains: RetrainEvent[] = [];
  const retrain = (dayStartMs: number) => {
    const from = dayStartMs - training.trainDays * ONE_DAY_MS;
    const train = examples.filter((e) => e.entryTimeMs >= from && e.exitTimeMs < dayStartMs);
    const trained = train.length >= training.minTrainTrades;
    retrains.push({
      appliedFromIso: new Date(dayStartMs).toISOString(),
      appliedFromMs: dayStartMs,
      trainFromIso: new Date(from).toISOString(),
      trainTrades: train.length,
      trainWins: train.filter((e) => e.win).length,
      trainLastExitMs: train.length ? Math.max(...train.map((e) => e.exitTimeMs)) : null,
      trained,
    });
    if (!trained) return undefined;
    const { imputation, predictor } = fitOn(train, training, trainer);
    // The filter reads its imputation and identity from a model file, as the live one does.
    const model = sealModel({
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      createdAtIso: new Date(dayStartMs).toISOString(),
      features: { version: FEATURE_SET_VERSION, names: [...FEATURE_NAMES], priceTierBounds: [...learning.priceTierBounds], recentTrades: learning.recentTrades, imputation },
      label: { kind: 'win', definition: 'net P&L after both fees > 0' },
      algorithm: { ...FOREST_ALGORITHM },
      hyperparameters: forestHyperparameters(training),
      training: {
        source: 'backtest --learn',
        trades: train.length,
        wins: train.filter((e) => e.win).length,
        fromIso: new Date(from).toISOString(),
        toIso: new Date(retrains[retrains.length - 1]!.trainLastExitMs!).toISOString(),
        trainedThroughMs: retrains[retrains.length - 1]!.trainLastExitMs!,
      },
      evaluation: {},
      forest: null,
    });
    return learnedFilter(model, predictor, learning.minProbability);
  };
  const filtered = runBacktest({ ...input, learn: { retrainEveryDays, retrain } });
  return { unfiltered, filtered, retrainEveryDays, minProbability: learning.minProbability, retrains, refusedByFilter: filtered.summary.refusals['risk:learned-filter'] ?? 0 };
}
