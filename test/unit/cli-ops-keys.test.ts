// Operator CLI: kbot keys set stores one SecureString and never shows the secret.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployConfigSchema } from '../../lib/deployConfig.js';
import { DEFAULT_KEYS_PARAMETER_NAME, keysSet } from '../../functions/cli/ops/keysSet.js';
import { krakenKeysProblem, maskApiKey } from '../../functions/cli/ops/krakenKeys.js';
import { OpsError } from '../../functions/cli/ops/opsIo.js';
import { OUTPUTS, fakeIo, mockStack, testContext } from './cli-ops-fixtures.js';

// Kraken's published signing example secret (public test vector) and a made-up key.
const SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
const API_KEY = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrst';

describe('Function: krakenKeysProblem', () => {
  it('accepts a key with a base64 secret of 64 bytes', () => {
    expect(krakenKeysProblem(API_KEY, SECRET)).toBeUndefined();
  });

  it.each([
    ['', SECRET, 'the API key is empty'],
    ['abc def', SECRET, 'contains spaces'],
    [API_KEY, '', 'the API secret is empty'],
    [API_KEY, SECRET.slice(0, -4), 'got 84 characters'],
    [API_KEY, Buffer.alloc(32, 7).toString('base64'), 'base64 of 64 bytes'],
    [API_KEY, SECRET.replace('/', '!'), 'base64 of 64 bytes'],
    [SECRET, SECRET, 'looks like a private key'],
  ])('refuses key %j / secret %j: %s', (key, secret, expected) => {
    const problem = krakenKeysProblem(key, secret);
    expect(problem).toContain(expected);
    // The reason must never quote the secret.
    if (secret.length > 4) expect(problem).not.toContain(secret);
  });

  it('masks all but the first 4 characters of the key', () => {
    expect(maskApiKey(API_KEY)).toBe('AbCd************');
    expect(maskApiKey(API_KEY)).not.toContain(API_KEY.slice(4, 8));
  });
});

describe('Function: keysSet (kbot keys set)', () => {
  const ssm = mockClient(SSMClient);

  beforeEach(() => {
    ssm.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('writes one SecureString with Overwrite and the JSON value to KeysParameterName', async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    const { ctx } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    const result = await keysSet(ctx, {});

    // Assess
    const calls = ssm.commandCalls(PutParameterCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.Name).toBe(OUTPUTS.KeysParameterName);
    expect(input.Type).toBe('SecureString');
    expect(input.Overwrite).toBe(true);
    expect(JSON.parse(input.Value!)).toEqual({ apiKey: API_KEY, apiSecret: SECRET });
    expect(result).toEqual({ parameterName: OUTPUTS.KeysParameterName, maskedKey: 'AbCd************' });
  });

  it('prompts for both values without echo and never writes the secret or the full key', async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const { ctx, io } = testContext({ io: fakeIo([`  ${API_KEY}  `, `${SECRET}\r`]) });

    // Act
    await keysSet(ctx, {});

    // Assess
    expect(io.prompts.map((p) => p.secret)).toEqual([true, true]);
    expect(io.all()).not.toContain(SECRET);
    expect(io.all()).not.toContain(SECRET.slice(0, 20));
    expect(io.all()).not.toContain(API_KEY);
    expect(io.stdout.join('\n')).toContain(`stored API key AbCd************ and its secret in SecureString parameter ${OUTPUTS.KeysParameterName}`);
    // Whitespace and CR from a paste are trimmed before storing.
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value!)).toEqual({ apiKey: API_KEY, apiSecret: SECRET });
  });

  it('reminds the operator which Kraken permissions to grant, and never Withdraw Funds', async () => {
    // Prepare
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    await keysSet(ctx, {});

    // Assess
    const text = io.stdout.join('\n');
    for (const permission of ['Query Funds', 'Query Open Orders & Trades', 'Query Closed Orders & Trades', 'Create & Modify Orders']) {
      expect(text).toContain(permission);
    }
    expect(text).toMatch(/never grant Withdraw Funds/);
  });

  it('uses --parameter without reading the stack', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    const cfn = mockClient(CloudFormationClient);
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    await keysSet(ctx, { parameter: '/custom/keys' });

    // Assess: aws/ssm, with a reminder to store them again under the deployment's key.
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Name).toBe('/custom/keys');
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).not.toHaveProperty('KeyId');
    expect(cfn.calls()).toHaveLength(0);
    expect(io.stdout.join('\n')).toContain('run kbot keys set again after deploying');
  });

  it('--kms-key encrypts with the given key, and scrubs errors the same way', async () => {
    // Prepare
    const kmsKeyId = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    ssm.on(PutParameterCommand).resolvesOnce({ Version: 1 }).rejects(Object.assign(new Error(`bad ${SECRET}`), { name: 'ValidationException' }));
    const first = testContext({ io: fakeIo([API_KEY, SECRET]) });
    const second = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    await keysSet(first.ctx, { kmsKeyId });
    const error = await keysSet(second.ctx, { kmsKeyId }).catch((e: Error) => e);

    // Assess
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Name: OUTPUTS.KeysParameterName, Type: 'SecureString', Overwrite: true, KeyId: kmsKeyId });
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input.Value!)).toEqual({ apiKey: API_KEY, apiSecret: SECRET });
    expect(first.io.stdout[0]).toContain(`(KMS key ${kmsKeyId})`);
    expect((error as Error).message).toBe(
      `Could not store the Kraken keys in SSM parameter ${OUTPUTS.KeysParameterName}: ValidationException: message withheld because it quotes part of the stored value`,
    );
  });

  it('encrypts with the stack\'s KeysKmsKeyArn output by default', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    const stackKey = 'arn:aws:kms:eu-west-1:123456789012:key/feedface-0000-4000-8000-000000000001';
    mockStack({ ...OUTPUTS, KeysKmsKeyArn: stackKey });
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    const result = await keysSet(ctx, {});

    // Assess
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Name: OUTPUTS.KeysParameterName, KeyId: stackKey });
    expect(result.kmsKeyId).toBe(stackKey);
    expect(io.stdout[0]).toBe(`stored API key AbCd************ and its secret in SecureString parameter ${OUTPUTS.KeysParameterName} (KMS key ${stackKey})`);
  });

  it('uses aws/ssm when the stack has no key, and says so', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });
    await keysSet(ctx, {});
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).not.toHaveProperty('KeyId');
    expect(io.stdout[0]).toContain("(the account's aws/ssm key)");
    expect(io.stdout.join('\n')).not.toContain('run kbot keys set again after deploying');
  });

  it('never prints any part of the secret when SSM echoes a truncated value in its error', async () => {
    // Prepare: the validation message quotes the value and cuts it off inside the secret.
    const echoed = `1 validation error detected: Value '{"apiKey":"${API_KEY}","apiSecret":"${SECRET.slice(0, 17)}' at 'value' failed to satisfy constraint`;
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error(echoed), { name: 'ValidationException', $metadata: { requestId: 'abc-1' } }));
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    const error = await keysSet(ctx, {}).catch((e: Error) => e);

    // Assess: neither the error nor anything written shows 4 characters in a row of the secret.
    expect(error).toBeInstanceOf(OpsError);
    expect((error as Error).message).toContain('ValidationException (request id abc-1): message withheld');
    const shown = `${(error as Error).message}\n${io.all()}`;
    for (let i = 0; i + 4 <= SECRET.length; i++) expect(shown).not.toContain(SECRET.slice(i, i + 4));
    expect(shown).not.toContain(API_KEY.slice(4));
  });

  it('suggests the deployment\'s default parameter name', () => {
    expect(DEFAULT_KEYS_PARAMETER_NAME).toBe(deployConfigSchema.parse({}).keysParameterName);
  });

  it('points at --parameter when the stack is not deployed yet', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    mockStack(OUTPUTS, 'SomeOtherStack');
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act & Assess
    await expect(keysSet(ctx, {})).rejects.toThrow('stack KrakenBot not found in eu-west-1: did you run cdk deploy? (pass --stack and --region if it has another name or region); to store the keys before deploying, pass --parameter /kbot/kraken/api-keys');
    expect(io.prompts).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('stores nothing when the secret is not a Kraken secret, without quoting it', async () => {
    // Prepare
    const badSecret = 'not-a-secret-but-private-anyway';
    const { ctx, io } = testContext({ io: fakeIo([API_KEY, badSecret]) });

    // Act
    const attempt = keysSet(ctx, {});

    // Assess
    await expect(attempt).rejects.toThrow(/not a Kraken private key.*nothing was stored/);
    await attempt.catch((error: Error) => expect(error.message).not.toContain(badSecret));
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(io.all()).not.toContain(badSecret);
  });

  it('stores nothing when input ends before the secret', async () => {
    // Prepare
    const { ctx } = testContext({ io: fakeIo([API_KEY]) });

    // Act & Assess
    await expect(keysSet(ctx, {})).rejects.toThrow('no API secret given');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('redacts the secret from an SSM error', async () => {
    // Prepare: an error that echoes the value back.
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error(`Value '{"apiKey":"${API_KEY}","apiSecret":"${SECRET}"}' failed`), { name: 'ValidationException' }));
    const { ctx } = testContext({ io: fakeIo([API_KEY, SECRET]) });

    // Act
    const error = await keysSet(ctx, {}).catch((e: Error) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`Could not store the Kraken keys in SSM parameter ${OUTPUTS.KeysParameterName}: ValidationException`);
    expect((error as Error).message).not.toContain(SECRET);
    expect((error as Error).message).not.toContain(API_KEY);
  });
});
