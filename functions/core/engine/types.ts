// Core domain: the decision engine's seam. Strategies advise, risk sizes and refuses, exits decide;
// the tick (live, paper) and the backtest call the same synchronous engine and only differ in I/O.
import type {
  Candle,
  DayCounters,
  EntryPlan,
  ExitReason,
  MarketInfo,
  Pair,
  Position,
  TradeRecord,
} from '../types.js';
import type { EntryFilter } from '../learning/tradeFilter.js';
import type { UniverseTierTerms } from '../universe/selectUniverse.js';
import type { SnapshotColumn } from '../market/marketSnapshot.js';
import type { CandleColumns } from './candleColumns.js';
import type { PrepareCache, PreparedParts } from './preparedPairSeries.js';

/** Values that explain a decision (which numbers a rule compared). */
export type Explanation = Record<string, number | string | boolean | null>;

/**
 * A pair's closed 5m candles with everything derived from them computed once (indicators,
 * resampled 15m/1h). Decisions read it by index, so live ticks (a 720-candle window) and
 * backtests (a whole history) share one implementation.
 */
export interface PreparedSeries {
  pair: Pair;
  candles: readonly Candle[];
  /**
   * Recorded market snapshots (order book top levels, reference price) by candle index, for the
   * microstructure strategy: the live tick attaches its own and the recent recorded ones, the
   * backtest the recorded ones (functions/core/market/marketSnapshot.ts).
   */
  snapshots?: SnapshotColumn | undefined;
}

/** What the engine knows about the account when it decides on an entry. */
export interface PortfolioView {
  nowMs: number;
  /** Quote currency every pair trades against (e.g. `USD`). */
  quote: string;
  /** Total equity in quote: free and held quote plus open positions at the last price. */
  equityQuote: number;
  /** Quote available to spend (net of open orders). */
  freeQuote: number;
  /** Free base balances by asset (net of open orders). */
  freeBase: Record<string, number>;
  openPositions: readonly Position[];
  /** Last price per pair (for exposure). */
  lastPrice: Record<Pair, number>;
  /** Today's counters (UTC day). */
  day: DayCounters;
  /** Closed trades (sells with realized P&L) within the protections' lookback, oldest first. */
  recentTrades: readonly TradeRecord[];
  markets: Record<Pair, MarketInfo>;
  /** The account's taker fee rate per pair when known (else the market's or config's). */
  takerFeeRate: Record<Pair, number>;
  /** 24h traded quote volume per pair when known. */
  quoteVolume24h: Record<Pair, number | undefined>;
  /** Bid/ask spread as a fraction of the mid price per pair, when the tick read a ticker (else the spread rule is not checked). */
  spreadFraction?: Record<Pair, number | undefined>;
  /**
   * With a universe configuration: each universe pair's price-tier terms (docs/configuration.md).
   * They replace the liquidity floor, the spread ceiling (an unknown spread then refuses) and the
   * edge buffer, and scale the size by the tier's risk multiplier.
   */
  universeTiers?: Record<Pair, UniverseTierTerms>;
  /**
   * The learned trade filter, when `learning.enabled` (docs/learning.md): asked last, with the
   * entry's features, as the `learned-filter` rule. Operator force-entries skip it.
   */
  tradeFilter?: EntryFilter;
}

/** A strategy's signal. */
export interface Signal {
  strategy: string;
  /** 0..1 */
  confidence: number;
  /** Expected gross move to the target as a fraction of price (0.01 = 1%). */
  expectedEdge: number;
  explanation: Explanation;
}

/** The engine's answer for a pair without a position. */
export type EntryDecision =
  | {
      action: 'buy';
      pair: Pair;
      /** Quote to spend, fee excluded, already within every cap and above the minimums. */
      costQuote: number;
      /** Base amount expected at the reference price (for display; buys are sent by cost). */
      expectedAmountBase: number;
      referencePrice: number;
      plan: EntryPlan;
      signal: Signal;
      /** Every rule that passed, with its values. */
      checks: { rule: string; explanation: Explanation }[];
    }
  | {
      action: 'none';
      pair: Pair;
      /** `signal`: no strategy wanted in; `risk`: a rule refused. */
      stage: 'signal' | 'risk';
      rule: string;
      reason: string;
      explanation: Explanation;
      signal?: Signal;
    };

/**
 * `screenEntry`'s answer when `checkEntry` would refuse before any portfolio field but the day's
 * counters matters: a day-level block (`risk`, counted like checkEntry's refusal with that rule)
 * or no strategy signal (`signal`).
 */
export interface EntryScreen {
  readonly stage: 'signal' | 'risk';
  readonly rule: string;
}

/** The engine's answer for an open position. */
export type ExitDecision =
  | {
      action: 'sell';
      pair: Pair;
      reason: ExitReason;
      /** The level that triggered (stop price, target, close for signal/time exits). */
      triggerPrice: number;
      /** Base to sell: the position's amount, capped by the free balance, on the precision grid. */
      amountBase: number;
      explanation: Explanation;
    }
  | {
      action: 'hold';
      pair: Pair;
      /** The position with updated trailing state, when it changed (must be persisted). */
      updated?: Position;
      /** Why the position cannot be sold even though an exit fired (dust below minimum). */
      blocked?: string;
      explanation: Explanation;
    };

/**
 * The decision engine. Pure and synchronous: no I/O, no clock reads (time comes in `nowMs`).
 */
export interface DecisionEngine {
  /** Computes indicators and resampled series once for a pair's closed 5m candles. */
  prepare(pair: Pair, candles: readonly Candle[]): PreparedSeries;
  /** Mental exits for an open position at candle `i` (SL/TP/trailing/time/signal). */
  checkExit(position: Position, series: PreparedSeries, i: number, nowMs: number, freeBase: number, market: MarketInfo): ExitDecision;
  /** Strategy then risk for a pair without a position at candle `i`. */
  checkEntry(series: PreparedSeries, i: number, portfolio: PortfolioView): EntryDecision;
  /**
   * Risk checks only, for an operator's `force-entry` command: no strategy signal is required,
   * but every risk rule (sizing caps, minimums, fee-free sizing, portfolio caps, protections,
   * daily limits, kill switch) still applies. `costQuote` asks for a size; the engine may lower
   * it to fit the caps, and refuses when the result is below the minimums.
   */
  checkForcedEntry(series: PreparedSeries, i: number, portfolio: PortfolioView, costQuote?: number): EntryDecision;
  /** Exit levels for coins taken over without a buy (an operator adopting holdings), at candle `i`. */
  planExits?(series: PreparedSeries, i: number): { ok: true; plan: EntryPlan; referencePrice: number } | { ok: false; reason: string };
  /** Minimum number of closed candles the engine needs before it can decide. */
  readonly warmupCandles: number;

  // Optional fast paths for replays (backtests). The live tick does not use them; an engine
  // without them is replayed through prepare / checkEntry alone.

  /**
   * `prepare` for candles held as columns: the same series, without candle objects. A `cache`
   * made for these columns lends (and keeps) the arrays engines of other configurations share.
   */
  prepareColumns?(pair: Pair, columns: CandleColumns, cache?: PrepareCache): PreparedSeries;
  /**
   * Adopts a series prepared by `prepareColumns` of an engine built from the same configuration,
   * usually on another thread (its typed arrays, `PreparedPairSeries.parts()`).
   */
  preparedFromParts?(pair: Pair, parts: PreparedParts): PreparedSeries;
  /**
   * A screen before `checkEntry` at candle i, reading only today's counters: a refusal that
   * checkEntry would return before any other portfolio field matters (candle not decidable, a
   * day-level block, or no strategy signal), or undefined when a strategy signals and checkEntry
   * must decide with the full portfolio. Allocates nothing: a replay asks at every candle, and
   * the answer is almost always no.
   */
  screenEntry?(series: PreparedSeries, i: number, day: DayCounters): EntryScreen | undefined;
  /**
   * The day-level block that holds for every pair (kill switch, daily loss, daily trade cap):
   * what `screenEntry` answers for any pair and any decidable candle while it is in force, since
   * it comes before the pair's own cap and the signal. Undefined when none is.
   */
  screenDay?(day: DayCounters): EntryScreen | undefined;
  /**
   * For replays: 1 at each candle where a strategy signals, else 0. Where it is 0, no
   * `screenDay` block is in force and the pair is under its own trade cap, `screenEntry` answers
   * "no signal", so a replay can skip the call. Works out the signals if the series does not
   * hold them yet.
   */
  entrySignalMask?(series: PreparedSeries): Uint8Array;
  /**
   * False when `checkExit` would hold the position without changing it (no exit fires, the
   * trailing state does not move), true when checkExit must be asked. Allocates nothing.
   */
  screenExit?(position: Position, series: PreparedSeries, i: number, nowMs: number): boolean;
}
