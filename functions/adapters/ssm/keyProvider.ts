// Secondary adapter: the Kraken API keys, read from one SSM SecureString parameter and cached
// across warm invocations. Paper mode needs no keys, so a missing parameter is not an error.
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';

/** A Kraken API key pair. Never logged, never part of an error message. */
export interface KrakenKeys {
  apiKey: string;
  apiSecret: string;
}

/** How long warm invocations reuse the keys; a rotated key is picked up within this time. */
export const DEFAULT_KEYS_MAX_AGE_MS = 5 * 60_000;

const keysSchema = z.object({
  apiKey: z.string().trim().min(1),
  apiSecret: z.string().trim().min(1),
});

/** The parameter exists but does not hold a usable key pair. The message names the parameter, never its value. */
export class KeysParameterError extends Error {
  override readonly name = 'KeysParameterError';
}

/** Storing the key pair failed. The message names the parameter and the error, never any part of the value. */
export class KeysStoreError extends Error {
  override readonly name = 'KeysStoreError';
}

/**
 * Reads `{"apiKey":"...","apiSecret":"..."}` from one SecureString parameter (decrypted), checks
 * its shape and caches the result (also "no parameter") for `maxAgeMs`. Concurrent callers share
 * one request; failures are not cached, so the next tick tries again.
 */
export class SsmKeyProvider {
  private readonly client: SSMClient;
  private readonly parameterName: string;
  private readonly maxAgeMs: number;
  private readonly nowMs: () => number;
  private cached: { keys: KrakenKeys | undefined; fetchedAtMs: number } | undefined;
  private inFlight: Promise<KrakenKeys | undefined> | undefined;

  constructor(options: { client: SSMClient; parameterName: string; maxAgeMs?: number; nowMs?: () => number }) {
    this.client = options.client;
    this.parameterName = options.parameterName;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_KEYS_MAX_AGE_MS;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The keys, or undefined when the parameter does not exist. Throws `KeysParameterError` on a malformed value. */
  async get(): Promise<KrakenKeys | undefined> {
    if (this.cached && this.nowMs() - this.cached.fetchedAtMs < this.maxAgeMs) return this.cached.keys;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forgets the cached keys (e.g. after Kraken rejected them as invalid). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<KrakenKeys | undefined> {
    const fetchedAtMs = this.nowMs();
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: this.parameterName, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (error) {
      if (error instanceof ParameterNotFound || (error as { name?: unknown }).name === 'ParameterNotFound') {
        this.cached = { keys: undefined, fetchedAtMs };
        return undefined;
      }
      throw error;
    }
    const keys = parseKeys(this.parameterName, value);
    this.cached = { keys, fetchedAtMs };
    return keys;
  }
}

function parseKeys(parameterName: string, value: string | undefined): KrakenKeys {
  const expected = 'expected JSON {"apiKey":"...","apiSecret":"..."}; store it with `kbot keys set`';
  let json: unknown;
  try {
    json = JSON.parse(value ?? '');
  } catch {
    // JSON.parse's message quotes the input, which here is the secret: say only that it is not JSON.
    throw new KeysParameterError(`SSM parameter ${parameterName} is not JSON: ${expected}`);
  }
  const parsed = keysSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new KeysParameterError(`SSM parameter ${parameterName} does not hold valid Kraken keys (problem with: ${fields}): ${expected}`);
  }
  return parsed.data;
}

/**
 * Stores a key pair as the SecureString parameter the tick reads, replacing any older pair
 * (`kbot keys set`), encrypted with `kmsKeyId` when given (else the account's aws/ssm key). A
 * failure is rethrown without the value: see `describePutError`.
 */
export async function putKeys(client: SSMClient, name: string, keys: KrakenKeys, options: { kmsKeyId?: string } = {}): Promise<void> {
  const value = JSON.stringify({ apiKey: keys.apiKey, apiSecret: keys.apiSecret });
  try {
    await client.send(
      new PutParameterCommand({ Name: name, Type: 'SecureString', Overwrite: true, Value: value, ...(options.kmsKeyId ? { KeyId: options.kmsKeyId } : {}) }),
    );
  } catch (error) {
    // No `cause`: the original error may hold the value.
    throw new KeysStoreError(`Could not store the Kraken keys in SSM parameter ${name}: ${describePutError(error, keys)}`);
  }
}

/** Shortest run of a key or secret that counts as quoting it. */
const QUOTED_FRAGMENT_CHARS = 4;

/**
 * An SSM error as one line that never carries any part of the key pair. AWS validation messages
 * quote the value they refused, and may cut it anywhere (`Value '{"apiKey":"AbCd...","apiSecret":"kQH5'
 * at 'value' failed to satisfy constraint`), so removing the whole value is not enough: a message
 * that shows the value's JSON, or any 4 characters in a row of the key or the secret, is withheld
 * and only the error's name and request id are given.
 */
export function describePutError(error: unknown, keys: KrakenKeys): string {
  const name = error instanceof Error && error.name ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const requestId = (error as { $metadata?: { requestId?: unknown } } | undefined)?.$metadata?.requestId;
  const request = typeof requestId === 'string' ? ` (request id ${requestId})` : '';
  if (quotesKeys(message, keys)) return `${name}${request}: message withheld because it quotes part of the stored value`;
  return `${name}: ${message}${request}`;
}

function quotesKeys(text: string, keys: KrakenKeys): boolean {
  // Any echo of the value, however short: it begins {"apiKey":" and names apiSecret.
  if (/\{"|"apiKey"|apiSecret/.test(text)) return true;
  for (const secret of [keys.apiKey, keys.apiSecret]) {
    for (let i = 0; i + QUOTED_FRAGMENT_CHARS <= secret.length; i++) {
      if (text.includes(secret.slice(i, i + QUOTED_FRAGMENT_CHARS))) return true;
    }
  }
  return false;
}
