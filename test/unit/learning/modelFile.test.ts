// Learning: the model file (versioned, hashed, self-describing), the model runtime that loads it,
// the learned-filter rule, and `kbot learn` end to end on a backtest's JSON.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedTradesFromBacktest } from '../../../functions/analyzer/analyzerSources.js';
import { runLearn } from '../../../functions/cli/learn.js';
import { FEATURE_NAMES, featureVector, imputed } from '../../../functions/core/learning/featureVector.js';
import { featureMismatch, parseModel } from '../../../functions/core/learning/modelFile.js';
import { LEARNED_FILTER_RULE, learnedFilter } from '../../../functions/core/learning/tradeFilter.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { randomForestRuntime, trainForest } from '../../../functions/learning/randomForest.js';
import { learnFromTrades } from '../../../functions/learning/trainModel.js';
import { backtestInput, learningTestConfig } from './learningFixtures.js';

const config = learningTestConfig();
const backtest = runBacktest(backtestInput(config));
const trades = closedTradesFromBacktest(backtest.trades);
const learned = learnFromTrades(trades, config.learning, 'backtest generated');

describe('Learning: the model file', () => {
  it('names its features in order, hyperparameters, training range and out-of-sample metrics, sealed by a content hash', () => {
    const model = learned.model!;
    expect(model).toMatchObject({ format: 'kbot-trade-filter', formatVersion: 1, features: { version: 2, names: FEATURE_NAMES, priceTierBounds: [0.05, 0.15], recentTrades: 10 } });
    expect(model.hyperparameters).toMatchObject({ trees: 12, maxDepth: 4, minNodeTrades: 4, seed: 42 });
    expect(model.algorithm).toEqual({ library: 'ml-random-forest', version: '2.1.0', estimator: 'RandomForestClassifier' });
    expect(model.training.trades).toBeGreaterThanOrEqual(15);
    expect(Date.parse(model.training.toIso)).toBe(model.training.trainedThroughMs);
    expect(model.evaluation).toMatchObject({ trainDays: 10, testDays: 5, minProbability: 0.5, totals: { testTrades: learned.report.totals.testTrades } });
    expect(model.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Round trip through text keeps the hash; any change to the content breaks it.
    const text = JSON.stringify(model);
    expect(parseModel(text)).toEqual({ ok: true, model });
    const tampered = JSON.parse(text) as { features: { imputation: number[] } };
    tampered.features.imputation[0]! += 1;
    expect(parseModel(JSON.stringify(tampered))).toMatchObject({ ok: false, reason: expect.stringMatching(/content hash mismatch/) });
    expect(parseModel('{"format":"kbot-trade-filter"}')).toMatchObject({ ok: false, reason: expect.stringMatching(/not a kbot-trade-filter v1 file/) });
  });

  it('is the same model from the same trades and seed, and another with another seed', () => {
    expect(learnFromTrades(trades, config.learning, 'backtest generated').model!.contentHash).toBe(learned.model!.contentHash);
    const other = learningTestConfig({ learning: { ...config.learning, training: { ...config.learning.training, seed: 7 } } });
    expect(learnFromTrades(trades, other.learning, 'backtest generated').model!.contentHash).not.toBe(learned.model!.contentHash);
  });

  it('refuses to apply under other feature definitions (price tiers, recent-trade count)', () => {
    const model = learned.model!;
    expect(featureMismatch(model, config.learning)).toBeUndefined();
    expect(featureMismatch(model, { ...config.learning, priceTierBounds: [1, 2] })).toMatch(/price tiers \[0.05,0.15\] differ/);
    expect(featureMismatch(model, { ...config.learning, recentTrades: 20 })).toMatch(/over 10 trades/);
    expect(featureMismatch({ ...model, features: { ...model.features, names: [...model.features.names].reverse() } }, config.learning)).toMatch(/are not this bot's/);
  });

  it('loads through the runtime; a probability is the share of trees voting win (not the library\'s own probability)', () => {
    const model = learned.model!;
    const predictor = randomForestRuntime.compile(model);
    const vectors = trades.slice(0, 30).map((t) => imputed(featureVector(t.entryFeatures!)!, model.features.imputation));
    const probabilities = vectors.map((v) => predictor.probability(v));
    for (const p of probabilities) expect(Number.isInteger(p * 12)).toBe(true);
    expect(new Set(probabilities).size).toBeGreaterThan(2);
    const rows = [[0, 1], [1, 0], [0, 0.9], [1, 0.1], [0, 0.8], [1, 0.2]];
    const fresh = trainForest(rows, [1, 0, 1, 0, 1, 0], { ...config.learning.training, trees: 5, minNodeTrades: 2, featureFraction: 1 });
    expect(fresh.predictor.probability([0, 1])).toBe(1);
    expect(fresh.predictor.probability([1, 0])).toBe(0);
  });

  it('refuses an entry below minProbability as the learned-filter rule, with its values', () => {
    const model = learned.model!;
    const features = trades[0]!.entryFeatures!;
    const low = learnedFilter(model, { probability: () => 0.4 }, 0.6).check(features);
    const high = learnedFilter(model, { probability: () => 0.6 }, 0.6).check(features);
    expect(low).toMatchObject({ ok: false, rule: LEARNED_FILTER_RULE, reason: expect.stringMatching(/40.0% chance of a profit after fees, below minProbability 60.0%/), explanation: { applied: true, probability: 0.4, minProbability: 0.6 } });
    expect(high).toMatchObject({ ok: true, rule: LEARNED_FILTER_RULE, explanation: { applied: true, probability: 0.6 } });
    expect(learnedFilter(model, { probability: () => 1 }, 0.6).check({ ...features, version: 1 })).toMatchObject({ ok: true, explanation: { applied: false } });
  });
});

describe('Learning: kbot learn --backtest', () => {
  it('prints one JSON document with the walk-forward and baselines, and writes the model file', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kbot-learn-'));
    const file = join(dir, 'bt.json');
    writeFileSync(file, JSON.stringify({ summary: backtest.summary, trades: backtest.trades, fills: backtest.fills }));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ learning: { training: { trainDays: 10, testDays: 5, minTrainTrades: 15, maxDepth: 4, minNodeTrades: 4 } } }));
    const out: string[] = [];
    // Act
    const code = await runLearn({ backtest: file, config: configFile, trees: '12', minProbability: '0.5', out: join(dir, 'model.json'), json: true, dataDir: dir, stack: 'KrakenBot' }, { out: (t) => out.push(t), err: () => undefined });
    // Assess
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const doc = JSON.parse(out[0]!) as { walkForward: typeof learned.report; model: { path: string; contentHash: string; training: { source: string } }; promotion: null };
    expect(doc.walkForward).toEqual(learned.report);
    // The same model but for its source (the file's name), which the hash covers too.
    expect(doc.model.training).toEqual({ ...learned.model!.training, source: `backtest ${file}` });
    expect(parseModel(readFileSync(doc.model.path, 'utf8'))).toMatchObject({ ok: true, model: { contentHash: doc.model.contentHash, forest: learned.model!.forest } });
    expect(doc.promotion).toBeNull();
  });
});
