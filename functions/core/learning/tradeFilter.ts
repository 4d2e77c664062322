// Core domain: the learned trade filter as the engine sees it: a risk rule over an entry's
// features. The engine asks it last, after sizing; the model runtime behind it is a port, so the
// core never imports the training library.
import type { RuleCheck } from '../engine/risk/ruleCheck.js';
import type { EntryFeatures } from '../types.js';
import { featureVector, imputed } from './featureVector.js';
import type { TradeFilterModel } from './modelFile.js';

/** The rule name in TickResults, backtests and the journal. */
export const LEARNED_FILTER_RULE = 'learned-filter';

/** The filter the engine applies to an entry (through `PortfolioView.tradeFilter`). */
export interface EntryFilter {
  check(features: EntryFeatures): RuleCheck;
}

/** A compiled model: the probability that a trade with this (imputed) vector nets a profit. */
export interface ModelPredictor {
  probability(vector: readonly number[]): number;
}

/** Turns a model file's forest into a predictor (implemented with the training library, outside the core). */
export interface ModelRuntimePort {
  compile(model: TradeFilterModel): ModelPredictor;
}

/** The filter of a model: refuses an entry whose predicted probability is below `minProbability`. */
export function learnedFilter(model: TradeFilterModel, predictor: ModelPredictor, minProbability: number): EntryFilter {
  const hash = model.contentHash.slice(0, 19);
  return {
    check(features) {
      const vector = featureVector(features);
      if (!vector) {
        return { ok: true, rule: LEARNED_FILTER_RULE, explanation: { applied: false, reason: `entry features version ${features.version} do not match the model`, model: hash } };
      }
      const probability = predictor.probability(imputed(vector, model.features.imputation));
      const explanation = { applied: true, probability, minProbability, model: hash, trainedThrough: new Date(model.training.trainedThroughMs).toISOString() };
      if (!(probability >= minProbability)) {
        return { ok: false, rule: LEARNED_FILTER_RULE, reason: `the model gives this trade a ${(probability * 100).toFixed(1)}% chance of a profit after fees, below minProbability ${(minProbability * 100).toFixed(1)}%`, explanation };
      }
      return { ok: true, rule: LEARNED_FILTER_RULE, explanation };
    },
  };
}

/** A filter that lets everything through and says why it is not applied (no model, expired, mismatch). */
export function inactiveFilter(status: string, detail: string): EntryFilter {
  return { check: () => ({ ok: true, rule: LEARNED_FILTER_RULE, explanation: { applied: false, status, reason: detail } }) };
}
