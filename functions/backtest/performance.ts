// Backtest results: what a trader compares first. Buy-and-hold and the market's change, CAGR,
// Sortino, Calmar, profit factor, expectancy, trade durations, the exits by reason, the best and
// worst trade, per-strategy figures, and which configuration produced them (with its hash).
import { createHash } from 'node:crypto';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Pair } from '../core/types.js';
import type { BacktestTrade } from './backtestResult.js';

/** A figure per group (an exit reason, a strategy). */
export interface GroupFigures {
  trades: number;
  wins: number;
  winRate: number | null;
  netPnlQuote: number;
}

/** The trader's figures of one backtest. */
export interface Performance {
  /** Holding each pair from the first to the last replayed close, fees ignored. */
  buyAndHold: Record<Pair, { firstClose: number; lastClose: number; returnFraction: number }>;
  /** The basket: the pairs held in equal parts (the market's change over the range). */
  marketChangeFraction: number | null;
  /** The strategy's return minus the market's. */
  excessReturnFraction: number | null;
  /** Compound annual growth of equity over the replayed range; null under a day. */
  cagr: number | null;
  /** Mean / downside deviation of daily equity returns × √365; null under 2 days or no losing day. */
  sortino: number | null;
  /** CAGR / max drawdown; null without a drawdown. */
  calmar: number | null;
  /** Σ winning trades / |Σ losing trades|; null without losing trades. */
  profitFactor: number | null;
  /** Mean net P&L per trade, and mean return per trade. */
  expectancyQuote: number | null;
  expectancyFraction: number | null;
  averageWinQuote: number | null;
  averageLossQuote: number | null;
  /** Time in a trade, in minutes. */
  averageDurationMinutes: number | null;
  medianDurationMinutes: number | null;
  byExitReason: Record<string, GroupFigures>;
  byStrategy: Record<string, GroupFigures>;
  best: BacktestTrade | null;
  worst: BacktestTrade | null;
}

/** Inputs: the equity figures, the trades, the replayed range and each pair's first and last close. */
export function performanceOf(args: {
  startEquityQuote: number;
  endEquityQuote: number;
  returnFraction: number;
  maxDrawdownFraction: number;
  fromMs: number;
  toMs: number;
  dailyEquity: readonly number[];
  trades: readonly BacktestTrade[];
  closes: Record<Pair, { first: number; last: number }>;
}): Performance {
  const { trades } = args;
  const buyAndHold: Performance['buyAndHold'] = {};
  for (const [pair, c] of Object.entries(args.closes)) {
    if (c.first > 0 && c.last > 0) buyAndHold[pair] = { firstClose: c.first, lastClose: c.last, returnFraction: c.last / c.first - 1 };
  }
  const holds = Object.values(buyAndHold);
  const marketChangeFraction = holds.length ? holds.reduce((s, h) => s + h.returnFraction, 0) / holds.length : null;
  const years = (args.toMs - args.fromMs) / (365 * ONE_DAY_MS);
  const growth = args.startEquityQuote > 0 ? args.endEquityQuote / args.startEquityQuote : NaN;
  const cagr = args.toMs - args.fromMs >= ONE_DAY_MS && growth > 0 ? growth ** (1 / years) - 1 : null;
  const wins = trades.filter((t) => t.netPnlQuote > 0);
  const losses = trades.filter((t) => t.netPnlQuote <= 0);
  const sum = (xs: readonly BacktestTrade[]) => xs.reduce((s, t) => s + t.netPnlQuote, 0);
  const lost = -sum(losses);
  const durations = trades.map((t) => t.candlesHeld * (FIVE_MINUTES_MS / 60_000)).sort((a, b) => a - b);
  const ordered = [...trades].sort((a, b) => b.netPnlQuote - a.netPnlQuote);
  return {
    buyAndHold,
    marketChangeFraction,
    excessReturnFraction: marketChangeFraction === null ? null : args.returnFraction - marketChangeFraction,
    cagr,
    sortino: dailySortino(args.dailyEquity),
    calmar: cagr !== null && args.maxDrawdownFraction > 0 ? cagr / args.maxDrawdownFraction : null,
    profitFactor: lost > 0 ? sum(wins) / lost : null,
    expectancyQuote: trades.length ? sum(trades) / trades.length : null,
    expectancyFraction: trades.length ? trades.reduce((s, t) => s + t.returnFraction, 0) / trades.length : null,
    averageWinQuote: wins.length ? sum(wins) / wins.length : null,
    averageLossQuote: losses.length ? sum(losses) / losses.length : null,
    averageDurationMinutes: durations.length ? durations.reduce((s, d) => s + d, 0) / durations.length : null,
    medianDurationMinutes: durations.length ? median(durations) : null,
    byExitReason: groupBy(trades, (t) => t.exitReason),
    byStrategy: groupBy(trades, (t) => t.strategy),
    best: ordered[0] ?? null,
    worst: ordered[ordered.length - 1] ?? null,
  };
}

/** Annualized Sortino ratio of daily equity returns (downside deviation over all days, target 0). */
export function dailySortino(dailyEquity: readonly number[]): number | null {
  const n = dailyEquity.length - 1;
  if (n < 2) return null;
  let sum = 0;
  let downside = 0;
  for (let k = 0; k < n; k++) {
    const r = dailyEquity[k + 1]! / dailyEquity[k]! - 1;
    sum += r;
    if (r < 0) downside += r * r;
  }
  const dd = Math.sqrt(downside / n);
  return dd > 0 ? (sum / n / dd) * Math.sqrt(365) : null;
}

/**
 * A short, stable hash of a configuration: its JSON with keys sorted, SHA-256, first 12 hex
 * characters. Two reports with the same hash ran the same configuration.
 */
export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 12);
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function groupBy(trades: readonly BacktestTrade[], key: (t: BacktestTrade) => string): Record<string, GroupFigures> {
  const out: Record<string, GroupFigures> = {};
  for (const t of trades) {
    const g = (out[key(t)] ??= { trades: 0, wins: 0, winRate: null, netPnlQuote: 0 });
    g.trades++;
    if (t.netPnlQuote > 0) g.wins++;
    g.netPnlQuote += t.netPnlQuote;
  }
  for (const g of Object.values(out)) g.winRate = g.wins / g.trades;
  return out;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
