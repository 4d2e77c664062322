// Primary adapter support (Telegram): the inline "Confirm" button of a command that sells or stops
// the bot. Its callback data names the command, carries an expiry and a one-time nonce, and is
// signed (HMAC-SHA256 with the webhook secret), so a button cannot be forged or altered, and an
// old one stops working. The nonce becomes the command's request id, so a repeated press is the
// same request (the tick derives the same client order ids) and a marker makes it run once.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Commands that are confirmed with a button (flatten and force-exit always; others when the assistant proposes them). */
export const CONFIRMABLE = ['flatten', 'force-exit', 'pause', 'resume', 'halt', 'unhalt'] as const;
export type ConfirmableCommand = (typeof CONFIRMABLE)[number];

const CODES: Record<ConfirmableCommand, string> = { flatten: 'fl', 'force-exit': 'fx', pause: 'pa', resume: 're', halt: 'ha', unhalt: 'un' };
const BY_CODE = Object.fromEntries(Object.entries(CODES).map(([command, code]) => [code, command])) as Record<string, ConfirmableCommand>;

/** How long a confirmation button works. */
export const CONFIRMATION_TTL_MS = 2 * 60_000;

/** What a pressed button asks for. */
export interface Confirmation {
  command: ConfirmableCommand;
  pair?: string;
  /** One-time id: the request id's suffix and the run-once marker's key. */
  nonce: string;
  expiresAtMs: number;
}

/** Telegram allows at most 64 bytes of callback data. */
export const MAX_CALLBACK_DATA_BYTES = 64;

/** Callback data of the Cancel button. */
export const CANCEL_DATA = 'k1:cancel';

function mac(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url').slice(0, 16);
}

/** Signed callback data for the Confirm button of `command`. */
export function signConfirmation(key: string, c: { command: ConfirmableCommand; pair?: string }, nowMs: number, nonce = randomBytes(6).toString('base64url')): string {
  const payload = `k1:${CODES[c.command]}:${c.pair ?? '-'}:${Math.ceil((nowMs + CONFIRMATION_TTL_MS) / 1000).toString(36)}:${nonce}`;
  const data = `${payload}:${mac(key, payload)}`;
  if (Buffer.byteLength(data) > MAX_CALLBACK_DATA_BYTES) throw new Error(`confirmation for ${c.command} ${c.pair ?? ''} does not fit Telegram's 64-byte callback data`);
  return data;
}

/** Why a button press is not honoured. */
export type ConfirmationRefusal = 'malformed' | 'bad-signature' | 'expired';

/** Reads and checks callback data; a refusal when it is not ours, altered, or too old. */
export function verifyConfirmation(key: string, data: string, nowMs: number): Confirmation | { refused: ConfirmationRefusal } {
  const parts = data.split(':');
  if (parts.length !== 6 || parts[0] !== 'k1') return { refused: 'malformed' };
  const [, code, pair, expiry, nonce, signature] = parts as [string, string, string, string, string, string];
  const expected = mac(key, parts.slice(0, 5).join(':'));
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) return { refused: 'bad-signature' };
  const command = BY_CODE[code];
  const expiresAtMs = Number.parseInt(expiry, 36) * 1000;
  if (!command || !Number.isFinite(expiresAtMs) || !/^[A-Za-z0-9_-]{4,16}$/.test(nonce)) return { refused: 'malformed' };
  if (nowMs > expiresAtMs) return { refused: 'expired' };
  return { command, ...(pair !== '-' ? { pair } : {}), nonce, expiresAtMs };
}
