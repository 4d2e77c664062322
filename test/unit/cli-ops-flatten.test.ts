// Operator CLI: kbot flatten invokes the function's exit-commands alias with the flatten command
// and reports its outcome.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { tickCommandSchema } from '../../functions/core/commands.js';
import type { OrderOutcome, TickResult } from '../../functions/core/tickResult.js';
import { flatten, newFlattenRequestId } from '../../functions/cli/ops/flatten.js';
import { NOW_MS, OUTPUTS, fakeIo, mockStack, testContext } from './cli-ops-fixtures.js';

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A TickResult as the function returns it for a flatten, echoing the event's request id. */
function tickResult(requestId: string, outcome: OrderOutcome[], extra: Partial<TickResult> = {}): TickResult {
  return {
    mode: 'paper',
    candleCloseIso: '2024-05-01T12:30:00.000Z',
    status: 'completed',
    startedAtMs: NOW_MS,
    finishedAtMs: NOW_MS + 800,
    halt: { entries: true, exits: false, reasons: ['flatten'] },
    reconciled: [],
    pairs: [],
    holdings: [],
    locks: [],
    command: { kind: 'flatten', requestId, outcome },
    errors: [],
    ...extra,
  };
}

const soldBtc: OrderOutcome = {
  clientOrderId: '0123456789abcdef0123456789abcdef',
  pair: 'BTC/USD',
  side: 'sell',
  reason: 'flatten',
  status: 'filled',
  amountBase: 0.0015,
  price: 64210.5,
  costQuote: 96.32,
  feeQuote: 0.39,
  realizedPnlQuote: -1.25,
};

const lambda = mockClient(LambdaClient);
const EXIT_ALIAS = 'arn:aws:lambda:eu-west-1:123456789012:function:KrakenBot-tick:exit-commands';
const ENTRY_ALIAS = 'arn:aws:lambda:eu-west-1:123456789012:function:KrakenBot-tick:entry-commands';

/** Makes the mocked function answer each Invoke by echoing its request id into `build`. */
function answerWith(build: (requestId: string) => unknown, functionError?: string) {
  lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as { kbot: { requestId: string } };
    return { StatusCode: 200, Payload: encode(build(event.kbot.requestId)), ...(functionError ? { FunctionError: functionError } : {}) };
  });
}

describe('Function: flatten (kbot flatten)', () => {
  beforeEach(() => {
    lambda.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('invokes the ExitCommandsAliasArn output synchronously, never the function itself or the entry alias', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    mockStack({ ...OUTPUTS, ExitCommandsAliasArn: EXIT_ALIAS, EntryCommandsAliasArn: ENTRY_ALIAS });
    answerWith((id) => tickResult(id, [soldBtc]));
    const { ctx, io } = testContext();

    // Act
    const code = await flatten(ctx, { yes: true });

    // Assess
    expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName)).toEqual([EXIT_ALIAS]);
    expect(io.stderr.join('\n')).not.toContain('note: the stack has no ExitCommandsAliasArn');
    expect(code).toBe(0);
  });

  it('on a stack deployed before the aliases, invokes FunctionName synchronously with exactly the flatten payload and a request id', async () => {
    // Prepare: OUTPUTS has no alias outputs.
    answerWith((id) => tickResult(id, [soldBtc]));
    const { ctx, io } = testContext();

    // Act
    const code = await flatten(ctx, { yes: true });

    // Assess
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.FunctionName).toBe(OUTPUTS.FunctionName);
    expect(input.InvocationType).toBe('RequestResponse');
    const payload = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as { kbot: Record<string, unknown> };
    expect(Object.keys(payload)).toEqual(['kbot']);
    expect(Object.keys(payload.kbot).sort()).toEqual(['command', 'requestId']);
    expect(payload.kbot.command).toBe('flatten');
    expect(payload.kbot.requestId).toMatch(/^flatten-2024-05-01T12:34:56\.000Z-[0-9a-f]{8}$/);
    // The function parses it with the core schema; it must accept it.
    expect(tickCommandSchema.parse(payload.kbot)).toEqual(payload.kbot);
    expect(code).toBe(0);
    expect(io.stderr.join('\n')).toContain('note: the stack has no ExitCommandsAliasArn output');
  });

  it('prints each sold position from the returned TickResult', async () => {
    // Prepare
    answerWith((id) => tickResult(id, [soldBtc]));
    const { ctx, io } = testContext();

    // Act
    await flatten(ctx, { yes: true });

    // Assess
    const text = io.stdout.join('\n');
    expect(text).toMatch(/BTC\/USD\s+sell\s+filled\s+0\.0015\s+64210\.5\s+0\.39\s+-1\.25/);
    expect(text).toContain('kbot unhalt');
  });

  it('asks first and sends nothing unless confirmed', async () => {
    // Prepare
    answerWith((id) => tickResult(id, []));
    const { ctx, io } = testContext({ io: fakeIo(['n']) });

    // Act
    const code = await flatten(ctx, {});

    // Assess
    expect(io.prompts[0]!.question).toContain('Sell every open PAPER position');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(code).toBe(1);
  });

  it('sends after a "yes"', async () => {
    // Prepare
    answerWith((id) => tickResult(id, []));
    const { ctx, io } = testContext({ io: fakeIo(['yes']) });

    // Act
    const code = await flatten(ctx, {});

    // Assess
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(io.stdout[0]).toBe('no paper position was sold: none was open, or none was above the market minimum.');
    expect(io.stdout).toContain('no open paper positions remain.');
    expect(code).toBe(0);
  });

  it('reports a FunctionError clearly with exit code 1', async () => {
    // Prepare
    answerWith(() => ({ errorType: 'ConfigError', errorMessage: 'Invalid KBOT_CONFIG: pairs' }), 'Unhandled');
    const { ctx, io } = testContext();

    // Act
    const code = await flatten(ctx, { yes: true });

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('the function failed (ConfigError): Invalid KBOT_CONFIG: pairs');
  });

  it('exits 1 when a position was not sold', async () => {
    // Prepare
    answerWith((id) => tickResult(id, [soldBtc, { ...soldBtc, pair: 'ETH/USD', status: 'pending', error: 'timeout' }]));
    const { ctx, io } = testContext();

    // Act
    const code = await flatten(ctx, { yes: true });

    // Assess
    expect(code).toBe(1);
    expect(io.stderr.join('\n')).toContain('1 position(s) not sold (ETH/USD: pending)');
  });

  it('exits 1 when the command was refused or not reported', async () => {
    // Prepare
    answerWith((id) => tickResult(id, [], { command: { kind: 'flatten', requestId: id, outcome: [], refused: 'exits are halted' } }));
    const refused = testContext();

    // Act
    const refusedCode = await flatten(refused.ctx, { yes: true });
    lambda.reset();
    answerWith((id) => tickResult(id, [], { command: undefined, status: 'skipped', skipReason: 'in-progress' }));
    const missing = testContext();
    const missingCode = await flatten(missing.ctx, { yes: true });

    // Assess
    expect(refusedCode).toBe(1);
    expect(refused.io.stderr.join('\n')).toContain('flatten refused: exits are halted');
    expect(missingCode).toBe(1);
    expect(missing.io.stderr.join('\n')).toContain('did not report the flatten command');
  });

  it('explains a throttled invoke (a tick is running)', async () => {
    // Prepare
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException', $metadata: { attempts: 3 } }));
    const { ctx } = testContext();

    // Act & Assess: it retries while throttled, then gives up with an explanation
    await expect(flatten(ctx, { yes: true, busyRetryDelaysMs: [1, 1] })).rejects.toThrow('the function is busy');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(3);
  });

  it('retries a throttled invoke with the same request id until the running tick is done', async () => {
    // Prepare
    const busy = Object.assign(new Error('Rate Exceeded.'), { name: 'TooManyRequestsException', $metadata: { attempts: 3 } });
    let attempts = 0;
    lambda.on(InvokeCommand).callsFake(() => {
      if (attempts++ === 0) throw busy;
      return { StatusCode: 200, Payload: encode({ mode: 'paper', candleCloseIso: '2026-01-01T00:00:00.000Z', status: 'completed', startedAtMs: 0, finishedAtMs: 0, halt: { entries: true, exits: false, reasons: [] }, reconciled: [], pairs: [], command: { kind: 'flatten', requestId: 'x', outcome: [] }, errors: [] }) };
    });
    const { ctx } = testContext();

    // Act
    await flatten(ctx, { yes: true, busyRetryDelaysMs: [1] });

    // Assess
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(2);
    const ids = calls.map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)).kbot.requestId);
    expect(ids[0]).toBe(ids[1]);
  });
});

describe('Function: flatten (positions left open)', () => {
  beforeEach(() => {
    lambda.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('lists positions still open after the flatten and exits 1', async () => {
    // Prepare: the function sold nothing (e.g. dust below the minimum), the position is still stored.
    const store = new MemoryStore();
    await store.createPosition({
      mode: 'paper',
      pair: 'ETH/USD',
      amountBase: 0.0004,
      entryPrice: 3_000,
      entryTimeMs: NOW_MS - 60_000,
      costQuote: 1.2,
      entryFeeQuote: 0,
      strategy: 's',
      entryClientOrderId: 'e',
      appliedOrderIds: ['e'],
      version: 1,
    });
    answerWith((id) => tickResult(id, []));
    const { ctx, io, openedTables } = testContext({ store });

    // Act
    const code = await flatten(ctx, { yes: true });

    // Assess
    expect(openedTables).toEqual([OUTPUTS.TableName]);
    expect(io.stderr.join('\n')).toContain('still open: ETH/USD 0.0004');
    expect(code).toBe(1);
  });
});

describe('Function: newFlattenRequestId', () => {
  it('is valid for the command schema and differs between runs', () => {
    const first = newFlattenRequestId(NOW_MS);
    const second = newFlattenRequestId(NOW_MS);
    expect(first).not.toBe(second);
    expect(tickCommandSchema.safeParse({ command: 'flatten', requestId: first }).success).toBe(true);
  });
});
