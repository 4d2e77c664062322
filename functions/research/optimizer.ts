// Research: the optimizer. Builds the sweep plan (sets from the space, walk-forward windows,
// segments), drives the stages through a runner (worker threads or the cloud: the same items and
// results), ranks by the objective, tests each window's winners out of sample and writes the
// report: in-sample against out-of-sample per window, parameter stability, warnings.
import type { CandleColumns } from '../core/engine/candleColumns.js';
import { createDecisionEngine } from '../core/engine/index.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type MarketInfo, type Pair } from '../core/types.js';
import { scoreOf, type ObjectiveName, type SweepMetrics } from './objective.js';
import { gridPoint, namedValues, pickGridPoints, setConfig } from './paramSets.js';
import { formatValue, gridSize, type ParamSpec, type ParamValue } from './searchSpace.js';
import { itemsFor, resultKey, type SweepItem, type SweepPlan, type SweepResult } from './sweepPlan.js';
import type { SweepRunner } from './sweepPool.js';
import { walkForwardWindows, type Segment, type WalkForwardOptions } from './walkForward.js';

/** Search methods. */
export const METHODS = ['grid', 'random', 'halving'] as const;
export type SearchMethod = (typeof METHODS)[number];

/** What to optimize, on what. */
export interface OptimizeRequest {
  baseConfig: Record<string, unknown>;
  params: ParamSpec[];
  method: SearchMethod;
  /** Random search and halving: sets drawn from the grid (default 200; all of a smaller grid). */
  sets?: number;
  seed?: number;
  /** Halving: keep 1 in `eta` at each rung (default 3). */
  eta?: number;
  objective: ObjectiveName;
  minTrades: number;
  /** In-sample winners per window tested out of sample (default 10). */
  topK?: number;
  /** Windows; `windows: 0` optimizes once over the whole range without an out-of-sample test. */
  walkForward: WalkForwardOptions;
  series: { pair: Pair; hash: string; columns: CandleColumns }[];
  markets: Record<Pair, MarketInfo>;
  startingQuote: number;
  exitFill: 'level' | 'next-open';
  /** Sets per work item (default: about 16 items per worker and window). */
  setsPerItem?: number;
  /** The two parameters of the heatmap (default: the first two that vary). */
  heatmap?: [string, string];
}

/** A built sweep: the plan and what the stages need from it. */
export interface BuiltSweep {
  request: OptimizeRequest;
  plan: SweepPlan;
  /** Grid index of each plan set. */
  gridIndex: number[];
  windows: { index: number; inSample: Segment; outOfSample: Segment | null; isSegment: number; oosSegment: number | null; rungSegments: number[] }[];
  invalid: { count: number; reasons: Record<string, number> };
  /** Fraction of the in-sample window each halving rung replays (the last is 1). */
  rungFractions: number[];
  gridPoints: number;
  warmupCandles: number;
}

/** One set's figures in one window. */
export interface WindowEntry {
  set: number;
  params: Record<string, ParamValue>;
  inSampleScore: number | null;
  outOfSampleScore: number | null;
  inSample: SweepMetrics | null;
  outOfSample: SweepMetrics | null;
}

/** The report of `kbot optimize` (what `--json` prints). */
export interface OptimizeReport {
  kind: 'kbot-optimize';
  version: 1;
  method: SearchMethod;
  objective: ObjectiveName;
  minTrades: number;
  seed: number;
  space: { path: string; spec: string; values: string[] }[];
  pairs: Pair[];
  gridPoints: number;
  setsEvaluated: number;
  invalidSets: { count: number; reasons: Record<string, number> };
  backtests: number;
  candleSteps: number;
  windows: {
    index: number;
    inSample: { fromIso: string; toIso: string };
    outOfSample: { fromIso: string; toIso: string } | null;
    eligibleSets: number;
    best: WindowEntry | null;
    /** The in-sample leaders, each with its out-of-sample figures. */
    top: WindowEntry[];
    /** Out-of-sample score / in-sample score of the winner (null when not defined). */
    efficiency: number | null;
  }[];
  /** The sets with the best mean in-sample score over the windows (every window evaluated). */
  best: { set: number; params: Record<string, ParamValue>; meanInSampleScore: number; inSampleScores: (number | null)[] }[];
  stability: { path: string; winners: string[]; distinct: number; spreadFraction: number | null; stable: boolean }[];
  heatmap: { x: string; y: string; xValues: string[]; yValues: string[]; cells: (number | null)[][] } | null;
  summary: {
    meanInSampleScore: number | null;
    meanOutOfSampleScore: number | null;
    /** Mean out-of-sample score over mean in-sample score of the winners. */
    walkForwardEfficiency: number | null;
    outOfSampleProfitableWindows: number;
    outOfSampleNetPnlQuote: number;
  };
  /** The latest window's winner: the set to try next. */
  recommended: { set: number; params: Record<string, ParamValue> } | null;
  warnings: string[];
  timing: { wallMs: number; setsPerSecond: number; backtestsPerSecond: number; candleStepsPerSecond: number; where: string };
  cloud?: unknown;
}

const DEFAULT_TOP_K = 10;
const MIN_RUNG_MS = 3 * ONE_DAY_MS;

/** Builds the plan: sets drawn and checked, windows cut after the longest warm-up, segments listed. */
export function buildSweep(req: OptimizeRequest): BuiltSweep {
  if (req.params.length === 0) throw new Error('the search space is empty: give --space FILE or --param PATH=VALUES');
  const points = gridSize(req.params);
  const wanted = req.method === 'grid' ? points : Math.min(points, req.sets ?? 200);
  const picked = pickGridPoints(req.params, req.method === 'grid' ? 'grid' : 'random', wanted, req.seed ?? 1);
  const sets: ParamValue[][] = [];
  const gridIndex: number[] = [];
  const reasons: Record<string, number> = {};
  let warmup = 0;
  for (const g of picked) {
    const values = gridPoint(req.params, g);
    const built = setConfig(req.baseConfig, req.params, values);
    if (!built.ok) {
      reasons[built.reason] = (reasons[built.reason] ?? 0) + 1;
      continue;
    }
    warmup = Math.max(warmup, createDecisionEngine(built.config).warmupCandles);
    sets.push(values);
    gridIndex.push(g);
  }
  const invalidCount = picked.length - sets.length;
  if (sets.length === 0) throw new Error(`no parameter set is valid: ${Object.entries(reasons).map(([r, n]) => `${n}× ${r}`).join('; ')}`);

  // Every set trades the same windows: they start once the longest warm-up (and a day of 24h volume) has passed on every pair.
  const startMs = Math.max(...req.series.map((s) => s.columns.openTimeMs[0] ?? Infinity)) + (warmup + 288) * FIVE_MINUTES_MS;
  const endMs = Math.max(...req.series.map((s) => (s.columns.openTimeMs[s.columns.length - 1] ?? -Infinity) + FIVE_MINUTES_MS));
  const noWalkForward = req.walkForward.windows === 0;
  const cut = noWalkForward ? [{ index: 0, inSample: { fromMs: startMs, toMs: endMs }, outOfSample: null }] : walkForwardWindows(startMs, endMs, req.walkForward);

  const eta = req.eta ?? 3;
  const topK = req.topK ?? DEFAULT_TOP_K;
  let rungs = 0;
  if (req.method === 'halving') {
    if (!(eta >= 2)) throw new Error('--eta must be at least 2');
    const shortestIs = Math.min(...cut.map((w) => w.inSample.toMs - w.inSample.fromMs));
    rungs = Math.max(0, Math.floor(Math.log(sets.length / Math.max(1, topK)) / Math.log(eta) + 1e-9));
    while (rungs > 0 && shortestIs / eta ** rungs < MIN_RUNG_MS) rungs--;
  }
  const rungFractions = Array.from({ length: rungs + 1 }, (_, r) => eta ** (r - rungs));
  const segments: Segment[] = [];
  const windows = cut.map((w) => {
    const isSegment = segments.push(w.inSample) - 1;
    const oosSegment = w.outOfSample ? segments.push(w.outOfSample) - 1 : null;
    const rungSegments = rungFractions.map((f) => {
      if (f === 1) return isSegment;
      const len = Math.floor(((w.inSample.toMs - w.inSample.fromMs) * f) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
      return segments.push({ fromMs: w.inSample.toMs - len, toMs: w.inSample.toMs }) - 1;
    });
    return { index: w.index, inSample: w.inSample, outOfSample: w.outOfSample, isSegment, oosSegment, rungSegments };
  });
  const plan: SweepPlan = {
    kind: 'kbot-sweep-plan',
    version: 1,
    baseConfig: req.baseConfig,
    params: req.params,
    sets,
    segments,
    series: req.series.map((s) => ({ pair: s.pair, hash: s.hash, candles: s.columns.length })),
    markets: req.markets,
    startingQuote: req.startingQuote,
    exitFill: req.exitFill,
  };
  return { request: req, plan, gridIndex, windows, invalid: { count: invalidCount, reasons }, rungFractions, gridPoints: points, warmupCandles: warmup };
}

/** Sets per work item: about 16 items per worker and window, 1 to 64 sets each (or the request's choice). */
export function setsPerItem(req: OptimizeRequest, count: number, workers: number): number {
  return req.setsPerItem ?? Math.max(1, Math.min(64, Math.ceil(count / (workers * 16))));
}

/** The stages a sweep will run, worked out before it runs: sets, work items and candle-steps of each. */
export function plannedStages(sweep: BuiltSweep, workers: number): { name: string; sets: number; items: number; candleSteps: number }[] {
  const req = sweep.request;
  const topK = req.topK ?? DEFAULT_TOP_K;
  const eta = req.eta ?? 3;
  const pairs = sweep.plan.series.length;
  const candles = (segment: number) => {
    const seg = sweep.plan.segments[segment]!;
    return (seg.toMs - seg.fromMs) / FIVE_MINUTES_MS;
  };
  const out: { name: string; sets: number; items: number; candleSteps: number }[] = [];
  let survivors = sweep.plan.sets.length;
  sweep.rungFractions.forEach((_, r) => {
    const per = setsPerItem(req, survivors, workers);
    out.push({
      name: `in-sample${sweep.rungFractions.length > 1 ? ` rung ${r + 1}` : ''}`,
      sets: survivors,
      items: sweep.windows.length * Math.ceil(survivors / per),
      candleSteps: sweep.windows.reduce((n, w) => n + survivors * candles(w.rungSegments[r]!) * pairs, 0),
    });
    if (r < sweep.rungFractions.length - 1) survivors = Math.min(survivors, Math.max(topK, Math.ceil(survivors / eta)));
  });
  const leaders = Math.min(topK, survivors);
  const withOos = sweep.windows.filter((w) => w.oosSegment !== null);
  if (withOos.length) {
    const per = setsPerItem(req, leaders, workers);
    out.push({ name: 'out-of-sample', sets: leaders, items: withOos.length * Math.ceil(leaders / per), candleSteps: withOos.reduce((n, w) => n + leaders * candles(w.oosSegment!) * pairs, 0) });
  }
  return out;
}

/** Progress of the stages, for a bar or a log line. */
export type OptimizeProgress = (stage: string, done: number, total: number) => void;

/** Runs a built sweep through `runner` and writes the report. */
export async function runSweep(sweep: BuiltSweep, runner: SweepRunner, onProgress?: OptimizeProgress, workers = runner.parallelism ?? 2): Promise<OptimizeReport> {
  const started = performance.now();
  const { request: req, plan, windows } = sweep;
  const topK = req.topK ?? DEFAULT_TOP_K;
  const eta = req.eta ?? 3;
  const results = new Map<string, SweepMetrics | null>();
  let backtests = 0;
  let candleSteps = 0;
  const perItem = (count: number) => setsPerItem(req, count, workers);
  const stage = async (name: string, items: SweepItem[]) => {
    if (items.length === 0) return;
    const got: SweepResult[] = await runner.run(items, (done, total) => onProgress?.(name, done, total));
    for (const r of got) {
      results.set(resultKey(r.set, r.segment), r.metrics);
      backtests++;
      candleSteps += r.metrics?.candleSteps ?? 0;
    }
  };
  const score = (set: number, segment: number, minTrades = req.minTrades) => scoreOf(results.get(resultKey(set, segment)) ?? null, req.objective, minTrades);
  const ranked = (candidates: readonly number[], segment: number, minTrades = req.minTrades) =>
    [...candidates].sort((a, b) => {
      const sa = score(a, segment, minTrades);
      const sb = score(b, segment, minTrades);
      if (sa === sb) return a - b;
      if (sa === null) return 1;
      if (sb === null) return -1;
      return sb - sa;
    });

  const all = plan.sets.map((_, k) => k);
  // In sample: every set (grid, random), or rung by rung (halving), all windows in each stage.
  const survivors = windows.map(() => all);
  for (let r = 0; r < sweep.rungFractions.length; r++) {
    const f = sweep.rungFractions[r]!;
    const items = windows.flatMap((w, k) => itemsFor(survivors[k]!, [w.rungSegments[r]!], perItem(survivors[k]!.length)));
    await stage(sweep.rungFractions.length > 1 ? `in-sample rung ${r + 1}/${sweep.rungFractions.length} (${(f * 100).toFixed(0)}% of each window)` : 'in-sample', items);
    if (r < sweep.rungFractions.length - 1) {
      const minTrades = Math.ceil(req.minTrades * f);
      windows.forEach((w, k) => {
        survivors[k] = ranked(survivors[k]!, w.rungSegments[r]!, minTrades).slice(0, Math.max(topK, Math.ceil(survivors[k]!.length / eta)));
      });
    }
  }
  const leaders = windows.map((w, k) => ranked(survivors[k]!, w.isSegment).filter((s) => score(s, w.isSegment) !== null).slice(0, topK));
  await stage(
    'out-of-sample',
    windows.flatMap((w, k) => (w.oosSegment === null ? [] : itemsFor(leaders[k]!, [w.oosSegment], perItem(leaders[k]!.length)))),
  );

  const wallMs = performance.now() - started;
  return buildReport(sweep, results, leaders, { backtests, candleSteps, wallMs, where: runner.where });
}

function buildReport(
  sweep: BuiltSweep,
  results: Map<string, SweepMetrics | null>,
  leaders: number[][],
  run: { backtests: number; candleSteps: number; wallMs: number; where: string },
): OptimizeReport {
  const { request: req, plan, windows } = sweep;
  const metric = (set: number, segment: number | null) => (segment === null ? null : results.get(resultKey(set, segment)) ?? null);
  const score = (set: number, segment: number | null) => scoreOf(metric(set, segment), req.objective, req.minTrades);
  const named = (set: number) => namedValues(plan.params, plan.sets[set]!);
  const entry = (set: number, w: (typeof windows)[number]): WindowEntry => ({
    set,
    params: named(set),
    inSampleScore: score(set, w.isSegment),
    outOfSampleScore: score(set, w.oosSegment),
    inSample: metric(set, w.isSegment),
    outOfSample: metric(set, w.oosSegment),
  });
  const iso = (ms: number) => new Date(ms).toISOString();
  const warnings: string[] = [];
  const reportWindows = windows.map((w, k) => {
    const top = leaders[k]!.map((s) => entry(s, w));
    const best = top[0] ?? null;
    const eligible = plan.sets.reduce((n, _, s) => n + (score(s, w.isSegment) !== null ? 1 : 0), 0);
    if (!best) warnings.push(`window ${k + 1}: no set made ${req.minTrades} trades with a defined ${req.objective} in sample`);
    const efficiency = best && best.inSampleScore !== null && best.outOfSampleScore !== null && best.inSampleScore > 0 ? best.outOfSampleScore / best.inSampleScore : null;
    if (best && w.outOfSample && best.inSampleScore !== null && best.inSampleScore > 0 && (best.outOfSampleScore === null || best.outOfSampleScore <= 0 || (best.outOfSample?.netPnlQuote ?? 0) < 0)) {
      warnings.push(
        `window ${k + 1}: the in-sample winner (${req.objective} ${fmt(best.inSampleScore)}) fell apart out of sample (${req.objective} ${fmt(best.outOfSampleScore)}, net ${fmt(best.outOfSample?.netPnlQuote ?? null)})`,
      );
    }
    return {
      index: k,
      inSample: { fromIso: iso(w.inSample.fromMs), toIso: iso(w.inSample.toMs) },
      outOfSample: w.outOfSample ? { fromIso: iso(w.outOfSample.fromMs), toIso: iso(w.outOfSample.toMs) } : null,
      eligibleSets: eligible,
      best,
      top,
      efficiency,
    };
  });

  // Sets evaluated on the whole in-sample window of every window, by mean score.
  const full = plan.sets.map((_, s) => s).filter((s) => windows.every((w) => results.has(resultKey(s, w.isSegment))));
  const meanScore = (s: number): number | null => {
    const xs = windows.map((w) => score(s, w.isSegment));
    return xs.every((x) => x !== null) ? (xs as number[]).reduce((a, b) => a + b, 0) / xs.length : null;
  };
  const best = full
    .map((s) => ({ s, m: meanScore(s) }))
    .filter((x): x is { s: number; m: number } => x.m !== null)
    .sort((a, b) => b.m - a.m || a.s - b.s)
    .slice(0, 20)
    .map(({ s, m }) => ({ set: s, params: named(s), meanInSampleScore: m, inSampleScores: windows.map((w) => score(s, w.isSegment)) }));

  const winners = reportWindows.map((w) => w.best).filter((b): b is WindowEntry => b !== null);
  const stability = plan.params.map((p) => {
    const values = winners.map((b) => b.params[p.path]!);
    const distinct = new Set(values.map(formatValue)).size;
    let spread: number | null = null;
    if ((p.kind === 'number' || p.kind === 'integer') && values.length > 0) {
      const declared = p.values as number[];
      const width = Math.max(...declared) - Math.min(...declared);
      spread = width > 0 ? (Math.max(...(values as number[])) - Math.min(...(values as number[]))) / width : 0;
    }
    const stable = p.values.length <= 1 || (spread !== null ? spread <= 0.25 : distinct <= 1);
    return { path: p.path, winners: values.map(formatValue), distinct, spreadFraction: spread, stable };
  });
  if (winners.length > 1) {
    for (const s of stability) {
      if (!s.stable) warnings.push(`${s.path} is not stable across windows: the winners chose ${s.winners.join(', ')}`);
    }
  }

  const withOos = winners.filter((b) => b.outOfSample !== null);
  const mean = (xs: (number | null)[]) => {
    const ys = xs.filter((x): x is number => x !== null);
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : null;
  };
  const meanIs = mean(withOos.map((b) => b.inSampleScore));
  const meanOos = mean(withOos.map((b) => b.outOfSampleScore));
  const efficiency = meanIs !== null && meanOos !== null && meanIs > 0 ? meanOos / meanIs : null;
  const profitable = withOos.filter((b) => (b.outOfSample?.netPnlQuote ?? 0) > 0).length;
  if (withOos.length > 0) {
    if (efficiency !== null && efficiency < 0.5) {
      warnings.push(
        `out-of-sample falls apart: the winners kept ${(efficiency * 100).toFixed(0)}% of their in-sample ${req.objective} (walk-forward efficiency; under 50% suggests they were fitted to noise)`,
      );
    } else if (efficiency === null && meanIs !== null && meanIs > 0) {
      warnings.push(`out-of-sample falls apart: no winner has a defined out-of-sample ${req.objective}`);
    }
    if (profitable * 2 < withOos.length) warnings.push(`out of sample, only ${profitable} of ${withOos.length} window(s) made money`);
  }

  const last = reportWindows[reportWindows.length - 1]?.best ?? null;
  const seconds = run.wallMs / 1000;
  return {
    kind: 'kbot-optimize',
    version: 1,
    method: req.method,
    objective: req.objective,
    minTrades: req.minTrades,
    seed: req.seed ?? 1,
    space: plan.params.map((p) => ({ path: p.path, spec: p.spec, values: p.values.map(formatValue) })),
    pairs: plan.series.map((s) => s.pair),
    gridPoints: sweep.gridPoints,
    setsEvaluated: plan.sets.length,
    invalidSets: sweep.invalid,
    backtests: run.backtests,
    candleSteps: run.candleSteps,
    windows: reportWindows,
    best,
    stability,
    heatmap: heatmapOf(sweep, full, meanScore),
    summary: {
      meanInSampleScore: meanIs,
      meanOutOfSampleScore: meanOos,
      walkForwardEfficiency: efficiency,
      outOfSampleProfitableWindows: profitable,
      outOfSampleNetPnlQuote: withOos.reduce((sum, b) => sum + (b.outOfSample?.netPnlQuote ?? 0), 0),
    },
    recommended: last ? { set: last.set, params: last.params } : null,
    warnings,
    timing: {
      wallMs: run.wallMs,
      setsPerSecond: plan.sets.length / seconds,
      backtestsPerSecond: run.backtests / seconds,
      candleStepsPerSecond: run.candleSteps / seconds,
      where: run.where,
    },
  };
}

/** Best mean in-sample score per value pair of two parameters (the others free). */
function heatmapOf(sweep: BuiltSweep, sets: readonly number[], meanScore: (s: number) => number | null): OptimizeReport['heatmap'] {
  const params = sweep.plan.params;
  const wanted = sweep.request.heatmap;
  const swept = params.map((p, k) => ({ p, k })).filter(({ p }) => p.values.length > 1);
  const pick = wanted ? wanted.map((path) => swept.find(({ p }) => p.path === path)) : swept.slice(0, 2);
  if (pick.length < 2 || !pick[0] || !pick[1]) return null;
  const [x, y] = pick as [{ p: ParamSpec; k: number }, { p: ParamSpec; k: number }];
  const xValues = x.p.values.map(formatValue);
  const yValues = y.p.values.map(formatValue);
  const cells: (number | null)[][] = yValues.map(() => xValues.map(() => null));
  for (const s of sets) {
    const m = meanScore(s);
    if (m === null) continue;
    const values = sweep.plan.sets[s]!;
    const xi = xValues.indexOf(formatValue(values[x.k]!));
    const yi = yValues.indexOf(formatValue(values[y.k]!));
    const row = cells[yi]!;
    if (row[xi] === null || m > row[xi]!) row[xi] = m;
  }
  return { x: x.p.path, y: y.p.path, xValues, yValues, cells };
}

function fmt(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(2);
}
