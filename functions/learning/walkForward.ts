// Learning: walk-forward evaluation. Train on a window of closed trades, judge the next window's
// entries with that model, slide by the test window and repeat. A window's model sees only trades
// whose exit (when their label became known) came before its test window starts; every figure it
// reports is out of sample. Beside the filter, two baselines: always take (the strategy as it is)
// and the majority class of the training window (take all if most won, none if most lost).
import type { LearningTrainingConfig } from '../core/learning/learningConfig.js';
import { imputed } from '../core/learning/featureVector.js';
import type { ModelPredictor } from '../core/learning/tradeFilter.js';
import { ONE_DAY_MS } from '../core/types.js';
import { medians, type Example } from './dataset.js';
import { trainForest } from './randomForest.js';

/** Trains a predictor on (imputed) rows; injectable so tests can watch what each window trains on. */
export type Trainer = (rows: number[][], labels: number[], training: LearningTrainingConfig) => ModelPredictor;

export const forestTrainer: Trainer = (rows, labels, training) => trainForest(rows, labels, training).predictor;

/** One walk-forward window. Times are ISO; `train*` is [from, to) by entry, with exits before `testFromIso`. */
export interface WindowReport {
  index: number;
  trainFromIso: string;
  testFromIso: string;
  testToIso: string;
  trainTrades: number;
  trainWins: number;
  /** The last exit among the training trades (always before `testFromIso`), or null without any. */
  trainLastExitIso: string | null;
  /** False when the window had fewer than `minTrainTrades`: no model, every trade taken. */
  trained: boolean;
  testTrades: number;
  testWins: number;
  taken: number;
  takenWins: number;
  /** takenWins / taken (null when nothing was taken). */
  precision: number | null;
  /** takenWins / testWins (null when nothing won). */
  recall: number | null;
  /** Net P&L (quote) of the window's trades: all of them, those the filter took, and the majority baseline's. */
  unfilteredPnlQuote: number;
  filteredPnlQuote: number;
  majorityPnlQuote: number;
  majorityTakesAll: boolean;
}

/** The whole evaluation. */
export interface WalkForwardReport {
  minProbability: number;
  trainDays: number;
  testDays: number;
  minTrainTrades: number;
  windows: WindowReport[];
  totals: {
    testTrades: number;
    testWins: number;
    taken: number;
    takenWins: number;
    precision: number | null;
    recall: number | null;
    /** Always take: precision is the plain win rate, recall 1. */
    alwaysTakePrecision: number | null;
    unfilteredPnlQuote: number;
    filteredPnlQuote: number;
    majorityPnlQuote: number;
  };
  /** filtered − the better baseline (always take, majority), in quote. Positive: the filter beat both. */
  edgeOverBaselineQuote: number;
  beatsBaseline: boolean;
  verdict: string;
}

/** One out-of-sample judgement: a test trade, the probability its window's model gave it (null: untrained window), whether it was taken. */
export interface OutOfSamplePrediction {
  example: Example;
  probability: number | null;
  taken: boolean;
}

/**
 * Walk-forward over `examples` (sorted by entry time). Test windows start on UTC midnights, the
 * first `trainDays` after the first entry, every `testDays`, until the last entry is covered.
 */
export function walkForward(
  examples: readonly Example[],
  training: LearningTrainingConfig,
  minProbability: number,
  trainer: Trainer = forestTrainer,
): { report: WalkForwardReport; predictions: OutOfSamplePrediction[] } {
  const windows: WindowReport[] = [];
  const predictions: OutOfSamplePrediction[] = [];
  const trainMs = training.trainDays * ONE_DAY_MS;
  const testMs = training.testDays * ONE_DAY_MS;
  if (examples.length > 0) {
    const first = examples[0]!.entryTimeMs;
    const last = examples[examples.length - 1]!.entryTimeMs;
    for (let testFrom = Math.ceil((first + trainMs) / ONE_DAY_MS) * ONE_DAY_MS, k = 0; testFrom <= last; testFrom += testMs, k++) {
      const testTo = testFrom + testMs;
      const train = examples.filter((e) => e.entryTimeMs >= testFrom - trainMs && e.exitTimeMs < testFrom);
      const test = examples.filter((e) => e.entryTimeMs >= testFrom && e.entryTimeMs < testTo);
      const judged = judgeWindow(train, test, training, minProbability, trainer);
      predictions.push(...judged);
      windows.push(windowReport(k, testFrom - trainMs, testFrom, testTo, train, judged, training.minTrainTrades));
    }
  }
  return { report: summarize(windows, training, minProbability), predictions };
}

/** The imputation and the predictor of a training set (what a model file carries). */
export function fitOn(train: readonly Example[], training: LearningTrainingConfig, trainer: Trainer = forestTrainer): { imputation: number[]; predictor: ModelPredictor } {
  const columns = train[0]!.vector.length;
  const imputation = medians(train, columns);
  const predictor = trainer(
    train.map((e) => imputed(e.vector, imputation)),
    train.map((e) => (e.win ? 1 : 0)),
    training,
  );
  return { imputation, predictor };
}

function judgeWindow(train: readonly Example[], test: readonly Example[], training: LearningTrainingConfig, minProbability: number, trainer: Trainer): OutOfSamplePrediction[] {
  if (test.length === 0) return [];
  if (train.length < training.minTrainTrades) return test.map((example) => ({ example, probability: null, taken: true }));
  const { imputation, predictor } = fitOn(train, training, trainer);
  return test.map((example) => {
    const probability = predictor.probability(imputed(example.vector, imputation));
    return { example, probability, taken: probability >= minProbability };
  });
}

function windowReport(index: number, trainFrom: number, testFrom: number, testTo: number, train: readonly Example[], judged: readonly OutOfSamplePrediction[], minTrainTrades: number): WindowReport {
  const trainWins = train.filter((e) => e.win).length;
  const majorityTakesAll = trainWins * 2 > train.length;
  const testWins = judged.filter((p) => p.example.win).length;
  const taken = judged.filter((p) => p.taken);
  const takenWins = taken.filter((p) => p.example.win).length;
  const unfiltered = sum(judged.map((p) => p.example.netPnlQuote));
  return {
    index,
    trainFromIso: iso(trainFrom),
    testFromIso: iso(testFrom),
    testToIso: iso(testTo),
    trainTrades: train.length,
    trainWins,
    trainLastExitIso: train.length ? iso(Math.max(...train.map((e) => e.exitTimeMs))) : null,
    trained: train.length >= minTrainTrades,
    testTrades: judged.length,
    testWins,
    taken: taken.length,
    takenWins,
    precision: taken.length ? takenWins / taken.length : null,
    recall: testWins ? takenWins / testWins : null,
    unfilteredPnlQuote: unfiltered,
    filteredPnlQuote: sum(taken.map((p) => p.example.netPnlQuote)),
    majorityPnlQuote: majorityTakesAll ? unfiltered : 0,
    majorityTakesAll,
  };
}

function summarize(windows: readonly WindowReport[], training: LearningTrainingConfig, minProbability: number): WalkForwardReport {
  const total = (f: (w: WindowReport) => number) => sum(windows.map(f));
  const testTrades = total((w) => w.testTrades);
  const testWins = total((w) => w.testWins);
  const taken = total((w) => w.taken);
  const takenWins = total((w) => w.takenWins);
  const unfiltered = total((w) => w.unfilteredPnlQuote);
  const filtered = total((w) => w.filteredPnlQuote);
  const majority = total((w) => w.majorityPnlQuote);
  const edge = filtered - Math.max(unfiltered, majority);
  const trained = windows.filter((w) => w.trained).length;
  const beatsBaseline = trained > 0 && testTrades > 0 && edge > 0;
  const verdict =
    testTrades === 0
      ? 'no out-of-sample trades: nothing to judge the filter on'
      : trained === 0
        ? `no window had ${training.minTrainTrades} training trades: no model was evaluated`
        : beatsBaseline
          ? `out of sample the filter made ${fmt(filtered)} against ${fmt(unfiltered)} always taking and ${fmt(majority)} for the majority class: it beat both baselines by ${fmt(edge)}`
          : `out of sample the filter made ${fmt(filtered)} against ${fmt(unfiltered)} always taking and ${fmt(majority)} for the majority class: it did NOT beat the baseline; do not enable it`;
  return {
    minProbability,
    trainDays: training.trainDays,
    testDays: training.testDays,
    minTrainTrades: training.minTrainTrades,
    windows: [...windows],
    totals: {
      testTrades,
      testWins,
      taken,
      takenWins,
      precision: taken ? takenWins / taken : null,
      recall: testWins ? takenWins / testWins : null,
      alwaysTakePrecision: testTrades ? testWins / testTrades : null,
      unfilteredPnlQuote: unfiltered,
      filteredPnlQuote: filtered,
      majorityPnlQuote: majority,
    },
    edgeOverBaselineQuote: edge,
    beatsBaseline,
    verdict,
  };
}

const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const fmt = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
