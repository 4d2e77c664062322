// Research: runs sweep items, the one function behind the local worker threads and the cloud
// worker Lambda. For each set: its configuration, its engine, each pair prepared once over the
// whole history (indicators that other sets need too come from a per-series cache), then one
// replay per segment on the prepared series cut at the segment's end: the same figures as
// `runBacktest` with `fromMs`/`toMs` on the same candles.
import { runBacktest } from '../backtest/runBacktest.js';
import type { BotConfig } from '../core/config.js';
import { sliceColumns, type CandleColumns } from '../core/engine/candleColumns.js';
import type { PreparedPairSeries } from '../core/engine/index.js';
import { createDecisionEngine, PrepareCache } from '../core/engine/index.js';
import type { DecisionEngine, PreparedSeries } from '../core/engine/types.js';
import type { Pair } from '../core/types.js';
import { metricsOf } from './objective.js';
import { setConfig } from './paramSets.js';
import type { SweepItem, SweepPlan, SweepResult } from './sweepPlan.js';

/** Most bytes of shared indicator arrays kept per series before the cache starts over. */
const CACHE_LIMIT_BYTES = 384 * 2 ** 20;

/**
 * What a worker keeps between calls for one plan: the candles and each series' indicator cache.
 * A Lambda container or a worker thread holds one and reuses it for every item it gets.
 */
export class SweepWorkerState {
  private caches = new Map<string, PrepareCache>();

  /**
   * @param plan the sweep
   * @param data candles by the hashes the plan names (all of them)
   */
  constructor(
    readonly plan: SweepPlan,
    private readonly data: ReadonlyMap<string, CandleColumns>,
  ) {
    for (const s of plan.series) {
      const cols = data.get(s.hash);
      if (!cols) throw new Error(`sweep data: no candles for ${s.pair} (${s.hash.slice(0, 12)})`);
      if (cols.length !== s.candles) throw new Error(`sweep data: ${s.pair} has ${cols.length} candles, the plan ${s.candles}`);
    }
  }

  columns(hash: string): CandleColumns {
    return this.data.get(hash)!;
  }

  cache(hash: string): PrepareCache {
    let cache = this.caches.get(hash);
    if (!cache || cache.indicatorBytes > CACHE_LIMIT_BYTES) {
      cache = new PrepareCache(this.columns(hash));
      this.caches.set(hash, cache);
    }
    return cache;
  }
}

/** Runs every (set, segment) of the items; results come in item order, sets before segments. */
export function runItems(state: SweepWorkerState, items: readonly SweepItem[]): SweepResult[] {
  const plan = state.plan;
  const out: SweepResult[] = [];
  for (const item of items) {
    for (const set of item.sets) {
      const values = plan.sets[set];
      if (!values) throw new Error(`sweep item names set ${set}, the plan has ${plan.sets.length}`);
      const built = setConfig(plan.baseConfig, plan.params, values);
      if (!built.ok) {
        for (const segment of item.segments) out.push({ set, segment, metrics: null, error: built.reason });
        continue;
      }
      const config = built.config;
      // Only the figures are kept: no entry features (nor the indicators only they read).
      const engine = createDecisionEngine(config, { entryFeatures: false });
      const prepared = plan.series.map((s) => engine.prepareColumns!(s.pair, state.columns(s.hash), state.cache(s.hash)) as PreparedPairSeries);
      for (const segment of item.segments) {
        const seg = plan.segments[segment];
        if (!seg) throw new Error(`sweep item names segment ${segment}, the plan has ${plan.segments.length}`);
        out.push({ set, segment, metrics: replaySegment(plan, config, engine, prepared, seg.fromMs, seg.toMs) });
      }
    }
  }
  return out;
}

/** One replay of [fromMs, toMs) on series prepared over the whole history. */
function replaySegment(plan: SweepPlan, config: BotConfig, engine: DecisionEngine, prepared: readonly PreparedPairSeries[], fromMs: number, toMs: number) {
  const series = prepared.map((p, k) => {
    const end = firstAtOrAfter(p.openTimeMs, toMs);
    return { pair: plan.series[k]!.pair as Pair, columns: sliceColumns(p.columns, 0, end), prepared: cutPrepared(engine, p, end) };
  });
  const result = runBacktest({ config, engine, series, markets: plan.markets, startingQuote: plan.startingQuote, fromMs, toMs, exitFill: plan.exitFill });
  return metricsOf(result.summary);
}

/**
 * The series as if prepared on its first `end` candles: every 5m array cut there. Higher
 * timeframe candles and their indicators stay whole; a 5m candle only ever maps to a 15m or 1h
 * candle that had closed by its own close, so none past the cut is reached.
 */
export function cutPrepared(engine: DecisionEngine, p: PreparedPairSeries, end: number): PreparedSeries {
  if (end === p.length) return p;
  const parts = p.parts();
  const specs = p.plan.specs;
  return engine.preparedFromParts!(p.pair, {
    base: sliceColumns(parts.base, 0, end),
    columns15m: parts.columns15m,
    columns1h: parts.columns1h,
    gapFreeRun: parts.gapFreeRun.subarray(0, end),
    index15m: parts.index15m.subarray(0, end),
    index1h: parts.index1h.subarray(0, end),
    ind: parts.ind.map((a, k) => (specs[k]!.timeframe === '5m' ? a.subarray(0, end) : a)),
    entrySignals: parts.entrySignals?.subarray(0, end),
    entrySignalsKey: parts.entrySignalsKey,
  });
}

function firstAtOrAfter(t: Float64Array, ms: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
