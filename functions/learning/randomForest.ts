// Learning: the random forest, from the maintained ml-random-forest package (mljs). Training for
// `kbot learn`, the backtest's walk-forward and the weekly job; the model runtime the live filter
// compiles a promoted model with. Nothing else in the project touches the library.
import { RandomForestClassifier } from 'ml-random-forest';
import type { LearningTrainingConfig } from '../core/learning/learningConfig.js';
import type { ModelPredictor, ModelRuntimePort } from '../core/learning/tradeFilter.js';
import type { TradeFilterModel } from '../core/learning/modelFile.js';

/** The library as named in model files (its version pinned by package-lock.json). */
export const FOREST_ALGORITHM = { library: 'ml-random-forest', version: '2.1.0', estimator: 'RandomForestClassifier' } as const;

/** The hyperparameters a model file records, as the library takes them. */
export function forestHyperparameters(t: LearningTrainingConfig): Record<string, number | string | boolean> {
  return {
    trees: t.trees,
    maxDepth: t.maxDepth,
    minNodeTrades: t.minNodeTrades,
    featureFraction: t.featureFraction,
    featureReplacement: false,
    sampleBagging: true,
    seed: t.seed,
  };
}

/** A trained forest: its JSON for the model file, and a predictor. */
export interface TrainedForest {
  json: unknown;
  predictor: ModelPredictor;
}

/**
 * Trains a classifier on `rows` (every value known: impute first) with labels 1 (win) or 0. With
 * one class only, the library would still grow trees; the forest then predicts that class always.
 */
export function trainForest(rows: readonly number[][], labels: readonly number[], t: LearningTrainingConfig): TrainedForest {
  if (rows.length === 0) throw new Error('no training rows');
  const forest = new RandomForestClassifier({
    nEstimators: t.trees,
    maxFeatures: featureCount(rows[0]!.length, t.featureFraction),
    replacement: false,
    seed: t.seed,
    useSampleBagging: true,
    noOOB: true,
    treeOptions: { maxDepth: t.maxDepth, minNumSamples: t.minNodeTrades },
  } as ConstructorParameters<typeof RandomForestClassifier>[0]);
  forest.train(rows.map((r) => [...r]), [...labels]);
  return { json: JSON.parse(JSON.stringify(forest.toJSON())), predictor: predictorOf(forest) };
}

/** The live filter's model runtime: the library loads the model file's forest. */
export const randomForestRuntime: ModelRuntimePort = {
  compile(model: TradeFilterModel): ModelPredictor {
    return predictorOf(RandomForestClassifier.load(model.forest as Parameters<typeof RandomForestClassifier.load>[0]));
  },
};

/**
 * The share of trees voting "win". The library's own `predictProbability` starts its sum from the
 * first tree's raw vote instead of zero (2.1.0), so the votes are counted here.
 */
function predictorOf(forest: RandomForestClassifier): ModelPredictor {
  return {
    probability(vector) {
      const votes = forest.predictionValues([[...vector]]).getRow(0) as number[];
      let wins = 0;
      for (const v of votes) if (v === 1) wins++;
      return votes.length ? wins / votes.length : 0;
    },
  };
}

/** The library reads a whole number as a count and a fraction in (0, 1] as a share: always pass a count. */
function featureCount(columns: number, fraction: number): number {
  return Math.max(1, Math.min(columns, Math.round(columns * fraction)));
}
