// Indicators: true range, the per-candle volatility under ATR, ADX and the choppiness index.
import { nanPrefixed } from './nanPrefix.js';

/**
 * True range at every index: max(high - low, |high - previous close|, |low - previous close|).
 * Index 0 has no previous close and is NaN, as in technicalindicators.
 */
export function trueRange(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>): Float64Array {
  const n = high.length;
  const out = nanPrefixed(n, 1);
  for (let i = 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    out[i] = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
  }
  return out;
}
