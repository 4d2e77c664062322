// Indicators: simple moving average, read by index by strategies (crossovers, bands, dips).
import { rollingSum } from './rollingSum.js';

/** Simple moving average of the last `period` values at every index (NaN until `period - 1`). */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  const out = rollingSum(values, period);
  for (let i = period - 1; i < out.length; i++) out[i] = out[i]! / period;
  return out;
}
