// Backtest results: the shapes `runBacktest` returns and `kbot backtest --json` prints. Quote
// amounts are exact multiples of 1e-8 so the identities in `BacktestSummary` hold exactly.
import type { EntryFeatures, ExitReason, OrderReason, Pair, Side } from '../core/types.js';
import type { GapReport } from './gapReport.js';
import type { Performance } from './performance.js';

/** Why a backtest position closed: the engine's exit reasons, or the end of the data. */
export type BacktestExitReason = ExitReason | 'end-of-data';

/** One simulated fill. `costQuote` excludes the fee. */
export interface BacktestFill {
  timeMs: number;
  pair: Pair;
  side: Side;
  reason: OrderReason | 'end-of-data';
  clientOrderId: string;
  price: number;
  amountBase: number;
  costQuote: number;
  feeQuote: number;
}

/** One closed trade: an entry and the sell that closed it (or part of it). */
export interface BacktestTrade {
  pair: Pair;
  strategy: string;
  entryTimeMs: number;
  entryPrice: number;
  exitTimeMs: number;
  exitPrice: number;
  amountBase: number;
  /** Entry cost of the amount sold, fee excluded. */
  entryCostQuote: number;
  entryFeeQuote: number;
  exitProceedsQuote: number;
  exitFeeQuote: number;
  /** exitProceeds − entryCost. */
  grossPnlQuote: number;
  /** grossPnl − entryFee − exitFee. */
  netPnlQuote: number;
  /** netPnl / (entryCost + entryFee). */
  returnFraction: number;
  exitReason: BacktestExitReason;
  /** How many 5m candles the position was held. */
  candlesHeld: number;
  /** What the engine saw when it decided the entry (regime, indicators, hour); see `EntryFeatures`. */
  entryFeatures?: EntryFeatures;
}

/** Results for one pair. */
export interface PairSummary {
  pair: Pair;
  /** Candles replayed (within the date range). */
  candles: number;
  /** Gaps in the replayed candles (never filled). */
  gaps: GapReport;
  trades: number;
  wins: number;
  /** wins / trades, or null without trades. */
  winRate: number | null;
  grossPnlQuote: number;
  feesQuote: number;
  netPnlQuote: number;
  /** Fraction of this pair's candles during which a position was open. */
  exposureFraction: number;
}

/**
 * The machine-readable summary. Identities (exact at 1e-8 quote):
 * endEquity = startEquity + netPnl; netPnl = Σ trades.netPnl = grossPnl − fees; fees = Σ fills.fee.
 */
export interface BacktestSummary {
  quote: string;
  fromIso: string;
  toIso: string;
  /** Timeline steps (distinct 5m candle times) and candle-steps (pairs × candles) replayed. */
  steps: number;
  candlesProcessed: number;
  startEquityQuote: number;
  endEquityQuote: number;
  grossPnlQuote: number;
  feesQuote: number;
  netPnlQuote: number;
  returnFraction: number;
  trades: number;
  wins: number;
  losses: number;
  winRate: number | null;
  /** Largest peak-to-trough fall of equity marked to market at each 5m close, as a fraction of the peak. */
  maxDrawdownFraction: number;
  maxDrawdownQuote: number;
  /** Mean / standard deviation of daily (UTC) equity returns × √365, risk-free rate 0; null under 2 days. */
  sharpe: number | null;
  sharpeMethod: string;
  /** Fraction of timeline steps with at least one position open. */
  exposureFraction: number;
  pairs: Record<Pair, PairSummary>;
  /** Entries not taken, by stage and rule (`risk:<rule>`, `limits:<cap>`, `order:<reason>`, `data:<reason>`). */
  refusals: Record<string, number>;
  /** Buy-and-hold, the market's change, CAGR, Sortino, Calmar, profit factor, expectancy, durations, breakdowns. */
  performance: Performance;
  /** With a universe configuration: how often it was rebuilt and every pair it held at some point. */
  universe?: { rebuilds: number; pairsHeld: Pair[] };
  /** With recorded market snapshots: how many candles had one (the others gave the microstructure strategy no book). */
  snapshots?: { candlesWithSnapshot: number };
  /** The strategies the configuration runs, and the effective configuration (every default filled in) with its hash. */
  strategies: string[];
  configHash: string;
  config: unknown;
  /** The fill assumptions used. */
  assumptions: {
    exitFill: 'level' | 'next-open';
    slippageBps: number;
    takerFeeRate: Record<Pair, number>;
    entryFill: string;
    stopFill: string;
    targetFill: string;
    otherExitFill: string;
    endOfData: string;
  };
}

/** Equity marked to market at every timeline step (5m close), in parallel arrays. */
export interface EquityCurve {
  closeTimeMs: Float64Array;
  equityQuote: Float64Array;
  length: number;
}

/** Everything a backtest produces. */
export interface BacktestResult {
  summary: BacktestSummary;
  trades: BacktestTrade[];
  fills: BacktestFill[];
  equity: EquityCurve;
}
