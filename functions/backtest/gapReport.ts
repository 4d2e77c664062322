// Backtest data in: the gap report printed after loading or downloading candles. Gaps are only
// reported; the backtest never fills them.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';

/** How complete a series is. */
export interface GapReport {
  candles: number;
  firstOpenIso?: string;
  lastOpenIso?: string;
  /** Number of holes in the series. */
  gaps: number;
  /** Candles missing in all holes together. */
  missingCandles: number;
  /** The largest hole: how many candles, and the open time of the candle before it. */
  longest?: { missingCandles: number; afterOpenIso: string };
}

/** Counts gaps in an ordered series (see the core's `findGaps`). */
export function gapReport(candles: readonly Candle[], intervalMs = FIVE_MINUTES_MS): GapReport {
  return gapReportOfTimes(
    candles.map((c) => c.openTimeMs),
    intervalMs,
  );
}

/** `gapReport` from the candles' open times alone (candles held as columns). */
export function gapReportOfTimes(openTimeMs: ArrayLike<number>, intervalMs = FIVE_MINUTES_MS): GapReport {
  let gaps = 0;
  let longest: GapReport['longest'];
  let missing = 0;
  const n = openTimeMs.length;
  for (let i = 1; i < n; i++) {
    const step = openTimeMs[i]! - openTimeMs[i - 1]!;
    if (!(step > intervalMs)) continue;
    const m = Math.round(step / intervalMs) - 1;
    gaps++;
    missing += m;
    if (!longest || m > longest.missingCandles) longest = { missingCandles: m, afterOpenIso: new Date(openTimeMs[i - 1]!).toISOString() };
  }
  return {
    candles: n,
    ...(n > 0 ? { firstOpenIso: new Date(openTimeMs[0]!).toISOString(), lastOpenIso: new Date(openTimeMs[n - 1]!).toISOString() } : {}),
    gaps,
    missingCandles: missing,
    ...(longest ? { longest } : {}),
  };
}

/** One line for a terminal: `BTC/USD: 105120 candles, 2 gaps (7 missing, longest 5 after ...)`. */
export function formatGapReport(label: string, r: GapReport): string {
  const range = r.firstOpenIso ? ` ${r.firstOpenIso} .. ${r.lastOpenIso}` : '';
  const gaps =
    r.gaps === 0
      ? 'no gaps'
      : `${r.gaps} gap(s), ${r.missingCandles} candle(s) missing, longest ${r.longest!.missingCandles} after ${r.longest!.afterOpenIso}`;
  return `${label}: ${r.candles} candles${range}; ${gaps} (gaps are not filled)`;
}
