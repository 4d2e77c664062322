// Core domain: the `learning` section of the configuration (the learned trade filter, its feature
// definitions and its retraining). Off by default; docs/learning.md explains every field.
import { z } from 'zod';

/** Price tier bounds (quote): strictly increasing, positive. */
const tierBounds = z
  .array(z.number().positive())
  .min(1)
  .max(5)
  .refine((b) => b.every((x, k) => k === 0 || x > b[k - 1]!), 'must be strictly increasing');

/** How the filter is trained (walk-forward) and which hyperparameters the random forest gets. */
export const learningTrainingSchema = z.strictObject({
  /** Days of closed trades each model is trained on (a rolling window). */
  trainDays: z.number().int().min(1).max(365).default(28),
  /** Days each walk-forward window is evaluated on (the next window starts that much later). */
  testDays: z.number().int().min(1).max(90).default(7),
  /** Fewest training trades for a window to train a model (fewer: the window takes every trade). */
  minTrainTrades: z.number().int().min(5).max(10_000).default(30),
  /** Fewest out-of-sample trades a candidate needs before it may be promoted. */
  minTestTrades: z.number().int().min(1).max(10_000).default(20),
  /** Trees in the forest. */
  trees: z.number().int().min(1).max(200).default(50),
  /** Deepest split of a tree. */
  maxDepth: z.number().int().min(1).max(20).default(6),
  /** Fewest training trades in a node that may still be split. */
  minNodeTrades: z.number().int().min(2).max(1_000).default(5),
  /** Share of the features each tree is grown on (without replacement). */
  featureFraction: z.number().gt(0).max(1).default(0.6),
  /** Seed of the forest's bagging (the same data and seed give the same model). */
  seed: z.number().int().min(0).max(2_147_483_647).default(42),
});
export type LearningTrainingConfig = z.output<typeof learningTrainingSchema>;

export const learningConfigSchema = z.strictObject({
  /** Apply the promoted model as the `learned-filter` entry rule (and run the weekly retraining in AWS). */
  enabled: z.boolean().default(false),
  /** Entries need at least this predicted probability that the trade nets a profit after fees. */
  minProbability: z.number().min(0).max(1).default(0.6),
  /** A model whose training data ended longer ago than this is not applied (the bot trades unfiltered and says so). */
  maxAgeDays: z.number().int().min(1).max(365).default(30),
  /** Entry feature `priceTier`: how many of these bounds (quote) the decision price is at or above. */
  priceTierBounds: tierBounds.default([0.05, 0.15]),
  /** Entry feature `recentWinRate`: the win rate of the last this many closed trades before the entry. */
  recentTrades: z.number().int().min(1).max(100).default(10),
  training: learningTrainingSchema.prefault({}),
});
export type LearningConfig = z.output<typeof learningConfigSchema>;
