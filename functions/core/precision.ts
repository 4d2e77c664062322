// Core domain: rounding of amounts to an exchange's precision, in one place.

/**
 * Rounds `value` down to `decimals` places. The small epsilon absorbs binary representation
 * error (0.3 / 0.1 style) so a value already on the grid is not pushed one step down.
 */
export function floorToDecimals(value: number, decimals: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  const factor = 10 ** decimals;
  return Math.floor(value * factor * (1 + 1e-12)) / factor;
}

/** UTC calendar day (`yyyy-mm-dd`) of a timestamp. */
export function utcDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}
