// Core domain: deterministic client order ids. The same decision always maps to the same id, so a
// second invocation, a crash-restart or a repeated operator request finds the first intent instead
// of sending again.
import { createHash } from 'node:crypto';
import type { Mode, OrderReason, Pair, Side } from './types.js';

/** What identifies one trading decision. */
export interface DecisionKey {
  mode: Mode;
  pair: Pair;
  side: Side;
  reason: OrderReason;
  /** The candle the decision was taken on, or `cmd:<requestId>` for operator commands. */
  decidedOn: string;
}

/**
 * A 32-hex-character id (a form Kraken accepts for `cl_ord_id`) derived from the decision.
 * SHA-256 truncated to 128 bits: collisions between distinct decisions are not a practical concern.
 */
export function clientOrderIdFor(key: DecisionKey): string {
  const text = [key.mode, key.pair, key.side, key.reason, key.decidedOn].join('|');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * A 32-hex-character id for a bookkeeping event that sends no order (a dust write-off, an adoption,
 * a release), derived from what identifies the event, so repeating it writes the same ledger row.
 */
export function bookkeepingIdFor(mode: Mode, pair: Pair, event: string): string {
  return createHash('sha256').update([mode, pair, 'book', event].join('|')).digest('hex').slice(0, 32);
}
