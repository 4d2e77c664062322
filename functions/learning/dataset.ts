// Learning: closed trades as training examples. A trade is usable when its entry recorded
// features of the current version and its entry time is known; its label is the net P&L after
// both fees being positive (its return is kept for regression-style analysis).
import type { ClosedTrade } from '../core/analyzer.js';
import { featureVector, isWin } from '../core/learning/featureVector.js';

/** One example: what was known at the entry, and how the trade ended. */
export interface Example {
  pair: string;
  /** The entry (the decision it was trained or judged on). */
  entryTimeMs: number;
  /** When the label became known. */
  exitTimeMs: number;
  vector: (number | null)[];
  win: boolean;
  netPnlQuote: number;
  returnFraction: number | null;
}

/** The examples, by entry time, and what was left out and why. */
export interface Dataset {
  examples: Example[];
  skipped: { noFeatures: number; otherFeatureVersion: number; noEntryTime: number };
}

/** Examples from closed trades (any order). */
export function datasetOf(trades: readonly ClosedTrade[]): Dataset {
  const skipped = { noFeatures: 0, otherFeatureVersion: 0, noEntryTime: 0 };
  const examples: Example[] = [];
  for (const t of trades) {
    if (!t.entryFeatures) {
      skipped.noFeatures++;
      continue;
    }
    const vector = featureVector(t.entryFeatures);
    if (!vector) {
      skipped.otherFeatureVersion++;
      continue;
    }
    if (t.entryTimeMs === null) {
      skipped.noEntryTime++;
      continue;
    }
    examples.push({ pair: t.pair, entryTimeMs: t.entryTimeMs, exitTimeMs: t.exitTimeMs, vector, win: isWin(t.netPnlQuote), netPnlQuote: t.netPnlQuote, returnFraction: t.returnFraction });
  }
  examples.sort((a, b) => a.entryTimeMs - b.entryTimeMs || a.exitTimeMs - b.exitTimeMs);
  return { examples, skipped };
}

/** Per column, the median of the known values (0 when none is known): the fill for unknown values. */
export function medians(examples: readonly Example[], columns: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < columns; k++) {
    const known = examples.map((e) => e.vector[k]).filter((v): v is number => v !== null && v !== undefined).sort((a, b) => a - b);
    out.push(known.length === 0 ? 0 : known.length % 2 ? known[(known.length - 1) / 2]! : (known[known.length / 2 - 1]! + known[known.length / 2]!) / 2);
  }
  return out;
}
