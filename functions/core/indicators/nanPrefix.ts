// Indicators: output arrays whose warm-up is NaN.

/**
 * A Float64Array of `n` values where the first `warmup` are NaN. The caller writes every index
 * from `warmup` on: filling only the warm-up saves a pass over the whole series per indicator.
 */
export function nanPrefixed(n: number, warmup: number): Float64Array {
  const out = new Float64Array(n);
  out.fill(Number.NaN, 0, Math.min(n, Math.max(0, warmup)));
  return out;
}
