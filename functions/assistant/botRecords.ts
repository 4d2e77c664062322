// Read model (shared by the Telegram commands and the assistant's tools): the bot's own records
// summed the same way every time: realized P&L by window from the trade ledger, the daily counters
// of the last days, recent ledger rows. Reads a StorePort only; nothing here writes.
import type { StorePort } from '../core/ports.js';
import { ONE_DAY_MS, type Mode, type Pair, type TradeRecord } from '../core/types.js';

/** Realized P&L over one window of the ledger. */
export interface ProfitWindow {
  /** `today` (the UTC day so far), `7d`, `30d` or `all`. */
  window: 'today' | '7d' | '30d' | 'all';
  fromIso: string;
  toIso: string;
  /** Sum of `realizedPnlQuote` over the ledger rows that closed (part of) a position, net of both fees. */
  realizedPnlQuote: number;
  /** Sum of every row's fee in the window (entries and exits). */
  feesQuote: number;
  /** Ledger rows in the window (fills and bookkeeping rows). */
  rows: number;
  /** Rows that carry a realized P&L (closing sells), and how many of them won or lost. */
  closed: number;
  wins: number;
  losses: number;
  /** Realized P&L per pair, for the pairs with closing rows in the window. */
  byPair: { pair: Pair; realizedPnlQuote: number; closed: number }[];
}

/** The UTC midnight before `nowMs`. */
export function utcDayStartMs(nowMs: number): number {
  return Math.floor(nowMs / ONE_DAY_MS) * ONE_DAY_MS;
}

/** Cents are what an operator reads; sums of binary floats are rounded to 1e-8 so 0.1 + 0.2 reads 0.3. */
const tidy = (value: number) => Number(value.toFixed(8));

/** Sums ledger rows into one window. */
export function profitWindow(window: ProfitWindow['window'], fromMs: number, toMs: number, trades: readonly TradeRecord[]): ProfitWindow {
  const inWindow = trades.filter((t) => t.timestampMs >= fromMs && t.timestampMs <= toMs);
  const closing = inWindow.filter((t) => t.realizedPnlQuote !== undefined);
  const byPair = new Map<Pair, { realizedPnlQuote: number; closed: number }>();
  for (const t of closing) {
    const entry = byPair.get(t.pair) ?? { realizedPnlQuote: 0, closed: 0 };
    entry.realizedPnlQuote += t.realizedPnlQuote!;
    entry.closed += 1;
    byPair.set(t.pair, entry);
  }
  return {
    window,
    fromIso: new Date(fromMs).toISOString(),
    toIso: new Date(toMs).toISOString(),
    realizedPnlQuote: tidy(closing.reduce((sum, t) => sum + t.realizedPnlQuote!, 0)),
    feesQuote: tidy(inWindow.reduce((sum, t) => sum + t.feeQuote, 0)),
    rows: inWindow.length,
    closed: closing.length,
    wins: closing.filter((t) => t.realizedPnlQuote! > 0).length,
    losses: closing.filter((t) => t.realizedPnlQuote! < 0).length,
    byPair: [...byPair.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([pair, v]) => ({ pair, realizedPnlQuote: tidy(v.realizedPnlQuote), closed: v.closed })),
  };
}

/** Realized P&L today (UTC), over the last 7 and 30 days, and over the whole ledger. */
export async function readProfit(store: Pick<StorePort, 'listTrades'>, mode: Mode, nowMs: number): Promise<ProfitWindow[]> {
  const trades = await store.listTrades(mode, 0, nowMs);
  const firstMs = trades.reduce((min, t) => Math.min(min, t.timestampMs), nowMs);
  return [
    profitWindow('today', utcDayStartMs(nowMs), nowMs, trades),
    profitWindow('7d', nowMs - 7 * ONE_DAY_MS, nowMs, trades),
    profitWindow('30d', nowMs - 30 * ONE_DAY_MS, nowMs, trades),
    profitWindow('all', firstMs, nowMs, trades),
  ];
}

/** One UTC day's counters, as the tick keeps them. */
export interface DailyRow {
  day: string;
  entries: number;
  exits: number;
  realizedPnlQuote: number;
  killSwitchTripped: boolean;
}

/** The daily counters of the last `days` UTC days, newest first (today included). */
export async function readDaily(store: Pick<StorePort, 'getDay'>, mode: Mode, nowMs: number, days = 7): Promise<DailyRow[]> {
  const start = utcDayStartMs(nowMs);
  const dayNames = Array.from({ length: Math.max(1, Math.min(days, 31)) }, (_, i) => new Date(start - i * ONE_DAY_MS).toISOString().slice(0, 10));
  const counters = await Promise.all(dayNames.map((day) => store.getDay(mode, day)));
  return counters.map((c, i) => ({
    day: dayNames[i]!,
    entries: c.trades,
    exits: c.exits,
    realizedPnlQuote: tidy(c.realizedPnlQuote),
    killSwitchTripped: c.killSwitchTripped,
  }));
}

/** Ledger rows in [fromMs, toMs], newest first, optionally one pair's, at most `limit`. */
export async function readTrades(
  store: Pick<StorePort, 'listTrades'>,
  mode: Mode,
  options: { fromMs: number; toMs: number; pair?: Pair; limit?: number },
): Promise<TradeRecord[]> {
  const rows = await store.listTrades(mode, options.fromMs, options.toMs);
  return rows
    .filter((t) => options.pair === undefined || t.pair === options.pair)
    .sort((a, b) => b.timestampMs - a.timestampMs)
    .slice(0, options.limit ?? 20);
}
