// Primary adapter support (Telegram webhook): who may talk to the bot. Telegram sends the secret
// token given at setWebhook in the X-Telegram-Bot-Api-Secret-Token header of every update; the
// chat the update comes from must be one of the configured chat ids.
import { createHash, timingSafeEqual } from 'node:crypto';

/** The header Telegram carries the webhook's secret token in (Lambda function URLs lower-case names). */
export const SECRET_TOKEN_HEADER = 'x-telegram-bot-api-secret-token';

/** Telegram's rule for a secret token: 1-256 characters of A-Z, a-z, 0-9, _ and -. */
export const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * Whether `header` is the secret, compared in constant time (over SHA-256 digests, so neither the
 * length nor the first differing byte shows in the timing).
 */
export function secretTokenMatches(header: string | undefined, secret: string): boolean {
  if (header === undefined || secret === '') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(header), digest(secret));
}

/** The header's value, whatever case the sender used for its name. */
export function headerValue(headers: Record<string, string | undefined> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The chat an update belongs to (a message, an edited message, a button press), if any. */
export function chatIdOf(update: unknown): number | undefined {
  if (typeof update !== 'object' || update === null) return undefined;
  const u = update as Record<string, { chat?: { id?: unknown }; message?: { chat?: { id?: unknown } } } | undefined>;
  const id = u.message?.chat?.id ?? u.edited_message?.chat?.id ?? u.callback_query?.message?.chat?.id ?? u.channel_post?.chat?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) ? id : undefined;
}
