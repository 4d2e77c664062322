// Indicators: relative strength index (Wilder), the overbought/oversold filter.
import { nanPrefixed } from './nanPrefix.js';

/**
 * Wilder's RSI at every index (NaN before index `period`), as technicalindicators computes it
 * but without its rounding to two decimals: average gain and loss seeded with the simple mean
 * of the first `period` changes, then `avg = (avg * (period - 1) + change) / period`.
 * RSI is 100 when the average loss is 0 and 0 when the average gain is 0.
 */
export function rsi(close: ArrayLike<number>, period: number): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`rsi: period must be a positive integer, got ${period}`);
  const n = close.length;
  const out = nanPrefixed(n, period);
  if (n <= period) return out;
  let gainSum = 0;
  let lossSum = 0;
  for (let i = 1; i <= period; i++) {
    const change = close[i]! - close[i - 1]!;
    if (change > 0) gainSum += change;
    else if (change < 0) lossSum -= change;
  }
  let avgGain = gainSum / period;
  let avgLoss = lossSum / period;
  out[period] = rsiOf(avgGain, avgLoss);
  for (let i = period + 1; i < n; i++) {
    const change = close[i]! - close[i - 1]!;
    avgGain = (avgGain * (period - 1) + (change > 0 ? change : 0)) / period;
    avgLoss = (avgLoss * (period - 1) + (change < 0 ? -change : 0)) / period;
    out[i] = rsiOf(avgGain, avgLoss);
  }
  return out;
}

function rsiOf(avgGain: number, avgLoss: number): number {
  if (avgLoss === 0) return 100;
  if (avgGain === 0) return 0;
  return 100 - 100 / (1 + avgGain / avgLoss);
}
