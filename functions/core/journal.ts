// Core domain: the decision journal. Every scheduled tick leaves one compact record of what it
// decided per pair (price, the data verdict, the entry or exit verdict with the rule that decided
// and its values, the orders with their client order ids, halts, locks, the holdings check), so
// "why did it not buy?" has an answer after the fact. One write per tick, after the tick is
// complete; a failed write is logged and counted, never a reason to fail or repeat the tick.
import type { BotConfig } from './config.js';
import type { Explanation } from './engine/types.js';
import type { ClockPort, LoggerPort, MetricsPort, StorePort } from './ports.js';
import type { HoldingsCheck, OrderOutcome, PairResult, TickResult } from './tickResult.js';
import { ONE_DAY_MS, type Mode, type Pair } from './types.js';

/** Version of the encoding below; a decoder refuses versions it does not know. */
export const JOURNAL_VERSION = 1;

/**
 * One tick's record as stored: short keys and positional arrays, numbers in explanations cut to
 * 6 significant digits. `decodeJournal` turns it into the readable `JournalTick`.
 */
export interface JournalRecord {
  v: typeof JOURNAL_VERSION;
  /** Tick duration, ms. */
  ms: number;
  /** Equity in quote at the end of the tick, when known. */
  e?: number;
  /** Halt: [entries halted 0|1, exits halted 0|1, ...reasons]; absent when nothing is halted. */
  h?: [0 | 1, 0 | 1, ...string[]];
  /** Locked pairs: [pair, reason]. */
  l?: [Pair, string][];
  /** Errors the tick reported. */
  x?: string[];
  /** Reconciled intents: [clientOrderId, pair, side, result, detail?]. */
  r?: (string | undefined)[][];
  /**
   * The holdings check: how many traded assets agree with the positions (`ok`), and each other
   * asset as `[asset, status, botBase, krakenBase, diffBase, detail]` (trailing nulls dropped).
   * Absent when the tick compared nothing (and in records written before it was recorded).
   */
  k?: [okCount: number, ...others: (string | number | null)[][]];
  /** Per pair. */
  p: JournalPairRecord[];
}

/** One pair in a `JournalRecord`. */
export interface JournalPairRecord {
  /** The pair. */
  p: Pair;
  /** Last closed candle's close (or the ticker's bid), when known. */
  c?: number;
  /** Data verdict: 1 (usable), or [reason, detail]. */
  d: 1 | [string, string];
  /**
   * Entry verdict: `['b', costQuote, referencePrice, strategy, confidence, expectedEdge, signal values, sizing values]`
   * or `['n', stage, rule, reason, values, strategy?]`.
   */
  n?: (string | number | Explanation | null)[];
  /**
   * Exit verdict: `['h', values, blocked?]` hold, `['s', reason, triggerPrice, values, priceSource]` sell,
   * `['k', reason]` skipped, `['d', amountBase, realizedPnlQuote]` dust.
   */
  x?: (string | number | Explanation | null)[];
  /** Orders: [clientOrderId, side, reason, status, amountBase, price, feeQuote, realizedPnlQuote, error]. */
  o?: (string | number | null)[][];
}

/** A journal record with its key and time, as the store holds it. */
export interface JournalEntry {
  mode: Mode;
  /** The tick's candle close (ISO): the record's sort key. */
  candleCloseIso: string;
  /** When the record was written. */
  atMs: number;
  /** When the store may delete it (epoch ms); absent: kept. */
  expiresAtMs?: number;
  record: JournalRecord;
}

/** A decoded journal record: what the dashboard shows. */
export interface JournalTick {
  mode: Mode;
  candleCloseIso: string;
  atMs: number;
  durationMs: number;
  equityQuote: number | null;
  halt: { entries: boolean; exits: boolean; reasons: string[] };
  locks: { pair: Pair; reason: string }[];
  errors: string[];
  reconciled: { clientOrderId: string; pair: Pair; side: string; result: string; detail?: string }[];
  /** Kraken's holdings against the positions: how many assets agreed, and every other check (see `HoldingsCheck`). */
  holdings: { agreed: number; others: JournalHoldings[] };
  pairs: JournalPair[];
}

/** One asset's holdings check that did not agree (a mismatch, a correction, or not compared). */
export interface JournalHoldings {
  asset: string;
  status: Exclude<HoldingsCheck['status'], 'ok'>;
  botBase?: number;
  krakenBase?: number;
  diffBase?: number;
  detail?: string;
}

/** One pair's decisions in a tick. */
export interface JournalPair {
  pair: Pair;
  price: number | null;
  data: { ok: true } | { ok: false; reason: string; detail: string };
  entry?:
    | { decision: 'buy'; costQuote: number; referencePrice: number; strategy: string; confidence: number; expectedEdge: number; signal: Explanation; sizing: Explanation }
    | { decision: 'none'; stage: string; rule: string; reason: string; values: Explanation; strategy?: string };
  exit?:
    | { decision: 'hold'; values: Explanation; blocked?: string }
    | { decision: 'sell'; reason: string; triggerPrice: number; values: Explanation; priceSource: string }
    | { decision: 'skipped'; reason: string }
    | { decision: 'dust'; amountBase: number; realizedPnlQuote: number };
  orders: { clientOrderId: string; side: string; reason: string; status: string; amountBase?: number; price?: number; feeQuote?: number; realizedPnlQuote?: number; error?: string }[];
}

/** Encodes a tick's result. `prices` are the tick's last prices per pair. */
export function encodeJournal(result: TickResult, prices: Readonly<Record<Pair, number>>): JournalRecord {
  const record: JournalRecord = { v: JOURNAL_VERSION, ms: Math.max(0, result.finishedAtMs - result.startedAtMs), p: result.pairs.map((p) => encodePair(p, prices[p.pair])) };
  if (result.equityQuote !== undefined) record.e = round(result.equityQuote, 10);
  if (result.halt.entries || result.halt.exits || result.halt.reasons.length) record.h = [result.halt.entries ? 1 : 0, result.halt.exits ? 1 : 0, ...result.halt.reasons];
  if (result.locks.length) record.l = result.locks.map((l) => [l.pair, l.reason]);
  if (result.errors.length) record.x = [...result.errors];
  if (result.reconciled.length) record.r = result.reconciled.map((r) => [r.clientOrderId, r.pair, r.side, r.result, ...(r.detail ? [r.detail] : [])]);
  if (result.holdings.length) record.k = [result.holdings.filter((h) => h.status === 'ok').length, ...result.holdings.filter((h) => h.status !== 'ok').map(encodeHoldings)];
  return record;
}

function encodeHoldings(h: HoldingsCheck): (string | number | null)[] {
  const row: (string | number | null)[] = [h.asset, h.status, round(h.botBase, 10), h.krakenBase === undefined ? null : round(h.krakenBase, 10), h.diffBase === undefined ? null : round(h.diffBase, 10), h.detail ?? null];
  while (row.length > 2 && row[row.length - 1] === null) row.pop();
  return row;
}

function decodeHoldings(row: (string | number | null)[]): JournalHoldings {
  const [asset, status, botBase, krakenBase, diffBase, detail] = row;
  return {
    asset: String(asset),
    status: String(status) as JournalHoldings['status'],
    ...(typeof botBase === 'number' ? { botBase } : {}),
    ...(typeof krakenBase === 'number' ? { krakenBase } : {}),
    ...(typeof diffBase === 'number' ? { diffBase } : {}),
    ...(typeof detail === 'string' ? { detail } : {}),
  };
}

function encodePair(p: PairResult, price: number | undefined): JournalPairRecord {
  const out: JournalPairRecord = { p: p.pair, d: p.data.ok ? 1 : [p.data.reason, p.data.detail] };
  if (price !== undefined && Number.isFinite(price)) out.c = price;
  const e = p.entry;
  if (e?.decision === 'buy') {
    const sizing = e.checks.find((c) => c.rule === 'sizing')?.explanation ?? {};
    out.n = ['b', e.costQuote, e.referencePrice, e.signal.strategy, round(e.signal.confidence), round(e.signal.expectedEdge), compact(e.signal.explanation), compact(sizing)];
  } else if (e) {
    out.n = ['n', e.stage, e.rule, e.reason, compact(e.explanation), ...(e.signal ? [e.signal.strategy] : [])];
  }
  const x = p.exit;
  if (x?.decision === 'hold') out.x = ['h', compact(x.explanation), ...(x.blocked ? [x.blocked] : [])];
  else if (x?.decision === 'sell') out.x = ['s', x.reason, x.triggerPrice, compact(x.explanation), x.priceSource ?? 'candles'];
  else if (x?.decision === 'skipped') out.x = ['k', x.reason];
  else if (x?.decision === 'dust') out.x = ['d', x.amountBase, x.realizedPnlQuote];
  if (p.orders.length) out.o = p.orders.map(encodeOrder);
  return out;
}

function encodeOrder(o: OrderOutcome): (string | number | null)[] {
  const row: (string | number | null)[] = [o.clientOrderId, o.side, o.reason, o.status, o.amountBase ?? null, o.price ?? null, o.feeQuote ?? null, o.realizedPnlQuote ?? null, o.error ?? null];
  // Trailing nulls carry nothing.
  while (row.length > 4 && row[row.length - 1] === null) row.pop();
  return row;
}

/** Decodes a stored entry; throws for a version this code does not know. */
export function decodeJournal(entry: JournalEntry): JournalTick {
  const r = entry.record;
  if (r.v !== JOURNAL_VERSION) throw new Error(`journal record ${entry.candleCloseIso} has version ${String(r.v)}, this code reads ${JOURNAL_VERSION}`);
  return {
    mode: entry.mode,
    candleCloseIso: entry.candleCloseIso,
    atMs: entry.atMs,
    durationMs: r.ms,
    equityQuote: r.e ?? null,
    halt: r.h ? { entries: r.h[0] === 1, exits: r.h[1] === 1, reasons: r.h.slice(2) as string[] } : { entries: false, exits: false, reasons: [] },
    locks: (r.l ?? []).map(([pair, reason]) => ({ pair, reason })),
    errors: r.x ?? [],
    reconciled: (r.r ?? []).map(([clientOrderId, pair, side, result, detail]) => ({ clientOrderId: clientOrderId!, pair: pair!, side: side!, result: result!, ...(detail ? { detail } : {}) })),
    holdings: { agreed: r.k?.[0] ?? 0, others: (r.k?.slice(1) ?? []).map((row) => decodeHoldings(row as (string | number | null)[])) },
    pairs: r.p.map(decodePair),
  };
}

function decodePair(p: JournalPairRecord): JournalPair {
  const out: JournalPair = { pair: p.p, price: p.c ?? null, data: p.d === 1 ? { ok: true } : { ok: false, reason: p.d[0], detail: p.d[1] }, orders: [] };
  const n = p.n;
  if (n?.[0] === 'b') {
    out.entry = { decision: 'buy', costQuote: n[1] as number, referencePrice: n[2] as number, strategy: n[3] as string, confidence: n[4] as number, expectedEdge: n[5] as number, signal: (n[6] ?? {}) as Explanation, sizing: (n[7] ?? {}) as Explanation };
  } else if (n?.[0] === 'n') {
    out.entry = { decision: 'none', stage: n[1] as string, rule: n[2] as string, reason: n[3] as string, values: (n[4] ?? {}) as Explanation, ...(n[5] ? { strategy: n[5] as string } : {}) };
  }
  const x = p.x;
  if (x?.[0] === 'h') out.exit = { decision: 'hold', values: (x[1] ?? {}) as Explanation, ...(x[2] ? { blocked: x[2] as string } : {}) };
  else if (x?.[0] === 's') out.exit = { decision: 'sell', reason: x[1] as string, triggerPrice: x[2] as number, values: (x[3] ?? {}) as Explanation, priceSource: x[4] as string };
  else if (x?.[0] === 'k') out.exit = { decision: 'skipped', reason: x[1] as string };
  else if (x?.[0] === 'd') out.exit = { decision: 'dust', amountBase: x[1] as number, realizedPnlQuote: x[2] as number };
  out.orders = (p.o ?? []).map((o) => {
    const [clientOrderId, side, reason, status, amountBase, price, feeQuote, realizedPnlQuote, error] = o;
    return {
      clientOrderId: String(clientOrderId),
      side: String(side),
      reason: String(reason),
      status: String(status),
      ...(typeof amountBase === 'number' ? { amountBase } : {}),
      ...(typeof price === 'number' ? { price } : {}),
      ...(typeof feeQuote === 'number' ? { feeQuote } : {}),
      ...(typeof realizedPnlQuote === 'number' ? { realizedPnlQuote } : {}),
      ...(typeof error === 'string' ? { error } : {}),
    };
  });
  return out;
}

/**
 * Writes the journal record of a completed scheduled tick (`journal.ttlDays` 0: none). Never
 * throws: the journal is for people, and a failed write must not fail a tick that traded.
 */
export async function writeJournal(
  deps: { config: Pick<BotConfig, 'mode' | 'journal'>; store: Pick<StorePort, 'putJournal'>; clock: ClockPort; logger: LoggerPort; metrics: MetricsPort },
  result: TickResult,
  prices: Readonly<Record<Pair, number>>,
): Promise<void> {
  const ttlDays = deps.config.journal.ttlDays;
  if (!(ttlDays > 0) || result.status !== 'completed') return;
  const atMs = deps.clock.nowMs();
  try {
    await deps.store.putJournal({ mode: deps.config.mode, candleCloseIso: result.candleCloseIso, atMs, expiresAtMs: atMs + ttlDays * ONE_DAY_MS, record: encodeJournal(result, prices) });
  } catch (err) {
    deps.metrics.add('JournalErrors', 'Count', 1);
    deps.logger.warn('decision journal not written', { candleCloseIso: result.candleCloseIso, error: (err as Error).message });
  }
}

/** Numbers in an explanation, cut to 6 significant digits (they are for reading, not for arithmetic). */
function compact(e: Explanation): Explanation {
  const out: Explanation = {};
  for (const [k, v] of Object.entries(e)) out[k] = typeof v === 'number' ? (Number.isFinite(v) ? round(v) : null) : v;
  return out;
}

function round(x: number, digits = 6): number {
  return Number.isFinite(x) && !Number.isInteger(x) ? Number(x.toPrecision(digits)) : x;
}
