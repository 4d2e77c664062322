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
 * (`kbot keys set`). A failure is rethrown with both values scrubbed from its message, since AWS
 * validation messages may quote the value they refused.
 */
export async function putKeys(client: SSMClient, name: string, keys: KrakenKeys): Promise<void> {
  const value = JSON.stringify({ apiKey: keys.apiKey, apiSecret: keys.apiSecret });
  try {
    await client.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Overwrite: true, Value: value }));
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // No `cause`: the original error may hold the value.
    throw new Error(`Could not store the Kraken keys in SSM parameter ${name}: ${scrub(detail, [value, keys.apiKey, keys.apiSecret])}`);
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}
