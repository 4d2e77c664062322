// Backtest data in: building 5m candles from finer data (Kraken 1m files, trade history). A bucket
// exists only when something traded in it; empty intervals stay gaps and are never invented.
import type { Candle } from '../core/types.js';

/** One executed trade: price, base volume, time. */
export interface RawTrade {
  price: number;
  volumeBase: number;
  timeMs: number;
}

/**
 * Aggregates ordered candles into `targetMs` buckets aligned to UTC. Unlike the core's strict
 * resample, a bucket with missing sub-candles is kept: in Kraken's data a missing minute means
 * nothing traded, which does not change the 5-minute candle.
 */
export function aggregateCandles(candles: readonly Candle[], targetMs: number): Candle[] {
  const out: Candle[] = [];
  let cur: Candle | undefined;
  for (const c of candles) {
    const bucket = Math.floor(c.openTimeMs / targetMs) * targetMs;
    if (cur && cur.openTimeMs === bucket) {
      if (c.high > cur.high) cur.high = c.high;
      if (c.low < cur.low) cur.low = c.low;
      cur.close = c.close;
      cur.volume += c.volume;
    } else {
      cur = { openTimeMs: bucket, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume };
      out.push(cur);
    }
  }
  return out;
}

/** Candles of `intervalMs` from trades in time order (trades at the same time keep their order). */
export function candlesFromTrades(trades: readonly RawTrade[], intervalMs: number): Candle[] {
  const out: Candle[] = [];
  let cur: Candle | undefined;
  for (const t of trades) {
    const bucket = Math.floor(t.timeMs / intervalMs) * intervalMs;
    if (cur && cur.openTimeMs === bucket) {
      if (t.price > cur.high) cur.high = t.price;
      if (t.price < cur.low) cur.low = t.price;
      cur.close = t.price;
      cur.volume += t.volumeBase;
    } else {
      if (cur && bucket < cur.openTimeMs) throw new Error(`trades out of order at ${new Date(t.timeMs).toISOString()}`);
      cur = { openTimeMs: bucket, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.volumeBase };
      out.push(cur);
    }
  }
  return out;
}
