// Research: the plan of a sweep, the one document a local worker thread and a cloud worker
// Lambda both run from. It names everything a backtest needs (base configuration, parameter sets,
// time segments, data by content hash, market rules, wallet, fill rule); work items only point
// into it (sets × segments), so the same item gives the same figures wherever it runs.
import type { MarketInfo, Pair } from '../core/types.js';
import type { SweepMetrics } from './objective.js';
import type { ParamSpec, ParamValue } from './searchSpace.js';
import type { Segment } from './walkForward.js';

/** Everything a sweep's backtests read. */
export interface SweepPlan {
  kind: 'kbot-sweep-plan';
  version: 1;
  /** The configuration input every set starts from (its `pairs` are the data's pairs). */
  baseConfig: Record<string, unknown>;
  params: ParamSpec[];
  /** Values per set, in the order of `params`. */
  sets: ParamValue[][];
  /** Time ranges the items refer to (in-sample windows, their halving rungs, out-of-sample windows). */
  segments: Segment[];
  /** The candles per pair, in the configuration's pair order, by the SHA-256 of their encoding (see candleCache). */
  series: { pair: Pair; hash: string; candles: number }[];
  markets: Record<Pair, MarketInfo>;
  startingQuote: number;
  exitFill: 'level' | 'next-open';
}

/** A unit of work: every listed set on every listed segment. */
export interface SweepItem {
  sets: number[];
  segments: number[];
}

/** One backtest's outcome. `metrics` is null when the set could not run (`error` says why). */
export interface SweepResult {
  set: number;
  segment: number;
  metrics: SweepMetrics | null;
  error?: string;
}

/** Key of a (set, segment) pair in maps of results. */
export function resultKey(set: number, segment: number): string {
  return `${set}:${segment}`;
}

/** Splits sets × segments into items of about `setsPerItem` sets each (one segment per item: a cloud item is a parameter batch × a data window). */
export function itemsFor(sets: readonly number[], segments: readonly number[], setsPerItem: number): SweepItem[] {
  const items: SweepItem[] = [];
  const size = Math.max(1, Math.floor(setsPerItem));
  for (const segment of segments) {
    for (let k = 0; k < sets.length; k += size) items.push({ sets: sets.slice(k, k + size), segments: [segment] });
  }
  return items;
}

/** Candle-steps an item replays, roughly (pairs × 5m candles in its segments), for balancing and estimates. */
export function itemCandleSteps(plan: SweepPlan, item: SweepItem): number {
  let candles = 0;
  for (const s of item.segments) {
    const seg = plan.segments[s]!;
    candles += Math.max(0, (seg.toMs - seg.fromMs) / 300_000);
  }
  return candles * plan.series.length * item.sets.length;
}
