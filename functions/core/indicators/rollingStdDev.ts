// Indicators: rolling population standard deviation, the width of the Bollinger bands.
import { nanPrefixed } from './nanPrefix.js';

/**
 * Population standard deviation of the last `period` values at every index (NaN until
 * `period - 1`), as technicalindicators' SD computes it.
 *
 * Incremental: sums of (x - shift) and (x - shift)^2 are slid along the series, where `shift`
 * is re-anchored to the window mean once per `period` steps (recomputing both sums). Anchoring
 * near the data avoids the catastrophic cancellation of the naive sum-of-squares formula on
 * prices like 60,000 with a deviation of 10, and the periodic resync stops drift.
 */
export function rollingStdDev(values: ArrayLike<number>, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`rollingStdDev: period must be a positive integer, got ${period}`);
  const n = values.length;
  const out = nanPrefixed(n, period - 1);
  if (n < period) return out;
  let shift = 0;
  let s1 = 0;
  let s2 = 0;
  let sinceResync = period - 1;
  for (let i = period - 1; i < n; i++) {
    if (++sinceResync === period) {
      // Re-anchor at the window mean and recompute both sums (amortized O(1): once per window).
      sinceResync = 0;
      const from = i - period + 1;
      let mean = 0;
      for (let k = from; k <= i; k++) mean += values[k]!;
      shift = mean / period;
      s1 = 0;
      s2 = 0;
      for (let k = from; k <= i; k++) {
        const d = values[k]! - shift;
        s1 += d;
        s2 += d * d;
      }
    } else {
      const dOut = values[i - period]! - shift;
      const dIn = values[i]! - shift;
      s1 += dIn - dOut;
      s2 += dIn * dIn - dOut * dOut;
    }
    out[i] = deviation(s1, s2, period);
  }
  return out;
}

function deviation(s1: number, s2: number, period: number): number {
  const m = s1 / period;
  const variance = s2 / period - m * m;
  // Rounding can push a zero variance (a flat window) a hair below zero.
  return variance > 0 ? Math.sqrt(variance) : 0;
}
