// Indicators: average true range (Wilder), used for volatility regimes and ATR-based exit levels.
import { nanPrefixed } from './nanPrefix.js';
import { trueRange } from './trueRange.js';

/**
 * Wilder's average true range at every index, as technicalindicators computes it: seeded with
 * the simple mean of the first `period` true ranges (indices 1..period), then
 * `atr = atr + (tr - atr) / period`. NaN before index `period`.
 *
 * @param tr the series' true ranges, when the caller already has them (`trueRange(high, low, close)`)
 */
export function atr(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period: number, tr: ArrayLike<number> = trueRange(high, low, close)): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`atr: period must be a positive integer, got ${period}`);
  const n = high.length;
  const out = nanPrefixed(n, period);
  if (n <= period) return out;
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += tr[i]!;
  let value = sum / period;
  out[period] = value;
  const k = 1 / period;
  for (let i = period + 1; i < n; i++) {
    value = (tr[i]! - value) * k + value;
    out[i] = value;
  }
  return out;
}
