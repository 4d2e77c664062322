// Unit tests: the SSM key provider (shape check, caching, missing parameter, no secret in errors)
// and putKeys (KMS key, no part of the value in any error).
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KeysParameterError, KeysStoreError, SsmKeyProvider, putKeys } from '../../../functions/adapters/ssm/keyProvider.js';

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

  it('encrypts with the given KMS key, and without one leaves the choice to SSM (aws/ssm)', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 3 });
    const kmsKeyId = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET }, { kmsKeyId });
    await putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET });
    const [withKey, withoutKey] = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(withKey).toMatchObject({ Name: PARAMETER, Type: 'SecureString', Overwrite: true, KeyId: kmsKeyId });
    expect(withoutKey).not.toHaveProperty('KeyId');
  });

  it.each([
    ['the whole secret', `1 validation error detected: Value '${API_SECRET}' at 'value' failed`],
    ['the value cut off inside the secret', `Value '{"apiKey":"${API_KEY}","apiSecret":"${API_SECRET.slice(0, 30)}' at 'value' failed to satisfy constraint`],
    ['a bare fragment of the secret', `parameter value contains invalid characters near ${API_SECRET.slice(40, 47)}`],
    ['the value cut off before the secret', `Value '{"apiKey":"K3y' at 'value' failed`],
  ])('withholds an AWS error message that quotes %s, keeping the error name and request id', async (_what, message) => {
    // Prepare
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error(message), { name: 'ValidationException', $metadata: { requestId: 'req-123' } }));

    // Act
    const error = await rejection(putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET }));

    // Assess: no run of 4 characters from the secret or the key (beyond the 3 the last case quotes) survives.
    expect(error).toBeInstanceOf(KeysStoreError);
    expect(error.message).toBe(`Could not store the Kraken keys in SSM parameter ${PARAMETER}: ValidationException (request id req-123): message withheld because it quotes part of the stored value`);
    for (let i = 0; i + 4 <= API_SECRET.length; i++) expect(error.message).not.toContain(API_SECRET.slice(i, i + 4));
    for (let i = 0; i + 4 <= API_KEY.length; i++) expect(error.message).not.toContain(API_KEY.slice(i, i + 4));
    expect(error).not.toHaveProperty('cause');
  });

  it('keeps a message that quotes nothing of the value, such as a permission error', async () => {
    const denied = 'User: arn:aws:iam::111122223333:user/ops is not authorized to perform: kms:Encrypt on resource: arn:aws:kms:us-east-1:111122223333:key/abcd';
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error(denied), { name: 'AccessDeniedException' }));
    const error = await rejection(putKeys(new SSMClient({ region: 'us-east-1' }), PARAMETER, { apiKey: API_KEY, apiSecret: API_SECRET }));
    expect(error.message).toBe(`Could not store the Kraken keys in SSM parameter ${PARAMETER}: AccessDeniedException: ${denied}`);
  });
});
