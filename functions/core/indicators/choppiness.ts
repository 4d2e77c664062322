// Indicators: choppiness index, the regime filter that tells a directional market from a sideways one.
import { rollingMax, rollingMin } from './rollingExtremes.js';
import { rollingSum } from './rollingSum.js';
import { trueRange } from './trueRange.js';

/**
 * Choppiness index at every index (NaN before index `period`):
 * `100 * log10(sum of the last period true ranges / (highest high - lowest low)) / log10(period)`.
 * Near 100 the market moves sideways, near 0 it trends. A window with no range at all is 100.
 */
export function choppiness(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 2) throw new Error(`choppiness: period must be an integer of at least 2, got ${period}`);
  const n = high.length;
  const out = new Float64Array(n).fill(Number.NaN);
  if (n <= period) return out;
  // True range is NaN at index 0, so sum over 1..n-1 and shift the index back.
  const tr = trueRange(high, low, close).subarray(1);
  const trSum = rollingSum(tr, period);
  const hh = rollingMax(high, period);
  const ll = rollingMin(low, period);
  const scale = 100 / Math.log10(period);
  for (let i = period; i < n; i++) {
    const range = hh[i]! - ll[i]!;
    out[i] = range > 0 ? scale * Math.log10(trSum[i - 1]! / range) : 100;
  }
  return out;
}
