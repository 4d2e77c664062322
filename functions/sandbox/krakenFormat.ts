// Kraken sandbox: number formatting the way Kraken writes numbers in JSON (fixed-decimal strings).

/** `value` with exactly `decimals` decimals, rounded half away from zero. */
export function fixed(value: number, decimals: number): string {
  const f = 10 ** decimals;
  const rounded = Math.round(Math.abs(value) * f + 1e-7) / f;
  return (value < 0 && rounded !== 0 ? '-' : '') + rounded.toFixed(decimals);
}

/** `value` truncated (toward zero) to `decimals` decimals: a balance is never shown larger than it is. */
export function truncated(value: number, decimals: number): string {
  return truncate(value, decimals).toFixed(decimals);
}

/** Truncates toward zero at `decimals`, ignoring binary noise below 1e-6 of the last unit. */
export function truncate(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const scaled = Number((Math.abs(value) * f).toFixed(6));
  return (Math.sign(value) * Math.floor(scaled)) / f;
}

/** Rounds half away from zero at `decimals`. */
export function roundTo(value: number, decimals: number): number {
  return Number(fixed(value, decimals));
}

/** Number of decimals written in a decimal string (`"0.00010"` → 5); NaN when it is not a plain decimal. */
export function decimalsIn(text: string): number {
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(text)) return Number.NaN;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Kraken's seconds-with-fraction timestamps (`1616492376.5943`). */
export function krakenTime(ms: number): number {
  return Math.round(ms * 10) / 10_000;
}
