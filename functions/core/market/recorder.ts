// Core domain: the market recorder's rules. Which configurations read and record snapshots, and
// the snapshots a tick attaches to a series (the recorded ones of the recent candles and its own).
import type { BotConfig } from '../config.js';
import { needsSnapshots } from '../engine/strategies/microstructure.js';
import type { PreparedSeries } from '../engine/types.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../types.js';
import { snapshotColumn, type MarketSnapshot } from './marketSnapshot.js';

/** Whether some pair runs the microstructure strategy (alone, or as the regime's range route). */
export function usesMicrostructure(config: Pick<BotConfig, 'strategies'>): boolean {
  const s = config.strategies;
  const names = new Set([...s.use, ...Object.values(s.pairs).flatMap((p) => p.use ?? [])]);
  return names.has('microstructure') || (names.has('regime') && s.regime.rangeStrategy === 'microstructure');
}

/** Whether the strategies need recorded snapshots to decide (a backtest without them must refuse). */
export function strategiesNeedSnapshots(config: Pick<BotConfig, 'strategies'>): boolean {
  return usesMicrostructure(config) && needsSnapshots(config.strategies.microstructure);
}

/** Whether the tick reads the order book and records a snapshot per pair. */
export function recordsSnapshots(config: Pick<BotConfig, 'strategies' | 'market'>): boolean {
  return config.market.record === 'always' || (config.market.record === 'auto' && strategiesNeedSnapshots(config));
}

/** How far back the tick reads recorded snapshots (the spread compression window). */
export function snapshotLookbackMs(config: Pick<BotConfig, 'strategies'>): number {
  return config.strategies.microstructure.spreadWindow * FIVE_MINUTES_MS;
}

/** Attaches `pair`'s snapshots (recorded ones and this tick's) to its series, by candle index. */
export function attachSnapshots(series: PreparedSeries, candles: readonly Candle[], pair: Pair, snapshots: readonly MarketSnapshot[]): void {
  const own = snapshots.filter((s) => s.pair === pair);
  series.snapshots = own.length ? snapshotColumn(candles.map((c) => c.openTimeMs), FIVE_MINUTES_MS, own) : undefined;
}
