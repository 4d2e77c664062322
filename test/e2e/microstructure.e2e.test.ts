// End to end: the microstructure strategy through the real tick handler, DynamoDB on dynalite and
// Kraken as the sandbox through ccxt (books that move with its candles), the sandbox's bookTicker as
// the reference exchange through ccxt's Binance.US class. Each tick records its snapshots; the
// strategy's spread compression reads the recorded ones back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInMarkets } from '../../functions/backtest/marketTable.js';
import { BacktestInputError, runBacktest } from '../../functions/backtest/runBacktest.js';
import { exportSnapshots, readSnapshotFile } from '../../functions/cli/snapshotFile.js';
import { createDecisionEngine } from '../../functions/core/engine/index.js';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { parseConfig } from '../../functions/core/config.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS } from '../../functions/core/types.js';
import { startSandbox } from '../../functions/sandbox/sandboxServer.js';
import { mockAws, sandboxTickHandler } from './harness.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

describe('the microstructure strategy end to end', () => {
  it('reads the book, the spread history and the reference price, buys within minimums, sells only what it bought, and backtests on the recorded snapshots', async () => {
    const start = Date.UTC(2026, 2, 2);
    const sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD'], seed: 11, startTimeMs: start, speed: 0, historyMs: 3 * ONE_DAY_MS, balances: { USD: 5_000 }, bookDynamics: true });
    const table = 'kbot-micro-1';
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    await ensureTable(client, table);
    const aws = mockAws(sandbox.apiKey, sandbox.apiSecret);
    const config = parseConfig({
      mode: 'live',
      allowLiveTrading: true,
      pairs: ['BTC/USD', 'ETH/USD'],
      strategies: {
        use: ['microstructure'],
        microstructure: { minImbalance: 0.05, maxSpreadRatio: 1, minSpreadHistory: 3, minDiscountFraction: 0, momentumVolMultiplier: 0.5, filters: { premium: true } },
      },
      market: { reference: { enabled: true, url: sandbox.url } },
      risk: { minQuoteVolume24h: 0, maxSpreadFraction: 0.01 },
      fees: { requireEdge: false },
      limits: { maxTradesPerDay: 50, maxTradesPerPairPerDay: 25, maxDailyLossQuote: 1_000 },
    });
    const handler = sandboxTickHandler({ sandbox, dynamoEndpoint: dynamo.endpoint, tableName: table, config });
    const store = new DynamoStore({ client, tableName: table });
    const results: TickResult[] = [];
    try {
      for (let k = 1; k <= 96; k++) {
        const boundary = start + k * FIVE_MINUTES_MS;
        sandbox.setTime(boundary);
        results.push(await handler(scheduledEvent(boundary), { awsRequestId: `micro-${k}` }));
      }
      // Every tick recorded both pairs' snapshots, with the reference price.
      expect(results.every((r) => r.market?.snapshots === 2 && r.market.referencePrices === 2 && r.market.reference === 'binanceus')).toBe(true);
      const recorded = await store.listSnapshots('live', start, start + 96 * FIVE_MINUTES_MS);
      expect(recorded).toHaveLength(192);
      expect(recorded[0]).toMatchObject({ pair: 'BTC/USD', closeMs: start + FIVE_MINUTES_MS, referencePrice: expect.any(Number) });
      expect(recorded[0]!.bids).toHaveLength(10);
      expect(sandbox.callCounts().ReferenceBookTicker).toBe(96);

      // The first ticks have too little spread history; the refusals say which filter and why.
      const first = results[0]!.pairs[0]!.entry;
      expect(first).toMatchObject({ decision: 'none', stage: 'signal', rule: 'microstructure.spread', explanation: { spreadHistory: 0, minSpreadHistory: 3 } });
      const rules = new Set(results.flatMap((r) => r.pairs.map((p) => (p.entry?.decision === 'none' ? p.entry.rule : 'buy'))));
      expect([...rules]).toEqual(expect.arrayContaining(['microstructure.imbalance', 'microstructure.premium', 'microstructure.momentum']));

      // It traded: buys explained by the four filters, each above Kraken's minimums.
      const buys = results.flatMap((r) => r.pairs.filter((p) => p.entry?.decision === 'buy').map((p) => p.entry!));
      expect(buys.length).toBeGreaterThan(0);
      for (const b of buys) {
        if (b.decision !== 'buy') continue;
        expect(b.signal.strategy).toBe('microstructure');
        expect(b.signal.explanation).toMatchObject({ imbalance: expect.any(Number), spreadRatio: expect.any(Number), premium: expect.any(Number), momentum: expect.any(Number) });
        expect(b.signal.explanation.imbalance as number).toBeGreaterThanOrEqual(0.05);
        expect(b.signal.explanation.premium as number).toBeLessThanOrEqual(0);
        expect(b.checks.find((c) => c.rule === 'minimums')).toBeDefined();
      }
      // Sells never exceed what the bot bought; the sandbox executed exactly what the ticks report.
      const orders = results.flatMap((r) => r.pairs.flatMap((p) => p.orders)).filter((o) => o.status === 'filled');
      expect(sandbox.orders().length).toBe(orders.length);
      for (const pair of ['BTC/USD', 'ETH/USD']) {
        const bought = orders.filter((o) => o.pair === pair && o.side === 'buy').reduce((x, o) => x + (o.amountBase ?? 0), 0);
        const sold = orders.filter((o) => o.pair === pair && o.side === 'sell').reduce((x, o) => x + (o.amountBase ?? 0), 0);
        expect(sold).toBeLessThanOrEqual(bought + 1e-9);
      }

      // The recorder's snapshots, exported to a file, replay beside the sandbox's candles in a backtest.
      const file = join(mkdtempSync(join(tmpdir(), 'kbot-snapshots-')), 'snapshots.jsonl');
      expect(await exportSnapshots(store, 'live', start, start + 96 * FIVE_MINUTES_MS, file)).toBe(192);
      const snapshots = readSnapshotFile(file);
      expect(snapshots).toEqual(recorded);
      const input = {
        config,
        engine: createDecisionEngine(config),
        series: config.pairs.map((pair) => ({ pair, candles: sandbox.candles(pair) })),
        markets: builtInMarkets(config.pairs, 0.004),
        startingQuote: 5_000,
        fromMs: start,
      };
      const replay = runBacktest({ ...input, snapshots });
      expect(replay.summary.snapshots).toEqual({ candlesWithSnapshot: 192 });
      expect(replay.summary.trades).toBeGreaterThan(0);
      expect(replay.trades.every((t) => t.entryTimeMs > start)).toBe(true);
      // Without them it refuses, and says what is missing and where to get it.
      expect(() => runBacktest(input)).toThrow(BacktestInputError);
      expect(() => runBacktest(input)).toThrow(/reads market snapshots .* none were given for BTC\/USD, ETH\/USD: .*kbot data export-snapshots/);
      expect(() => runBacktest({ ...input, snapshots: snapshots.filter((x) => x.pair === 'BTC/USD') })).toThrow(/none were given for ETH\/USD:/);
    } finally {
      aws.sns.restore();
      aws.ssm.restore();
      client.destroy();
      await sandbox.close();
    }
  });
});
