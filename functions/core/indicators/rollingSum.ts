// Indicators: rolling window sum, the kernel under SMA, volume averages and 24h liquidity.
// Computed once per series and read by index, in live ticks and backtests alike.
import { nanPrefixed } from './nanPrefix.js';

/**
 * Sum of the last `period` values at every index (NaN until a full window exists).
 *
 * Incremental (add the new value, drop the old one) so it is O(n); the sum is recomputed from
 * scratch once per `period` steps so rounding error cannot accumulate over a year of candles
 * (the amortized cost stays O(1) per step).
 */
export function rollingSum(values: ArrayLike<number>, period: number): Float64Array {
  return windowSums(values, period, 1);
}

/**
 * `rollingSum(values, period)` with every sum divided by `divisor` in the same pass (SMA: the
 * window mean, exactly `rollingSum(...)[i] / period`).
 */
export function windowSums(values: ArrayLike<number>, period: number, divisor: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`rollingSum: period must be a positive integer, got ${period}`);
  const n = values.length;
  const out = nanPrefixed(n, period - 1);
  if (n < period) return out;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += values[i]!;
  out[period - 1] = sum / divisor;
  let sinceResync = 0;
  for (let i = period; i < n; i++) {
    if (++sinceResync === period) {
      sinceResync = 0;
      sum = 0;
      for (let k = i - period + 1; k <= i; k++) sum += values[k]!;
    } else {
      sum = sum - values[i - period]! + values[i]!;
    }
    out[i] = sum / divisor;
  }
  return out;
}
