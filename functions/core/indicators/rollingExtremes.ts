// Indicators: rolling highest high and lowest low, used by the choppiness index.
import { nanPrefixed } from './nanPrefix.js';

/** Highest value of the last `period` values at every index (NaN until `period - 1`). */
export function rollingMax(values: ArrayLike<number>, period: number): Float64Array {
  return rollingExtreme(values, period, true);
}

/** Lowest value of the last `period` values at every index (NaN until `period - 1`). */
export function rollingMin(values: ArrayLike<number>, period: number): Float64Array {
  return rollingExtreme(values, period, false);
}

/**
 * Keeps the index of the window's extreme; only when it slides out of the window is the window
 * scanned again (for prices, every few candles: cheaper than a monotonic deque on short periods).
 * Values must be finite (candles are validated): NaN would never be replaced.
 */
function rollingExtreme(values: ArrayLike<number>, period: number, max: boolean): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`rolling extreme: period must be a positive integer, got ${period}`);
  const n = values.length;
  const out = nanPrefixed(n, period - 1);
  let at = 0;
  let best = values[0]!;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (i - at >= period) {
      // The extreme left the window: scan the window [i − period + 1, i] again.
      at = i - period + 1;
      best = values[at]!;
      for (let k = at + 1; k <= i; k++) {
        const x = values[k]!;
        if (max ? x >= best : x <= best) {
          at = k;
          best = x;
        }
      }
    } else if (max ? v >= best : v <= best) {
      at = i;
      best = v;
    }
    if (i >= period - 1) out[i] = best;
  }
  return out;
}
