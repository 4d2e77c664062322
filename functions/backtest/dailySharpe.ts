// Backtest results: the Sharpe ratio, from daily equity. Crypto trades every day, so daily
// returns are annualized with √365 (not the equity markets' √252).

/** How the Sharpe ratio is computed, printed beside it. */
export const SHARPE_METHOD = 'mean/stdev of daily (UTC) equity returns x sqrt(365), risk-free 0';

/**
 * Annualized Sharpe ratio of the returns between consecutive equity values (one per UTC day,
 * the first being the starting equity). Null with fewer than two returns or no variation.
 */
export function dailySharpe(dailyEquity: readonly number[]): number | null {
  const n = dailyEquity.length - 1;
  if (n < 2) return null;
  let sum = 0;
  const returns = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const r = dailyEquity[k + 1]! / dailyEquity[k]! - 1;
    returns[k] = r;
    sum += r;
  }
  const mean = sum / n;
  let sq = 0;
  for (let k = 0; k < n; k++) sq += (returns[k]! - mean) ** 2;
  const sd = Math.sqrt(sq / (n - 1));
  if (!(sd > 0)) return null;
  return (mean / sd) * Math.sqrt(365);
}
