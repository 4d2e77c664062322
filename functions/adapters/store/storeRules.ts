// Secondary adapters (stores): the rules both StorePort implementations share, so the in-memory
// store and the DynamoDB store refuse, order and expire things the same way.
import type { ReserveResult, DailyLimits } from '../../core/ports.js';
import type { DayCounters, IntentStatus, OrderIntent } from '../../core/types.js';

/** Why a reservation is refused, in the order the contract reports it (kill switch first). */
export type ReserveRefusal = Extract<ReserveResult, { reserved: false }>['reason'];

/**
 * Decides whether one more entry fits the day. Both stores use it: the memory store as its
 * check, the DynamoDB store to name the cap after its conditional update failed.
 */
export function reserveRefusal(
  counters: { trades: number; pairTrades: number; killSwitchTripped: boolean },
  limits: DailyLimits,
): ReserveRefusal | undefined {
  if (counters.killSwitchTripped) return 'kill-switch';
  if (!(counters.trades < limits.maxTradesPerDay)) return 'daily-trade-cap';
  if (!(counters.pairTrades < limits.maxTradesPerPairPerDay)) return 'pair-trade-cap';
  return undefined;
}

/** The counters of a day nobody has touched yet. */
export function emptyDay(day: string): DayCounters {
  return { day, trades: 0, tradesByPair: {}, exits: 0, realizedPnlQuote: 0, killSwitchTripped: false, reservations: {} };
}

/** Whether a day's realized P&L has reached the loss limit (non-finite limits never trip). */
export function lossLimitReached(realizedPnlQuote: number, maxDailyLossQuote: number): boolean {
  return Number.isFinite(maxDailyLossQuote) && realizedPnlQuote <= -maxDailyLossQuote;
}

/** Intents in these states are settled: they get a TTL and never come back as pending. */
export function isFinalIntentStatus(status: IntentStatus): boolean {
  return status !== 'PENDING';
}

/** PENDING, or written off (FAILED) and still inside its re-check window at `nowMs`. */
export function isUnresolvedIntent(intent: Pick<OrderIntent, 'status' | 'recheckUntilMs'>, nowMs: number): boolean {
  return intent.status === 'PENDING' || (intent.status === 'FAILED' && intent.recheckUntilMs !== undefined && intent.recheckUntilMs > nowMs);
}

/** Latest instant whose ISO string still sorts correctly (4-digit year); ledger ranges clamp to it. */
export const MAX_ISO_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The trade ledger's sort key. Time first so a range query is a time range; pair and client
 * order id make it unique and let a retried append land on the same key.
 */
export function tradeSortKey(timestampMs: number, pair: string, clientOrderId: string): string {
  return `${isoTime(timestampMs)}#${pair}#${clientOrderId}`;
}

/** ISO-8601 UTC with milliseconds, clamped to the range where ISO strings sort as times. */
export function isoTime(timestampMs: number): string {
  return new Date(Math.min(Math.max(timestampMs, 0), MAX_ISO_TIME_MS)).toISOString();
}

/**
 * A deep copy of plain data that drops `undefined` properties, as DynamoDB's marshalling does,
 * so callers of either store see the same shapes and can never mutate stored state.
 */
export function copyPlain<T>(value: T): T {
  return copyValue(value) as T;
}

function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) if (item !== undefined) out.push(copyValue(item));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) out[key] = copyValue(item);
  }
  return out;
}
