// Research: bias checks on a decision engine. Look-ahead: the decisions at a candle, computed on
// the history cut right after it, must equal those computed on the whole history (anything else
// read the future). Recursive: indicator values and decisions must not depend on how much history
// came before, once the documented warm-up is there (window indicators exactly, Wilder-smoothed
// ones within a tolerance on the 719 candles a live tick gets).
import type { BotConfig } from '../core/config.js';
import { MAX_LIVE_CANDLES, PreparedPairSeries } from '../core/engine/index.js';
import type { IndicatorSpec } from '../core/engine/indicatorPlan.js';
import type { DecisionEngine, PortfolioView, PreparedSeries } from '../core/engine/types.js';
import { openPosition } from '../core/positionLifecycle.js';
import { FIVE_MINUTES_MS, type Candle, type DayCounters, type EntryPlan, type MarketInfo, type Pair, type Position } from '../core/types.js';
import { emptyDay } from '../adapters/store/storeRules.js';
import { mulberry32 } from './paramSets.js';

/** What a check runs on. */
export interface BiasCheckInput {
  label: string;
  config: BotConfig;
  engine: DecisionEngine;
  pair: Pair;
  candles: readonly Candle[];
  market: MarketInfo;
}

/** One difference a check found. */
export interface BiasMismatch {
  index: number;
  timeIso: string;
  what: string;
  full: unknown;
  other: unknown;
}

/** A look-ahead check's outcome. */
export interface LookaheadResult {
  check: 'lookahead';
  label: string;
  ok: boolean;
  candles: number;
  /** Candles whose decisions were recomputed on cut history. */
  checked: number;
  /** Of them, candles where a strategy signalled or an exit fired on the whole history. */
  signals: number;
  mismatches: BiasMismatch[];
  mismatchCount: number;
}

/** A recursive check's outcome. */
export interface RecursiveResult {
  check: 'recursive';
  label: string;
  ok: boolean;
  documentedWarmupCandles: number;
  liveWindowCandles: number;
  evaluatedCandles: number;
  tolerance: number;
  /** Per indicator: largest relative difference from the whole-history value, with the documented warm-up and with the live window. */
  indicators: { indicator: string; recursive: boolean; atWarmup: number; atLiveWindow: number; ok: boolean }[];
  /** Candles whose decisions differ, with the documented warm-up (window indicators only) and with the live window. */
  decisionMismatches: { atWarmup: number; atLiveWindow: number };
  mismatches: BiasMismatch[];
}

const MAX_MISMATCHES = 10;
/**
 * Relative difference allowed for Wilder-smoothed indicators on the live window. A 14-period 1h
 * ATR (the default exits) has 59 hourly candles in a live tick's 719 and keeps about 0.2% of where
 * it started; 5m RSI, ATR and ADX agree to 1e-12.
 */
export const DEFAULT_RECURSIVE_TOLERANCE = 0.01;
/** Candles after a position's entry at which its exits are checked (one hour). */
const EXIT_AGE = 12;

/**
 * Look-ahead check: at every candle where a strategy signals or an exit fires on the whole
 * history (at most `maxChecks`, spread evenly), and at as many other candles drawn at random,
 * the engine's entry and exit decisions on the history cut right after the candle must be equal
 * (every value of every explanation, exactly). Indicator values are compared as well when the
 * engine is the project's.
 */
export function checkLookahead(input: BiasCheckInput, options: { maxChecks?: number; seed?: number } = {}): LookaheadResult {
  const { engine, pair, candles } = input;
  const n = candles.length;
  const full = engine.prepare(pair, candles);
  const first = Math.max(engine.warmupCandles, EXIT_AGE + 1);
  const signalled: number[] = [];
  const quiet: number[] = [];
  for (let i = first; i < n; i++) (decisionAt(input, full, i).signal ? signalled : quiet).push(i);
  const max = options.maxChecks ?? 200;
  const picked = new Set<number>(spread(signalled, max));
  const random = mulberry32(options.seed ?? 7);
  const extra = Math.min(quiet.length, Math.max(20, picked.size));
  for (let k = 0; k < extra; k++) picked.add(quiet[Math.floor(random() * quiet.length)]!);
  const mismatches: BiasMismatch[] = [];
  let count = 0;
  for (const i of [...picked].sort((a, b) => a - b)) {
    const cut = engine.prepare(pair, candles.slice(0, i + 1));
    const a = decisionAt(input, full, i);
    const b = decisionAt(input, cut, i);
    const found = [...diffDecisions(a, b), ...diffIndicators(full, cut, i, i, 0)];
    if (found.length) count++;
    for (const f of found) if (mismatches.length < MAX_MISMATCHES) mismatches.push({ index: i, timeIso: iso(candles[i]!.openTimeMs), ...f });
  }
  return { check: 'lookahead', label: input.label, ok: count === 0, candles: n, checked: picked.size, signals: signalled.length, mismatches, mismatchCount: count };
}

/**
 * Recursive check: the last `evalCandles` candles are decided on histories that start just the
 * documented warm-up (`engine.warmupCandles`) before them, and the live window (719 candles)
 * before them, and compared with the whole history. Window indicators (SMA, deviation, sums,
 * chop, crosses) and every decision must agree with the documented warm-up; Wilder-smoothed ones
 * (RSI, ATR, ADX, ±DI) converge geometrically and must agree within `tolerance` (relative) on the
 * live window, as must every decision.
 */
export function checkRecursive(input: BiasCheckInput, options: { evalCandles?: number; tolerance?: number } = {}): RecursiveResult {
  const { engine, pair, candles } = input;
  const n = candles.length;
  const tolerance = options.tolerance ?? DEFAULT_RECURSIVE_TOLERANCE;
  const full = engine.prepare(pair, candles);
  const specs = full instanceof PreparedPairSeries ? full.plan.specs : [];
  // The 24h volume from candles is left out of the engine's warm-up on purpose (without a day of
  // candles the liquidity rule refuses on its own): its window is part of the documented warm-up.
  const warmup = Math.max(engine.warmupCandles, ...specs.filter((x) => x.kind === 'quoteVolumeSum').map((x) => x.period));
  const live = Math.max(warmup, MAX_LIVE_CANDLES);
  const evalCandles = Math.min(options.evalCandles ?? 300, n - live - 1);
  if (evalCandles < 1) throw new Error(`recursive check: ${n} candles are too few; it needs the live window (${live}) and some candles to compare beyond it`);
  const from = n - evalCandles;
  const runs = [warmup, live].map((length) => {
    const start = from - length + 1;
    return { start, series: engine.prepare(pair, candles.slice(start)) };
  });
  const worst = specs.map(() => [0, 0]);
  const decisionMismatches = [0, 0];
  const mismatches: BiasMismatch[] = [];
  for (let i = from; i < n; i++) {
    const a = decisionAt(input, full, i);
    runs.forEach((run, r) => {
      const j = i - run.start;
      const b = decisionAt(input, run.series, j);
      // Values differ in their last bits (sums restart at other candles) or within the tolerance: compare what was decided.
      const found = diffKinds(a, b);
      if (found.length) decisionMismatches[r]!++;
      if (r === 1 || !specs.some(isRecursive)) for (const f of found) if (mismatches.length < MAX_MISMATCHES) mismatches.push({ index: i, timeIso: iso(candles[i]!.openTimeMs), what: `${r === 0 ? 'with the documented warm-up' : 'with the live window'}: ${f.what}`, full: f.full, other: f.other });
      if (full instanceof PreparedPairSeries && run.series instanceof PreparedPairSeries) {
        specs.forEach((spec, k) => {
          const d = relativeDifference(valueAt(full, k, spec, i), valueAt(run.series as PreparedPairSeries, k, spec, j), spec, run.start);
          if (d > worst[k]![r]!) worst[k]![r] = d;
        });
      }
    });
  }
  const indicators = specs.map((spec, k) => {
    const recursive = isRecursive(spec);
    const [atWarmup, atLiveWindow] = worst[k] as [number, number];
    return { indicator: specName(spec), recursive, atWarmup, atLiveWindow, ok: recursive ? atLiveWindow <= tolerance : atWarmup <= 1e-9 };
  });
  const decisionsOk = decisionMismatches[1] === 0 && (specs.some(isRecursive) || decisionMismatches[0] === 0);
  return {
    check: 'recursive',
    label: input.label,
    ok: decisionsOk && indicators.every((x) => x.ok) && (specs.length > 0 || decisionMismatches[0] === 0),
    documentedWarmupCandles: warmup,
    liveWindowCandles: live,
    evaluatedCandles: evalCandles,
    tolerance,
    indicators,
    decisionMismatches: { atWarmup: decisionMismatches[0]!, atLiveWindow: decisionMismatches[1]! },
    mismatches,
  };
}

interface Decisions {
  entry: unknown;
  exits: unknown[];
  signal: boolean;
}

/** The engine's entry decision at i on a fixed empty portfolio, and its exit decisions for positions opened an hour before. */
function decisionAt(input: BiasCheckInput, s: PreparedSeries, i: number): Decisions {
  const { engine, candles, market } = input;
  const c = candles[indexInFull(input, s, i)]!;
  const nowMs = c.openTimeMs + FIVE_MINUTES_MS;
  const entry = engine.checkEntry(s, i, portfolio(input, nowMs));
  const exits = positionStrategies(input.config).map((strategy) => {
    const position = syntheticPosition(input, s, i - EXIT_AGE, strategy);
    return engine.checkExit(position, s, i, nowMs, position.amountBase, market);
  });
  const signal = entry.action === 'buy' || entry.signal !== undefined || exits.some((e) => e.action === 'sell');
  return { entry: plain(entry), exits: exits.map(plain), signal };
}

const offsets = new WeakMap<PreparedSeries, number>();

/** The index in the whole history of index i of `s` (every series here is a run of the full one's candles). */
function indexInFull(input: BiasCheckInput, s: PreparedSeries, i: number): number {
  let offset = offsets.get(s);
  if (offset === undefined) {
    const firstOpen = s instanceof PreparedPairSeries ? s.openTimeMs[0]! : s.candles[0]!.openTimeMs;
    offset = input.candles.findIndex((c) => c.openTimeMs === firstOpen);
    offsets.set(s, offset);
  }
  return offset + i;
}

function portfolio(input: BiasCheckInput, nowMs: number): PortfolioView {
  const day: DayCounters = emptyDay(iso(nowMs).slice(0, 10));
  const quote = input.pair.split('/')[1]!;
  return {
    nowMs,
    quote,
    equityQuote: 10_000,
    freeQuote: 10_000,
    freeBase: {},
    openPositions: [],
    lastPrice: {},
    day,
    recentTrades: [],
    markets: { [input.pair]: input.market },
    takerFeeRate: { [input.pair]: input.market.takerFeeRate },
    // Unknown: the engine reads the 24h volume from the candles, as a backtest does.
    quoteVolume24h: { [input.pair]: undefined },
  };
}

/** Position strategies the configuration trades with (their exits and signal exits differ). */
function positionStrategies(config: BotConfig): string[] {
  const s = config.strategies;
  const out = new Set<string>();
  for (const name of s.use) {
    if (name !== 'regime') out.add(name);
    else {
      if (s.regime.trendStrategy !== 'none') out.add(s.regime.trendStrategy);
      if (s.regime.rangeStrategy !== 'none') out.add(s.regime.rangeStrategy);
    }
  }
  return [...out];
}

/** A position opened at candle `at`'s close with the exits the engine plans there (or 2% / 3% levels). */
function syntheticPosition(input: BiasCheckInput, s: PreparedSeries, at: number, strategy: string): Position {
  const c = input.candles[indexInFull(input, s, at)]!;
  const planned = input.engine.planExits?.(s, at);
  const plan: EntryPlan = planned?.ok ? { ...planned.plan, strategy } : { strategy, stopPrice: c.close * 0.98, takeProfitPrice: c.close * 1.03 };
  return openPosition({
    mode: 'paper',
    pair: input.pair,
    entryClientOrderId: 'bias-check',
    plan,
    referencePrice: c.close,
    fill: { filledBase: 1, costQuote: c.close, feeQuote: 0, averagePrice: c.close },
    entryTimeMs: c.openTimeMs + FIVE_MINUTES_MS,
  });
}

function diffDecisions(a: Decisions, b: Decisions): { what: string; full: unknown; other: unknown }[] {
  const out: { what: string; full: unknown; other: unknown }[] = [];
  if (JSON.stringify(a.entry) !== JSON.stringify(b.entry)) out.push({ what: 'entry decision', full: a.entry, other: b.entry });
  a.exits.forEach((e, k) => {
    if (JSON.stringify(e) !== JSON.stringify(b.exits[k])) out.push({ what: 'exit decision', full: e, other: b.exits[k] });
  });
  return out;
}

/** The kinds of decision only (buy / refused by which rule / sell for which reason), not their values. */
function diffKinds(a: Decisions, b: Decisions): { what: string; full: unknown; other: unknown }[] {
  const kind = (d: unknown) => {
    const x = d as { action: string; stage?: string; rule?: string; reason?: string; blocked?: string; signal?: { strategy: string } };
    return [x.action, x.stage ?? '', x.rule ?? '', x.action === 'sell' ? x.reason : '', x.signal?.strategy ?? '', x.blocked ? 'blocked' : ''].join(':');
  };
  const out: { what: string; full: unknown; other: unknown }[] = [];
  if (kind(a.entry) !== kind(b.entry)) out.push({ what: 'entry decision', full: kind(a.entry), other: kind(b.entry) });
  a.exits.forEach((e, k) => {
    if (kind(e) !== kind(b.exits[k])) out.push({ what: 'exit decision', full: kind(e), other: kind(b.exits[k]) });
  });
  return out;
}

/** Indicator values at i (full) and j (other), exactly. */
function diffIndicators(full: PreparedSeries, other: PreparedSeries, i: number, j: number, start: number): { what: string; full: unknown; other: unknown }[] {
  if (!(full instanceof PreparedPairSeries) || !(other instanceof PreparedPairSeries)) return [];
  const out: { what: string; full: unknown; other: unknown }[] = [];
  full.plan.specs.forEach((spec, k) => {
    const a = valueAt(full, k, spec, i);
    const b = valueAt(other, k, spec, j);
    if (relativeDifference(a, b, spec, start) !== 0) out.push({ what: `indicator ${specName(spec)}`, full: a, other: b });
  });
  return out;
}

function valueAt(s: PreparedPairSeries, slot: number, spec: IndicatorSpec, i: number): number {
  const j = spec.timeframe === '5m' ? i : spec.timeframe === '15m' ? s.index15m[i]! : s.index1h[i]!;
  return j >= 0 ? s.ind[slot]![j]! : Number.NaN;
}

/** |a − b| / |a| (0 for two NaN; cross indices compared as times since the cross). */
function relativeDifference(a: number, b: number, spec: IndicatorSpec, start: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (spec.kind === 'lastCrossUp') {
    // Indices of the last cross, in each series' own numbering; −1 means none yet.
    if (a < 0 || b < 0) return a < 0 && b < 0 ? 0 : 1;
    return a === b + start ? 0 : 1;
  }
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), 1e-300);
}

function isRecursive(spec: IndicatorSpec): boolean {
  return spec.kind === 'rsi' || spec.kind === 'atr' || spec.kind === 'adx' || spec.kind === 'plusDi' || spec.kind === 'minusDi';
}

function specName(spec: IndicatorSpec): string {
  const source = spec.kind === 'sma' && spec.source === 'volume' ? '(volume)' : '';
  return `${spec.kind}${source} ${spec.period} ${spec.timeframe}`;
}

/** A JSON-safe copy (NaN and undefined as null) for exact comparison and printing. */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
}

function spread(xs: readonly number[], max: number): number[] {
  if (xs.length <= max) return [...xs];
  return Array.from({ length: max }, (_, k) => xs[Math.floor((k * xs.length) / max)]!);
}

const iso = (ms: number) => new Date(ms).toISOString();
