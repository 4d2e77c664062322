// Contract tests of the margin store (short positions, the margin-exposure cap) against the
// in-memory store and the DynamoDB store on dynalite, where conditional writes and races are real.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import type { MarginStorePort } from '../../functions/core/shorts/marginPorts.js';
import type { ShortPosition } from '../../functions/core/shorts/shortPosition.js';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let tables = 0;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = createDynamoClient({ endpoint: dynamo.endpoint });
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

const implementations: { name: string; create: () => Promise<MarginStorePort> }[] = [
  { name: 'MemoryStore', create: async () => new MemoryStore() },
  {
    name: 'DynamoStore on dynalite',
    create: async () => {
      const tableName = `kbot-margin-${++tables}`;
      await ensureTable(client, tableName);
      return new DynamoStore({ client, tableName });
    },
  },
];

const short = (o: Partial<ShortPosition> = {}): ShortPosition => ({
  mode: 'live',
  pair: 'BTC/USD',
  amountBase: 0.0033,
  entryPrice: 30_000,
  entryTimeMs: 1_000,
  proceedsQuote: 99,
  entryFeeQuote: 0.396,
  leverage: 2,
  strategy: 'short-downtrend',
  entryClientOrderId: 'a'.repeat(32),
  rolloverRatePer4h: 0.0002,
  appliedOrderIds: ['a'.repeat(32)],
  version: 1,
  ...o,
});

describe.each(implementations)('Margin store: $name', ({ create }) => {
  it('lets exactly one of two concurrent reservations pass a cap with room for one', async () => {
    const store = await create();
    // Prepare: a cap of 150 with 60 held; each entry wants 60 (two would make 180).
    expect(await store.reserveMargin('live', 'held', 'ETH/USD', 60, 150, 1)).toEqual({ reserved: true });
    // Act
    const results = await Promise.all([store.reserveMargin('live', 'one', 'BTC/USD', 60, 150, 2), store.reserveMargin('live', 'two', 'SOL/USD', 60, 150, 2)]);
    // Assess
    expect(results.filter((r) => r.reserved)).toHaveLength(1);
    expect(results.find((r) => !r.reserved)).toMatchObject({ reserved: false, reason: 'exposure-cap' });
    expect((await store.getMarginExposure('live')).exposureQuote).toBeCloseTo(120, 9);
  });

  it('lets exactly three of ten concurrent reservations pass a cap with room for three', async () => {
    const store = await create();
    const results = await Promise.all(Array.from({ length: 10 }, (_, k) => store.reserveMargin('live', `id${k}`, 'BTC/USD', 25, 80, 1)));
    expect(results.filter((r) => r.reserved)).toHaveLength(3);
    expect((await store.getMarginExposure('live')).exposureQuote).toBeCloseTo(75, 9);
  });

  it('is idempotent per order and gives back a release once', async () => {
    const store = await create();
    expect(await store.reserveMargin('live', 'x', 'BTC/USD', 40, 50, 1)).toEqual({ reserved: true });
    expect(await store.reserveMargin('live', 'x', 'BTC/USD', 40, 50, 1)).toEqual({ reserved: true });
    expect((await store.getMarginExposure('live')).exposureQuote).toBeCloseTo(40, 9);
    await store.releaseMargin('live', 'x');
    await store.releaseMargin('live', 'x');
    expect((await store.getMarginExposure('live')).exposureQuote).toBeCloseTo(0, 9);
    expect(await store.reserveMargin('live', 'x', 'BTC/USD', 40, 50, 1)).toMatchObject({ reserved: false, reason: 'already-decided' });
    expect(await store.reserveMargin('live', 'y', 'BTC/USD', 51, 50, 1)).toMatchObject({ reserved: false, reason: 'exposure-cap' });
  });

  it('keeps short positions apart by mode, with create-once and versioned updates', async () => {
    const store = await create();
    expect(await store.createShort(short())).toBe(true);
    expect(await store.createShort(short({ entryClientOrderId: 'b'.repeat(32) }))).toBe(false);
    expect(await store.listShorts('paper')).toEqual([]);
    expect(await store.updateShort(short({ amountBase: 0.001 }), 2)).toBe(false);
    expect(await store.updateShort(short({ amountBase: 0.001 }), 1)).toBe(true);
    expect(await store.getShort('live', 'BTC/USD')).toMatchObject({ amountBase: 0.001, version: 2 });
    expect(await store.deleteShort('live', 'BTC/USD', 1)).toBe(false);
    expect(await store.deleteShort('live', 'BTC/USD', 2)).toBe(true);
    expect(await store.listShorts('live')).toEqual([]);
  });
});
