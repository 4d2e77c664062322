// Dashboard: what each page shows, assembled from the backend (store reads, schedule, alarms,
// candles). The overview reuses `kbot status`'s own collector, so the two always agree.
import { analyzeTrades, closedTradesFromLedger, type Analysis } from '../core/analyzer.js';
import { decodeJournal, type JournalEntry, type JournalHoldings, type JournalTick } from '../core/journal.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type Mode, type Pair, type Position, type TradeRecord } from '../core/types.js';
import { collectStatus, type StatusReport } from '../cli/ops/status.js';
import type { AlarmView, DashboardBackend, ScheduleView } from './dashboardBackend.js';

/** The overview page. */
export interface OverviewData {
  kind: DashboardBackend['kind'];
  label: string;
  mode: Mode;
  generatedAtIso: string;
  schedule: ScheduleView;
  status: Omit<StatusReport, 'schedule' | 'stackNames' | 'region'>;
  alarms: AlarmView[] | null;
  /** Equity at the end of each journaled tick: [unix seconds, quote]. */
  equity: [number, number][];
  /** Today's realized P&L from the ledger rows of the day. */
  todayPnlQuote: number;
  holdings: HoldingsView;
}

/**
 * The last tick's holdings check: the mismatches from the tick's summary (what `kbot status` reads;
 * each locks its asset's entries until `kbot reconcile` resolves it), and the journal's detail of
 * that tick (assets that agreed, and every check that did not) when the journal holds it.
 */
export interface HoldingsView {
  candleCloseIso: string | null;
  mismatches: { asset: string; diffBase: number | null }[];
  /** From the journal record of the same tick; null without one (journal off, or not written). */
  agreed: number | null;
  others: JournalHoldings[];
}

/** The overview: status (as `kbot status` collects it), alarms, and the equity curve from the journal. */
export async function overviewData(backend: DashboardBackend, nowMs: number, equityDays = 2): Promise<OverviewData> {
  const [mode, store, schedule, limits, alarms] = await Promise.all([backend.mode(), backend.store(), backend.schedule(), backend.limits(), backend.alarms().catch(() => null)]);
  const report = await collectStatus({
    store,
    mode,
    nowMs,
    stackNames: [backend.label],
    region: '',
    schedule: 'error' in schedule ? { error: schedule.error } : { name: schedule.name ?? '', state: schedule.state },
    ...(limits ? { limits } : {}),
  });
  const journal = await store.listJournal(mode, nowMs - equityDays * ONE_DAY_MS, nowMs);
  const equity: [number, number][] = [];
  for (const e of journal) if (e.record.e !== undefined) equity.push([Math.floor(Date.parse(e.candleCloseIso) / 1000), e.record.e]);
  const { schedule: _s, stackNames: _n, region: _r, ...status } = report;
  const lastJournal = report.lastTick ? journal.findLast((e) => e.candleCloseIso === report.lastTick!.candleCloseIso) : undefined;
  return {
    kind: backend.kind,
    label: backend.label,
    mode,
    generatedAtIso: new Date(nowMs).toISOString(),
    schedule,
    status,
    alarms,
    equity,
    todayPnlQuote: report.tradesToday.reduce((s, t) => s + (t.realizedPnlQuote ?? 0), 0),
    holdings: holdingsView(report.lastTick, lastJournal),
  };
}

/** The holdings of the last tick, from its stored summary (shape `{ holdings: [{ asset, diffBase }] }`) and its journal record. */
export function holdingsView(lastTick: StatusReport['lastTick'], journal: JournalEntry | undefined): HoldingsView {
  const listed = (lastTick?.summary as { holdings?: unknown } | null | undefined)?.holdings;
  const mismatches = Array.isArray(listed)
    ? listed
        .filter((h): h is { asset: string; diffBase?: unknown } => typeof h === 'object' && h !== null && typeof (h as { asset?: unknown }).asset === 'string')
        .map((h) => ({ asset: h.asset, diffBase: typeof h.diffBase === 'number' ? h.diffBase : null }))
    : [];
  const checks = journal ? decodeJournal(journal).holdings : undefined;
  return { candleCloseIso: lastTick?.candleCloseIso ?? null, mismatches, agreed: checks ? checks.agreed : null, others: checks?.others ?? [] };
}

/** One open position with its price and levels. */
export interface PositionView {
  position: Position;
  price: number | null;
  /** amount × price − cost − entry fee (the exit fee is not paid yet). */
  unrealizedPnlQuote: number | null;
  unrealizedFraction: number | null;
  /** The trailing stop's level now: armed, highest × (1 − distance); else the price that arms it. */
  trailing: { level: number; armed: boolean } | null;
}

export async function positionsData(backend: DashboardBackend): Promise<{ mode: Mode; positions: PositionView[] }> {
  const [mode, store] = await Promise.all([backend.mode(), backend.store()]);
  const positions = await store.listPositions(mode);
  const prices = await Promise.all(positions.map((p) => backend.candles(p.pair).then((c) => c[c.length - 1]?.close ?? null, () => null)));
  return {
    mode,
    positions: positions.map((position, k) => {
      const price = prices[k] ?? null;
      const unrealized = price === null ? null : position.amountBase * price - position.costQuote - position.entryFeeQuote;
      const basis = position.costQuote + position.entryFeeQuote;
      const t = position.trailing;
      return {
        position,
        price,
        unrealizedPnlQuote: unrealized,
        unrealizedFraction: unrealized !== null && basis > 0 ? unrealized / basis : null,
        trailing: t ? { level: t.armed ? t.highestPrice * (1 - t.distanceFraction) : t.activationPrice, armed: t.armed } : null,
      };
    }),
  };
}

/** Candles for a chart: [unix seconds, open, high, low, close]. */
export async function candlesData(backend: DashboardBackend, pair: Pair): Promise<{ pair: Pair; candles: [number, number, number, number, number][] }> {
  const candles: Candle[] = await backend.candles(pair);
  return { pair, candles: candles.map((c) => [Math.floor(c.openTimeMs / 1000), c.open, c.high, c.low, c.close]) };
}

/** Filters of the trades page (and its CSV). */
export interface TradeFilter {
  fromMs: number;
  toMs: number;
  pair?: string;
  side?: string;
  reason?: string;
}

export async function tradesData(backend: DashboardBackend, f: TradeFilter): Promise<{ mode: Mode; trades: TradeRecord[]; totals: { feesQuote: number; realizedPnlQuote: number } }> {
  const [mode, store] = await Promise.all([backend.mode(), backend.store()]);
  const trades = (await store.listTrades(mode, f.fromMs, f.toMs)).filter((t) => (!f.pair || t.pair === f.pair) && (!f.side || t.side === f.side) && (!f.reason || t.reason === f.reason));
  return {
    mode,
    trades,
    totals: { feesQuote: trades.reduce((s, t) => s + t.feeQuote, 0), realizedPnlQuote: trades.reduce((s, t) => s + (t.realizedPnlQuote ?? 0), 0) },
  };
}

const CSV_COLUMNS = ['time', 'pair', 'side', 'reason', 'amountBase', 'price', 'costQuote', 'feeQuote', 'realizedPnlQuote', 'clientOrderId', 'exchangeOrderId', 'positionId', 'decisionCandle', 'strategy', 'regime', 'note'] as const;

/** The ledger as CSV (RFC 4180 quoting; a cell starting with = + - @ is prefixed so spreadsheets do not run it). */
export function tradesCsv(trades: readonly TradeRecord[]): string {
  const cell = (v: unknown): string => {
    if (v === undefined || v === null) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = trades.map((t) =>
    [new Date(t.timestampMs).toISOString(), t.pair, t.side, t.reason, t.amountBase, t.price, t.costQuote, t.feeQuote, t.realizedPnlQuote, t.clientOrderId, t.exchangeOrderId, t.positionId, t.candleCloseIso, t.entryFeatures?.strategy, t.entryFeatures?.regime, t.note].map(cell).join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** Filters of the decisions page. */
export interface DecisionFilter {
  fromMs: number;
  toMs: number;
  pair?: string;
  /** Free text matched against each pair's verdict (rule, reason, order status). */
  query?: string;
  limit: number;
}

/** The journal as a timeline, newest first; pairs and verdicts filtered as asked. */
export async function decisionsData(backend: DashboardBackend, f: DecisionFilter): Promise<{ mode: Mode; ticks: JournalTick[]; pairs: Pair[] }> {
  const [mode, store] = await Promise.all([backend.mode(), backend.store()]);
  const entries = await store.listJournal(mode, f.fromMs, f.toMs, { newestFirst: true, limit: f.limit });
  const ticks = entries.map(decodeJournal);
  const pairs = [...new Set(ticks.flatMap((t) => t.pairs.map((p) => p.pair)))].sort();
  const q = f.query?.trim().toLowerCase();
  const filtered = ticks
    .map((t) => ({ ...t, pairs: t.pairs.filter((p) => (!f.pair || p.pair === f.pair) && (!q || JSON.stringify(p).toLowerCase().includes(q))) }))
    .filter((t) => t.pairs.length > 0 || (!f.pair && !q));
  return { mode, ticks: filtered, pairs };
}

/** The analyzer over the bot's ledger. */
export async function analyzerData(backend: DashboardBackend, fromMs: number, toMs: number): Promise<Analysis> {
  const [mode, store] = await Promise.all([backend.mode(), backend.store()]);
  const rows = await store.listTrades(mode, 0, toMs);
  return analyzeTrades(closedTradesFromLedger(rows).filter((t) => t.exitTimeMs >= fromMs), `${backend.label} ${mode} ledger`);
}

/** Parses a time query parameter (ISO or epoch ms), or the fallback. */
export function timeParam(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(n) ? n : fallbackMs;
}

/** Default windows. */
export const DEFAULT_DECISION_WINDOW_MS = ONE_DAY_MS;
export const DEFAULT_TRADE_WINDOW_MS = 30 * ONE_DAY_MS;
export const CANDLE_MS = FIVE_MINUTES_MS;
