// Secondary adapter (SSM): one SecureString parameter read with decryption and cached across warm
// invocations: the Telegram bot token, or the webhook's secret token. A value is never part of a
// log line, a reply or an error; errors name the parameter only.
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** How long warm invocations reuse a value; a rotated token is picked up within this time. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;

/** The parameter is missing or empty. The message names the parameter, never a value. */
export class SecretParameterError extends Error {
  override readonly name = 'SecretParameterError';
}

/** Reads one SecureString parameter, cached for `maxAgeMs`; concurrent callers share one request. */
export class SsmSecret {
  private readonly client: SSMClient;
  private readonly parameterName: string;
  private readonly maxAgeMs: number;
  private readonly nowMs: () => number;
  private cached: { value: string; atMs: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(options: { client: SSMClient; parameterName: string; maxAgeMs?: number; nowMs?: () => number }) {
    this.client = options.client;
    this.parameterName = options.parameterName;
    this.maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The value; throws `SecretParameterError` when the parameter is missing or empty. */
  async get(): Promise<string> {
    if (this.cached && this.nowMs() - this.cached.atMs < this.maxAgeMs) return this.cached.value;
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<string> {
    const atMs = this.nowMs();
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetParameterCommand({ Name: this.parameterName, WithDecryption: true }));
      value = out.Parameter?.Value;
    } catch (error) {
      // An SDK error carries no parameter value; only its name is kept, so nothing else can leak.
      const name = error instanceof Error ? error.name : 'Error';
      throw new SecretParameterError(`could not read SSM parameter ${this.parameterName} (${name}): store it with kbot telegram setup`);
    }
    const trimmed = value?.trim();
    if (!trimmed) throw new SecretParameterError(`SSM parameter ${this.parameterName} is empty: store it with kbot telegram setup`);
    this.cached = { value: trimmed, atMs };
    return trimmed;
  }
}

/** `text` with every occurrence of each secret (and of each 8-character piece of it) replaced. */
export function withoutSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 8) continue;
    out = out.split(secret).join('[redacted]');
    // A token cut anywhere (a URL shortened in a message) still must not show.
    for (let i = 0; i + 8 <= secret.length; i += 4) out = out.split(secret.slice(i, i + 8)).join('[redacted]');
  }
  return out;
}
