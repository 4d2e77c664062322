// Indicators: choppiness index, the regime filter that tells a directional market from a sideways one.
import { nanPrefixed } from './nanPrefix.js';
import { rollingSum } from './rollingSum.js';
import { trueRange } from './trueRange.js';

/**
 * Choppiness index at every index (NaN before index `period`):
 * `100 * log10(sum of the last period true ranges / (highest high - lowest low)) / log10(period)`.
 * Near 100 the market moves sideways, near 0 it trends. A window with no range at all is 100.
 *
 * @param trueRanges the series' true ranges, when the caller already has them (`trueRange(high, low, close)`)
 */
export function choppiness(
  high: ArrayLike<number>,
  low: ArrayLike<number>,
  close: ArrayLike<number>,
  period: number,
  trueRanges: Float64Array = trueRange(high, low, close),
): Float64Array {
  if (!Number.isInteger(period) || period < 2) throw new Error(`choppiness: period must be an integer of at least 2, got ${period}`);
  const n = high.length;
  const out = nanPrefixed(n, period);
  if (n <= period) return out;
  // True range is NaN at index 0, so sum over 1..n-1 and shift the index back.
  const trSum = rollingSum(trueRanges.subarray(1), period);
  const scale = 100 / Math.log10(period);
  // Highest high and lowest low of the window [i − period + 1, i], as rollingMax / rollingMin
  // compute them, kept here rather than in two more arrays: the index of each extreme, scanned
  // again only when it leaves the window.
  let hiAt = -1;
  let hi = 0;
  let loAt = -1;
  let lo = 0;
  for (let i = period; i < n; i++) {
    const from = i - period + 1;
    if (hiAt < from) {
      hiAt = from;
      hi = high[from]!;
      for (let k = from + 1; k <= i; k++) {
        if (high[k]! >= hi) {
          hiAt = k;
          hi = high[k]!;
        }
      }
    } else if (high[i]! >= hi) {
      hiAt = i;
      hi = high[i]!;
    }
    if (loAt < from) {
      loAt = from;
      lo = low[from]!;
      for (let k = from + 1; k <= i; k++) {
        if (low[k]! <= lo) {
          loAt = k;
          lo = low[k]!;
        }
      }
    } else if (low[i]! <= lo) {
      loAt = i;
      lo = low[i]!;
    }
    const range = hi - lo;
    out[i] = range > 0 ? scale * Math.log10(trSum[i - 1]! / range) : 100;
  }
  return out;
}
