// Use case (the assistant): the check between the model and the person. Every figure, pair, order
// id, date and time in the model's answer must appear in what the tools returned (or in the
// question); a figure stated beside a pair must belong to that pair's records (or be a total); a
// sentence about buying or selling a pair needs a record of that pair trading. A sentence that
// fails is replaced by a refusal, and the answer ends with what the records do show.
import type { RejectedClaim, ValidationReport } from './assistantTypes.js';

/** What the answer is checked against. */
export interface Evidence {
  question: string;
  /** Every tool result of the conversation, as returned. */
  toolResults: readonly unknown[];
  /** One line each of what the records show, for the refusal. */
  known: readonly string[];
}

/** The text that stands in for a refused sentence. */
export const REFUSAL = '[not shown: the bot\'s records do not support this statement]';

const PAIR = /\b[A-Z0-9]{2,10}\/[A-Z0-9]{2,10}\b/g;
const ORDER_ID = /\b(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/gi;
const ISO_TIME = /\b(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z?)?\b/g;
const CLOCK = /\b([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d)?\b/g;
const NUMBER = /(?<![\w.])([-+−]?)(?:[$€£])?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(\s?[kK]\b)?(%?)/g;
const TRADE_WORDS = /\b(bought|buy|buys|sold|sell|sells|entered|entry|exited|exit|closed|opened|traded|trade|trades|filled|fill)\b/i;
const NEGATION = /\b(no|not|never|none|nothing|didn't|did not|hasn't|has not|haven't|have not|without)\b/i;

interface NumberFact {
  value: number;
  /**
   * `count` for a setting or tally (days, limits, counts, integers inside text), `value` for a
   * money amount, price, quantity or rule value. A figure stated with decimals, a sign or a percent
   * must be a `value`: "+30.00" is not supported by a 30-day window.
   */
  kind: 'count' | 'value';
  /** The pair of the nearest enclosing record with a `pair`, or undefined for totals and settings. */
  pair: string | undefined;
}

interface Facts {
  numbers: NumberFact[];
  pairs: Set<string>;
  /** Pairs with a trade-like record (a ledger row, a position, an order). */
  tradedPairs: Set<string>;
  orderIds: Set<string>;
  dates: Set<string>;
  clocks: Set<string>;
}

function emptyFacts(): Facts {
  return { numbers: [], pairs: new Set(), tradedPairs: new Set(), orderIds: new Set(), dates: new Set(), clocks: new Set() };
}

/** Collects what a text says (strings in tool results, the question). */
/** Keys whose numbers are tallies or settings, not figures about money. */
const COUNT_KEYS = new Set(['days', 'count', 'limit', 'rows', 'closed', 'wins', 'losses', 'entries', 'exits', 'trades', 'openPositions', 'buys', 'version', 'maxTradesPerDay', 'maxTradesPerPairPerDay']);

function addText(facts: Facts, text: string, pair: string | undefined, withNumbers: boolean): void {
  for (const m of text.matchAll(PAIR)) facts.pairs.add(m[0]);
  for (const m of text.matchAll(ORDER_ID)) facts.orderIds.add(m[0].toLowerCase());
  let rest = text;
  for (const m of text.matchAll(ISO_TIME)) {
    facts.dates.add(m[1]!);
    if (m[2]) facts.clocks.add(m[2]);
    rest = rest.replace(m[0], ' ');
  }
  for (const m of rest.matchAll(CLOCK)) facts.clocks.add(`${m[1]!.padStart(2, '0')}:${m[2]}`);
  if (!withNumbers) return;
  for (const m of rest.replace(PAIR, ' ').replace(ORDER_ID, ' ').matchAll(NUMBER)) {
    const parsed = parseNumber(m);
    if (parsed) facts.numbers.push({ value: parsed.value, pair, kind: Number.isInteger(parsed.value) ? 'count' : 'value' });
  }
}

function addJson(facts: Facts, value: unknown, pair: string | undefined, key = ''): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) facts.numbers.push({ value, pair, kind: COUNT_KEYS.has(key) ? 'count' : 'value' });
    return;
  }
  if (typeof value === 'string') {
    // Numbers inside ISO times are dates, not figures; other strings (a rule's reason) may carry figures.
    addText(facts, value, pair, !/^\d{4}-\d{2}-\d{2}T/.test(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) addJson(facts, item, pair, key);
    return;
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const own = typeof record.pair === 'string' ? record.pair.toUpperCase() : pair;
    if (typeof record.pair === 'string' && ('side' in record || 'amountBase' in record || 'entryPrice' in record)) facts.tradedPairs.add(own!);
    for (const [key, item] of Object.entries(record)) {
      // A key can carry a pair (per-pair maps such as `pair#BTC/USD`).
      if (PAIR.test(key)) addText(facts, key, own, false);
      PAIR.lastIndex = 0;
      addJson(facts, item, own, key);
    }
  }
}

function parseNumber(m: RegExpMatchArray): { value: number; decimals: number; percent: boolean; thousands: boolean; signed: boolean } | undefined {
  const [, sign, integer, fraction, kilo, percent] = m;
  if (integer === undefined) return undefined;
  const magnitude = Number(`${integer.replace(/,/g, '')}${fraction ? `.${fraction}` : ''}`);
  if (!Number.isFinite(magnitude)) return undefined;
  const value = (sign === '-' || sign === '−' ? -1 : 1) * magnitude * (kilo ? 1000 : 1);
  return { value, decimals: (fraction?.length ?? 0) - (kilo ? 3 : 0), percent: percent === '%', thousands: Boolean(kilo), signed: sign !== '' };
}

/** Whether `fact`, rounded as the answer rounded it, is the stated figure (signed, or as a magnitude). */
function matches(stated: number, decimals: number, fact: number): boolean {
  const tolerance = 0.5 * 10 ** -decimals + 1e-9 * Math.max(1, Math.abs(fact));
  return Math.abs(stated - fact) <= tolerance || Math.abs(Math.abs(stated) - Math.abs(fact)) <= tolerance;
}

/**
 * Whether a stated figure is in the records. Beside pairs, it must be one of those pairs' figures,
 * or a total (no pair) that is not another pair's figure: "ETH/USD made +14.22" is refused when
 * 14.22 is BTC/USD's P&L, even if it is also the day's total.
 */
function supportedNumber(facts: Facts, parsed: { value: number; decimals: number; percent: boolean; signed: boolean }, pairs: readonly string[]): boolean {
  const figure = parsed.decimals > 0 || parsed.signed || parsed.percent;
  const hit = (f: NumberFact) => (!figure || f.kind === 'value') && matches(parsed.value, parsed.decimals, f.value) || (parsed.percent && Math.abs(f.value) < 10 && matches(parsed.value, parsed.decimals, f.value * 100));
  if (pairs.length === 0) return facts.numbers.some(hit);
  if (facts.numbers.some((f) => f.pair !== undefined && pairs.includes(f.pair) && hit(f))) return true;
  const otherPairs = facts.numbers.some((f) => f.pair !== undefined && !pairs.includes(f.pair) && hit(f));
  return !otherPairs && facts.numbers.some((f) => f.pair === undefined && hit(f));
}

/** A line's list marker ("1.", "2)", "-") is layout, not a figure. */
const LIST_MARKER = /^\s*(?:\d{1,2}[.)]|[-*•])\s+/;

/** Splits a line into sentences without breaking decimals ("12.34") or pairs. */
function sentences(line: string): string[] {
  return line.split(/(?<=[.!?])\s+(?=\S)/).filter((s) => s.trim() !== '');
}

/** Checks one sentence; the reasons it is not supported (empty: supported). */
function check(sentence: string, facts: Facts, question: Facts): string[] {
  const reasons: string[] = [];
  const pairs = [...new Set([...sentence.matchAll(PAIR)].map((m) => m[0]))];
  for (const pair of pairs) if (!facts.pairs.has(pair) && !question.pairs.has(pair)) reasons.push(`pair ${pair} is in no record`);
  if (TRADE_WORDS.test(sentence) && !NEGATION.test(sentence)) {
    for (const pair of pairs) if (facts.pairs.has(pair) && !facts.tradedPairs.has(pair)) reasons.push(`no trade, position or order of ${pair} is recorded`);
  }
  for (const m of sentence.matchAll(ORDER_ID)) if (!facts.orderIds.has(m[0].toLowerCase())) reasons.push(`order id ${m[0]} is in no record`);
  let rest = sentence.replace(LIST_MARKER, ' ').replace(PAIR, ' ').replace(ORDER_ID, ' ');
  for (const m of sentence.matchAll(ISO_TIME)) {
    if (!facts.dates.has(m[1]!) && !question.dates.has(m[1]!)) reasons.push(`date ${m[1]} is in no record`);
    if (m[2] && !facts.clocks.has(m[2]) && !question.clocks.has(m[2])) reasons.push(`time ${m[2]} is in no record`);
    rest = rest.replace(m[0], ' ');
  }
  for (const m of rest.matchAll(CLOCK)) {
    const clock = `${m[1]!.padStart(2, '0')}:${m[2]}`;
    if (!facts.clocks.has(clock) && !question.clocks.has(clock)) reasons.push(`time ${clock} is in no record`);
    rest = rest.replace(m[0], ' ');
  }
  for (const m of rest.matchAll(NUMBER)) {
    const parsed = parseNumber(m);
    if (!parsed) continue;
    if (supportedNumber(question, parsed, [])) continue;
    if (!supportedNumber(facts, parsed, pairs)) reasons.push(pairs.length ? `${m[0].trim()} is in no record of ${pairs.join(', ')}` : `${m[0].trim()} is in no record`);
  }
  return reasons;
}

/**
 * The answer as it may be shown: each sentence that fails a rule above is replaced by `REFUSAL`,
 * and when any was, a closing paragraph says what the records do show.
 */
export function validateAnswer(answer: string, evidence: Evidence): { text: string; report: ValidationReport } {
  const facts = emptyFacts();
  for (const result of evidence.toolResults) addJson(facts, result, undefined);
  const question = emptyFacts();
  addText(question, evidence.question, undefined, true);
  const rejected: RejectedClaim[] = [];
  const lines = answer.split('\n').map((line) =>
    sentences(line)
      .map((sentence) => {
        const reasons = check(sentence, facts, question);
        if (reasons.length === 0) return sentence;
        rejected.push({ sentence, reasons });
        return REFUSAL;
      })
      .join(' '),
  );
  let text = lines.join('\n').trim();
  if (rejected.length) {
    const known = evidence.known.filter(Boolean);
    text += `\n\nWhat the records show: ${known.length ? known.join('; ') : 'nothing was read for this answer; try /status, /profit or /trades'}.`;
  }
  return { text, report: { ok: rejected.length === 0, rejected } };
}
