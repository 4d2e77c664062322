// Backtest data in: the gap report printed after loading or downloading candles. Gaps are only
// reported; the backtest never fills them.
import { findGaps } from '../core/candles.js';
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
  const gaps = findGaps(candles, intervalMs);
  let longest: GapReport['longest'];
  let missing = 0;
  for (const g of gaps) {
    missing += g.missing;
    if (!longest || g.missing > longest.missingCandles) {
      longest = { missingCandles: g.missing, afterOpenIso: new Date(g.afterOpenTimeMs).toISOString() };
    }
  }
  const first = candles[0];
  const last = candles[candles.length - 1];
  return {
    candles: candles.length,
    ...(first ? { firstOpenIso: new Date(first.openTimeMs).toISOString() } : {}),
    ...(last ? { lastOpenIso: new Date(last.openTimeMs).toISOString() } : {}),
    gaps: gaps.length,
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
