// Research: what a sweep compares. The figures kept of each backtest (a few numbers, not its
// trades), and the objective that ranks parameter sets, with a minimum trade count so a set that
// traded twice and was lucky does not win.
import type { BacktestSummary } from '../backtest/backtestResult.js';

/** The figures of one backtest a sweep keeps. */
export interface SweepMetrics {
  netPnlQuote: number;
  returnFraction: number;
  trades: number;
  winRate: number | null;
  maxDrawdownFraction: number;
  sharpe: number | null;
  sortino: number | null;
  calmar: number | null;
  profitFactor: number | null;
  cagr: number | null;
  exposureFraction: number;
  feesQuote: number;
  /** Candle-steps replayed (pairs × candles). */
  candleSteps: number;
}

/** Objectives a sweep can rank by. */
export const OBJECTIVES = ['net', 'sharpe', 'sortino', 'calmar', 'profit-factor'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** A profit factor without a losing trade is infinite; it ranks as this (JSON has no infinity). */
export const PROFIT_FACTOR_CAP = 100;

/** The kept figures of a backtest summary. */
export function metricsOf(s: BacktestSummary): SweepMetrics {
  return {
    netPnlQuote: s.netPnlQuote,
    returnFraction: s.returnFraction,
    trades: s.trades,
    winRate: s.winRate,
    maxDrawdownFraction: s.maxDrawdownFraction,
    sharpe: s.sharpe,
    sortino: s.performance.sortino,
    calmar: s.performance.calmar,
    profitFactor: s.performance.profitFactor,
    cagr: s.performance.cagr,
    exposureFraction: s.exposureFraction,
    feesQuote: s.feesQuote,
    candleSteps: s.candlesProcessed,
  };
}

/**
 * The score of a backtest under `objective` (higher is better), or null when the set cannot be
 * ranked: fewer than `minTrades` trades, or the ratio is undefined (Sharpe and Sortino under two
 * days, Calmar without a drawdown, profit factor without trades).
 */
export function scoreOf(m: SweepMetrics | null, objective: ObjectiveName, minTrades: number): number | null {
  if (!m || m.trades < minTrades) return null;
  switch (objective) {
    case 'net':
      return m.netPnlQuote;
    case 'sharpe':
      return m.sharpe;
    case 'sortino':
      return m.sortino;
    case 'calmar':
      return m.calmar;
    case 'profit-factor':
      if (m.profitFactor !== null) return Math.min(m.profitFactor, PROFIT_FACTOR_CAP);
      return m.trades > 0 && m.netPnlQuote > 0 ? PROFIT_FACTOR_CAP : null;
  }
}

/** Parses `--objective`. */
export function parseObjective(text: string): ObjectiveName {
  if ((OBJECTIVES as readonly string[]).includes(text)) return text as ObjectiveName;
  throw new Error(`--objective ${text}: expected one of ${OBJECTIVES.join(', ')}`);
}
