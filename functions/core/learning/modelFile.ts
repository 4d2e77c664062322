// Core domain: the learned filter's model file. Versioned JSON carrying everything needed to
// apply it honestly: the feature definition and order, the hyperparameters, the training range, the
// out-of-sample metrics and a content hash over all of it. The forest itself is the training
// library's own JSON, opaque here (the model runtime port reads it).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BotConfig } from '../config.js';
import { FEATURE_NAMES, FEATURE_SET_VERSION } from './featureVector.js';

export const MODEL_FORMAT = 'kbot-trade-filter';
export const MODEL_FORMAT_VERSION = 1;

const isoString = z.string().regex(/^\d{4}-\d{2}-\d{2}T/);

export const tradeFilterModelSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  createdAtIso: isoString,
  features: z.strictObject({
    /** EntryFeatures version the vector is defined on. */
    version: z.number().int(),
    /** Column names, in order. */
    names: z.array(z.string()).min(1),
    priceTierBounds: z.array(z.number()),
    recentTrades: z.number().int(),
    /** Value used for an unknown feature, per column (the training median). */
    imputation: z.array(z.number()),
  }),
  label: z.strictObject({ kind: z.literal('win'), definition: z.string() }),
  algorithm: z.strictObject({ library: z.string(), version: z.string(), estimator: z.string() }),
  hyperparameters: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  training: z.strictObject({
    source: z.string(),
    trades: z.number().int(),
    wins: z.number().int(),
    /** First entry and last exit of the training trades. */
    fromIso: isoString,
    toIso: isoString,
    /** The last exit of the training data: the model's age is counted from here. */
    trainedThroughMs: z.number(),
  }),
  /** The walk-forward (out-of-sample) evaluation of the procedure that produced this model. */
  evaluation: z.record(z.string(), z.unknown()),
  /** The library's model JSON. */
  forest: z.unknown(),
  /** `sha256:<hex>` of the canonical JSON of every other field. */
  contentHash: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type TradeFilterModel = z.output<typeof tradeFilterModelSchema>;

/** JSON with object keys sorted at every level, so equal content always has the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The content hash of a model: everything but `contentHash` itself. */
export function modelContentHash(model: Omit<TradeFilterModel, 'contentHash'> & { contentHash?: string }): string {
  const { contentHash: _ignored, ...content } = model;
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** Seals a model: adds its content hash. */
export function sealModel(content: Omit<TradeFilterModel, 'contentHash'>): TradeFilterModel {
  return { ...content, contentHash: modelContentHash(content) };
}

/** Parses a model file's text; the reason why not otherwise (bad JSON, bad shape, hash mismatch). */
export function parseModel(text: string): { ok: true; model: TradeFilterModel } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = tradeFilterModelSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `not a ${MODEL_FORMAT} v${MODEL_FORMAT_VERSION} file: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  const actual = modelContentHash(parsed.data);
  if (actual !== parsed.data.contentHash) return { ok: false, reason: `content hash mismatch: the file says ${parsed.data.contentHash}, its content hashes to ${actual}` };
  return { ok: true, model: parsed.data };
}

/**
 * Why `model` cannot be applied under `config` (its features are not the ones this bot records),
 * or undefined when they match: the feature version, names and order, price tiers and the
 * recent-trades count.
 */
export function featureMismatch(model: TradeFilterModel, learning: BotConfig['learning']): string | undefined {
  const f = model.features;
  if (f.version !== FEATURE_SET_VERSION) return `the model uses entry features version ${f.version}, this bot records version ${FEATURE_SET_VERSION}`;
  if (f.names.length !== FEATURE_NAMES.length || f.names.some((n, k) => n !== FEATURE_NAMES[k])) return `the model's features (${f.names.join(', ')}) are not this bot's (${FEATURE_NAMES.join(', ')})`;
  if (f.imputation.length !== f.names.length) return 'the model has no fill value for every feature';
  if (canonicalJson(f.priceTierBounds) !== canonicalJson(learning.priceTierBounds)) return `the model's price tiers ${JSON.stringify(f.priceTierBounds)} differ from learning.priceTierBounds ${JSON.stringify(learning.priceTierBounds)}`;
  if (f.recentTrades !== learning.recentTrades) return `the model's recent win rate is over ${f.recentTrades} trades, learning.recentTrades is ${learning.recentTrades}`;
  return undefined;
}
