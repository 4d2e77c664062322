// Operator CLI: kbot reconcile sends the reconcile command to the function (answered here by the
// real tick on fakes) and prints Kraken's holdings against the bot's positions.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { reconcile } from '../../functions/cli/ops/reconcile.js';
import { tickCommandSchema } from '../../functions/core/commands.js';
import { parseConfig } from '../../functions/core/config.js';
import { silentLogger } from '../../functions/core/ports.js';
import { runTick, type TickDeps } from '../../functions/core/tick.js';
import { FIVE_MINUTES_MS } from '../../functions/core/types.js';
import { FakeExchange, ManualClock, RecordingAlerts, RecordingMetrics, ScriptedEngine, makeMarket, makeSeries } from '../support/fakes.js';
import { OUTPUTS, fakeIo, mockStack, testContext } from './cli-ops-fixtures.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0);
const lambda = mockClient(LambdaClient);

/** A bot on fakes whose "Lambda" is the real tick: one scheduled tick has run already. */
async function botWithSurplus() {
  const config = parseConfig({ pairs: ['BTC/USD'] });
  const exchange = new FakeExchange();
  exchange.markets.set('BTC/USD', makeMarket('BTC/USD'));
  exchange.candles.set('BTC/USD', makeSeries(CLOSE, 101));
  const store = new MemoryStore();
  const clock = new ManualClock(CLOSE + 6_000);
  const deps: TickDeps = { config, exchange, store, engine: new ScriptedEngine(), alerts: new RecordingAlerts(), clock, logger: silentLogger, metrics: new RecordingMetrics(), hasKeys: false };
  await runTick(deps, { scheduledTimeMs: CLOSE, invocationId: 'first' });
  exchange.balances.BTC = 0.1;
  lambda.on(InvokeCommand).callsFake(async (input: { Payload: Uint8Array }) => {
    const event = JSON.parse(new TextDecoder().decode(input.Payload)) as { kbot: unknown };
    clock.now += FIVE_MINUTES_MS;
    exchange.candles.set('BTC/USD', makeSeries(Math.floor(clock.now / FIVE_MINUTES_MS) * FIVE_MINUTES_MS, 101));
    const result = await runTick(deps, { invocationId: 'cmd', command: tickCommandSchema.parse(event.kbot) });
    return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(result)) };
  });
  return { store };
}

describe('Function: reconcile (kbot reconcile)', () => {
  beforeEach(() => {
    lambda.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('shows each asset with Kraken, the owner\'s coins, the bot and the difference, and how to resolve it', async () => {
    await botWithSurplus();
    const alias = `arn:aws:lambda:eu-west-1:123456789012:function:${OUTPUTS.FunctionName}:exit-commands`;
    mockStack({ ...OUTPUTS, ExitCommandsAliasArn: alias });
    const { ctx, io } = testContext();
    const code = await reconcile(ctx, { action: 'show' });
    expect(code).toBe(0);
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input.FunctionName).toBe(alias);
    const payload = JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array)) as { kbot: Record<string, unknown> };
    expect(payload.kbot).toMatchObject({ command: 'reconcile', action: 'show', requestId: expect.stringMatching(/^reconcile-/) });
    const table = io.stdout.join('\n');
    expect(table).toMatch(/BTC\s+mismatch\s+0\.1\s+0\s+0\s+0\.1\s+Kraken holds 0\.1 BTC more/);
    expect(table).toMatch(/--adopt PAIR/);
  });

  it('adopts after a yes, and says what it did; prints one JSON document with --json', async () => {
    const { store } = await botWithSurplus();
    const io = fakeIo(['y']);
    const { ctx } = testContext({ io });
    expect(await reconcile(ctx, { action: 'adopt', pair: 'BTC/USD', json: true })).toBe(0);
    expect(io.prompts[0]!.question).toMatch(/take the surplus BTC Kraken holds into the bot's BTC\/USD position/);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0]!)).toMatchObject({ action: 'adopt', pair: 'BTC/USD', done: "BTC/USD: adopted 0.1 BTC at 100 into the bot's position" });
    expect(await store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 0.1 });
  });

  it('changes nothing when the operator says no, and exits 1 on a refusal', async () => {
    const { store } = await botWithSurplus();
    const declined = testContext({ io: fakeIo(['n']) });
    expect(await reconcile(declined.ctx, { action: 'release', pair: 'BTC/USD' })).toBe(1);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    const refused = testContext();
    expect(await reconcile(refused.ctx, { action: 'release', pair: 'BTC/USD', yes: true })).toBe(1);
    expect(refused.io.stderr.join('\n')).toMatch(/release refused: no position in BTC\/USD to release/);
    expect(await store.listPositions('paper')).toEqual([]);
  });
});
