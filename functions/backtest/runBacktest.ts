// Backtest driver: replays 5m candles through the decision engine the live tick uses, candle by
// candle, for several pairs with one shared wallet: exits first, then entries, simulated fills.
// Synchronous, on candle columns (typed arrays, no candle objects), and allocation-free on the
// no-signal path (the engine's `screenEntry`; the portfolio view is filled only when a strategy
// signals), so a pair-year replays in a fraction of a second.
import { clientOrderIdFor } from '../core/clientOrderId.js';
import { quoteCurrency, type BotConfig } from '../core/config.js';
import { candlesFromColumns, columnsFromCandles, isCandleColumns, sliceColumns, type CandleColumns } from '../core/engine/candleColumns.js';
import { PreparedPairSeries } from '../core/engine/preparedPairSeries.js';
import type { DecisionEngine, ExitDecision, PortfolioView, PreparedSeries } from '../core/engine/types.js';
import type { EntryFilter } from '../core/learning/tradeFilter.js';
import { floorToDecimals } from '../core/engine/precision.js';
import { utcDay } from '../core/utcDay.js';
import { openPosition } from '../core/positionLifecycle.js';
import { configHash, performanceOf } from './performance.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type DayCounters, type MarketInfo, type Pair, type Position, type TradeRecord } from '../core/types.js';
import { emptyDay, lossLimitReached, reserveRefusal } from '../adapters/store/storeRules.js';
import type { BacktestExitReason, BacktestFill, BacktestResult, BacktestTrade, PairSummary } from './backtestResult.js';
import { dailySharpe, SHARPE_METHOD } from './dailySharpe.js';
import { gapReportOfTimes } from './gapReport.js';
import { selectUniverse, type UniverseListing } from '../core/universe/selectUniverse.js';
import type { UniverseConfig } from '../core/universe/universeConfig.js';
import { snapshotColumn, type MarketSnapshot } from '../core/market/marketSnapshot.js';
import { strategiesNeedSnapshots } from '../core/market/recorder.js';

/** Quote amounts are kept as integers of 1e-8 quote so sums reconcile exactly. */
const QUOTE_UNITS = 1e8;
/** A day of 5m candles: the window of the 24h quote volume the live tick gives the engine. */
const CANDLES_PER_DAY = 288;
const PROGRESS_EVERY_STEPS = 1 << 15;

/** What to replay. */
export interface BacktestInput {
  /** Parsed configuration; its `pairs` should list the series' pairs (their order is the tick's order). */
  config: BotConfig;
  /** The decision engine, usually `createDecisionEngine(config)`. */
  engine: DecisionEngine;
  /**
   * Closed 5m candles per pair, oldest first, gaps left as gaps: as candle objects or, faster and
   * lighter, as columns. `prepared` is the engine's series for exactly these candles (cut at
   * `toMs`) when it was prepared elsewhere, e.g. on worker threads (`PreparePool`).
   */
  series: readonly BacktestSeries[];
  /** Minimums, precision and fee per pair. */
  markets: Record<Pair, MarketInfo>;
  /** Starting wallet, in the quote currency only. */
  startingQuote: number;
  /** First candle open time traded on; earlier candles only warm indicators up. */
  fromMs?: number;
  /** Candles opening at or after this time are left out (no peeking past the range). */
  toMs?: number;
  /**
   * `level` (default): stops and targets fill at their level (or the open through a gap) within the
   * candle that touched them. `next-open`: every exit fills at the next candle's open, as a live
   * tick that checks mental exits on the closed candle and then sells at the market does.
   */
  exitFill?: 'level' | 'next-open';
  /** Called every few thousand candle-steps, and once at the end. */
  onProgress?: (candleStepsDone: number, candleStepsTotal: number) => void;
  /**
   * Walk-forward learning inside the replay (`kbot backtest --learn`, functions/learning): at the
   * first step of the first UTC day and then every `retrainEveryDays` days, `retrain(dayStartMs)`
   * returns the trade filter entries use from that day on (undefined: none). It must train on
   * trades closed before `dayStartMs` only; the replay calls it before any decision of that day.
   */
  learn?: { retrainEveryDays: number; retrain(dayStartMs: number): EntryFilter | undefined };
  /**
   * Market snapshots the tick recorded (`kbot data export-snapshots`), replayed beside the candles:
   * the one taken at a candle's close is what the engine sees at that candle. A strategy that reads
   * them (microstructure) refuses to run without them.
   */
  snapshots?: readonly MarketSnapshot[];
}

/** A backtest that cannot be run as asked (a strategy needs data it was not given). */
export class BacktestInputError extends Error {
  override readonly name = 'BacktestInputError';
}

/** One pair's candles for `runBacktest`. */
export type BacktestSeries =
  | { pair: Pair; candles: readonly Candle[]; prepared?: PreparedSeries }
  | { pair: Pair; columns: CandleColumns; prepared?: PreparedSeries };

/** Per-pair replay state. */
interface PairRun {
  pair: Pair;
  base: string;
  market: MarketInfo;
  n: number;
  openTimes: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  series: PreparedSeries;
  /** The engine's entry signals by candle (`entrySignalMask`), when it screens entries. */
  signals: Uint8Array | undefined;
  firstIdx: number;
  ptr: number;
  /** Index of the latest candle that follows a gap, at or before each index (0: none). */
  lastGapIdx: Int32Array;
  /** Quote volume of the latest 288 candles, NaN before there are 288. */
  quoteVolume24h: Float64Array;
  amountScale: number;
  /** Has a candle at the current step. */
  active: boolean;
  /** Index of the latest candle replayed (its close is the pair's price), −1 before the first. */
  lastIdx: number;
  /** Sent a sell this step. */
  soldThisStep: boolean;
  /** Entries today (the day's `tradesByPair` for this pair, without a lookup by name). */
  tradesToday: number;
  position: Position | undefined;
  /** The open position's amount, cost and entry fee as integers (base and quote units). */
  bookAmountUnits: number;
  bookCostUnits: number;
  bookFeeUnits: number;
  entryIdx: number;
  candlesProcessed: number;
  candlesExposed: number;
  trades: number;
  wins: number;
  grossUnits: number;
  feeUnits: number;
  netUnits: number;
}

/**
 * Replays history through `engine` exactly as the live tick decides: at each 5m close, exits for
 * open positions on that candle, then entries for pairs without a position. Fills:
 * - entry decided on candle t: at the open of t+1 plus slippage (skipped if t+1 is missing);
 * - stop and trailing stop: at the stop, or at the open if the candle opened through it;
 *   take-profit: at the target, or at the open if the candle opened beyond it (low before high
 *   within a candle is the engine's rule when it checks both);
 * - other exits (signal, time): at the next candle's open, or this close when there is none;
 * - every fill pays slippage and the taker fee; Kraken minimums and lot precision apply;
 * - a position still open when its pair's data ends is sold at the last close (`end-of-data`).
 */
export function runBacktest(input: BacktestInput): BacktestResult {
  return new Replay(input).run();
}

/**
 * The replay's state and its steps. Small methods rather than one long loop: each is compiled on
 * its own and early, and a rarely taken path (a fill, a new day) cannot send the whole hot loop
 * back to the interpreter.
 */
class Replay {
  private readonly config: BotConfig;
  private readonly engine: DecisionEngine;
  private readonly quote: string;
  private readonly slip: number;
  private readonly gapWindow: number;
  private readonly warmup: number;
  private readonly lookbackMs: number;
  private readonly mode: BotConfig['mode'];
  private readonly exitFill: 'level' | 'next-open';
  private readonly maxDailyLossQuote: number;
  private readonly runs: PairRun[];
  /** Whether the engine has the allocation-free screens (called as its methods: they inline). */
  private readonly screensEntries: boolean;
  private readonly screensExits: boolean;
  private readonly onProgress: BacktestInput['onProgress'];
  private readonly learn: BacktestInput['learn'];
  private nextRetrainMs = -Infinity;
  private readonly totalCandleSteps: number;
  /** A universe configuration: the pairs entries may take now, rebuilt every `refreshHours`. */
  private readonly universe: UniverseConfig | undefined;
  private universePairs: Set<Pair> | undefined;
  private nextUniverseMs = -Infinity;
  private universeRebuilds = 0;
  private readonly universeHeld = new Set<Pair>();
  /** Candles that had a recorded market snapshot. */
  private snapshotsReplayed = 0;

  private quoteUnits: number;
  private readonly startUnits: number;
  private readonly startingQuote: number;
  private readonly fills: BacktestFill[] = [];
  private readonly trades: BacktestTrade[] = [];
  private readonly closedTrades: TradeRecord[] = [];
  private readonly refusals: Record<string, number> = {};
  /** Counted by the engine's rule name alone (no string built per step); prefixed in the summary. */
  private readonly riskRefusals: Record<string, number> = {};
  private readonly view: PortfolioView;

  private curveTimes: Float64Array;
  private curveEquity: Float64Array;
  private steps = 0;
  private stepsExposed = 0;
  private candleStepsDone = 0;
  private nextProgress = PROGRESS_EVERY_STEPS;
  private peakEquity: number;
  private maxDrawdownQuote = 0;
  private maxDrawdownFraction = 0;
  private readonly dailyEquity: number[];
  private dayEndMs = -Infinity;
  private day: DayCounters;
  private recentStart = 0;
  private lastEquity: number;
  private firstTimeMs = NaN;
  /** Positions open right now (to skip the exit pass when there are none). */
  private openCount = 0;
  /**
   * Every series has the same candle times from the same first traded candle (the usual case):
   * the step index is shared and no run searches for the next close.
   */
  private readonly aligned: boolean;
  private alignedIdx: number;
  private readonly alignedEnd: number;

  // The view the engine sees is filled only when checkEntry runs (a strategy signalled, or the
  // engine has no screen), with the values the live tick would hold at that point of the step:
  // prices and 24h volumes of the step, equity and the trade ledger as read before the step's
  // exits, free balances and open positions as they are now.
  /** Equity and the end of the visible trade ledger, as of the start of this step's exits. */
  private stepEquity: number;
  private stepRecentEnd = 0;
  /** The step the view's prices, volumes, equity and ledger were last filled for. */
  private viewStep = -1;
  private viewRecentStart = 0;
  private viewRecentEnd = 0;
  private positionsDirty = false;

  constructor(input: BacktestInput) {
    const { config, engine, markets } = input;
    this.config = config;
    this.engine = engine;
    this.quote = quoteCurrency({ pairs: input.series.map((s) => s.pair) });
    this.slip = config.paper.slippageBps / 10_000;
    this.gapWindow = config.tick.gapWindowCandles;
    this.warmup = engine.warmupCandles;
    this.lookbackMs = config.tick.tradeLookbackMs;
    this.mode = config.mode;
    this.exitFill = input.exitFill ?? 'level';
    this.maxDailyLossQuote = config.limits.maxDailyLossQuote;
    const fromMs = input.fromMs ?? -Infinity;
    const toMs = input.toMs ?? Infinity;
    this.runs = input.series.map((s) => makeRun(s, markets, engine, fromMs, toMs));
    this.attachSnapshots(input.snapshots ?? []);
    this.screensEntries = typeof engine.screenEntry === 'function';
    if (this.screensEntries && typeof engine.entrySignalMask === 'function') for (const r of this.runs) r.signals = engine.entrySignalMask(r.series);
    this.screensExits = typeof engine.screenExit === 'function';
    this.onProgress = input.onProgress;
    this.learn = input.learn;
    this.totalCandleSteps = this.runs.reduce((sum, r) => sum + (r.n - r.firstIdx), 0);
    this.aligned = sameCandleTimes(this.runs);
    this.alignedIdx = this.runs[0]?.firstIdx ?? 0;
    this.alignedEnd = this.runs[0]?.n ?? 0;
    this.universe = config.universe;

    this.startingQuote = input.startingQuote;
    this.quoteUnits = toUnits(input.startingQuote);
    this.startUnits = this.quoteUnits;
    this.peakEquity = input.startingQuote;
    this.lastEquity = input.startingQuote;
    this.stepEquity = input.startingQuote;
    this.dailyEquity = [input.startingQuote];
    this.view = {
      nowMs: 0,
      quote: this.quote,
      equityQuote: input.startingQuote,
      freeQuote: input.startingQuote,
      freeBase: {},
      openPositions: [],
      lastPrice: {},
      day: emptyDay('1970-01-01'),
      recentTrades: [],
      markets,
      takerFeeRate: {},
      quoteVolume24h: {},
    };
    this.day = this.view.day;
    for (const r of this.runs) {
      this.view.freeBase[r.base] = 0;
      this.view.takerFeeRate[r.pair] = r.market.takerFeeRate;
      this.view.quoteVolume24h[r.pair] = undefined;
    }
    // The longest series' candles: the step count when the pairs share one time grid, as usual
    // (the curve grows if the series interleave).
    const capacity = this.runs.reduce((most, r) => Math.max(most, r.n - r.firstIdx), 1);
    this.curveTimes = new Float64Array(capacity);
    this.curveEquity = new Float64Array(capacity);
  }

  /**
   * Lines the recorded snapshots up with each pair's candles. A configuration whose strategies read
   * snapshots refuses when a pair has none at all: candles cannot stand in for an order book.
   */
  private attachSnapshots(snapshots: readonly MarketSnapshot[]): void {
    const needed = strategiesNeedSnapshots(this.config);
    const byPair = new Map<Pair, MarketSnapshot[]>();
    for (const s of snapshots) {
      const list = byPair.get(s.pair);
      if (list) list.push(s);
      else byPair.set(s.pair, [s]);
    }
    const missing = this.runs.filter((r) => !byPair.has(r.pair)).map((r) => r.pair);
    if (needed && missing.length) {
      throw new BacktestInputError(
        `the microstructure strategy reads market snapshots (order book, spread, reference price) that candles cannot supply, and none were given for ${missing.join(', ')}: ` +
          'record them with a tick (market.record), export them with kbot data export-snapshots, and pass the file with --snapshots',
      );
    }
    for (const r of this.runs) {
      const own = byPair.get(r.pair);
      if (!own) continue;
      r.series.snapshots = snapshotColumn(r.openTimes, FIVE_MINUTES_MS, own);
      // Entry signals screened before the snapshots were attached read none: work them out again.
      if (r.series instanceof PreparedPairSeries) r.series.entrySignalsKey = undefined;
      this.snapshotsReplayed += r.series.snapshots.reduce((n, x) => (x ? n + 1 : n), 0);
    }
  }

  run(): BacktestResult {
    while (this.step()) {
      // one 5m close per call
    }
    if (this.steps > 0) this.dailyEquity.push(this.lastEquity);
    for (const [rule, count] of Object.entries(this.riskRefusals)) this.refusals[`risk:${rule}`] = count;
    this.onProgress?.(this.candleStepsDone, this.totalCandleSteps);
    if (!Number.isSafeInteger(this.quoteUnits)) throw new Error('balance too large to account for exactly at 1e-8 quote');
    return {
      summary: this.summarize(),
      trades: this.trades,
      fills: this.fills,
      equity: { closeTimeMs: this.curveTimes.subarray(0, this.steps), equityQuote: this.curveEquity.subarray(0, this.steps), length: this.steps },
    };
  }

  /** One 5m close for every pair that has a candle there: exits, entries, end of data, the equity curve. False when no candle is left. */
  private step(): boolean {
    const runs = this.runs;
    let T = Infinity;
    let exposed = false;
    let ending = false;
    let activeRuns = 0;
    if (this.aligned) {
      // Every pair has a candle at every step: one index for all, no search.
      const i = this.alignedIdx++;
      if (i >= this.alignedEnd) return false;
      T = runs[0]!.openTimes[i]!;
      ending = i === this.alignedEnd - 1;
      activeRuns = runs.length;
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        r.active = true;
        r.ptr = i;
        r.lastIdx = i;
        r.soldThisStep = false;
        r.candlesProcessed++;
        if (r.position) {
          r.candlesExposed++;
          exposed = true;
        }
      }
    } else {
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        // The runs that had a candle at the previous step move past it.
        if (r.active) {
          r.active = false;
          r.ptr++;
          r.soldThisStep = false;
        }
        if (r.ptr < r.n && r.openTimes[r.ptr]! < T) T = r.openTimes[r.ptr]!;
      }
      if (T === Infinity) return false;
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        const i = r.ptr;
        if (!(i < r.n && r.openTimes[i] === T)) continue;
        r.active = true;
        activeRuns++;
        r.lastIdx = i;
        r.candlesProcessed++;
        if (i === r.n - 1) ending = true;
        if (r.position) {
          r.candlesExposed++;
          exposed = true;
        }
      }
    }
    const nowMs = T + FIVE_MINUTES_MS;
    if (this.steps === 0) this.firstTimeMs = T;
    this.view.nowMs = nowMs;
    if (nowMs >= this.dayEndMs) this.newDay(nowMs);
    if (exposed) this.stepsExposed++;

    // The live tick reads the trade ledger once, before its exits: so does the replay.
    const closedTrades = this.closedTrades;
    const cutoffMs = nowMs - this.lookbackMs;
    while (this.recentStart < closedTrades.length && closedTrades[this.recentStart]!.timestampMs < cutoffMs) this.recentStart++;
    this.stepRecentEnd = closedTrades.length;
    this.stepEquity = this.equityNow();
    this.view.freeQuote = this.quoteUnits / QUOTE_UNITS;
    if (this.universe && nowMs >= this.nextUniverseMs) this.rebuildUniverse(this.universe, nowMs);

    if (this.openCount > 0) this.exits(nowMs);
    this.entries(nowMs);

    // A position still open when its pair's data ends is sold at the last close.
    if (ending) {
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        if (r.active && r.ptr === r.n - 1 && r.position) this.sell(r, r.ptr, nowMs, r.close[r.ptr]!, r.bookAmountUnits, 'end-of-data', true);
      }
    }

    const equity = this.equityNow();
    this.lastEquity = equity;
    if (this.steps === this.curveTimes.length) this.growCurve();
    this.curveTimes[this.steps] = nowMs;
    this.curveEquity[this.steps] = equity;
    if (equity > this.peakEquity) this.peakEquity = equity;
    const drawdown = this.peakEquity - equity;
    if (drawdown > this.maxDrawdownQuote) this.maxDrawdownQuote = drawdown;
    if (this.peakEquity > 0 && drawdown / this.peakEquity > this.maxDrawdownFraction) this.maxDrawdownFraction = drawdown / this.peakEquity;
    this.steps++;
    this.candleStepsDone += activeRuns;
    if (this.candleStepsDone >= this.nextProgress && this.onProgress) {
      this.onProgress(this.candleStepsDone, this.totalCandleSteps);
      this.nextProgress += PROGRESS_EVERY_STEPS;
    }
    return true;
  }

  private growCurve(): void {
    const times = new Float64Array(this.curveTimes.length * 2);
    const equity = new Float64Array(this.curveEquity.length * 2);
    times.set(this.curveTimes);
    equity.set(this.curveEquity);
    this.curveTimes = times;
    this.curveEquity = equity;
  }

  private newDay(nowMs: number): void {
    if (this.dayEndMs > -Infinity) this.dailyEquity.push(this.lastEquity);
    this.dayEndMs = Math.floor(nowMs / ONE_DAY_MS) * ONE_DAY_MS + ONE_DAY_MS;
    this.day = emptyDay(utcDay(nowMs));
    this.view.day = this.day;
    for (const r of this.runs) r.tradesToday = 0;
    const dayStartMs = this.dayEndMs - ONE_DAY_MS;
    if (this.learn && dayStartMs >= this.nextRetrainMs) {
      const filter = this.learn.retrain(dayStartMs);
      if (filter) this.view.tradeFilter = filter;
      else delete this.view.tradeFilter;
      this.nextRetrainMs = dayStartMs + this.learn.retrainEveryDays * ONE_DAY_MS;
    }
  }

  /**
   * The universe from the candles, as the tick builds it from AssetPairs and the tickers: a pair is
   * listed while its data runs (it is delisted when its data ends), priced at its last close, its 24h
   * volume summed from the candles, and first seen at its first candle. Candles carry no spread: a
   * recorded snapshot at the candle gives its bid and ask, else the spread rules are not checked.
   */
  private rebuildUniverse(def: UniverseConfig, nowMs: number): void {
    const listings: UniverseListing[] = [];
    const tickers: Record<Pair, { pair: Pair; bid: number; ask: number; last: number; quoteVolume24h?: number; timestampMs: number }> = {};
    const firstSeenMs: Record<Pair, number> = {};
    for (const r of this.runs) {
      if (r.n === 0 || r.openTimes[0]! >= nowMs || r.ptr >= r.n) continue;
      listings.push({ pair: r.pair, base: r.base, quote: r.market.quote, active: true });
      firstSeenMs[r.pair] = r.openTimes[0]!;
      if (r.lastIdx < 0) continue;
      const volume = r.quoteVolume24h[r.lastIdx]!;
      const last = r.close[r.lastIdx]!;
      const snap = r.active ? r.series.snapshots?.[r.ptr] : undefined;
      const bid = snap?.bids[0]?.[0] ?? last;
      const ask = snap?.asks[0]?.[0] ?? last;
      tickers[r.pair] = { pair: r.pair, bid, ask, last, ...(volume === volume ? { quoteVolume24h: volume } : {}), timestampMs: nowMs };
    }
    const selection = selectUniverse(def, { listings, tickers }, nowMs, firstSeenMs);
    this.universePairs = new Set(selection.pairs);
    for (const pair of selection.pairs) this.universeHeld.add(pair);
    this.view.universeTiers = selection.tiers;
    this.universeRebuilds++;
    this.nextUniverseMs = nowMs + def.refreshHours * 3_600_000;
  }

  /** Exits first, for every open position on the candle that just closed. */
  private exits(nowMs: number): void {
    const runs = this.runs;
    const engine = this.engine;
    const screens = this.screensExits;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      if (!r.active || !r.position) continue;
      // A plain hold changes nothing: the screen says so without building the answer.
      if (screens && !engine.screenExit!(r.position, r.series, r.ptr, nowMs)) continue;
      this.exit(r, r.ptr, nowMs);
    }
  }

  private exit(r: PairRun, i: number, nowMs: number): void {
    const decision = this.engine.checkExit(r.position!, r.series, i, nowMs, this.view.freeBase[r.base] ?? 0, r.market);
    if (decision.action === 'hold') {
      if (decision.updated) {
        r.position = decision.updated;
        this.positionsDirty = true;
      }
      return;
    }
    const amountUnits = Math.min(Math.round(decision.amountBase * r.amountScale), r.bookAmountUnits);
    if (amountUnits <= 0) return;
    this.sell(r, i, nowMs, exitPrice(decision, r, i, this.exitFill), amountUnits, decision.reason, false);
    // Like the tick, a pair that sent an order this step (filled or refused) takes no entry in it.
    r.soldThisStep = true;
  }

  /** Entries for pairs that had no position at the start of the step (and sent no sell in it). */
  private entries(nowMs: number): void {
    const runs = this.runs;
    const engine = this.engine;
    const screens = this.screensEntries;
    const warmup = this.warmup;
    const gapWindow = this.gapWindow;
    // The engine's account-wide day block, asked once (again after an entry changes the day):
    // while one is in force it is every decidable pair's answer. While none is, a candle without
    // a strategy signal, in a pair under its own trade cap, is a plain "no" (what screenEntry
    // answers) and is skipped without asking.
    const maxPairTrades = this.config.limits.maxTradesPerPairPerDay;
    const screensDay = screens && typeof engine.screenDay === 'function';
    let dayBlock = screensDay ? engine.screenDay!(this.day) : undefined;
    let dayBlocked = 0;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      if (!r.active || r.position || r.soldThisStep) continue;
      const i = r.ptr;
      if (screensDay && dayBlock === undefined && r.signals !== undefined && r.signals[i] === 0 && r.tradesToday < maxPairTrades) continue;
      // Out of the universe: no entry (a position keeps its exits above).
      if (this.universePairs && !this.universePairs.has(r.pair)) continue;
      if (i + 1 < warmup || r.lastGapIdx[i]! > Math.max(0, i + 1 - gapWindow)) continue;
      const day = this.day;
      if (day.killSwitchTripped) {
        this.refuse('halt:kill-switch');
        continue;
      }
      if (dayBlock !== undefined) {
        dayBlocked++;
        continue;
      }
      if (screens) {
        const screened = engine.screenEntry!(r.series, i, day);
        if (screened) {
          if (screened.stage === 'risk') this.riskRefusals[screened.rule] = (this.riskRefusals[screened.rule] ?? 0) + 1;
          continue;
        }
      }
      this.entry(r, i, nowMs);
      if (screensDay) dayBlock = engine.screenDay!(this.day);
    }
    if (dayBlocked > 0) this.riskRefusals[dayBlock!.rule] = (this.riskRefusals[dayBlock!.rule] ?? 0) + dayBlocked;
  }

  /** The engine's full entry decision for `r` at candle i and, on a buy, the fill at the next open. */
  private entry(r: PairRun, i: number, nowMs: number): void {
    this.fillView();
    const view = this.view;
    const day = this.day;
    const decision = this.engine.checkEntry(r.series, i, view);
    if (decision.action === 'none') {
      if (decision.stage === 'risk') this.riskRefusals[decision.rule] = (this.riskRefusals[decision.rule] ?? 0) + 1;
      return;
    }
    const limit = reserveRefusal({ trades: day.trades, pairTrades: day.tradesByPair[r.pair] ?? 0, killSwitchTripped: day.killSwitchTripped }, this.config.limits);
    if (limit) {
      this.refuse(`limits:${limit}`);
      return;
    }
    if (i + 1 >= r.n || r.openTimes[i + 1] !== nowMs) {
      this.refuse('data:no-next-candle');
      return;
    }
    const m = r.market;
    const price = r.open[i + 1]! * (1 + this.slip);
    const amountBase = floorToDecimals(decision.costQuote / price, m.amountDecimals);
    const amountUnits = Math.round(amountBase * r.amountScale);
    const costUnits = toUnits(amountBase * price);
    if (amountBase < m.minAmountBase || costUnits < toUnits(m.minCostQuote)) {
      this.refuse('order:minimum-not-met');
      return;
    }
    const feeUnits = Math.round(costUnits * m.takerFeeRate);
    if (costUnits + feeUnits > this.quoteUnits) {
      this.refuse('order:insufficient-funds');
      return;
    }
    this.quoteUnits -= costUnits + feeUnits;
    day.trades++;
    day.tradesByPair[r.pair] = (day.tradesByPair[r.pair] ?? 0) + 1;
    r.tradesToday++;
    const mode = this.mode;
    const clientOrderId = clientOrderIdFor({ mode, pair: r.pair, side: 'buy', reason: 'entry', decidedOn: iso(nowMs) });
    // The live tick's own arithmetic: levels decided at the signal candle's close move with the
    // actual fill price (the next open plus slippage), exactly as settlement does it live.
    const position = openPosition({
      mode,
      pair: r.pair,
      entryClientOrderId: clientOrderId,
      plan: decision.plan,
      referencePrice: decision.referencePrice,
      fill: { filledBase: amountBase, costQuote: costUnits / QUOTE_UNITS, feeQuote: feeUnits / QUOTE_UNITS, averagePrice: price },
      entryTimeMs: nowMs,
    });
    r.position = position;
    this.openCount++;
    r.bookAmountUnits = amountUnits;
    r.bookCostUnits = costUnits;
    r.bookFeeUnits = feeUnits;
    r.entryIdx = i + 1;
    this.fills.push({ timeMs: nowMs, pair: r.pair, side: 'buy', reason: 'entry', clientOrderId, price, amountBase, costQuote: costUnits / QUOTE_UNITS, feeQuote: feeUnits / QUOTE_UNITS });
    view.freeQuote = this.quoteUnits / QUOTE_UNITS;
    view.freeBase[r.base] = amountBase;
    this.positionsDirty = true;
  }

  /** Sells `amountUnits` of a run's position at `rawPrice` (before slippage); returns false if refused. */
  private sell(r: PairRun, i: number, nowMs: number, rawPrice: number, amountUnits: number, reason: BacktestExitReason, forced: boolean): boolean {
    const m = r.market;
    const price = rawPrice * (1 - this.slip);
    const amountBase = amountUnits / r.amountScale;
    const proceedsUnits = toUnits(amountBase * price);
    if (!forced && (amountBase < m.minAmountBase || proceedsUnits < toUnits(m.minCostQuote))) {
      this.refuse('exit:order-minimum-not-met');
      return false;
    }
    const feeUnits = Math.round(proceedsUnits * m.takerFeeRate);
    const whole = amountUnits >= r.bookAmountUnits;
    const costUnits = whole ? r.bookCostUnits : Math.round((r.bookCostUnits * amountUnits) / r.bookAmountUnits);
    const entryFeeUnits = whole ? r.bookFeeUnits : Math.round((r.bookFeeUnits * amountUnits) / r.bookAmountUnits);
    const grossUnits = proceedsUnits - costUnits;
    const netUnits = grossUnits - feeUnits - entryFeeUnits;
    this.quoteUnits += proceedsUnits - feeUnits;
    const pos = r.position!;
    const mode = this.mode;
    const clientOrderId = clientOrderIdFor({ mode, pair: r.pair, side: 'sell', reason: reason === 'end-of-data' ? 'force-exit' : reason, decidedOn: iso(nowMs) });
    this.fills.push({ timeMs: nowMs, pair: r.pair, side: 'sell', reason, clientOrderId, price, amountBase, costQuote: proceedsUnits / QUOTE_UNITS, feeQuote: feeUnits / QUOTE_UNITS });
    this.trades.push({
      pair: r.pair,
      strategy: pos.strategy,
      entryTimeMs: pos.entryTimeMs,
      entryPrice: pos.entryPrice,
      exitTimeMs: nowMs,
      exitPrice: price,
      amountBase,
      entryCostQuote: costUnits / QUOTE_UNITS,
      entryFeeQuote: entryFeeUnits / QUOTE_UNITS,
      exitProceedsQuote: proceedsUnits / QUOTE_UNITS,
      exitFeeQuote: feeUnits / QUOTE_UNITS,
      grossPnlQuote: grossUnits / QUOTE_UNITS,
      netPnlQuote: netUnits / QUOTE_UNITS,
      returnFraction: netUnits / (costUnits + entryFeeUnits),
      exitReason: reason,
      candlesHeld: i - r.entryIdx + 1,
      ...(pos.entryFeatures ? { entryFeatures: pos.entryFeatures } : {}),
    });
    const pnlQuote = netUnits / QUOTE_UNITS;
    this.closedTrades.push({
      mode,
      clientOrderId,
      exchangeOrderId: `backtest-${this.fills.length}`,
      pair: r.pair,
      side: 'sell',
      reason: reason === 'end-of-data' ? 'force-exit' : reason,
      amountBase,
      price,
      costQuote: proceedsUnits / QUOTE_UNITS,
      feeQuote: feeUnits / QUOTE_UNITS,
      realizedPnlQuote: pnlQuote,
      timestampMs: nowMs,
    });
    r.trades++;
    if (netUnits > 0) r.wins++;
    r.grossUnits += grossUnits;
    r.feeUnits += feeUnits + entryFeeUnits;
    r.netUnits += netUnits;
    const day = this.day;
    day.realizedPnlQuote += pnlQuote;
    day.exits++;
    if (lossLimitReached(day.realizedPnlQuote, this.maxDailyLossQuote)) day.killSwitchTripped = true;

    r.bookAmountUnits -= amountUnits;
    r.bookCostUnits -= costUnits;
    r.bookFeeUnits -= entryFeeUnits;
    this.view.freeBase[r.base] = r.bookAmountUnits / r.amountScale;
    this.view.freeQuote = this.quoteUnits / QUOTE_UNITS;
    if (r.bookAmountUnits > 0) {
      r.position = { ...pos, amountBase: r.bookAmountUnits / r.amountScale, costQuote: r.bookCostUnits / QUOTE_UNITS, entryFeeQuote: r.bookFeeUnits / QUOTE_UNITS };
    } else {
      r.position = undefined;
      this.openCount--;
    }
    this.positionsDirty = true;
    return true;
  }

  private refuse(key: string): void {
    this.refusals[key] = (this.refusals[key] ?? 0) + 1;
  }

  private equityNow(): number {
    const runs = this.runs;
    let equity = this.quoteUnits / QUOTE_UNITS;
    if (this.openCount === 0) return equity;
    for (let k = 0; k < runs.length; k++) {
      const r = runs[k]!;
      const p = r.position;
      if (p) equity += p.amountBase * (r.lastIdx >= 0 ? r.close[r.lastIdx]! : p.entryPrice);
    }
    return equity;
  }

  /** Fills the view for checkEntry (see the fields above). */
  private fillView(): void {
    const view = this.view;
    const runs = this.runs;
    if (this.viewStep !== this.steps) {
      this.viewStep = this.steps;
      for (let k = 0; k < runs.length; k++) {
        const r = runs[k]!;
        if (r.lastIdx < 0) continue;
        view.lastPrice[r.pair] = r.close[r.lastIdx]!;
        const qv = r.quoteVolume24h[r.lastIdx]!;
        view.quoteVolume24h[r.pair] = qv === qv ? qv : undefined;
      }
      view.equityQuote = this.stepEquity;
      if (this.viewRecentStart !== this.recentStart || this.viewRecentEnd !== this.stepRecentEnd) {
        view.recentTrades = this.closedTrades.slice(this.recentStart, this.stepRecentEnd);
        this.viewRecentStart = this.recentStart;
        this.viewRecentEnd = this.stepRecentEnd;
      }
    }
    if (this.positionsDirty) {
      const open: Position[] = [];
      for (const r of runs) if (r.position) open.push(r.position);
      view.openPositions = open;
      this.positionsDirty = false;
    }
  }

  private summarize(): BacktestResult['summary'] {
    let grossUnits = 0;
    let feeUnits = 0;
    let netUnits = 0;
    let wins = 0;
    const pairs: Record<Pair, PairSummary> = {};
    for (const r of this.runs) {
      grossUnits += r.grossUnits;
      feeUnits += r.feeUnits;
      netUnits += r.netUnits;
      wins += r.wins;
      pairs[r.pair] = {
        pair: r.pair,
        candles: r.n - r.firstIdx,
        gaps: gapReportOfTimes(r.openTimes.subarray(r.firstIdx)),
        trades: r.trades,
        wins: r.wins,
        winRate: r.trades ? r.wins / r.trades : null,
        grossPnlQuote: r.grossUnits / QUOTE_UNITS,
        feesQuote: r.feeUnits / QUOTE_UNITS,
        netPnlQuote: r.netUnits / QUOTE_UNITS,
        exposureFraction: r.candlesProcessed ? r.candlesExposed / r.candlesProcessed : 0,
      };
    }
    const steps = this.steps;
    const trades = this.trades;
    const exitFill = this.exitFill;
    const startUnits = this.startUnits;
    const lastTime = steps > 0 ? this.curveTimes[steps - 1]! : NaN;
    return {
      quote: this.quote,
      fromIso: steps > 0 ? iso(this.firstTimeMs) : '',
      toIso: steps > 0 ? iso(lastTime) : '',
      steps,
      candlesProcessed: this.candleStepsDone,
      startEquityQuote: startUnits / QUOTE_UNITS,
      endEquityQuote: this.quoteUnits / QUOTE_UNITS,
      grossPnlQuote: grossUnits / QUOTE_UNITS,
      feesQuote: feeUnits / QUOTE_UNITS,
      netPnlQuote: netUnits / QUOTE_UNITS,
      returnFraction: startUnits ? netUnits / startUnits : 0,
      trades: trades.length,
      wins,
      losses: trades.length - wins,
      winRate: trades.length ? wins / trades.length : null,
      maxDrawdownFraction: this.maxDrawdownFraction,
      maxDrawdownQuote: this.maxDrawdownQuote,
      sharpe: dailySharpe(this.dailyEquity),
      sharpeMethod: SHARPE_METHOD,
      exposureFraction: steps ? this.stepsExposed / steps : 0,
      pairs,
      refusals: this.refusals,
      ...(this.universe ? { universe: { rebuilds: this.universeRebuilds, pairsHeld: [...this.universeHeld].sort() } } : {}),
      ...(this.snapshotsReplayed ? { snapshots: { candlesWithSnapshot: this.snapshotsReplayed } } : {}),
      performance: performanceOf({
        startEquityQuote: startUnits / QUOTE_UNITS,
        endEquityQuote: this.quoteUnits / QUOTE_UNITS,
        returnFraction: startUnits ? netUnits / startUnits : 0,
        maxDrawdownFraction: this.maxDrawdownFraction,
        fromMs: steps > 0 ? this.firstTimeMs : 0,
        toMs: steps > 0 ? lastTime : 0,
        dailyEquity: this.dailyEquity,
        trades,
        closes: Object.fromEntries(this.runs.filter((r) => r.n > r.firstIdx).map((r) => [r.pair, { first: r.close[r.firstIdx]!, last: r.close[r.n - 1]! }])),
      }),
      strategies: [...this.config.strategies.use],
      configHash: configHash(this.config),
      config: this.config,
      assumptions: {
        exitFill,
        slippageBps: this.config.paper.slippageBps,
        takerFeeRate: { ...this.view.takerFeeRate },
        entryFill: 'open of the candle after the signal candle, plus slippage',
        stopFill:
          exitFill === 'level'
            ? 'stop price, or the candle open when it opened through the stop, minus slippage'
            : 'open of the candle after the one that hit the stop, minus slippage (as a live tick sells)',
        targetFill:
          exitFill === 'level'
            ? 'target price, or the candle open when it opened beyond the target, minus slippage'
            : 'open of the candle after the one that hit the target, minus slippage (as a live tick sells)',
        otherExitFill: 'open of the next candle (this close when there is none), minus slippage',
        endOfData: 'positions still open when a pair\'s data ends are sold at its last close, minus slippage and fee',
      },
    };
  }
}

/** Where an exit fills, before slippage, clamped to the candle's range. */
function exitPrice(decision: Extract<ExitDecision, { action: 'sell' }>, r: PairRun, i: number, exitFill: 'level' | 'next-open'): number {
  const open = r.open[i]!;
  let price: number;
  switch (exitFill === 'next-open' ? 'next-open' : decision.reason) {
    case 'stop-loss':
    case 'trailing-stop':
      price = open <= decision.triggerPrice ? open : decision.triggerPrice;
      break;
    case 'take-profit':
      price = open >= decision.triggerPrice ? open : decision.triggerPrice;
      break;
    default:
      return i + 1 < r.n && r.openTimes[i + 1] === r.openTimes[i]! + FIVE_MINUTES_MS ? r.open[i + 1]! : r.close[i]!;
  }
  return Math.min(Math.max(price, r.low[i]!), r.high[i]!);
}

function makeRun(s: BacktestSeries, markets: Record<Pair, MarketInfo>, engine: DecisionEngine, fromMs: number, toMs: number): PairRun {
  const pair = s.pair;
  const market = markets[pair];
  if (!market) throw new Error(`no market rules for ${pair}`);
  const source = 'columns' in s ? s.columns : s.candles;
  const all = isCandleColumns(source) ? source : columnsFromCandles(source);
  let end = all.length;
  while (end > 0 && all.openTimeMs[end - 1]! >= toMs) end--;
  const cols = end === all.length ? all : sliceColumns(all, 0, end);
  const n = cols.length;
  const { openTimeMs: openTimes, close, volume } = cols;
  const lastGapIdx = new Int32Array(n);
  const quoteVolume24h = new Float64Array(n);
  let lastGap = 0;
  let rolling = 0;
  let firstIdx = n;
  for (let i = 0; i < n; i++) {
    const t = openTimes[i]!;
    if (i > 0 && t - openTimes[i - 1]! > FIVE_MINUTES_MS) lastGap = i;
    lastGapIdx[i] = lastGap;
    rolling += volume[i]! * close[i]!;
    if (i >= CANDLES_PER_DAY) rolling -= volume[i - CANDLES_PER_DAY]! * close[i - CANDLES_PER_DAY]!;
    quoteVolume24h[i] = i >= CANDLES_PER_DAY - 1 ? rolling : NaN;
    if (firstIdx === n && t >= fromMs) firstIdx = i;
  }
  return {
    pair,
    base: market.base,
    market,
    n,
    openTimes,
    open: cols.open,
    high: cols.high,
    low: cols.low,
    close,
    series: s.prepared ? checkedPrepared(s.prepared, n) : prepareSeries(engine, pair, source, cols),
    signals: undefined,
    firstIdx,
    ptr: firstIdx,
    lastGapIdx,
    quoteVolume24h,
    amountScale: 10 ** market.amountDecimals,
    active: false,
    lastIdx: -1,
    soldThisStep: false,
    tradesToday: 0,
    position: undefined,
    bookAmountUnits: 0,
    bookCostUnits: 0,
    bookFeeUnits: 0,
    entryIdx: 0,
    candlesProcessed: 0,
    candlesExposed: 0,
    trades: 0,
    wins: 0,
    grossUnits: 0,
    feeUnits: 0,
    netUnits: 0,
  };
}

/** Whether every run has the same candle open times and the same first traded candle. */
function sameCandleTimes(runs: readonly PairRun[]): boolean {
  const first = runs[0];
  if (!first) return false;
  for (const r of runs) {
    if (r.n !== first.n || r.firstIdx !== first.firstIdx) return false;
    if (r.openTimes === first.openTimes) continue;
    for (let i = 0; i < r.n; i++) if (r.openTimes[i] !== first.openTimes[i]) return false;
  }
  return true;
}

/** A series prepared elsewhere must cover exactly the replayed candles (cut at `toMs`). */
function checkedPrepared(prepared: PreparedSeries, n: number): PreparedSeries {
  const length = prepared instanceof PreparedPairSeries ? prepared.length : prepared.candles.length;
  if (length !== n) throw new Error(`${prepared.pair}: the prepared series holds ${length} candles, the replay ${n}`);
  return prepared;
}

/** The engine's series for the replayed candles: from columns when the engine takes them, else from candle objects. */
function prepareSeries(engine: DecisionEngine, pair: Pair, source: readonly Candle[] | CandleColumns, cols: CandleColumns): PreparedSeries {
  if (engine.prepareColumns) return engine.prepareColumns(pair, cols);
  const candles = isCandleColumns(source) ? candlesFromColumns(cols) : source.length === cols.length ? source : source.slice(0, cols.length);
  return engine.prepare(pair, candles);
}

const toUnits = (quoteAmount: number) => Math.round(quoteAmount * QUOTE_UNITS);
const iso = (ms: number) => new Date(ms).toISOString();
