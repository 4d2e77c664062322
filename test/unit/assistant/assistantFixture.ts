// Test fixture (assistant): a small, known set of records in the in-memory store (a closed BTC/USD
// round trip, an open ETH/USD position, the day's counters, the last tick) and a decision journal
// stand-in, so every figure an answer may state can be traced to one of them.
import { MemoryStore } from '../../../functions/adapters/memory/memoryStore.js';
import { journalDecisionReader, type DecisionTick } from '../../../functions/assistant/decisionReader.js';
import type { RecordSources } from '../../../functions/assistant/recordTools.js';
import type { Position, TradeRecord } from '../../../functions/core/types.js';

export const NOW_MS = Date.parse('2026-03-02T15:00:00.000Z');
export const BUY_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const SELL_ID = 'b1b2c3d4e5f60718293a4b5c6d7e8f91';
export const ETH_ID = 'c1b2c3d4e5f60718293a4b5c6d7e8f92';

export const TRADES: TradeRecord[] = [
  { mode: 'paper', clientOrderId: BUY_ID, exchangeOrderId: 'OQ1', pair: 'BTC/USD', side: 'buy', reason: 'entry', amountBase: 0.01, price: 65000, costQuote: 650, feeQuote: 2.6, timestampMs: Date.parse('2026-03-02T09:05:00.000Z'), positionId: BUY_ID },
  { mode: 'paper', clientOrderId: SELL_ID, exchangeOrderId: 'OQ2', pair: 'BTC/USD', side: 'sell', reason: 'take-profit', amountBase: 0.01, price: 66950, costQuote: 669.5, feeQuote: 2.68, realizedPnlQuote: 14.22, timestampMs: Date.parse('2026-03-02T11:40:00.000Z'), positionId: BUY_ID },
  { mode: 'paper', clientOrderId: ETH_ID, exchangeOrderId: 'OQ3', pair: 'ETH/USD', side: 'buy', reason: 'entry', amountBase: 0.2, price: 3200, costQuote: 640, feeQuote: 2.56, timestampMs: Date.parse('2026-03-02T12:10:00.000Z'), positionId: ETH_ID },
];

export const ETH_POSITION: Position = {
  mode: 'paper', pair: 'ETH/USD', amountBase: 0.2, entryPrice: 3200, entryTimeMs: Date.parse('2026-03-02T12:10:00.000Z'), costQuote: 640, entryFeeQuote: 2.56,
  strategy: 'momentum', entryClientOrderId: ETH_ID, stopPrice: 3136, takeProfitPrice: 3296, appliedOrderIds: [ETH_ID], version: 1,
};

/** The journal's record of the tick at 14:55: BTC/USD refused by the fee-edge rule. */
export const JOURNAL_TICK: DecisionTick = {
  candleCloseIso: '2026-03-02T14:55:00.000Z',
  halt: { entries: false, exits: false, reasons: [] },
  locks: [],
  errors: [],
  pairs: [
    { pair: 'BTC/USD', price: 66210.5, data: { ok: true }, entry: { decision: 'none', stage: 'risk', rule: 'fee-edge', reason: 'expected edge below the fee-aware minimum', values: { expectedEdge: 0.0021, minEdge: 0.0052 }, strategy: 'momentum' }, orders: [] },
    { pair: 'ETH/USD', price: 3241.2, data: { ok: true }, exit: { decision: 'hold', values: { stopPrice: 3136, takeProfitPrice: 3296 } }, orders: [] },
  ],
};

/** The store with the records above, and the sources the tools read. */
export async function seededSources(): Promise<{ store: MemoryStore; sources: RecordSources }> {
  const store = new MemoryStore();
  for (const t of TRADES) await store.appendTrade(t);
  await store.createPosition(ETH_POSITION);
  await store.reserveEntry('paper', '2026-03-02', 'BTC/USD', { maxTradesPerDay: 6, maxTradesPerPairPerDay: 3 }, BUY_ID, NOW_MS);
  await store.reserveEntry('paper', '2026-03-02', 'ETH/USD', { maxTradesPerDay: 6, maxTradesPerPairPerDay: 3 }, ETH_ID, NOW_MS);
  await store.recordRealizedPnl('paper', '2026-03-02', SELL_ID, 14.22, 25);
  await store.claimTick('paper', JOURNAL_TICK.candleCloseIso, 'tick-1', NOW_MS - 290_000, 60_000);
  await store.completeTick('paper', JOURNAL_TICK.candleCloseIso, 'tick-1', NOW_MS - 280_000, { orders: [], skipped: [], halt: JOURNAL_TICK.halt, locks: [], errors: [] });
  const decisions = journalDecisionReader(async (_mode, fromMs, toMs) => {
    const at = Date.parse(JOURNAL_TICK.candleCloseIso);
    return at >= fromMs && at <= toMs ? [JOURNAL_TICK] : [];
  }, () => NOW_MS);
  return { store, sources: { store, mode: 'paper', quote: 'USD', pairs: ['BTC/USD', 'ETH/USD', 'XRP/USD'], decisions, nowMs: () => NOW_MS } };
}
