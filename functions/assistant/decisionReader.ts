// Read model: "why did the bot do (or not do) X on PAIR?", answered from the bot's own records.
// Two sources behind one small interface: the decision journal (one record per scheduled tick, when
// the store has one) and, as the fallback, the last completed tick's stored summary.
//
// `storeDecisionReader` is what the webhook and `kbot ask` use: the journal first, the last tick when
// the journal holds nothing for that time (journal disabled, or older than its TTL).
import { decodeJournal } from '../core/journal.js';
import type { StorePort } from '../core/ports.js';
import type { Mode, Pair } from '../core/types.js';

/** Scalar values a rule looked at (the engine's `Explanation`). */
export type DecisionValues = Record<string, number | string | boolean | null>;

/** One pair's decisions in one tick: the shape of the journal's decoded `JournalPair`, every field optional but the pair. */
export interface DecisionPair {
  pair: Pair;
  price?: number | null;
  data?: { ok: true } | { ok: false; reason: string; detail: string };
  entry?:
    | { decision: 'buy'; costQuote: number; referencePrice: number; strategy: string; confidence?: number; expectedEdge?: number; signal?: DecisionValues; sizing?: DecisionValues }
    | { decision: 'none'; stage: string; rule: string; reason: string; values?: DecisionValues; strategy?: string };
  exit?:
    | { decision: 'hold'; values?: DecisionValues; blocked?: string }
    | { decision: 'sell'; reason: string; triggerPrice: number; values?: DecisionValues; priceSource?: string }
    | { decision: 'skipped'; reason: string }
    | { decision: 'dust'; amountBase: number; realizedPnlQuote: number };
  orders: { clientOrderId?: string; side: string; reason: string; status: string; amountBase?: number; price?: number; feeQuote?: number; realizedPnlQuote?: number; error?: string }[];
}

/** One tick's decisions: the shape of the journal's decoded `JournalTick` (fields the readers use). */
export interface DecisionTick {
  candleCloseIso: string;
  halt: { entries: boolean; exits: boolean; reasons: string[] };
  locks: { pair: Pair; reason: string }[];
  errors: string[];
  pairs: DecisionPair[];
}

/** What a reader found for one pair. */
export interface PairDecision {
  /** Where it came from: the journal has every rule and value; the last tick only orders, skips, locks and halts. */
  source: 'journal' | 'last-tick';
  candleCloseIso: string;
  /** The tick's halt, locks on this pair and errors. */
  halt: DecisionTick['halt'];
  locks: string[];
  errors: string[];
  decision: DecisionPair;
}

/** Answers "why" for a pair at a time. */
export interface DecisionReader {
  readonly source: PairDecision['source'];
  /**
   * The pair's decision in the latest tick whose candle closed at or before `atMs` (the latest tick
   * when omitted); undefined when the records hold none.
   */
  decisionFor(mode: Mode, pair: Pair, atMs?: number): Promise<PairDecision | undefined>;
}

/** The journal as a reader takes it: decoded ticks whose candle closed in [fromMs, toMs]. */
export type ListDecisionTicks = (mode: Mode, fromMs: number, toMs: number, options: { limit?: number; newestFirst?: boolean }) => Promise<DecisionTick[]>;

/** How far back a `[time]` may reach for the journal's nearest tick (a tick every 5 minutes). */
const LOOKBACK_MS = 30 * 60_000;

/** A reader over the decision journal. */
export function journalDecisionReader(listTicks: ListDecisionTicks, nowMs: () => number = Date.now): DecisionReader {
  return {
    source: 'journal',
    async decisionFor(mode, pair, atMs) {
      const toMs = atMs ?? nowMs();
      const [tick] = await listTicks(mode, toMs - LOOKBACK_MS, toMs, { limit: 1, newestFirst: true });
      const decision = tick?.pairs.find((p) => p.pair === pair);
      if (!tick || !decision) return undefined;
      return { source: 'journal', candleCloseIso: tick.candleCloseIso, halt: tick.halt, locks: tick.locks.filter((l) => l.pair === pair).map((l) => l.reason), errors: tick.errors, decision };
    },
  };
}

/** The journal, falling back to the last tick's summary when the journal has no tick for that time. */
export function storeDecisionReader(store: Pick<StorePort, 'listJournal' | 'getLastTick'>, nowMs: () => number = Date.now): DecisionReader {
  const journal = journalDecisionReader((mode, fromMs, toMs, o) => store.listJournal(mode, fromMs, toMs, o).then((es) => es.map(decodeJournal)), nowMs);
  const last = lastTickDecisionReader(store);
  return {
    source: 'journal',
    async decisionFor(mode, pair, atMs) {
      return (await journal.decisionFor(mode, pair, atMs)) ?? last.decisionFor(mode, pair, atMs);
    },
  };
}

/**
 * The fallback: the last completed tick's summary (functions/core/tick.ts `summarize`: orders,
 * skipped pairs, locks, halt, errors). It knows only the latest tick, so a `[time]` before it gets
 * nothing rather than a decision from another candle.
 */
export function lastTickDecisionReader(store: Pick<StorePort, 'getLastTick'>): DecisionReader {
  return {
    source: 'last-tick',
    async decisionFor(mode, pair, atMs) {
      const last = await store.getLastTick(mode);
      if (!last) return undefined;
      if (atMs !== undefined && Date.parse(last.candleCloseIso) > atMs) return undefined;
      const s = (typeof last.summary === 'object' && last.summary !== null ? last.summary : {}) as Record<string, unknown>;
      const halt = readHalt(s.halt);
      const orders = arrayOf(s.orders)
        .filter((o) => o.pair === pair)
        .map((o) => ({ side: String(o.side ?? ''), reason: String(o.reason ?? ''), status: String(o.status ?? '') }));
      const skipped = arrayOf(s.skipped).find((x) => x.pair === pair);
      const decision: DecisionPair = {
        pair,
        orders,
        ...(skipped ? { data: { ok: false as const, reason: String(skipped.reason ?? ''), detail: 'from the last tick\'s summary' } } : {}),
      };
      return {
        source: 'last-tick',
        candleCloseIso: last.candleCloseIso,
        halt,
        locks: arrayOf(s.locks).filter((l) => l.pair === pair).map((l) => String(l.reason ?? '')),
        errors: Array.isArray(s.errors) ? s.errors.map(String) : [],
        decision,
      };
    },
  };
}

function arrayOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}

function readHalt(value: unknown): DecisionTick['halt'] {
  const h = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return { entries: h.entries === true, exits: h.exits === true, reasons: Array.isArray(h.reasons) ? h.reasons.map(String) : [] };
}

/** A few lines a person reads: what was decided for the pair and why. */
export function describeDecision(d: PairDecision): string[] {
  const p = d.decision;
  const lines = [`${p.pair} at the tick of ${d.candleCloseIso} (${d.source === 'journal' ? 'decision journal' : 'last tick summary only'}):`];
  if (p.price !== undefined && p.price !== null) lines.push(`price ${p.price}`);
  if (p.data && !p.data.ok) lines.push(`no trade: market data ${p.data.reason} (${p.data.detail})`);
  if (p.exit) {
    const x = p.exit;
    if (x.decision === 'hold') lines.push(`exit: hold${x.blocked ? ` (blocked: ${x.blocked})` : ''}${values(x.values)}`);
    else if (x.decision === 'sell') lines.push(`exit: sell (${x.reason}) at trigger ${x.triggerPrice}${values(x.values)}`);
    else if (x.decision === 'skipped') lines.push(`exit: skipped (${x.reason})`);
    else lines.push(`exit: dust ${x.amountBase}, realized ${x.realizedPnlQuote}`);
  }
  if (p.entry) {
    const e = p.entry;
    if (e.decision === 'buy') lines.push(`entry: buy for ${e.costQuote} at reference ${e.referencePrice} (${e.strategy})${values(e.signal)}`);
    else lines.push(`entry: none at stage ${e.stage}, rule ${e.rule}: ${e.reason}${values(e.values)}`);
  }
  for (const o of p.orders) {
    lines.push(`order: ${o.side} ${o.reason} ${o.status}${o.amountBase !== undefined ? ` ${o.amountBase}` : ''}${o.price !== undefined ? ` @ ${o.price}` : ''}${o.error ? ` (${o.error})` : ''}`);
  }
  if (d.halt.entries || d.halt.exits) lines.push(`halted: ${d.halt.entries ? 'entries' : ''}${d.halt.entries && d.halt.exits ? ' and ' : ''}${d.halt.exits ? 'exits' : ''}${d.halt.reasons.length ? ` (${d.halt.reasons.join('; ')})` : ''}`);
  for (const lock of d.locks) lines.push(`locked: ${lock}`);
  if (d.source === 'last-tick' && !p.entry && !p.exit && p.orders.length === 0 && !(p.data && !p.data.ok)) {
    lines.push('no order; the summary keeps no rule values (the decision journal does, when it is enabled)');
  }
  return lines;
}

function values(v: DecisionValues | undefined): string {
  if (!v) return '';
  const entries = Object.entries(v).slice(0, 8);
  return entries.length ? ` [${entries.map(([k, x]) => `${k}=${String(x)}`).join(', ')}]` : '';
}
