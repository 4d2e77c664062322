// Kraken sandbox: AddOrder's `deadline`. Kraken's REST reference: an RFC 3339 timestamp (e.g.
// 2021-04-01T00:18:45Z) after which the matching engine should reject the new order request, in
// presence of latency or order queueing; min now() + 2 seconds, max now() + 60 seconds.
import { invalidArguments, KrakenApiError } from './krakenApiError.js';

/** The earliest deadline Kraken accepts, after now. */
export const DEADLINE_MIN_AHEAD_MS = 2_000;
/** The latest deadline Kraken accepts, after now. */
export const DEADLINE_MAX_AHEAD_MS = 60_000;

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The deadline in ms, checked against the sandbox's `nowMs`: one already passed is
 * `EService:Deadline elapsed`; one that does not parse, or lies less than 2 s or more than 60 s
 * ahead, is `EGeneral:Invalid arguments:deadline`.
 */
export function parseDeadline(text: string, nowMs: number): number {
  const m = RFC3339.exec(text);
  // Milliseconds are the sandbox's precision; finer digits are dropped, not rounded.
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : ''}${m[4]!.toUpperCase()}`) : Number.NaN;
  if (!Number.isFinite(ms)) throw invalidArguments('deadline');
  if (ms <= nowMs) throw new KrakenApiError('EService:Deadline elapsed');
  if (ms < nowMs + DEADLINE_MIN_AHEAD_MS || ms > nowMs + DEADLINE_MAX_AHEAD_MS) throw invalidArguments('deadline');
  return ms;
}
