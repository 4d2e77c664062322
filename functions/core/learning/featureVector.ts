// Core domain: the learned filter's inputs. An entry's recorded features (EntryFeatures version 2)
// become one numeric vector in a fixed order; the order and the encoding are part of every model
// file, so a model trained on one definition is never applied to another.
import type { EntryFeatures } from '../types.js';

/** The EntryFeatures version the vector is defined on. */
export const FEATURE_SET_VERSION = 2;

/** Strategies and regimes as one-hot columns (all zero: unknown, e.g. `force-entry` or no ADX yet). */
export const STRATEGY_VALUES = ['momentum', 'meanReversion', 'scalping'] as const;
export const REGIME_VALUES = ['trend-up', 'trend-down', 'range', 'unclear', 'volatile'] as const;

const NUMERIC = [
  'confidence',
  'expectedEdgeFraction',
  'adx',
  'plusDi',
  'minusDi',
  'rsi',
  'atrFraction',
  'volumeRatio',
  'spreadFraction',
  'smaDistance20',
  'smaDistance50',
  'bollingerPercentB',
  'hourUtc',
  'weekdayUtc',
  'priceTier',
  'recentWinRate',
] as const satisfies readonly (keyof EntryFeatures)[];

/** Column names, in the order of `featureVector`. */
export const FEATURE_NAMES: readonly string[] = [
  ...NUMERIC,
  ...STRATEGY_VALUES.map((s) => `strategy=${s}`),
  ...REGIME_VALUES.map((r) => `regime=${r}`),
];

/**
 * The features as a vector in `FEATURE_NAMES` order; null where a value is unknown (the model
 * fills it with its training median). Undefined for features recorded under another version.
 */
export function featureVector(f: EntryFeatures): (number | null)[] | undefined {
  if (f.version !== FEATURE_SET_VERSION) return undefined;
  const out: (number | null)[] = [];
  for (const name of NUMERIC) {
    const v = f[name];
    out.push(typeof v === 'number' && Number.isFinite(v) ? v : null);
  }
  for (const s of STRATEGY_VALUES) out.push(f.strategy === s ? 1 : 0);
  for (const r of REGIME_VALUES) out.push(f.regime === r ? 1 : 0);
  return out;
}

/** Fills unknown values with `imputation` (one value per column). */
export function imputed(vector: readonly (number | null)[], imputation: readonly number[]): number[] {
  return vector.map((v, k) => (v === null ? imputation[k]! : v));
}

/** The label of a closed trade: it netted a profit after both fees. */
export function isWin(netPnlQuote: number): boolean {
  return netPnlQuote > 0;
}
