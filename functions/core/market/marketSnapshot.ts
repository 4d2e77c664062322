// Core domain: what the microstructure signals read at one candle close, recorded every tick (the
// market recorder) and replayed by the backtest: the top levels of the order book, hence the spread,
// and the reference exchange's price. OHLC history cannot rebuild these, so nothing else can.
import type { Pair } from '../types.js';

/** One price level: [price, amount in base]. */
export type BookLevel = readonly [number, number];

/** The market of one pair at one candle close. */
export interface MarketSnapshot {
  pair: Pair;
  /** Close time of the candle the tick decided on when it took the snapshot. */
  closeMs: number;
  /** Best bids, highest first, and best asks, lowest first (Kraken Depth's top levels). */
  bids: BookLevel[];
  asks: BookLevel[];
  /** The reference exchange's mid price for the same pair, when it was read. */
  referencePrice?: number;
}

/** (ask − bid) / mid of the best levels, or undefined when a side is empty or crossed. */
export function snapshotSpreadFraction(s: Pick<MarketSnapshot, 'bids' | 'asks'>): number | undefined {
  const bid = s.bids[0]?.[0];
  const ask = s.asks[0]?.[0];
  if (bid === undefined || ask === undefined || !(bid > 0) || !(ask >= bid)) return undefined;
  return (ask - bid) / ((ask + bid) / 2);
}

/** Mid of the best levels, or undefined. */
export function snapshotMid(s: Pick<MarketSnapshot, 'bids' | 'asks'>): number | undefined {
  const bid = s.bids[0]?.[0];
  const ask = s.asks[0]?.[0];
  return bid !== undefined && ask !== undefined && bid > 0 && ask >= bid ? (bid + ask) / 2 : undefined;
}

/**
 * Order-book imbalance over the top `levels` of each side, by quote value: (bids − asks) / (bids + asks),
 * from −1 (only asks) to 1 (only bids); undefined when the book is empty.
 */
export function bookImbalance(s: Pick<MarketSnapshot, 'bids' | 'asks'>, levels: number): number | undefined {
  let bidQuote = 0;
  let askQuote = 0;
  for (let k = 0; k < levels && k < s.bids.length; k++) bidQuote += s.bids[k]![0] * s.bids[k]![1];
  for (let k = 0; k < levels && k < s.asks.length; k++) askQuote += s.asks[k]![0] * s.asks[k]![1];
  const total = bidQuote + askQuote;
  return total > 0 ? (bidQuote - askQuote) / total : undefined;
}

/** Keeps the top `levels` of each side (what is recorded). */
export function topLevels(book: { bids: readonly BookLevel[]; asks: readonly BookLevel[] }, levels: number): { bids: BookLevel[]; asks: BookLevel[] } {
  return { bids: book.bids.slice(0, levels).map(([p, q]) => [p, q] as const), asks: book.asks.slice(0, levels).map(([p, q]) => [p, q] as const) };
}

/** The snapshots of a series, by candle index (sparse: a candle without one is undefined). */
export type SnapshotColumn = (MarketSnapshot | undefined)[];

/** Lines the snapshots up with candles: the one taken at candle i's close goes to index i. */
export function snapshotColumn(openTimeMs: ArrayLike<number>, candleMs: number, snapshots: readonly MarketSnapshot[]): SnapshotColumn {
  const byClose = new Map(snapshots.map((s) => [s.closeMs, s]));
  const out: SnapshotColumn = new Array<MarketSnapshot | undefined>(openTimeMs.length);
  for (let i = 0; i < openTimeMs.length; i++) out[i] = byClose.get(openTimeMs[i]! + candleMs);
  return out;
}
