// Contract tests: one suite, run against the in-memory store and the DynamoDB store on dynalite.
// Conditional writes, ConditionalCheckFailedException and concurrency are real on dynalite.
import type { MarketSnapshot } from '../../functions/core/market/marketSnapshot.js';
import type { UniverseRecord } from '../../functions/core/universe/universeRecord.js';
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import type { JournalEntry } from '../../functions/core/journal.js';
import type { ModelPromotion, StoredModel, StorePort } from '../../functions/core/ports.js';
import type { Mode, OrderIntent, Position, TradeRecord } from '../../functions/core/types.js';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  client = createDynamoClient({ endpoint: dynamo.endpoint });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

/** A fresh table per test, so tests never see each other's items. */
async function freshDynamoStore(): Promise<{ store: DynamoStore; tableName: string }> {
  const tableName = `kbot-contract-${++tableCount}`;
  await ensureTable(client, tableName);
  return { store: new DynamoStore({ client, tableName }), tableName };
}

const implementations: { name: string; create: () => Promise<StorePort> }[] = [
  { name: 'MemoryStore', create: async () => new MemoryStore() },
  { name: 'DynamoStore on dynalite', create: async () => (await freshDynamoStore()).store },
];

const CANDLE_ISO = '2026-01-05T12:00:00.000Z';
const T0 = Date.UTC(2026, 0, 5, 12, 0, 2);
const DAY = '2026-01-05';
const LIMITS = { maxTradesPerDay: 5, maxTradesPerPairPerDay: 100 };

function makePosition(overrides: Partial<Position> = {}): Position {
  return {
    mode: 'paper',
    pair: 'BTC/USD',
    amountBase: 0.00123457,
    entryPrice: 64_321.1,
    entryTimeMs: T0,
    costQuote: 79.41,
    entryFeeQuote: 0.317_64,
    strategy: 'trend',
    entryClientOrderId: 'a'.repeat(32),
    stopPrice: 62_000.5,
    takeProfitPrice: 70_000,
    trailing: { activationPrice: 66_000, distanceFraction: 0.015, highestPrice: 64_321.1, armed: false },
    maxHoldUntilMs: T0 + 86_400_000,
    appliedOrderIds: ['a'.repeat(32)],
    version: 0,
    ...overrides,
  };
}

function makeIntent(overrides: Partial<OrderIntent> = {}): OrderIntent {
  return {
    mode: 'paper',
    clientOrderId: '0123456789abcdef0123456789abcdef',
    pair: 'BTC/USD',
    side: 'buy',
    reason: 'entry',
    candleCloseIso: CANDLE_ISO,
    costQuote: 80,
    status: 'PENDING',
    createdAtMs: T0,
    updatedAtMs: T0,
    reservedDay: DAY,
    entryPlan: { strategy: 'trend', stopPrice: 62_000, trailing: { activationPrice: 66_000, distanceFraction: 0.015 } },
    ...overrides,
  };
}

function makeTrade(overrides: Partial<TradeRecord> = {}): TradeRecord {
  return {
    mode: 'paper',
    clientOrderId: 'c'.repeat(32),
    exchangeOrderId: 'OABCDE-FGHIJ-KLMNOP',
    pair: 'BTC/USD',
    side: 'sell',
    reason: 'take-profit',
    amountBase: 0.00123457,
    price: 70_000.1,
    costQuote: 86.42,
    feeQuote: 0.345_68,
    realizedPnlQuote: 0.1 + 0.2,
    timestampMs: T0,
    ...overrides,
  };
}

function hexId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

describe.each(implementations)('StorePort contract: $name', ({ create }) => {
  describe('tick claims', () => {
    it('lets exactly one of 20 concurrent claims for one candle win', async () => {
      const store = await create();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.claimTick('paper', CANDLE_ISO, `owner-${i}`, T0, 60_000)),
      );
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      expect(results.filter((r) => !r.claimed && r.reason === 'in-progress')).toHaveLength(19);
    });

    it('takes over an expired in-progress lease but never a live one', async () => {
      const store = await create();
      expect(await store.claimTick('paper', CANDLE_ISO, 'crashed', T0, 60_000)).toEqual({ claimed: true });
      expect(await store.claimTick('paper', CANDLE_ISO, 'second', T0 + 30_000, 60_000)).toEqual({ claimed: false, reason: 'in-progress' });
      // The lease ends at T0 + 60s: at exactly that instant it still holds.
      expect(await store.claimTick('paper', CANDLE_ISO, 'second', T0 + 60_000, 60_000)).toEqual({ claimed: false, reason: 'in-progress' });
      expect(await store.claimTick('paper', CANDLE_ISO, 'second', T0 + 60_001, 60_000)).toEqual({ claimed: true });
      // The new owner's lease runs from the takeover.
      expect(await store.claimTick('paper', CANDLE_ISO, 'third', T0 + 100_000, 60_000)).toEqual({ claimed: false, reason: 'in-progress' });
    });

    it('never re-claims a DONE candle, however late', async () => {
      const store = await create();
      await store.claimTick('paper', CANDLE_ISO, 'owner', T0, 60_000);
      await store.completeTick('paper', CANDLE_ISO, 'owner', T0 + 5_000, { trades: 0 });
      expect(await store.claimTick('paper', CANDLE_ISO, 'late', T0 + 10 * 86_400_000, 60_000)).toEqual({
        claimed: false,
        reason: 'already-claimed',
      });
    });

    it('completes a tick and returns it as the last tick, with the summary intact', async () => {
      const store = await create();
      expect(await store.getLastTick('paper')).toBeUndefined();
      const summary = { pairs: [{ pair: 'BTC/USD', pnl: 0.1 + 0.2, note: '' }], orders: [], skipped: false };
      await store.claimTick('paper', CANDLE_ISO, 'owner', T0, 60_000);
      await store.completeTick('paper', CANDLE_ISO, 'owner', T0 + 4_321, summary);
      expect(await store.getLastTick('paper')).toEqual({ candleCloseIso: CANDLE_ISO, completedAtMs: T0 + 4_321, summary });
      expect(await store.getLastTick('live')).toBeUndefined();
    });

    it('ignores completion by an owner whose lease was taken over', async () => {
      const store = await create();
      await store.claimTick('paper', CANDLE_ISO, 'slow', T0, 1_000);
      await store.claimTick('paper', CANDLE_ISO, 'fast', T0 + 2_000, 60_000);
      await store.completeTick('paper', CANDLE_ISO, 'slow', T0 + 3_000, { by: 'slow' });
      expect(await store.getLastTick('paper')).toBeUndefined();
      // The new owner still holds an in-progress lease, so nobody else gets in.
      expect(await store.claimTick('paper', CANDLE_ISO, 'other', T0 + 4_000, 60_000)).toEqual({ claimed: false, reason: 'in-progress' });
      await store.completeTick('paper', CANDLE_ISO, 'fast', T0 + 5_000, { by: 'fast' });
      expect((await store.getLastTick('paper'))?.summary).toEqual({ by: 'fast' });
    });

    it('keeps the newest candle as the last tick when an older one completes late', async () => {
      const store = await create();
      const olderIso = '2026-01-05T11:55:00.000Z';
      await store.claimTick('paper', olderIso, 'a', T0 - 300_000, 600_000);
      await store.claimTick('paper', CANDLE_ISO, 'b', T0, 60_000);
      await store.completeTick('paper', CANDLE_ISO, 'b', T0 + 1_000, { n: 2 });
      await store.completeTick('paper', olderIso, 'a', T0 + 2_000, { n: 1 });
      expect(await store.getLastTick('paper')).toEqual({ candleCloseIso: CANDLE_ISO, completedAtMs: T0 + 1_000, summary: { n: 2 } });
    });
  });

  describe('control', () => {
    it('defaults to not halted and stores the halt flag per mode', async () => {
      const store = await create();
      expect(await store.getControl('live')).toEqual({ halted: false, haltExits: false });
      await store.setControl('live', { halted: true, haltExits: true, reason: 'manual', updatedAtMs: T0 });
      expect(await store.getControl('live')).toEqual({ halted: true, haltExits: true, reason: 'manual', updatedAtMs: T0 });
      expect(await store.getControl('paper')).toEqual({ halted: false, haltExits: false });
      await store.setControl('live', { halted: false, haltExits: false });
      expect(await store.getControl('live')).toEqual({ halted: false, haltExits: false });
    });
  });

  describe('positions', () => {
    it('lets exactly one of 10 concurrent creates win and stores the winner', async () => {
      const store = await create();
      const candidates = Array.from({ length: 10 }, (_, i) => makePosition({ amountBase: 0.001 * (i + 1), strategy: `s${i}` }));
      const results = await Promise.all(candidates.map((p) => store.createPosition(p)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = candidates[results.indexOf(true)]!;
      expect(await store.getPosition('paper', 'BTC/USD')).toEqual(winner);
    });

    it('round-trips every field exactly, including awkward floats', async () => {
      const store = await create();
      const position = makePosition({
        amountBase: 1 / 3,
        entryPrice: 0.1 + 0.2,
        costQuote: 123_456.789_012_345_67,
        entryFeeQuote: 1e-8,
        appliedOrderIds: [],
      });
      await store.createPosition(position);
      const stored = await store.getPosition('paper', 'BTC/USD');
      expect(stored).toStrictEqual(position);
      expect(stored?.amountBase).toBe(1 / 3);
      expect(stored?.entryPrice).toBe(0.30000000000000004);
    });

    it('applies an update only at the expected version and stores version + 1', async () => {
      const store = await create();
      await store.createPosition(makePosition({ version: 0 }));
      const armed = makePosition({ trailing: { activationPrice: 66_000, distanceFraction: 0.015, highestPrice: 67_000, armed: true } });
      expect(await store.updatePosition(armed, 0)).toBe(true);
      expect(await store.getPosition('paper', 'BTC/USD')).toEqual({ ...armed, version: 1 });
      // A writer still holding version 0 is refused and changes nothing.
      expect(await store.updatePosition(makePosition({ stopPrice: 1 }), 0)).toBe(false);
      expect(await store.getPosition('paper', 'BTC/USD')).toEqual({ ...armed, version: 1 });
      expect(await store.updatePosition(makePosition({ pair: 'ETH/USD' }), 0)).toBe(false);
      expect(await store.getPosition('paper', 'ETH/USD')).toBeUndefined();
    });

    it('lets exactly one of 10 concurrent versioned updates win', async () => {
      const store = await create();
      await store.createPosition(makePosition({ version: 3 }));
      const updates = Array.from({ length: 10 }, (_, i) => makePosition({ stopPrice: 60_000 + i }));
      const results = await Promise.all(updates.map((p) => store.updatePosition(p, 3)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = updates[results.indexOf(true)]!;
      expect(await store.getPosition('paper', 'BTC/USD')).toEqual({ ...winner, version: 4 });
    });

    it('deletes only at the expected version', async () => {
      const store = await create();
      await store.createPosition(makePosition({ version: 2 }));
      expect(await store.deletePosition('paper', 'BTC/USD', 1)).toBe(false);
      expect(await store.getPosition('paper', 'BTC/USD')).toBeDefined();
      expect(await store.deletePosition('paper', 'BTC/USD', 2)).toBe(true);
      expect(await store.getPosition('paper', 'BTC/USD')).toBeUndefined();
      expect(await store.deletePosition('paper', 'BTC/USD', 2)).toBe(false);
      // Once deleted, a new position for the pair can be created.
      expect(await store.createPosition(makePosition())).toBe(true);
    });

    it('lists the positions of one mode, sorted by pair', async () => {
      const store = await create();
      await store.createPosition(makePosition({ pair: 'SOL/USD' }));
      await store.createPosition(makePosition({ pair: 'BTC/USD' }));
      await store.createPosition(makePosition({ pair: 'ETH/USD', mode: 'live' }));
      expect((await store.listPositions('paper')).map((p) => p.pair)).toEqual(['BTC/USD', 'SOL/USD']);
      expect((await store.listPositions('live')).map((p) => [p.mode, p.pair])).toEqual([['live', 'ETH/USD']]);
    });
  });

  describe('order intents', () => {
    it('creates an intent once; a second create is refused and changes nothing', async () => {
      const store = await create();
      const intent = makeIntent();
      expect(await store.createIntent(intent)).toBe(true);
      expect(await store.createIntent({ ...intent, costQuote: 999, createdAtMs: T0 + 1 })).toBe(false);
      expect(await store.getIntent('paper', intent.clientOrderId)).toStrictEqual(intent);
      expect(await store.getIntent('live', intent.clientOrderId)).toBeUndefined();
    });

    it('moves PENDING to FILLED exactly once under 10 concurrent transitions', async () => {
      const store = await create();
      const intent = makeIntent();
      await store.createIntent(intent);
      const fills = Array.from({ length: 10 }, (_, i) => ({
        exchangeOrderId: `O${i}`,
        clientOrderId: intent.clientOrderId,
        pair: 'BTC/USD',
        side: 'buy' as const,
        status: 'closed' as const,
        filledBase: 0.001 + i / 1e6,
        costQuote: 80,
        averagePrice: 64_000 + i,
        feeQuote: 0.32,
        timestampMs: T0 + i,
      }));
      const results = await Promise.all(
        fills.map((fill) => store.transitionIntent('paper', intent.clientOrderId, 'PENDING', { status: 'FILLED', fill, updatedAtMs: T0 + 9 })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = await store.getIntent('paper', intent.clientOrderId);
      expect(stored).toEqual({ ...intent, status: 'FILLED', fill: fills[results.indexOf(true)], updatedAtMs: T0 + 9 });
      // Settled intents never move again from PENDING.
      expect(await store.transitionIntent('paper', intent.clientOrderId, 'PENDING', { status: 'FAILED' })).toBe(false);
      expect((await store.getIntent('paper', intent.clientOrderId))?.status).toBe('FILLED');
    });

    it('applies a same-status patch (lookups) and keeps untouched fields', async () => {
      const store = await create();
      const intent = makeIntent();
      await store.createIntent(intent);
      expect(await store.transitionIntent('paper', intent.clientOrderId, 'PENDING', { lookups: 1, error: undefined, updatedAtMs: T0 + 60_000 })).toBe(true);
      expect(await store.getIntent('paper', intent.clientOrderId)).toEqual({ ...intent, lookups: 1, updatedAtMs: T0 + 60_000 });
      expect(await store.transitionIntent('paper', 'f'.repeat(32), 'PENDING', { status: 'FAILED' })).toBe(false);
      expect(await store.getIntent('paper', 'f'.repeat(32))).toBeUndefined();
    });

    it('lists only the PENDING intents of the mode asked for', async () => {
      const store = await create();
      await store.createIntent(makeIntent({ clientOrderId: hexId(3) }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(1) }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(2) }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(4), status: 'REJECTED', error: 'EOrder:Insufficient funds' }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(9), mode: 'live' }));
      await store.transitionIntent('paper', hexId(2), 'PENDING', { status: 'FAILED', updatedAtMs: T0 + 1 });
      expect((await store.listPendingIntents('paper')).map((i) => i.clientOrderId)).toEqual([hexId(1), hexId(3)]);
      const live = await store.listPendingIntents('live');
      expect(live.map((i) => [i.mode, i.clientOrderId])).toEqual([['live', hexId(9)]]);
    });
  });

  describe('daily counters', () => {
    it('reserves exactly maxTradesPerDay of 30 concurrent entries', async () => {
      const store = await create();
      const pairs = ['BTC/USD', 'ETH/USD', 'SOL/USD'];
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => store.reserveEntry('paper', DAY, pairs[i % 3]!, LIMITS, hexId(500 + i), T0)));
      expect(results.filter((r) => r.reserved)).toHaveLength(5);
      expect(results.filter((r) => !r.reserved && r.reason === 'daily-trade-cap')).toHaveLength(25);
      const day = await store.getDay('paper', DAY);
      expect(day.trades).toBe(5);
      expect(Object.values(day.tradesByPair).reduce((a, b) => a + b, 0)).toBe(5);
      expect(Object.values(day.reservations).filter((r) => r.state === 'held')).toHaveLength(5);
    });

    it('enforces the per-pair cap, also under concurrency', async () => {
      const store = await create();
      const limits = { maxTradesPerDay: 20, maxTradesPerPairPerDay: 3 };
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(600 + i), T0)));
      expect(results.filter((r) => r.reserved)).toHaveLength(3);
      expect(results.filter((r) => !r.reserved && r.reason === 'pair-trade-cap')).toHaveLength(7);
      expect(await store.reserveEntry('paper', DAY, 'ETH/USD', limits, hexId(700), T0 + 5)).toEqual({ reserved: true });
      const day = await store.getDay('paper', DAY);
      expect({ ...day, reservations: undefined }).toEqual({
        day: DAY,
        trades: 4,
        tradesByPair: { 'BTC/USD': 3, 'ETH/USD': 1 },
        exits: 0,
        realizedPnlQuote: 0,
        killSwitchTripped: false,
        reservations: undefined,
      });
      expect(day.reservations[hexId(700)]).toEqual({ pair: 'ETH/USD', atMs: T0 + 5, state: 'held' });
    });

    it('refuses everything under a cap of zero and counts nothing', async () => {
      const store = await create();
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', { maxTradesPerDay: 0, maxTradesPerPairPerDay: 4 }, hexId(1), T0)).toEqual({
        reserved: false,
        reason: 'daily-trade-cap',
      });
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', { maxTradesPerDay: 4, maxTradesPerPairPerDay: 0 }, hexId(2), T0)).toEqual({
        reserved: false,
        reason: 'pair-trade-cap',
      });
      expect((await store.getDay('paper', DAY)).trades).toBe(0);
    });

    it('reserves once per client order id: a repeat after a crash does not count twice', async () => {
      const store = await create();
      const limits = { maxTradesPerDay: 2, maxTradesPerPairPerDay: 2 };
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(1), T0)).toEqual({ reserved: true });
      // The retried tick reserves the same decision again, even with the cap now reached by others.
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(2), T0)).toEqual({ reserved: true });
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(1), T0 + 60_000)).toEqual({ reserved: true });
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(3), T0)).toEqual({ reserved: false, reason: 'daily-trade-cap' });
      const day = await store.getDay('paper', DAY);
      expect(day).toMatchObject({ trades: 2, tradesByPair: { 'BTC/USD': 2 } });
      expect(day.reservations[hexId(1)]).toEqual({ pair: 'BTC/USD', atMs: T0, state: 'held' });
    });

    it('gives a held reservation back once, marks a used one, and answers already-decided afterwards', async () => {
      const store = await create();
      const limits = { maxTradesPerDay: 2, maxTradesPerPairPerDay: 2 };
      await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(1), T0);
      await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(2), T0);
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(3), T0)).toEqual({ reserved: false, reason: 'daily-trade-cap' });
      for (let i = 0; i < 3; i++) await store.releaseEntry('paper', DAY, 'BTC/USD', hexId(1));
      expect(await store.getDay('paper', DAY)).toMatchObject({ trades: 1, tradesByPair: { 'BTC/USD': 1 } });
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(1), T0)).toEqual({ reserved: false, reason: 'already-decided' });
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', limits, hexId(3), T0)).toEqual({ reserved: true });
      await store.markEntryUsed('paper', DAY, hexId(2));
      // A used reservation is never given back.
      await store.releaseEntry('paper', DAY, 'BTC/USD', hexId(2));
      const day = await store.getDay('paper', DAY);
      expect(day).toMatchObject({ trades: 2, tradesByPair: { 'BTC/USD': 2 } });
      expect(Object.fromEntries(Object.entries(day.reservations).map(([id, r]) => [id, r.state]))).toEqual({
        [hexId(1)]: 'released',
        [hexId(2)]: 'used',
        [hexId(3)]: 'held',
      });
      // Releasing on a day nobody reserved changes nothing.
      await store.releaseEntry('paper', '2026-01-06', 'BTC/USD', hexId(9));
      expect(await store.getDay('paper', '2026-01-06')).toEqual({
        day: '2026-01-06',
        trades: 0,
        tradesByPair: {},
        exits: 0,
        realizedPnlQuote: 0,
        killSwitchTripped: false,
        reservations: {},
      });
    });

    it('records realized P&L once per closing order and counts the exit', async () => {
      const store = await create();
      const first = await store.recordRealizedPnl('paper', DAY, hexId(1), -10.25, 50);
      expect(first).toEqual({ day: expect.objectContaining({ realizedPnlQuote: -10.25, exits: 1 }), tripped: false });
      const repeat = await store.recordRealizedPnl('paper', DAY, hexId(1), -10.25, 50);
      expect(repeat).toEqual({ day: expect.objectContaining({ realizedPnlQuote: -10.25, exits: 1 }), tripped: false });
      const second = await store.recordRealizedPnl('paper', DAY, hexId(2), 4.5, 50);
      expect(second.day).toEqual({ day: DAY, trades: 0, tradesByPair: {}, exits: 2, realizedPnlQuote: -5.75, killSwitchTripped: false, reservations: {} });
      expect(await store.getDay('paper', DAY)).toEqual(second.day);
    });

    it('trips the kill switch exactly once under concurrent losses, then refuses entries', async () => {
      const store = await create();
      await store.reserveEntry('paper', DAY, 'BTC/USD', LIMITS, hexId(801), T0);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.recordRealizedPnl('paper', DAY, hexId(100 + i), -10, 50)),
      );
      expect(results.filter((r) => r.tripped)).toHaveLength(1);
      const day = await store.getDay('paper', DAY);
      expect(day).toMatchObject({ realizedPnlQuote: -100, exits: 10, killSwitchTripped: true, trades: 1 });
      expect(results.find((r) => r.tripped)?.day.killSwitchTripped).toBe(true);
      expect(await store.reserveEntry('paper', DAY, 'ETH/USD', LIMITS, hexId(802), T0)).toEqual({ reserved: false, reason: 'kill-switch' });
      // A later loss neither re-trips nor un-trips it.
      expect((await store.recordRealizedPnl('paper', DAY, hexId(999), -1, 50)).tripped).toBe(false);
      expect(await store.reserveEntry('live', DAY, 'ETH/USD', LIMITS, hexId(803), T0)).toEqual({ reserved: true });
    });

    it('trips at exactly the loss limit, not one cent before', async () => {
      const store = await create();
      expect((await store.recordRealizedPnl('paper', DAY, hexId(1), -49.5, 50)).tripped).toBe(false);
      expect(await store.reserveEntry('paper', DAY, 'BTC/USD', LIMITS, hexId(804), T0)).toEqual({ reserved: true });
      const atLimit = await store.recordRealizedPnl('paper', DAY, hexId(2), -0.5, 50);
      expect(atLimit).toEqual({ day: expect.objectContaining({ realizedPnlQuote: -50, killSwitchTripped: true }), tripped: true });
    });
  });

  describe('the books: order slots, unresolved intents, holdings, markers, audit', () => {
    it('gives a (pair, side) order slot to one of 10 concurrent orders; the holder may take it again, others are told who holds it', async () => {
      const store = await create();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.acquireOrderSlot('paper', { pair: 'BTC/USD', clientOrderId: hexId(i + 1), side: 'sell', atMs: T0 + i })),
      );
      const winners = results.flatMap((r, i) => (r.acquired ? [hexId(i + 1)] : []));
      expect(winners).toHaveLength(1);
      const holder = winners[0]!;
      for (const r of results) if (!r.acquired) expect(r.holder).toMatchObject({ clientOrderId: holder, pair: 'BTC/USD', side: 'sell' });
      expect(await store.acquireOrderSlot('paper', { pair: 'BTC/USD', clientOrderId: holder, side: 'sell', atMs: T0 + 99 })).toEqual({ acquired: true });
      // The other side, another pair and the other mode are independent.
      expect(await store.acquireOrderSlot('paper', { pair: 'BTC/USD', clientOrderId: hexId(49), side: 'buy', atMs: T0 })).toEqual({ acquired: true });
      expect(await store.acquireOrderSlot('paper', { pair: 'ETH/USD', clientOrderId: hexId(50), side: 'sell', atMs: T0 })).toEqual({ acquired: true });
      expect(await store.acquireOrderSlot('live', { pair: 'BTC/USD', clientOrderId: hexId(51), side: 'sell', atMs: T0 })).toEqual({ acquired: true });
      expect((await store.listOrderSlots('paper')).map((x) => [x.pair, x.side, x.clientOrderId])).toEqual([
        ['BTC/USD', 'buy', hexId(49)],
        ['BTC/USD', 'sell', holder],
        ['ETH/USD', 'sell', hexId(50)],
      ]);
      // Only the holder frees it, and only on its side.
      await store.releaseOrderSlot('paper', 'BTC/USD', 'sell', hexId(77));
      await store.releaseOrderSlot('paper', 'BTC/USD', 'buy', holder);
      expect(await store.listOrderSlots('paper')).toHaveLength(3);
      await store.releaseOrderSlot('paper', 'BTC/USD', 'sell', holder);
      await store.releaseOrderSlot('paper', 'BTC/USD', 'sell', holder);
      expect(await store.acquireOrderSlot('paper', { pair: 'BTC/USD', clientOrderId: hexId(60), side: 'sell', atMs: T0 })).toEqual({ acquired: true });
    });

    it('lists PENDING intents and written-off ones inside their re-check window; FAILED can become FILLED', async () => {
      const store = await create();
      await store.createIntent(makeIntent({ clientOrderId: hexId(1) }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(2) }));
      await store.createIntent(makeIntent({ clientOrderId: hexId(3) }));
      await store.transitionIntent('paper', hexId(2), 'PENDING', { status: 'FAILED', writtenOffAtMs: T0, recheckUntilMs: T0 + 86_400_000, updatedAtMs: T0 });
      await store.transitionIntent('paper', hexId(3), 'PENDING', { status: 'FAILED', error: 'validate-only', updatedAtMs: T0 });
      const ids = async (nowMs: number) => (await store.listUnresolvedIntents('paper', nowMs)).map((i) => [i.clientOrderId, i.status]);
      expect(await ids(T0 + 1)).toEqual([
        [hexId(1), 'PENDING'],
        [hexId(2), 'FAILED'],
      ]);
      expect(await ids(T0 + 86_400_001)).toEqual([[hexId(1), 'PENDING']]);
      expect(await store.transitionIntent('paper', hexId(2), 'FAILED', { status: 'FILLED', updatedAtMs: T0 + 2 })).toBe(true);
      expect(await ids(T0 + 1)).toEqual([[hexId(1), 'PENDING']]);
      expect((await store.getIntent('paper', hexId(2)))?.status).toBe('FILLED');
    });

    it('keeps holdings records per asset under a version condition', async () => {
      const store = await create();
      const record = { mode: 'paper' as const, asset: 'BTC', externalBase: 0.5, dustBase: 0, updatedAtMs: T0, version: 0, note: 'first check' };
      expect(await store.putHoldings(record, 0)).toBe(false);
      expect(await store.putHoldings(record, -1)).toBe(true);
      expect(await store.putHoldings(record, -1)).toBe(false);
      expect(await store.putHoldings({ ...record, dustBase: 0.00001, dustPositionIds: [hexId(1)] }, 0)).toBe(true);
      expect(await store.putHoldings({ ...record, dustBase: 9 }, 0)).toBe(false);
      expect(await store.listHoldings('paper')).toEqual([{ ...record, dustBase: 0.00001, dustPositionIds: [hexId(1)], version: 1 }]);
      expect(await store.listHoldings('live')).toEqual([]);
    });

    it('markOnce answers true once per key until it expires, also under concurrency', async () => {
      const store = await create();
      const results = await Promise.all(Array.from({ length: 8 }, () => store.markOnce('paper', 'blocked#x#stop', T0, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.markOnce('paper', 'blocked#x#stop', T0 + 59_999, 60_000)).toBe(false);
      expect(await store.markOnce('live', 'blocked#x#stop', T0, 60_000)).toBe(true);
      expect(await store.markOnce('paper', 'blocked#x#stop', T0 + 60_000, 60_000)).toBe(true);
    });

    it('appends audit records once per id and lists them by time', async () => {
      const store = await create();
      const a = { mode: 'paper' as const, atMs: T0 + 5, id: 'adopt-1', action: 'adopt', actor: 'cli', details: { pair: 'BTC/USD', amountBase: 0.1 } };
      await store.appendAudit(a);
      await store.appendAudit({ ...a, details: { changed: true } });
      await store.appendAudit({ ...a, id: 'release-1', atMs: T0, action: 'release' });
      expect((await store.listAudit('paper', 0, T0 + 10)).map((x) => [x.id, x.details])).toEqual([
        ['release-1', a.details],
        ['adopt-1', a.details],
      ]);
      expect(await store.listAudit('paper', T0 + 6, T0 + 10)).toEqual([]);
    });
  });

  describe('paper wallet', () => {
    it('creates once at version -1, then only accepts the current version', async () => {
      const store = await create();
      expect(await store.getWallet()).toBeUndefined();
      expect(await store.putWallet({ USD: 1_000 }, 0)).toBe(false);
      expect(await store.putWallet({ USD: 1_000 }, -1)).toBe(true);
      expect(await store.putWallet({ USD: 5 }, -1)).toBe(false);
      expect(await store.getWallet()).toEqual({ balances: { USD: 1_000 }, version: 0 });
      const candidates = Array.from({ length: 10 }, (_, i) => ({ USD: 920 - i, BTC: 0.00123457 + i / 1e8 }));
      const results = await Promise.all(candidates.map((balances) => store.putWallet(balances, 0)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.getWallet()).toEqual({ balances: candidates[results.indexOf(true)], version: 1 });
      expect(await store.putWallet({ USD: 1 }, 0)).toBe(false);
      expect((await store.getWallet())?.version).toBe(1);
    });
  });

  describe('trade ledger', () => {
    it('appends a trade once, whatever a retry carries', async () => {
      const store = await create();
      const trade = makeTrade();
      await Promise.all(Array.from({ length: 5 }, () => store.appendTrade(trade)));
      await store.appendTrade({ ...trade, timestampMs: T0 + 7_000, price: 1 });
      expect(await store.listTrades('paper', 0, T0 + 86_400_000)).toStrictEqual([trade]);
    });

    it('lists a mode’s trades in time order within an inclusive range', async () => {
      const store = await create();
      const trades = [
        makeTrade({ clientOrderId: hexId(1), timestampMs: T0 + 2_000, pair: 'ETH/USD' }),
        makeTrade({ clientOrderId: hexId(2), timestampMs: T0 }),
        makeTrade({ clientOrderId: hexId(3), timestampMs: T0 + 1_000 }),
        makeTrade({ clientOrderId: hexId(4), timestampMs: T0 + 3_000 }),
        makeTrade({ clientOrderId: hexId(5), timestampMs: T0 + 1_000, mode: 'live' }),
      ];
      for (const trade of trades) await store.appendTrade(trade);
      const ids = (mode: Mode, fromMs: number, toMs: number) =>
        store.listTrades(mode, fromMs, toMs).then((list) => list.map((t) => t.clientOrderId));
      expect(await ids('paper', T0, T0 + 3_000)).toEqual([hexId(2), hexId(3), hexId(1), hexId(4)]);
      expect(await ids('paper', T0 + 1_000, T0 + 2_000)).toEqual([hexId(3), hexId(1)]);
      expect(await ids('paper', T0 + 1, T0 + 999)).toEqual([]);
      expect(await ids('paper', T0 + 3_000, T0)).toEqual([]);
      expect(await ids('live', 0, Number.MAX_SAFE_INTEGER)).toEqual([hexId(5)]);
    });
  });

  describe('decision journal', () => {
    const entryAt = (minute: number, mode: Mode = 'paper'): JournalEntry => ({
      mode,
      candleCloseIso: new Date(T0 - 2_000 + minute * 300_000).toISOString(),
      atMs: T0 + minute * 300_000,
      expiresAtMs: T0 + minute * 300_000 + 14 * 86_400_000,
      record: {
        v: 1,
        ms: 420,
        e: 1_000.5,
        p: [
          { p: 'BTC/USD', c: 64_321.1, d: 1, n: ['n', 'signal', 'regime.unclear', 'ADX is between the range and trend thresholds', { regime: 'unclear', adx: 22.1, rangeAdxMax: 20, trendAdxMin: 25 }] },
          { p: 'ETH/USD', d: ['stale', 'last closed candle opens late'], o: [[hexId(minute), 'sell', 'stop-loss', 'filled', 0.5, 3_000.25, 0.6, -1.25]] },
        ],
      },
    });

    it('stores one record per candle (a repeat replaces it) and lists a time range in order, either way, with a limit', async () => {
      const store = await create();
      for (const m of [2, 0, 1, 3]) await store.putJournal(entryAt(m));
      await store.putJournal({ ...entryAt(1), atMs: T0 + 999 });
      await store.putJournal(entryAt(1, 'live'));
      const all = await store.listJournal('paper', 0, T0 * 2);
      expect(all.map((e) => e.candleCloseIso)).toEqual([0, 1, 2, 3].map((m) => entryAt(m).candleCloseIso));
      expect(all[0]).toStrictEqual(entryAt(0));
      expect(all[1]?.atMs).toBe(T0 + 999);
      const from = Date.parse(entryAt(1).candleCloseIso);
      const to = Date.parse(entryAt(2).candleCloseIso);
      expect((await store.listJournal('paper', from, to)).map((e) => e.candleCloseIso)).toEqual([entryAt(1).candleCloseIso, entryAt(2).candleCloseIso]);
      expect((await store.listJournal('paper', from, from)).map((e) => e.candleCloseIso)).toEqual([entryAt(1).candleCloseIso]);
      expect((await store.listJournal('paper', 0, T0 * 2, { newestFirst: true, limit: 2 })).map((e) => e.candleCloseIso)).toEqual([entryAt(3).candleCloseIso, entryAt(2).candleCloseIso]);
      expect((await store.listJournal('paper', 0, T0 * 2, { limit: 1 })).map((e) => e.candleCloseIso)).toEqual([entryAt(0).candleCloseIso]);
      expect(await store.listJournal('paper', to, from)).toEqual([]);
      expect((await store.listJournal('live', 0, T0 * 2)).map((e) => e.candleCloseIso)).toEqual([entryAt(1).candleCloseIso]);
    });
  });

  describe('learned filter models', () => {
    const hashOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
    const modelAt = (n: number, mode: Mode = 'paper'): StoredModel => ({ mode, contentHash: hashOf(n), storedAtMs: T0 + n, body: JSON.stringify({ format: 'kbot-trade-filter', n, forest: { trees: [1.5, -2, 'x'.repeat(2_000)] } }) });

    it('stores a model once per content hash and returns its exact text', async () => {
      const store = await create();
      await store.putModel(modelAt(1));
      await store.putModel({ ...modelAt(1), body: '{"changed":true}', storedAtMs: T0 + 99 });
      expect(await store.getModel('paper', hashOf(1))).toStrictEqual(modelAt(1));
      expect(await store.getModel('paper', hashOf(2))).toBeUndefined();
      expect(await store.getModel('live', hashOf(1))).toBeUndefined();
    });

    it('promotes only from the expected current model: of 8 concurrent first promotions exactly one wins', async () => {
      const store = await create();
      expect(await store.getPromotedModel('paper')).toBeUndefined();
      const promotion = (n: number, previousHash?: string): ModelPromotion => ({ mode: 'paper', contentHash: hashOf(n), promotedAtMs: T0 + n, reason: `test ${n}`, ...(previousHash ? { previousHash } : {}) });
      const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => store.promoteModel(promotion(n), null)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true) + 1;
      expect(await store.getPromotedModel('paper')).toStrictEqual(promotion(winner));
      // A promotion that expects another current model changes nothing; the right one replaces it.
      expect(await store.promoteModel(promotion(20, hashOf(99)), hashOf(99))).toBe(false);
      expect(await store.promoteModel(promotion(20, hashOf(winner)), hashOf(winner))).toBe(true);
      expect(await store.getPromotedModel('paper')).toStrictEqual(promotion(20, hashOf(winner)));
      expect(await store.getPromotedModel('live')).toBeUndefined();
    });
  });

  describe('market snapshots and the universe', () => {
    const snap = (pair: string, closeMs: number, referencePrice?: number): MarketSnapshot => ({
      pair,
      closeMs,
      bids: [[100.1, 0.5], [100, 1.25]],
      asks: [[100.3, 0.75]],
      ...(referencePrice !== undefined ? { referencePrice } : {}),
    });

    it('records one tick of snapshots per candle and lists them by candle close, oldest first, per mode', async () => {
      const store = await create();
      const close = (k: number) => T0 + k * 300_000;
      await store.putSnapshots!('paper', close(2), [snap('BTC/USD', close(2), 100.25), snap('ETH/USD', close(2))], T0 + 86_400_000);
      await store.putSnapshots!('paper', close(1), [snap('BTC/USD', close(1))], T0 + 86_400_000);
      await store.putSnapshots!('live', close(1), [snap('SOL/USD', close(1))], T0 + 86_400_000);
      expect(await store.listSnapshots!('paper', close(0), close(3))).toStrictEqual([snap('BTC/USD', close(1)), snap('BTC/USD', close(2), 100.25), snap('ETH/USD', close(2))]);
      expect(await store.listSnapshots!('paper', close(2), close(2))).toHaveLength(2);
      expect(await store.listSnapshots!('paper', close(3), close(9))).toEqual([]);
      expect((await store.listSnapshots!('live', 0, close(9))).map((s) => s.pair)).toEqual(['SOL/USD']);
    });

    it('keeps one universe per mode, replaced by each refresh', async () => {
      const store = await create();
      expect(await store.getUniverse!('paper')).toBeUndefined();
      const record: UniverseRecord = {
        mode: 'paper',
        key: '{"quote":"USD"}',
        refreshedAtMs: T0,
        pairs: ['BTC/USD', 'SHIB/USD'],
        tiers: { 'SHIB/USD': { tier: 1, maxPrice: 0.05, riskMultiplier: 1, profitMarginFraction: 0.015, minQuoteVolume24h: 500_000, maxSpreadFraction: 0.08 } },
        firstSeenMs: { 'BTC/USD': 0, 'SHIB/USD': T0 },
        outByRule: { volume: 3 },
      };
      await store.putUniverse!(record);
      await store.putUniverse!({ ...record, refreshedAtMs: T0 + 1, pairs: ['BTC/USD'] });
      expect(await store.getUniverse!('paper')).toStrictEqual({ ...record, refreshedAtMs: T0 + 1, pairs: ['BTC/USD'] });
      expect(await store.getUniverse!('live')).toBeUndefined();
    });
  });

  describe('isolation', () => {
    it('never mixes paper and live state', async () => {
      const store = await create();
      await store.claimTick('paper', CANDLE_ISO, 'p', T0, 60_000);
      await store.completeTick('paper', CANDLE_ISO, 'p', T0, { mode: 'paper' });
      await store.setControl('paper', { halted: true, haltExits: false });
      await store.createPosition(makePosition());
      await store.createIntent(makeIntent());
      await store.reserveEntry('paper', DAY, 'BTC/USD', LIMITS, hexId(805), T0);
      await store.recordRealizedPnl('paper', DAY, hexId(1), -60, 50);
      await store.appendTrade(makeTrade());

      expect(await store.claimTick('live', CANDLE_ISO, 'l', T0, 60_000)).toEqual({ claimed: true });
      expect(await store.getLastTick('live')).toBeUndefined();
      expect(await store.getControl('live')).toEqual({ halted: false, haltExits: false });
      expect(await store.getPosition('live', 'BTC/USD')).toBeUndefined();
      expect(await store.listPositions('live')).toEqual([]);
      expect(await store.getIntent('live', makeIntent().clientOrderId)).toBeUndefined();
      expect(await store.listPendingIntents('live')).toEqual([]);
      expect(await store.getDay('live', DAY)).toMatchObject({ trades: 0, realizedPnlQuote: 0, killSwitchTripped: false });
      expect(await store.listTrades('live', 0, T0 * 2)).toEqual([]);
      // The same ids are free in live: creating them there is not refused.
      expect(await store.createPosition(makePosition({ mode: 'live' }))).toBe(true);
      expect(await store.createIntent(makeIntent({ mode: 'live' }))).toBe(true);
      expect((await store.getDay('paper', DAY)).killSwitchTripped).toBe(true);
    });

    it('hands out copies: mutating inputs or results never changes stored state', async () => {
      const store = await create();
      const position = makePosition();
      await store.createPosition(position);
      position.amountBase = 99;
      position.trailing!.armed = true;
      const read = (await store.getPosition('paper', 'BTC/USD'))!;
      read.trailing!.highestPrice = 1;
      expect(await store.getPosition('paper', 'BTC/USD')).toEqual(makePosition());
      await store.putWallet({ USD: 10 }, -1);
      (await store.getWallet())!.balances.USD = 1e9;
      expect((await store.getWallet())?.balances).toEqual({ USD: 10 });
    });
  });
});

describe('DynamoStore table layout (dynalite)', () => {
  async function scanAll(tableName: string) {
    const out = await client.send(new ScanCommand({ TableName: tableName }));
    return (out.Items ?? []).map((item) => unmarshall(item));
  }

  it('writes the keys the storage table in docs/architecture.md lists, each partition starting with its kind and mode', async () => {
    const { store, tableName } = await freshDynamoStore();
    await store.claimTick('live', CANDLE_ISO, 'o', T0, 60_000);
    await store.completeTick('live', CANDLE_ISO, 'o', T0 + 1_000, {});
    await store.createPosition(makePosition({ mode: 'live' }));
    await store.createIntent(makeIntent({ mode: 'live' }));
    await store.reserveEntry('live', DAY, 'BTC/USD', LIMITS, hexId(806), T0);
    await store.appendTrade(makeTrade({ mode: 'live' }));
    await store.setControl('live', { halted: false, haltExits: false });
    await store.putWallet({ USD: 1 }, -1);
    await store.acquireOrderSlot('live', { pair: 'BTC/USD', side: 'sell', clientOrderId: hexId(3), atMs: T0 });
    await store.putHoldings({ mode: 'live', asset: 'BTC', externalBase: 0, dustBase: 0, updatedAtMs: T0, version: 0 }, -1);
    await store.markOnce('live', 'summary#2026-01-04', T0, 60_000);
    await store.appendAudit({ mode: 'live', atMs: T0, id: 'a1', action: 'reconcile-accept', actor: 'op', details: {} });
    await store.putModel({ mode: 'live', contentHash: `sha256:${'a'.repeat(64)}`, storedAtMs: T0, body: '{}' });
    await store.promoteModel({ mode: 'live', contentHash: `sha256:${'a'.repeat(64)}`, promotedAtMs: T0, reason: 'test' }, null);
    const keys = (await scanAll(tableName)).map((item) => `${item.pk as string} | ${item.sk as string}`).sort();
    expect(keys).toEqual(
      [
        `CONTROL#live | halt`,
        `DAY#live | ${DAY}`,
        `ORDER#live | ${makeIntent().clientOrderId}`,
        `POS#live | BTC/USD`,
        `TICK#live | ${CANDLE_ISO}`,
        `TICK#live | LAST`,
        `TRADE#live | ${new Date(T0).toISOString()}#BTC/USD#${makeTrade().clientOrderId}`,
        `TRADEID#live | ${makeTrade().clientOrderId}`,
        `WALLET#paper | balances`,
        `SLOT#live | BTC/USD#sell`,
        `HOLD#live | BTC`,
        `ONCE#live | summary#2026-01-04`,
        `AUDIT#live | ${new Date(T0).toISOString()}#a1`,
        `MODEL#live | sha256:${'a'.repeat(64)}`,
        `MODEL#live | PROMOTED`,
      ].sort(),
    );
  });

  it('stores per-pair counts as flat attributes and TTLs where data goes stale', async () => {
    const { store, tableName } = await freshDynamoStore();
    await store.claimTick('paper', CANDLE_ISO, 'o', T0, 60_000);
    await store.reserveEntry('paper', DAY, 'BTC/USD', LIMITS, hexId(807), T0);
    await store.createIntent(makeIntent());
    await store.transitionIntent('paper', makeIntent().clientOrderId, 'PENDING', { status: 'FILLED', updatedAtMs: T0 });
    await store.createIntent(makeIntent({ clientOrderId: hexId(7) }));
    const items = await scanAll(tableName);
    const find = (pk: string, sk: string) => items.find((item) => item.pk === pk && item.sk === sk)!;
    expect(find('DAY#paper', DAY)).toMatchObject({ trades: 1, 'pair#BTC/USD': 1, ttl: Date.UTC(2026, 0, 5) / 1000 + 400 * 86_400 });
    expect(find('TICK#paper', CANDLE_ISO)).toMatchObject({ status: 'IN_PROGRESS', owner: 'o', leaseUntilMs: T0 + 60_000 });
    expect(find('TICK#paper', CANDLE_ISO).ttl).toBe(Math.floor(T0 / 1000) + 3 * 86_400);
    expect(find('ORDER#paper', makeIntent().clientOrderId).ttl).toBe(Math.floor(T0 / 1000) + 30 * 86_400);
    // Pending intents never expire: reconcile must always find them.
    expect(find('ORDER#paper', hexId(7)).ttl).toBeUndefined();
  });

  it('stores a journal record as one item: Brotli-compressed JSON in a binary attribute, with a TTL', async () => {
    const { store, tableName } = await freshDynamoStore();
    const record = { v: 1 as const, ms: 5, p: [{ p: 'BTC/USD', c: 1, d: 1 as const }] };
    await store.putJournal({ mode: 'live', candleCloseIso: CANDLE_ISO, atMs: T0, expiresAtMs: T0 + 14 * 86_400_000, record });
    const items = await scanAll(tableName);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ pk: 'JOURNAL#live', sk: CANDLE_ISO, at: T0, ttl: Math.floor(T0 / 1000) + 14 * 86_400 });
    expect(items[0]!.br).toBeInstanceOf(Uint8Array);
    const { brotliDecompressSync } = await import('node:zlib');
    expect(JSON.parse(brotliDecompressSync(items[0]!.br as Uint8Array).toString('utf8'))).toEqual(record);
  });

  it('propagates infrastructure errors instead of mapping them to refusals', async () => {
    const store = new DynamoStore({ client, tableName: 'kbot-no-such-table' });
    await expect(store.createPosition(makePosition())).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(store.reserveEntry('paper', DAY, 'BTC/USD', LIMITS, hexId(808), T0)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('heals a ledger row lost between the marker and the row write', async () => {
    const { store, tableName } = await freshDynamoStore();
    const trade = makeTrade();
    await store.appendTrade(trade);
    const { DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'TRADE#paper' }, sk: { S: `${new Date(T0).toISOString()}#BTC/USD#${trade.clientOrderId}` } },
      }),
    );
    expect(await store.listTrades('paper', 0, T0 * 2)).toEqual([]);
    await store.appendTrade({ ...trade, timestampMs: T0 + 5_000 });
    expect(await store.listTrades('paper', 0, T0 * 2)).toStrictEqual([trade]);
  });
});
