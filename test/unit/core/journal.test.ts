// The decision journal: what a scheduled tick records, how it is encoded, and what one record
// costs in DynamoDB (bytes per item, write units, storage) for 4 and 20 pairs.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { journalItem } from '../../../functions/adapters/dynamo/dynamoStore.js';
import { dynamoItemBytes, journalCost } from '../../../functions/adapters/dynamo/itemSize.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import { decodeJournal, encodeJournal, type JournalEntry } from '../../../functions/core/journal.js';
import { runTick } from '../../../functions/core/tick.js';
import type { TickResult } from '../../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Position } from '../../../functions/core/types.js';
import { CandleGenerator } from '../../../functions/sandbox/candleGenerator.js';
import { buyDecision, makeSeries } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0);
const CLOSE_ISO = new Date(CLOSE).toISOString();
const tick = (deps: Parameters<typeof runTick>[0], id = 'inv-1') => runTick(deps, { scheduledTimeMs: CLOSE, invocationId: id });

describe('Journal: one record per scheduled tick', () => {
  it('writes the tick\'s decisions per pair, with orders and their client order ids, and nothing for a command', async () => {
    // Prepare
    const t = tickFixture(CLOSE);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    // Act
    const result = await tick(t.deps);
    await runTick(t.deps, { invocationId: 'cmd', command: { command: 'flatten', requestId: 'flatten-1' } });
    // Assess
    const entries = await t.store.listJournal('paper', 0, CLOSE * 2);
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    expect(entry.candleCloseIso).toBe(CLOSE_ISO);
    expect(entry.expiresAtMs! - entry.atMs).toBeGreaterThan(14 * ONE_DAY_MS - 1_000);
    const decoded = decodeJournal(entry);
    const btc = decoded.pairs.find((p) => p.pair === 'BTC/USD')!;
    const order = result.pairs[0]!.orders[0]!;
    expect(btc).toMatchObject({ price: 100, data: { ok: true }, entry: { decision: 'buy', costQuote: 100, strategy: 'momentum', signal: { fast: 1, slow: 0.9 } } });
    expect(btc.orders).toEqual([{ clientOrderId: order.clientOrderId, side: 'buy', reason: 'entry', status: 'filled', amountBase: 1, price: 100, feeQuote: 0.4 }]);
    expect(decoded.pairs.find((p) => p.pair === 'ETH/USD')?.entry).toEqual({ decision: 'none', stage: 'signal', rule: 'scripted', reason: 'no signal', values: {} });
    // The fill's ledger row names the decision's candle: the journal record's key.
    const [row] = await t.store.listTrades('paper', 0, CLOSE * 2);
    expect(row?.candleCloseIso).toBe(entry.candleCloseIso);
  });

  it('carries the entry features from the plan to the position and into the rows of the buy and of the sell that closes it', async () => {
    const t = tickFixture(CLOSE);
    const features = { version: 1 as const, strategy: 'momentum', regime: 'trend-up' as const, confidence: 0.7, expectedEdgeFraction: 0.03, adx: 30, plusDi: 25, minusDi: 10, rsi: 55, atrFraction: 0.004, volumeRatio: 1.4, spreadFraction: 0.0002, smaDistance20: 0.01, smaDistance50: 0.02, bollingerPercentB: 0.8, hourUtc: 12, weekdayUtc: 1 };
    const buy = buyDecision(100);
    t.engine.entries.set('BTC/USD', { ...buy, plan: { ...buy.plan, entryFeatures: features } });
    await tick(t.deps);
    expect((await t.store.getPosition('paper', 'BTC/USD'))?.entryFeatures).toEqual(features);
    t.engine.exits.set('BTC/USD', 'sell');
    for (const pair of ['BTC/USD', 'ETH/USD']) t.exchange.candles.set(pair, makeSeries(CLOSE + FIVE_MINUTES_MS, 101));
    t.clock.now = CLOSE + FIVE_MINUTES_MS + 2_000;
    await runTick(t.deps, { scheduledTimeMs: CLOSE + FIVE_MINUTES_MS, invocationId: 'inv-2' });
    const rows = await t.store.listTrades('paper', 0, CLOSE * 2);
    expect(rows.map((r) => [r.side, r.candleCloseIso, r.entryFeatures?.regime])).toEqual([
      ['buy', CLOSE_ISO, 'trend-up'],
      ['sell', new Date(CLOSE + FIVE_MINUTES_MS).toISOString(), 'trend-up'],
    ]);
  });

  it('writes nothing with journal.ttlDays 0, and a failed write neither fails nor repeats the tick', async () => {
    const off = tickFixture(CLOSE, { journal: { ttlDays: 0 } });
    await tick(off.deps);
    expect(await off.store.listJournal('paper', 0, CLOSE * 2)).toEqual([]);

    const broken = tickFixture(CLOSE);
    broken.store.putJournal = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const result = await tick(broken.deps);
    expect(result.status).toBe('completed');
    expect(broken.metrics.total('JournalErrors')).toBe(1);
    expect((await broken.store.getLastTick('paper'))?.candleCloseIso).toBe(CLOSE_ISO);
  });

  it('round-trips every verdict: halts, locks, errors, reconciles, exits and refusals', () => {
    const result: TickResult = {
      mode: 'live',
      candleCloseIso: CLOSE_ISO,
      status: 'completed',
      startedAtMs: CLOSE,
      finishedAtMs: CLOSE + 812,
      halt: { entries: true, exits: false, reasons: ['manual halt: CPI'] },
      reconciled: [{ clientOrderId: 'a'.repeat(32), pair: 'BTC/USD', side: 'buy', result: 'filled' }],
      pairs: [
        { pair: 'BTC/USD', data: { ok: true, lastCandleOpenIso: CLOSE_ISO, closedCandles: 719, droppedForming: 1 }, exit: { decision: 'hold', explanation: { price: 64_000.123456789, stopPrice: 63_000 } }, orders: [] },
        { pair: 'ETH/USD', data: { ok: false, reason: 'stale', detail: 'late' }, exit: { decision: 'sell', reason: 'stop-loss', triggerPrice: 3_000, explanation: { price: 2_990 }, priceSource: 'ticker' }, orders: [{ clientOrderId: 'b'.repeat(32), pair: 'ETH/USD', side: 'sell', reason: 'stop-loss', status: 'pending', error: 'timeout' }] },
        { pair: 'SOL/USD', data: { ok: true, lastCandleOpenIso: CLOSE_ISO, closedCandles: 719, droppedForming: 1 }, entry: { decision: 'none', stage: 'halt', rule: 'halt', reason: 'manual halt: CPI', explanation: {} }, orders: [] },
        { pair: 'ADA/USD', data: { ok: true, lastCandleOpenIso: CLOSE_ISO, closedCandles: 719, droppedForming: 1 }, exit: { decision: 'dust', amountBase: 0.1, realizedPnlQuote: -0.05 }, orders: [] },
      ],
      holdings: [
        { asset: 'BTC', status: 'ok', krakenBase: 0.5, externalBase: 0, dustBase: 0, botBase: 0.5, diffBase: 0 },
        { asset: 'SOL', status: 'mismatch', krakenBase: 12.000000000004, externalBase: 0, dustBase: 0, botBase: 10, diffBase: 2.000000000004, detail: 'Kraken holds 2 SOL more than the positions' },
        { asset: 'ETH', status: 'skipped', botBase: 1.5, detail: 'an order on ETH is not final' },
      ],
      locks: [{ pair: 'ETH/USD', reason: 'sell stop-loss is not final yet' }],
      equityQuote: 1_234.5,
      errors: ['exchange unavailable (unavailable): rate limit'],
    };
    const entry: JournalEntry = { mode: 'live', candleCloseIso: CLOSE_ISO, atMs: CLOSE + 900, record: encodeJournal(result, { 'BTC/USD': 64_000.5 }) };
    const decoded = decodeJournal(JSON.parse(JSON.stringify(entry)) as JournalEntry);
    expect(decoded).toMatchObject({ durationMs: 812, equityQuote: 1_234.5, halt: { entries: true, exits: false, reasons: ['manual halt: CPI'] }, errors: result.errors, locks: result.locks });
    expect(decoded.reconciled).toEqual([{ clientOrderId: 'a'.repeat(32), pair: 'BTC/USD', side: 'buy', result: 'filled' }]);
    // The holdings check: the assets that agree are counted; the others keep their figures.
    expect(entry.record.k?.[0]).toBe(1);
    expect(decoded.holdings).toEqual({
      agreed: 1,
      others: [
        { asset: 'SOL', status: 'mismatch', botBase: 10, krakenBase: 12, diffBase: 2, detail: 'Kraken holds 2 SOL more than the positions' },
        { asset: 'ETH', status: 'skipped', botBase: 1.5, detail: 'an order on ETH is not final' },
      ],
    });
    // A record written before the holdings were recorded decodes with none.
    const { k: _k, ...older } = entry.record;
    expect(decodeJournal({ ...entry, record: older }).holdings).toEqual({ agreed: 0, others: [] });
    expect(decoded.pairs[0]).toMatchObject({ price: 64_000.5, exit: { decision: 'hold', values: { price: 64_000.1, stopPrice: 63_000 } } });
    expect(decoded.pairs[1]).toMatchObject({ price: null, data: { ok: false, reason: 'stale', detail: 'late' }, exit: { decision: 'sell', reason: 'stop-loss', triggerPrice: 3_000, priceSource: 'ticker' } });
    expect(decoded.pairs[1]!.orders).toEqual([{ clientOrderId: 'b'.repeat(32), side: 'sell', reason: 'stop-loss', status: 'pending', error: 'timeout' }]);
    expect(decoded.pairs[2]!.entry).toMatchObject({ decision: 'none', stage: 'halt', rule: 'halt' });
    expect(decoded.pairs[3]!.exit).toEqual({ decision: 'dust', amountBase: 0.1, realizedPnlQuote: -0.05 });
    expect(() => decodeJournal({ ...entry, record: { ...entry.record, v: 2 as never } })).toThrow(/version 2/);
  });
});

/** A realistic tick: the real engine (default regime strategy) on generated markets, a quarter of the pairs holding a position. */
async function realisticTick(pairCount: number): Promise<{ result: TickResult; entry: JournalEntry }> {
  const bases = ['BTC', 'ETH', 'SOL', 'ADA', 'XRP', 'DOT', 'LINK', 'LTC', 'AVAX', 'ATOM', 'UNI', 'XLM', 'ALGO', 'DOGE', 'MATIC', 'FIL', 'AAVE', 'ETC', 'NEAR', 'BCH'];
  const pairs = bases.slice(0, pairCount).map((b) => `${b}/USD`);
  const t = tickFixture(CLOSE, { pairs, risk: { maxOpenPositions: 20 } });
  t.deps.engine = createDecisionEngine(t.config);
  t.exchange.balances = { USD: 10_000 };
  for (const [k, pair] of pairs.entries()) {
    const g = new CandleGenerator({ seed: 100 + k, startOpenTimeMs: CLOSE - 720 * FIVE_MINUTES_MS, startPrice: 10 + 97 * (k + 1), volatility5m: 0.003, baseVolume5m: 50, priceDecimals: 2 });
    t.exchange.candles.set(pair, Array.from({ length: 721 }, () => g.next()));
    if (k % 4 === 1) {
      const price = t.exchange.candles.get(pair)![719]!.close;
      const position: Position = {
        mode: 'paper', pair, amountBase: 1, entryPrice: price, entryTimeMs: CLOSE - 3_600_000, costQuote: price, entryFeeQuote: price * 0.004, strategy: 'momentum',
        entryClientOrderId: (k + 1).toString(16).padStart(32, '0'), stopPrice: price * 0.97, takeProfitPrice: price * 1.05,
        trailing: { activationPrice: price * 1.02, distanceFraction: 0.01, highestPrice: price, armed: false }, maxHoldUntilMs: CLOSE + ONE_DAY_MS, appliedOrderIds: [], version: 1,
      };
      await t.store.createPosition(position);
      t.exchange.balances[pair.split('/')[0]!] = 1;
    }
  }
  const result = await tick(t.deps);
  const [entry] = await t.store.listJournal('paper', 0, CLOSE * 2);
  return { result, entry: entry! };
}

describe('Journal: what a record costs in DynamoDB', () => {
  it.each([4, 20])('%i pairs: one compressed item, one write unit; the figures docs/dashboard.md quotes', async (pairCount) => {
    // Prepare
    const { result, entry } = await realisticTick(pairCount);
    expect(result.pairs.every((p) => p.entry !== undefined || p.exit !== undefined)).toBe(true);
    // Act
    const stored = dynamoItemBytes(journalItem(entry));
    const json = Buffer.byteLength(JSON.stringify(entry.record));
    const full = Buffer.byteLength(JSON.stringify(result));
    const gzip = gzipSync(JSON.stringify(entry.record), { level: 9 });
    const gzipped = dynamoItemBytes({ ...journalItem(entry), br: { B: gzip } });
    const gzipBase64 = dynamoItemBytes({ ...journalItem(entry), br: { S: gzip.toString('base64') } });
    const cost = journalCost(stored, 14);
    console.log(`journal, ${pairCount} pairs: TickResult JSON ${full} B, compact JSON ${json} B, gzip item ${gzipped} B (${gzipBase64} B as base64), stored item (Brotli) ${stored} B, ${cost.writeUnitsPerTick} WRU/tick, $${cost.writesPerMonthUsd.toFixed(4)} writes + $${cost.storagePerMonthUsd.toFixed(6)} storage a month`);
    // Assess: compression pays (the item is well under the compact JSON; Brotli under gzip), and a tick fits one write unit.
    expect(stored).toBeLessThan(gzipped);
    expect(stored).toBeLessThan(json);
    expect(json).toBeLessThan(full / 2);
    expect(cost.writeUnitsPerTick).toBe(1);
    expect(cost.itemsKept).toBe(14 * 288);
    expect(decodeJournal(entry).pairs).toHaveLength(pairCount);
    // The figures include the holdings check of every traded asset.
    expect(decodeJournal(entry).holdings).toEqual({ agreed: pairCount, others: [] });
  });
});
