// Unit tests: the SSM key provider (shape check, caching, missing parameter, no secret in errors).
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KeysParameterError, SsmKeyProvider, putKeys } from '../../../functions/adapters/ssm/keyProvider.js';

const PARAMETER = '/kbot/prod/kraken-keys';
const API_KEY = 'K3yAbCdEfGhIjKlMnOpQrStUvWxYz0123456789ABCDEFGHIJKLMNOP';
const API_SECRET = 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmU=';

const ssm = mockClient(SSMClient);

function provider(clock: { now: number }, maxAgeMs = 300_000) {
  return new SsmKeyProvider({ client: new SSMClient({ region: 'us-east-1' }), parameterName: PARAMETER, maxAgeMs, nowMs: () => clock.now });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

function parameterValue(value: string) {
  return { Parameter: { Name: PARAMETER, Type: 'SecureString' as const, Value: value } };
}

describe('Class: SsmKeyProvider', () => {
  beforeEach(() => {
    ssm.reset();
  });

  it('reads the decrypted parameter and returns the trimmed key pair', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(parameterValue(JSON.stringify({ apiKey: ` ${API_KEY}`, apiSecret: `${API_SECRET}\n` })));
    // Act
    const keys = await provider({ now: 0 }).get();
    // Assess
    expect(keys).toEqual({ apiKey: API_KEY, apiSecret: API_SECRET });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({ Name: PARAMETER, WithDecryption: true });
  });

  it('caches across warm invocations until the max age, then reads again', async () => {
    const clock = { now: 1_000 };
    ssm.on(GetParameterCommand).resolvesOnce(parameterValue(JSON.stringify({ apiKey: 'old-key', apiSecret: 'old-secret' })))
      .resolves(parameterValue(JSON.stringify({ apiKey: 'new-key', apiSecret: 'new-secret' })));
    const keys = provider(clock, 300_000);
    expect((await keys.get())?.apiKey).toBe('old-key');
    clock.now += 299_999;
    expect((await keys.get())?.apiKey).toBe('old-key');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    clock.now += 1;
    expect((await keys.get())?.apiKey).toBe('new-key');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('shares one request among concurrent callers', async () => {
    ssm.on(GetParameterCommand).resolves(parameterValue(JSON.stringify({ apiKey: API_KEY, apiSecret: API_SECRET })));
    const keys = provider({ now: 0 });
    const results = await Promise.all([keys.get(), keys.get(), keys.get()]);
    expect(results.map((r) => r?.apiKey)).toEqual([API_KEY, API_KEY, API_KEY]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('returns undefined when the parameter does not exist (paper mode) and caches that too', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    const keys = provider({ now: 0 });
    expect(await keys.get()).toBeUndefined();
    expect(await keys.get()).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('rejects a value that is not JSON without quoting it', async () => {
    ssm.on(GetParameterCommand).resolves(parameterValue(`${API_KEY}:${API_SECRET}`));
    const error = await rejection(provider({ now: 0 }).get());
    expect(error).toBeInstanceOf(KeysParameterError);
    expect(error.message).toContain(PARAMETER);
    expect(error.message).toContain('is not JSON');
    expect(error.message).not.toContain(API_KEY.slice(0, 10));
    expect(error.message).not.toContain(API_SECRET.slice(0, 10));
  });

  it('rejects a wrong shape, naming the fields but never the values', async () => {
    ssm.on(GetParameterCommand).resolves(parameterValue(JSON.stringify({ apiKey: API_KEY, secret: API_SECRET })));
    const error = await rejection(provider({ now: 0 }).get());
    expect(error).toBeInstanceOf(KeysParameterError);
    expect(error.message).toMatch(/problem with: apiSecret/);
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain(API_SECRET);
  });

  it('does not cache failures: the next call asks again', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(new Error('ThrottlingException')).resolves(parameterValue(JSON.stringify({ apiKey: 'k', apiSecret: 's' })));
    const keys = provider({ now: 0 });
    await expect(keys.get()).rejects.toThrow('ThrottlingException');
    expect(await keys.get()).toEqual({ apiKey: 'k', apiSecret: 's' });
  });
});

describe('Function: putKeys', () => {
  beforeEach(() => {
    ssm.reset();
  });

  it('writes the pair as one overwriting SecureString parameter', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET });
    const input = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Name: PARAMETER, Type: 'SecureString', Overwrite: true });
    expect(JSON.parse(input?.Value ?? '')).toEqual({ apiKey: API_KEY, apiSecret: API_SECRET });
  });

  it('scrubs the values from an AWS error that quotes them', async () => {
    ssm.on(PutParameterCommand).rejects(new Error(`1 validation error detected: Value '${API_SECRET}' at 'value' failed`));
    const error = await rejection(putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET }));
    expect(error.message).toContain(PARAMETER);
    expect(error.message).toContain("Value '[redacted]'");
    expect(error.message).not.toContain(API_SECRET);
  });
});
