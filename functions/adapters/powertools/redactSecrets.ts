// Secondary adapters (logging): scrubs secrets from structured log fields before any logger
// writes them, in Lambda (Powertools) and locally (console) alike.

/** The text that replaces a secret. */
export const REDACTED = '[redacted]';

/**
 * Field names whose values are secrets: apiKey, api_secret, secret, signature, API-Sign,
 * password, private key, token, authorization, credentials. Matched on the name with
 * separators removed, case-insensitively.
 */
const SECRET_FIELD = /(apikey|apisecret|secret|signature|apisign|password|passphrase|privatekey|token|authorization|credentials?$|cookie)/;

const MAX_DEPTH = 8;

/** Whether a field of this name holds a secret. */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name.toLowerCase().replace(/[-_\s.]/g, ''));
}

/**
 * A copy of `value` with every secret-named field replaced by `[redacted]`, at any depth.
 * Errors become `{ name, message, stack, ... }` and class instances (a ccxt exchange holds
 * `apiKey` and `secret`) plain objects, both scrubbed the same way; cycles and very deep values
 * are cut rather than followed.
 */
export function redactSecrets(fields: Record<string, unknown>): Record<string, unknown>;
export function redactSecrets(value: unknown): unknown;
export function redactSecrets(value: unknown): unknown {
  return scrub(value, 0, new WeakSet());
}

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen));
    const source: Record<string, unknown> =
      value instanceof Error
        ? { ...value, name: value.name, message: value.message, stack: value.stack, ...(value.cause === undefined ? {} : { cause: value.cause }) }
        : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(source)) out[key] = isSecretField(key) ? REDACTED : scrub(item, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}
