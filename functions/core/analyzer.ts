// Core domain: the trade analyzer. Closed trades in, the figures a trader asks for out: win rate,
// expectancy, profit factor, average win and loss, average duration, and the same figures by
// strategy, pair, regime at entry, exit reason, hour of day and day of week. Pure: the ledger (live
// or paper) and a backtest's trades are turned into `ClosedTrade`s by their readers.
import type { EntryFeatures, Pair, TradeRecord } from './types.js';

/** One closed trade (or the part of a position one sell closed). */
export interface ClosedTrade {
  pair: Pair;
  strategy: string;
  /** When the position was entered; null when the ledger no longer has its buy. */
  entryTimeMs: number | null;
  exitTimeMs: number;
  /** Net of both fees. */
  netPnlQuote: number;
  /** Net P&L over what the part sold cost (fee included), when known. */
  returnFraction: number | null;
  exitReason: string;
  /** What the engine saw at entry, when recorded. */
  entryFeatures?: EntryFeatures;
}

/** Figures of a set of trades. Ratios are null when they are undefined (no trades, no losses). */
export interface TradeStats {
  trades: number;
  wins: number;
  losses: number;
  /** wins / trades (a trade wins when its net P&L is above zero). */
  winRate: number | null;
  netPnlQuote: number;
  /** Mean net P&L per trade. */
  expectancyQuote: number | null;
  /** Mean return per trade, over the trades whose return is known. */
  expectancyFraction: number | null;
  /** Σ wins / |Σ losses|. */
  profitFactor: number | null;
  averageWinQuote: number | null;
  averageLossQuote: number | null;
  /** Mean time from entry to exit, over the trades whose entry is known. */
  averageDurationMinutes: number | null;
}

/** The analyzer's answer (`kbot analyze --json` prints it). */
export interface Analysis {
  source: string;
  /** First entry and last exit of the trades analysed (ISO), or null without trades. */
  fromIso: string | null;
  toIso: string | null;
  overall: TradeStats;
  byStrategy: Record<string, TradeStats>;
  byPair: Record<string, TradeStats>;
  /** Regime at entry (`trend-up`, `range`, ...; `unknown` when the entry recorded none). */
  byRegime: Record<string, TradeStats>;
  byExitReason: Record<string, TradeStats>;
  /** UTC hour of the entry decision, `00:00` to `23:00`. */
  byHourUtc: Record<string, TradeStats>;
  /** UTC weekday of the entry decision, `Sun` to `Sat`. */
  byWeekdayUtc: Record<string, TradeStats>;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Analyses `trades` (any order). */
export function analyzeTrades(trades: readonly ClosedTrade[], source: string): Analysis {
  const hourOf = (t: ClosedTrade) => t.entryFeatures?.hourUtc ?? (t.entryTimeMs !== null ? new Date(t.entryTimeMs).getUTCHours() : undefined);
  const dayOf = (t: ClosedTrade) => t.entryFeatures?.weekdayUtc ?? (t.entryTimeMs !== null ? new Date(t.entryTimeMs).getUTCDay() : undefined);
  const entries = trades.map((t) => t.entryTimeMs ?? t.exitTimeMs);
  return {
    source,
    fromIso: trades.length ? new Date(Math.min(...entries)).toISOString() : null,
    toIso: trades.length ? new Date(Math.max(...trades.map((t) => t.exitTimeMs))).toISOString() : null,
    overall: statsOf(trades),
    byStrategy: groupBy(trades, (t) => t.strategy),
    byPair: groupBy(trades, (t) => t.pair),
    byRegime: groupBy(trades, (t) => t.entryFeatures?.regime ?? 'unknown'),
    byExitReason: groupBy(trades, (t) => t.exitReason),
    byHourUtc: groupBy(trades, (t) => {
      const h = hourOf(t);
      return h === undefined ? 'unknown' : `${String(h).padStart(2, '0')}:00`;
    }),
    byWeekdayUtc: groupBy(trades, (t) => {
      const d = dayOf(t);
      return d === undefined ? 'unknown' : WEEKDAYS[d]!;
    }),
  };
}

/** The figures of one set of trades. */
export function statsOf(trades: readonly ClosedTrade[]): TradeStats {
  let wins = 0;
  let won = 0;
  let lost = 0;
  let net = 0;
  let returns = 0;
  let returnCount = 0;
  let minutes = 0;
  let timed = 0;
  for (const t of trades) {
    net += t.netPnlQuote;
    if (t.netPnlQuote > 0) {
      wins++;
      won += t.netPnlQuote;
    } else {
      lost += t.netPnlQuote;
    }
    if (t.returnFraction !== null) {
      returns += t.returnFraction;
      returnCount++;
    }
    if (t.entryTimeMs !== null) {
      minutes += (t.exitTimeMs - t.entryTimeMs) / 60_000;
      timed++;
    }
  }
  const n = trades.length;
  const losses = n - wins;
  return {
    trades: n,
    wins,
    losses,
    winRate: n ? wins / n : null,
    netPnlQuote: net,
    expectancyQuote: n ? net / n : null,
    expectancyFraction: returnCount ? returns / returnCount : null,
    profitFactor: lost < 0 ? won / -lost : null,
    averageWinQuote: wins ? won / wins : null,
    averageLossQuote: losses ? lost / losses : null,
    averageDurationMinutes: timed ? minutes / timed : null,
  };
}

function groupBy(trades: readonly ClosedTrade[], key: (t: ClosedTrade) => string): Record<string, TradeStats> {
  const groups = new Map<string, ClosedTrade[]>();
  for (const t of trades) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, statsOf(groups.get(k)!)]));
}

/**
 * The closed trades of a ledger: every sell row that realized P&L, joined to the buy that opened its
 * position (by `positionId`) for the entry time and the return. Strategy and regime come from the
 * entry features the closing row carries (`unknown` for rows written before they were recorded).
 */
export function closedTradesFromLedger(rows: readonly TradeRecord[]): ClosedTrade[] {
  const buys = new Map<string, TradeRecord>();
  for (const r of rows) if (r.side === 'buy') buys.set(r.clientOrderId, r);
  const out: ClosedTrade[] = [];
  for (const r of rows) {
    if (r.side !== 'sell' || r.realizedPnlQuote === undefined) continue;
    const buy = r.positionId !== undefined ? buys.get(r.positionId) : undefined;
    // The part of the entry this sell closed (a position sold in pieces closes it in parts).
    const share = buy && buy.amountBase > 0 ? Math.min(1, r.amountBase / buy.amountBase) : 0;
    const basis = buy ? (buy.costQuote + buy.feeQuote) * share : 0;
    out.push({
      pair: r.pair,
      strategy: r.entryFeatures?.strategy ?? (r.reason === 'dust' || r.reason === 'release' ? r.reason : 'unknown'),
      entryTimeMs: buy?.timestampMs ?? null,
      exitTimeMs: r.timestampMs,
      netPnlQuote: r.realizedPnlQuote,
      returnFraction: basis > 0 ? r.realizedPnlQuote / basis : null,
      exitReason: r.reason,
      ...(r.entryFeatures ? { entryFeatures: r.entryFeatures } : {}),
    });
  }
  return out;
}
