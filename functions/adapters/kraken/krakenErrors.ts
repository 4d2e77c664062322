// Secondary adapter (Kraken via ccxt): turns ccxt's errors into the core's ExchangeError kinds.
// The order protocol's safety rests on this table: 'rejected' only when Kraken certainly did not
// execute, 'ambiguous' whenever an order may have executed.
import {
  AuthenticationError,
  BadRequest,
  BadResponse,
  DDoSProtection,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  NotSupported,
  OnMaintenance,
  ArgumentsRequired,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from './ccxtKraken.js';
import { ExchangeError, type ExchangeErrorKind } from '../../core/ports.js';

/** What was being done when the error happened: a read, or sending an order (AddOrder). */
export type KrakenOperation = 'read' | 'order';

/** Kraken error strings that mean "refused before processing" although ccxt maps them to a plain ExchangeError. */
const REFUSED_PREFIXES = ['EService:Throttled', 'EAPI:Rate limit', 'EGeneral:Too many requests', 'EGeneral:Temporary lockout'];

/** The Kraken error string inside a ccxt message (`kraken {"error":["EOrder:Insufficient funds"],...}`). */
export function krakenErrorText(message: string): string | undefined {
  const envelope = /"error"\s*:\s*\[\s*"((?:[^"\\]|\\.)*)"/.exec(message);
  if (envelope) return envelope[1];
  const bare = /\b([EW](?:API|Order|General|Service|Query|Funding|Trade|Session|Database|Auth|Budget):[^"\]\n]*)/.exec(message);
  return bare?.[1]?.trim();
}

/**
 * Maps anything a ccxt call threw to an ExchangeError.
 * - `rejected`: InsufficientFunds, InvalidOrder (incl. minimum not met, OrderNotFound), BadRequest
 *   (incl. unknown pair), PermissionDenied, and any `EOrder:`/`EGeneral:Invalid arguments` text.
 * - `auth`: AuthenticationError, `EAPI:Invalid key`, `EAPI:Invalid signature`.
 * - `unavailable`: rate limits, `EAPI:Invalid nonce`, throttling, market in maintenance mode (Kraken
 *   refused before processing), and for reads also ExchangeNotAvailable / 5xx / unknown errors.
 * - `ambiguous`: timeouts and other network errors; for orders also ExchangeNotAvailable / 5xx and
 *   anything unrecognised (the order may have executed, so the caller must look it up).
 * `secrets` are scrubbed from the message.
 */
export function toExchangeError(err: unknown, operation: KrakenOperation, what: string, secrets: readonly string[] = []): ExchangeError {
  if (err instanceof ExchangeError) return err;
  const raw = err instanceof Error ? err.message : String(err);
  const text = krakenErrorText(raw);
  const kind = classify(err, operation, text);
  const message = scrub(`${what} failed: ${text ?? shorten(raw)}`, secrets);
  return new ExchangeError(kind, message, text === undefined ? undefined : scrub(text, secrets));
}

function classify(err: unknown, operation: KrakenOperation, text: string | undefined): ExchangeErrorKind {
  // Order matters: several classes are subclasses of others (PermissionDenied of
  // AuthenticationError, OnMaintenance of ExchangeNotAvailable, all network errors of NetworkError).
  if (err instanceof PermissionDenied) return 'rejected';
  if (err instanceof AuthenticationError) return 'auth';
  if (err instanceof InsufficientFunds || err instanceof InvalidOrder || err instanceof BadRequest) return 'rejected';
  if (err instanceof ArgumentsRequired || err instanceof NotSupported) return 'rejected';
  if (err instanceof DDoSProtection || err instanceof RateLimitExceeded || err instanceof InvalidNonce) return 'unavailable';
  if (err instanceof OnMaintenance) return 'unavailable';
  if (err instanceof RequestTimeout) return 'ambiguous';
  if (err instanceof ExchangeNotAvailable) return operation === 'order' ? 'ambiguous' : 'unavailable';
  if (err instanceof NetworkError) return 'ambiguous';
  if (err instanceof BadResponse) return operation === 'order' ? 'ambiguous' : 'unavailable';
  if (text !== undefined) {
    if (text.startsWith('EAPI:Invalid key') || text.startsWith('EAPI:Invalid signature') || text.startsWith('ESession:')) return 'auth';
    if (REFUSED_PREFIXES.some((p) => text.startsWith(p))) return 'unavailable';
    if (text.startsWith('EOrder:') || text.startsWith('EGeneral:Invalid arguments') || text.startsWith('EQuery:')) return 'rejected';
  }
  // Unknown: for an order, assume it may have executed; for a read, "no data this time".
  return operation === 'order' ? 'ambiguous' : 'unavailable';
}

function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

function shorten(message: string): string {
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
