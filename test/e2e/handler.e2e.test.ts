// End to end: the real tick handler with EventBridge scheduled-event JSON, DynamoDB on dynalite, and
// Kraken as the project's sandbox through the real ccxt client.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { clientOrderIdFor } from '../../functions/core/clientOrderId.js';
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
