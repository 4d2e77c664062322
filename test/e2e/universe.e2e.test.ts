// End to end: a universe configuration through the real tick handler, DynamoDB on dynalite and
// Kraken as the sandbox through ccxt. The universe is built from AssetPairs and one Ticker call,
// stored, and read back; a pair that leaves it keeps its exits; the ways Kraken fails (a delisted
// pair, a Ticker call that fails) cost the pair its entries, never a stop elsewhere.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { closeOf, e2eConfig, sandboxTickHandler, startHarness, type Harness } from './harness.js';

let dynamo: LocalDynamo;
let harness: Harness | undefined;
let tables = 0;
const nextTable = () => `kbot-universe-${++tables}`;

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

describe('a universe configuration end to end', () => {
  it('trades the universe it builds with the tier terms, and a pair that drops out keeps its stop even when the rebuild fails', async () => {
    const table = nextTable();
    const config = e2eConfig({ pairs: { quote: 'USD', include: ['BTC/USD'], topN: 2 } });
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: table, config });
    const h = harness;

    const buy = await h.tickAt(h.buyIndex);
    // BTC by the include list, then the other pair of the sandbox by volume (its ETH passes the tier's floor).
    expect(buy.universe).toMatchObject({ refreshed: true, pairs: ['BTC/USD', 'ETH/USD'] });
    const btc = buy.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btc.entry).toMatchObject({ decision: 'buy' });
    const checks = btc.entry?.decision === 'buy' ? btc.entry.checks : [];
    // BTC at about 100 USD is in the open-ended tier: 0.4 of the size, a 0.7% margin over the round trip.
    expect(checks.find((c) => c.rule === 'price-tier')?.explanation).toMatchObject({ tier: 3, riskMultiplier: 0.4, profitMarginFraction: 0.007 });
    expect(checks.find((c) => c.rule === 'fee-edge')?.explanation).toMatchObject({ edgeBufferFraction: 0.007 });
    const stored = await h.store.getUniverse('live');
    expect(stored?.pairs).toEqual(buy.universe!.pairs);
    expect(stored?.tiers['BTC/USD']).toMatchObject({ tier: 3, riskMultiplier: 0.4 });

    // The operator changes the universe so that BTC leaves it, and the rebuild's Ticker call fails:
    // only the new include list trades, and BTC's position still has its stop checked and sold.
    const moved = e2eConfig({ pairs: { quote: 'USD', include: ['ETH/USD'], exclude: ['BTC/USD'], topN: 1 } });
    const handler = sandboxTickHandler({ sandbox: h.sandbox, dynamoEndpoint: dynamo.endpoint, tableName: table, config: moved, lookupDelayMs: 500 });
    h.sandbox.faults.failNext('EService:Unavailable', { method: 'Ticker' });
    h.sandbox.setTime(closeOf(h.buyIndex + 1));
    const exit = await handler(scheduledEvent(closeOf(h.buyIndex + 1)), { awsRequestId: 'moved-1' });
    expect(exit.universe).toMatchObject({ refreshed: false, pairs: ['ETH/USD'], problem: expect.stringContaining('only the include list trades') });
    const btcExit = exit.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btcExit.exit).toMatchObject({ decision: 'sell', reason: 'stop-loss' });
    expect(btcExit.orders).toEqual([expect.objectContaining({ side: 'sell', status: 'filled' })]);
    expect(await h.store.listPositions('live')).toEqual([]);

    // The next tick rebuilds it (the stored one is of the old definition): BTC is out, by the exclude list.
    h.sandbox.setTime(closeOf(h.buyIndex + 2));
    const next = await handler(scheduledEvent(closeOf(h.buyIndex + 2)), { awsRequestId: 'moved-2' });
    expect(next.universe).toMatchObject({ refreshed: true, pairs: ['ETH/USD'] });
    expect(next.pairs.map((p) => p.pair)).toEqual(['ETH/USD']);
    expect((await h.store.getUniverse('live'))?.outByRule).toMatchObject({ exclude: 1 });
  });

  it('leaves a delisted pair of the include list out with the reason, and trades the rest', async () => {
    const config = e2eConfig({ pairs: { quote: 'USD', include: ['BTC/USD', 'ETH/USD'], topN: 2 } });
    harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName: nextTable(), config });
    const h = harness;
    h.sandbox.setBehaviour({ markets: { 'ETH/USD': { delisted: true } } });
    const result = await h.tickAt(h.buyIndex);
    expect(result.status).toBe('completed');
    expect(result.universe?.pairs).toEqual(['BTC/USD']);
    expect(result.pairs.map((p) => p.pair)).toEqual(['BTC/USD']);
    expect(result.pairs[0]!.entry).toMatchObject({ decision: 'buy' });
    expect((await h.store.getUniverse('live'))?.outByRule).toEqual({ 'not-listed': 1 });
  });
});
