// The sweep: a window's replay on a series prepared over the whole history (indicators shared
// through the cache) gives exactly the figures of a plain runBacktest on the same range; the
// optimizer ranks, tests winners out of sample, and the worker threads agree with this thread.
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { parseConfig } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import { metricsOf, scoreOf, type SweepMetrics } from '../../../functions/research/objective.js';
import { buildSweep, runSweep, type OptimizeReport } from '../../../functions/research/optimizer.js';
import { applySet } from '../../../functions/research/paramSets.js';
import { runItems, SweepWorkerState } from '../../../functions/research/runItems.js';
import { parseParamArgs } from '../../../functions/research/searchSpace.js';
import type { SweepItem, SweepResult } from '../../../functions/research/sweepPlan.js';
import { SweepPool, type SweepRunner } from '../../../functions/research/sweepPool.js';
import { walkForwardWindows } from '../../../functions/research/walkForward.js';
import { request } from './researchFixtures.js';

const DAY = 86_400_000;

/** Runs items on this thread (what the pool's workers and the cloud worker do). */
function inThread(state: SweepWorkerState): SweepRunner {
  return { where: 'this thread', run: async (items: readonly SweepItem[]) => runItems(state, items), close: async () => undefined };
}

function withoutTiming(r: OptimizeReport) {
  const { timing: _t, ...rest } = r;
  return rest;
}

describe('Walk-forward windows', () => {
  it('slides in-sample and out-of-sample windows so the last one ends with the data', () => {
    const start = Date.UTC(2024, 0, 1);
    const w = walkForwardWindows(start, start + 70 * DAY, { inSampleMs: 30 * DAY, outOfSampleMs: 10 * DAY });
    expect(w).toHaveLength(4);
    expect(w.map((x) => (x.outOfSample.toMs - start) / DAY)).toEqual([40, 50, 60, 70]);
    for (const x of w) {
      expect(x.inSample.toMs).toBe(x.outOfSample.fromMs);
      expect(x.inSample.toMs - x.inSample.fromMs).toBe(30 * DAY);
    }
    const anchored = walkForwardWindows(start, start + 70 * DAY, { inSampleMs: 30 * DAY, outOfSampleMs: 10 * DAY, anchored: true });
    expect(anchored.map((x) => x.inSample.fromMs)).toEqual([start, start, start, start]);
    // Default: 4 windows, in sample three times out of sample.
    const d = walkForwardWindows(start, start + 70 * DAY);
    expect(d).toHaveLength(4);
    expect(d[0]!.inSample.toMs - d[0]!.inSample.fromMs).toBe(3 * (d[0]!.outOfSample.toMs - d[0]!.outOfSample.fromMs));
    expect(() => walkForwardWindows(start, start + 20 * DAY, { inSampleMs: 30 * DAY, outOfSampleMs: 10 * DAY })).toThrow(/do not fit/);
  });
});

describe('runItems', () => {
  it.each([
    ['plain momentum', request(['BTC/USD', 'ETH/USD'], 9_000)],
    ['the default regime strategy, with its 15m and 1h trends and ATR exits', request(['BTC/USD'], 12_000, { baseConfig: { pairs: ['BTC/USD'], paper: { startingBalances: { USD: 10_000 } }, fees: { requireEdge: false } }, params: parseParamArgs(['regime.thresholds.trendAdxMin=15,25', 'exits.atrStopMultiplier=1.5,2']) })],
  ])('%s: a window replayed from the whole-history series, with shared indicators, equals runBacktest on that range', (_name, req) => {
    const sweep = buildSweep(req);
    const data = new Map(req.series.map((s) => [s.hash, s.columns]));
    const state = new SweepWorkerState(sweep.plan, data);
    const all = sweep.plan.sets.map((_, k) => k);
    const segments = sweep.plan.segments.map((_, k) => k);
    // Every set on every segment, in one call: later sets reuse the indicators of earlier ones.
    const results = runItems(state, [{ sets: all, segments }]);
    let trades = 0;
    for (const r of results) {
      const config = parseConfig(applySet(sweep.plan.baseConfig, sweep.plan.params, sweep.plan.sets[r.set]!));
      const seg = sweep.plan.segments[r.segment]!;
      const plain = runBacktest({
        config,
        engine: createDecisionEngine(config),
        series: req.series.map((s) => ({ pair: s.pair, columns: s.columns })),
        markets: req.markets,
        startingQuote: req.startingQuote,
        fromMs: seg.fromMs,
        toMs: seg.toMs,
      });
      expect(r.metrics).toEqual(metricsOf(plain.summary));
      trades += plain.summary.trades;
    }
    expect(trades).toBeGreaterThan(20);
    // And alone, with a fresh cache, a set gets the same figures it got after the others.
    const last = all[all.length - 1]!;
    const alone = runItems(new SweepWorkerState(sweep.plan, data), [{ sets: [last], segments }]);
    expect(alone).toEqual(results.filter((r) => r.set === last));
  });

  it('reports a set that cannot run instead of failing the item', () => {
    const sweep = buildSweep(request(['BTC/USD'], 6_000));
    const plan = { ...sweep.plan, sets: [...sweep.plan.sets, [20, 10, 0.01]] };
    const out = runItems(new SweepWorkerState(plan, new Map([[plan.series[0]!.hash, request(['BTC/USD'], 6_000).series[0]!.columns]])), [{ sets: [plan.sets.length - 1], segments: [0] }]);
    expect(out).toEqual([{ set: plan.sets.length - 1, segment: 0, metrics: null, error: expect.stringMatching(/fastSma must be shorter/) }]);
  });
});

describe('Optimizer', () => {
  it('ranks in sample, tests the leaders out of sample, and worker threads give the report this thread gives', async () => {
    const req = request(['BTC/USD'], 9_000);
    const sweep = buildSweep(req);
    expect(sweep.plan.sets).toHaveLength(16);
    expect(sweep.windows).toHaveLength(2);
    const here = await runSweep(sweep, inThread(new SweepWorkerState(sweep.plan, new Map(req.series.map((s) => [s.hash, s.columns])))));
    const pool = await SweepPool.start(sweep.plan, new Map(req.series.map((s) => [s.hash, s.columns])), 2);
    let there: OptimizeReport;
    try {
      there = await runSweep(sweep, pool);
    } finally {
      await pool.close();
    }
    expect(withoutTiming(there)).toEqual(withoutTiming(here));
    // 16 sets × 2 in-sample windows, then 3 leaders × 2 out-of-sample windows.
    expect(here.backtests).toBe(16 * 2 + 3 * 2);
    for (const w of here.windows) {
      expect(w.top).toHaveLength(3);
      const scores = w.top.map((e) => e.inSampleScore!);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(w.best!.inSampleScore).toBe(w.best!.inSample!.netPnlQuote);
      expect(w.best!.outOfSample).not.toBeNull();
    }
    expect(here.heatmap!.x).toBe('strategies.momentum.fastSma');
    expect(here.heatmap!.cells).toHaveLength(2);
    expect(here.stability.map((s) => s.path)).toEqual(sweep.plan.params.map((p) => p.path));
    expect(JSON.parse(JSON.stringify(here))).toEqual(here);
  });

  it('halving keeps one set in eta per rung, on growing parts of each in-sample window', async () => {
    const req = request(['BTC/USD'], 14_000, { method: 'halving', sets: 27, eta: 3, topK: 1, params: parseParamArgs(['momentum.fastSma=3..11:1', 'momentum.slowSma=30,45,60']), walkForward: { windows: 1 } });
    const sweep = buildSweep(req);
    expect(sweep.plan.sets).toHaveLength(27);
    expect(sweep.rungFractions).toEqual([1 / 9, 1 / 3, 1]);
    const seen: number[] = [];
    const state = new SweepWorkerState(sweep.plan, new Map(req.series.map((s) => [s.hash, s.columns])));
    const runner: SweepRunner = {
      where: 'test',
      run: async (items) => {
        seen.push(items.reduce((n, i) => n + i.sets.length, 0));
        return runItems(state, items);
      },
      close: async () => undefined,
    };
    await runSweep(sweep, runner);
    // 27 sets, then 9, then 3 on the whole window, then the leader out of sample.
    expect(seen).toEqual([27, 9, 3, 1]);
  });

  it('warns when the in-sample winners fall apart out of sample', async () => {
    const req = request(['BTC/USD'], 9_000);
    const sweep = buildSweep(req);
    const oos = new Set(sweep.windows.map((w) => w.oosSegment));
    const m = (net: number): SweepMetrics => ({ netPnlQuote: net, returnFraction: net / 1e4, trades: 20, winRate: 0.5, maxDrawdownFraction: 0.1, sharpe: 1, sortino: 1, calmar: 1, profitFactor: 1.2, cagr: 0.1, exposureFraction: 0.3, feesQuote: 5, candleSteps: 100 });
    // In sample every set makes 100 + its index; out of sample they all lose.
    const runner: SweepRunner = {
      where: 'test',
      run: async (items) => items.flatMap((i) => i.sets.flatMap((set) => i.segments.map((segment): SweepResult => ({ set, segment, metrics: m(oos.has(segment) ? -50 : 100 + set) })))),
      close: async () => undefined,
    };
    const report = await runSweep(sweep, runner);
    expect(report.windows.map((w) => w.best!.set)).toEqual([15, 15]);
    expect(report.summary.walkForwardEfficiency).toBeLessThan(0);
    expect(report.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^window 1: the in-sample winner .* fell apart out of sample/), expect.stringMatching(/^out-of-sample falls apart/), 'out of sample, only 0 of 2 window(s) made money']));
    // A set under the minimum trade count is not ranked at all.
    expect(scoreOf({ ...m(500), trades: 3 }, 'net', 10)).toBeNull();
    expect(scoreOf({ ...m(500), profitFactor: null }, 'profit-factor', 10)).toBe(100);
  });
});
