// Indicators: simple moving average, read by index by strategies (crossovers, bands, dips).
import { windowSums } from './rollingSum.js';

/** Simple moving average of the last `period` values at every index (NaN until `period - 1`). */
export function sma(values: ArrayLike<number>, period: number): Float64Array {
  return windowSums(values, period, period);
}
