// End to end: the real tick handler with EventBridge scheduled-event JSON, DynamoDB on dynalite, and
// Kraken as the project's sandbox through the real ccxt client.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { clientOrderIdFor } from '../../functions/core/clientOrderId.js';
import type { LoggerPort, MetricsPort } from '../../functions/core/ports.js';
import { BadEventError, CommandRefusedError, INVOCATION_ALIASES } from '../../functions/tick/event.js';
import { startDynamoProxy, startHarness, type Harness } from './harness.js';

let dynamo: LocalDynamo;
let harness: Harness | undefined;
let tables = 0;
const nextTable = () => `kbot-e2e-${++tables}`;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});
afterAll(async () => {
  await dynamo.close();
});

const addOrders = (h: Harness) => h.sandbox.callCounts().AddOrder ?? 0;

describe('tick handler end to end (sandbox + dynalite + ccxt)', () => {
  it('buys on a signal, then exits on the stop-loss at a later tick', async () => {
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable() });
    const h = harness;
    const buy = await h.tickAt(h.buyIndex);
    expect(buy.status).toBe('completed');
    const btc = buy.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btc.entry).toMatchObject({ decision: 'buy', signal: { strategy: 'momentum' } });
    expect(btc.orders).toEqual([expect.objectContaining({ side: 'buy', status: 'filled', reason: 'entry' })]);
    expect(buy.pairs.find((p) => p.pair === 'ETH/USD')!.orders).toEqual([]);

    const sandboxOrders = h.sandbox.orders();
    expect(sandboxOrders).toHaveLength(1);
    const id = clientOrderIdFor({ mode: 'live', pair: 'BTC/USD', side: 'buy', reason: 'entry', decidedOn: buy.candleCloseIso });
    expect(sandboxOrders[0]).toMatchObject({ clOrdId: id });

    const position = await h.store.getPosition('live', 'BTC/USD');
    expect(position?.amountBase).toBeCloseTo(btc.orders[0]!.amountBase!, 10);
    expect(position?.stopPrice).toBeCloseTo(position!.entryPrice * 0.98, 6);
    expect(h.sandbox.getBalances().BTC).toBeCloseTo(position!.amountBase, 10);
    expect((await h.store.getIntent('live', id))?.status).toBe('FILLED');
    expect(h.published().some((m) => m.subject?.includes('BUY BTC/USD filled'))).toBe(true);

    // The next candle falls 4%: the stop-loss fires before any entry is considered.
    const exit = await h.tickAt(h.buyIndex + 1);
    const btcExit = exit.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btcExit.exit).toMatchObject({ decision: 'sell', reason: 'stop-loss' });
    expect(btcExit.orders).toEqual([expect.objectContaining({ side: 'sell', status: 'filled', reason: 'stop-loss' })]);
    expect(btcExit.orders[0]!.realizedPnlQuote).toBeLessThan(0);
    expect(await h.store.getPosition('live', 'BTC/USD')).toBeUndefined();
    expect(h.sandbox.getBalances().BTC ?? 0).toBeCloseTo(0, 10);
    expect(h.sandbox.orders().map((o) => [o.pair, o.side])).toEqual([['BTC/USD', 'buy'], ['BTC/USD', 'sell']]);
    const day = await h.store.getDay('live', exit.candleCloseIso.slice(0, 10));
    expect(day.realizedPnlQuote).toBeCloseTo(btcExit.orders[0]!.realizedPnlQuote!, 8);
    expect(h.published().some((m) => m.subject?.includes('EXIT BTC/USD stop-loss'))).toBe(true);
  });

  it('10 concurrent invocations for the same candle place exactly one order', async () => {
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable() });
    const h = harness;
    const results = await Promise.all(Array.from({ length: 10 }, (_, k) => h.tickAt(h.buyIndex, `concurrent-${k}`)));
    expect(results.filter((r) => r.status === 'completed')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'skipped')).toHaveLength(9);
    expect(addOrders(h)).toBe(1);
    expect(h.sandbox.orders()).toHaveLength(1);
  });

  it('a crash after the order is sent and before it is recorded is recovered with no duplicate', async () => {
    const proxy = await startDynamoProxy(dynamo.endpoint);
    try {
      harness = await startHarness({ dynamoEndpoint: proxy.endpoint, tableName: nextTable() });
      const h = harness;
      // Every write of the position fails: the tick dies right after Kraken filled the order.
      proxy.failWhen((target, body) => target.endsWith('PutItem') && body.includes('"POS#live"'));
      await expect(h.tickAt(h.buyIndex, 'crashing')).rejects.toThrow();
      expect(h.sandbox.orders()).toHaveLength(1);
      expect(await h.store.getPosition('live', 'BTC/USD')).toBeUndefined();
      const pending = await h.store.listPendingIntents('live');
      expect(pending).toHaveLength(1);

      // EventBridge/Lambda retries the same event once the lease has expired: no second order.
      proxy.failWhen(undefined);
      h.sandbox.advance(5 * 60_000);
      const retry = await h.handler(
        { version: '0', id: 'retry', 'detail-type': 'Scheduled Event', source: 'aws.events', account: '123456789012', time: new Date(Date.parse(pending[0]!.candleCloseIso)).toISOString(), region: 'us-east-1', resources: [], detail: {} },
        { awsRequestId: 'retry-1' },
      );
      expect(retry.reconciled).toEqual([expect.objectContaining({ result: 'filled', pair: 'BTC/USD' })]);
      expect(addOrders(h)).toBe(1);
      expect(await h.store.getPosition('live', 'BTC/USD')).toMatchObject({ entryClientOrderId: pending[0]!.clientOrderId });
      expect(await h.store.listPendingIntents('live')).toEqual([]);
      const trades = await h.store.listTrades('live', 0, Date.now() + 1e12);
      expect(trades).toHaveLength(1);
    } finally {
      await harness?.close();
      harness = undefined;
      await proxy.close();
    }
  });

  it('"accepted but reply dropped" leads to a lookup, not a second order', async () => {
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable() });
    const h = harness;
    h.sandbox.faults.dropReplyNext({ method: 'AddOrder', count: 1 });
    const result = await h.tickAt(h.buyIndex);
    const order = result.pairs.find((p) => p.pair === 'BTC/USD')!.orders[0]!;
    expect(order).toMatchObject({ side: 'buy', status: 'filled' });
    expect(addOrders(h)).toBe(1);
    expect(h.sandbox.orders()).toHaveLength(1);
    const counts = h.sandbox.callCounts();
    expect((counts.ClosedOrders ?? 0) + (counts.OpenOrders ?? 0)).toBeGreaterThan(0);
    expect(await h.store.getPosition('live', 'BTC/USD')).toMatchObject({ amountBase: order.amountBase });
  });

  it('EOrder:Insufficient funds is recorded, alerted and not retried', async () => {
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable() });
    const h = harness;
    h.sandbox.faults.failNext('EOrder:Insufficient funds', { method: 'AddOrder', count: 1 });
    const result = await h.tickAt(h.buyIndex);
    const order = result.pairs.find((p) => p.pair === 'BTC/USD')!.orders[0]!;
    expect(order).toMatchObject({ status: 'rejected', error: 'EOrder:Insufficient funds' });
    expect(addOrders(h)).toBe(1);
    expect(h.sandbox.orders()).toHaveLength(0);
    const intent = await h.store.getIntent('live', order.clientOrderId);
    expect(intent).toMatchObject({ status: 'REJECTED', error: 'EOrder:Insufficient funds' });
    expect((await h.store.getDay('live', result.candleCloseIso.slice(0, 10))).trades).toBe(0);
    expect(h.published().filter((m) => m.subject?.includes('REJECTED'))).toHaveLength(1);
    // The same candle again (a second delivery) changes nothing: no retry of a rejected order.
    const again = await h.tickAt(h.buyIndex, 'second-delivery');
    expect(again.status).toBe('skipped');
    expect(addOrders(h)).toBe(1);
  });
});

/** Records what the handler logs and counts. */
function recorders() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const counts: Record<string, number> = {};
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields: fields ?? {} });
  const logger: LoggerPort = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const metrics: MetricsPort = { add: (name, _unit, value) => void (counts[name] = (counts[name] ?? 0) + value) };
  return { lines, counts, logger, metrics };
}

/** The Lambda context of an invocation through `qualifier` (undefined: the unqualified function). */
const through = (qualifier: string | undefined, awsRequestId = `req-${Math.random().toString(36).slice(2, 8)}`) => ({
  awsRequestId,
  invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:KrakenBot-tick${qualifier ? `:${qualifier}` : ''}`,
});

describe('tick handler as the door: refused events and audited commands', () => {
  it('refuses a scheduled event stamped in 2030: counted, alerted, no sleep, no claim, no order', async () => {
    // Prepare
    const rec = recorders();
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable(), logger: rec.logger, metrics: rec.metrics });
    const h = harness;
    h.sandbox.setTime(h.sandbox.nowMs());
    const clockBefore = h.sandbox.nowMs();
    const forged = Date.UTC(2030, 0, 1, 0, 0, 0);

    // Act
    const attempt = h.handler(scheduledEvent(forged), through(INVOCATION_ALIASES.schedule));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(BadEventError);
    await expect(attempt).rejects.toThrow(/scheduled event time 2030-01-01T00:00:00\.000Z is \d+ days ahead of the clock/);
    expect(h.sandbox.nowMs()).toBe(clockBefore);
    expect(rec.counts).toEqual({ TickErrors: 1, BadEvents: 1 });
    expect(h.published().map((p) => [p.kind, p.severity])).toEqual([['bad-event', 'critical']]);
    expect(rec.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual(['event refused']);
    // Nothing claimed: the forged candle (and the current one) can still be claimed by a real tick.
    expect(await h.store.getLastTick('live')).toBeUndefined();
    expect(await h.store.claimTick('live', new Date(forged).toISOString(), 'probe', clockBefore, 60_000)).toEqual({ claimed: true });
    expect(addOrders(h)).toBe(0);
  });

  it('refuses a scheduled event more than 10 minutes old, and accepts one a few minutes late', async () => {
    // Prepare
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable() });
    const h = harness;
    const now = h.sandbox.nowMs();

    // Act & Assess: a replay from 11 minutes ago...
    await expect(h.handler(scheduledEvent(now - 11 * 60_000), through(INVOCATION_ALIASES.schedule))).rejects.toThrow(/11 min behind the clock/);
    expect(await h.store.getLastTick('live')).toBeUndefined();
    // ...but a delivery 3 minutes late (EventBridge and Lambda retries) is a normal tick.
    const late = await h.handler(scheduledEvent(now - 3 * 60_000), through(INVOCATION_ALIASES.schedule));
    expect(late.status).toBe('completed');
  });

  it('sends an unparseable event through the error path: TickErrors, BadEvents and a bad-event alert', async () => {
    // Prepare
    const rec = recorders();
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable(), logger: rec.logger, metrics: rec.metrics });
    const h = harness;

    // Act
    const attempt = h.handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: 'soon' }, through(INVOCATION_ALIASES.schedule));

    // Assess
    await expect(attempt).rejects.toThrow('scheduled event has an invalid time: "soon"');
    expect(rec.counts).toEqual({ TickErrors: 1, BadEvents: 1 });
    expect(h.published().map((p) => p.kind)).toEqual(['bad-event']);
    const [line] = rec.lines.filter((l) => l.level === 'error');
    expect(line).toMatchObject({ message: 'event refused', fields: { path: `qualifier ${INVOCATION_ALIASES.schedule}` } });
    expect(String(line!.fields.event)).toContain('"time":"soon"');
  });

  it('the schedule alias refuses commands and a command alias refuses scheduled events', async () => {
    // Prepare
    const rec = recorders();
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable(), logger: rec.logger, metrics: rec.metrics });
    const h = harness;
    const flatten = { kbot: { command: 'flatten', requestId: 'flatten-through-schedule' } };

    // Act & Assess: a flatten through the schedule alias, then a scheduled event through each command alias.
    await expect(h.handler(flatten, through(INVOCATION_ALIASES.schedule))).rejects.toBeInstanceOf(CommandRefusedError);
    for (const alias of [INVOCATION_ALIASES.exitCommands, INVOCATION_ALIASES.entryCommands, undefined, '7']) {
      h.sandbox.setTime(h.sandbox.nowMs());
      await expect(h.handler(scheduledEvent(h.sandbox.nowMs()), through(alias))).rejects.toThrow(/a scheduled event arrived through .*accepted only through the alias schedule/);
    }
    expect(await h.store.getLastTick('live')).toBeUndefined();
    expect((await h.store.getControl('live')).halted).toBe(false);
    expect(addOrders(h)).toBe(0);
    // The refused command is audited like any other.
    const audits = rec.lines.filter((l) => l.message === 'operator command');
    expect(audits).toEqual([
      {
        level: 'warn',
        message: 'operator command',
        fields: expect.objectContaining({
          requestId: 'flatten-through-schedule',
          command: 'flatten',
          path: 'qualifier schedule',
          orders: [],
          refused: 'command flatten arrived through qualifier schedule; it is accepted only through the alias exit-commands',
        }),
      },
    ]);
    expect(rec.counts).toEqual({ CommandsRun: 1, TickErrors: 5, BadEvents: 5 });
    expect(h.published().map((p) => [p.kind, p.severity])).toEqual([['command', 'critical'], ...Array.from({ length: 4 }, () => ['bad-event', 'critical'])]);
  });

  it('force-entry goes only through the entry alias; flatten through the exit alias sells, and both are audited', async () => {
    // Prepare: a position to flatten.
    const rec = recorders();
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable(), logger: rec.logger, metrics: rec.metrics });
    const h = harness;
    await h.tickAt(h.buyIndex);
    expect(await h.store.getPosition('live', 'BTC/USD')).toBeDefined();
    const published = h.published().length;
    const forceEntry = { kbot: { command: 'force-entry', pair: 'ETH/USD', amountQuote: 25, requestId: 'entry-through-exit' } };

    // Act
    await expect(h.handler(forceEntry, through(INVOCATION_ALIASES.exitCommands))).rejects.toThrow('accepted only through the alias entry-commands');
    await expect(h.handler(forceEntry, through(undefined))).rejects.toThrow('arrived through the unqualified function');
    const result = await h.handler({ kbot: { command: 'flatten', requestId: 'flatten-e2e-1' } }, through(INVOCATION_ALIASES.exitCommands, 'flatten-invocation'));

    // Assess: one sell, and no buy from the refused force-entry.
    expect(result.command).toMatchObject({ kind: 'flatten', requestId: 'flatten-e2e-1', outcome: [expect.objectContaining({ pair: 'BTC/USD', side: 'sell', status: 'filled' })] });
    expect(h.sandbox.orders().map((o) => [o.pair, o.side])).toEqual([['BTC/USD', 'buy'], ['BTC/USD', 'sell']]);
    const audits = rec.lines.filter((l) => l.message === 'operator command');
    expect(audits.map((a) => a.level)).toEqual(['warn', 'warn', 'warn']);
    expect(audits[0]!.fields).toMatchObject({ requestId: 'entry-through-exit', command: 'force-entry', pair: 'ETH/USD', amountQuote: 25, refused: expect.stringContaining('exit-commands') });
    expect(audits[2]!.fields).toMatchObject({
      requestId: 'flatten-e2e-1',
      command: 'flatten',
      path: 'qualifier exit-commands',
      invocationId: 'flatten-invocation',
      orders: [expect.objectContaining({ pair: 'BTC/USD', side: 'sell', status: 'filled', clientOrderId: result.command!.outcome[0]!.clientOrderId })],
    });
    expect(audits[2]!.fields).not.toHaveProperty('refused');
    expect(rec.counts.CommandsRun).toBe(3);
    const commandAlerts = h.published().slice(published).filter((p) => p.kind === 'command');
    expect(commandAlerts.map((p) => p.severity)).toEqual(['critical', 'critical', 'warning']);
    expect(commandAlerts[2]!.subject).toBe('[LIVE] command flatten: 1 order(s) done');
  });
});
