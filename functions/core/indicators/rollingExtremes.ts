// Indicators: rolling highest high and lowest low (monotonic deque, O(n)), used by the choppiness index.

/** Highest value of the last `period` values at every index (NaN until `period - 1`). */
export function rollingMax(values: ArrayLike<number>, period: number): Float64Array {
  return rollingExtreme(values, period, true);
}

/** Lowest value of the last `period` values at every index (NaN until `period - 1`). */
export function rollingMin(values: ArrayLike<number>, period: number): Float64Array {
  return rollingExtreme(values, period, false);
}

function rollingExtreme(values: ArrayLike<number>, period: number, max: boolean): Float64Array {
  if (!Number.isInteger(period) || period < 1) throw new Error(`rolling extreme: period must be a positive integer, got ${period}`);
  const n = values.length;
  const out = new Float64Array(n).fill(Number.NaN);
  // Indices of candidates whose values are monotonic from head to tail. Sized n so head and tail
  // only move forward (a ring buffer's modulo costs more than the memory).
  const deque = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (max) {
      while (tail > head && values[deque[tail - 1]!]! <= v) tail--;
    } else {
      while (tail > head && values[deque[tail - 1]!]! >= v) tail--;
    }
    deque[tail++] = i;
    if (deque[head]! <= i - period) head++;
    if (i >= period - 1) out[i] = values[deque[head]!]!;
  }
  return out;
}
