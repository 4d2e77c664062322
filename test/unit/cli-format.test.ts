// `kbot paper`'s readable lines: one per pair, with the price, the decision and, for a refusal,
// the rule that said no and its values.
import { describe, expect, it } from 'vitest';
import type { PairResult, TickResult } from '../../functions/core/tickResult.js';
import { describePairs } from '../../functions/cli/format.js';

function tick(pairs: PairResult[]): TickResult {
  return {
    mode: 'paper',
    candleCloseIso: '2026-05-03T12:05:00.000Z',
    status: 'completed',
    startedAtMs: 0,
    finishedAtMs: 0,
    halt: { entries: false, exits: false, reasons: [] },
    reconciled: [],
    pairs,
    holdings: [],
    locks: [],
    errors: [],
  } as TickResult;
}

const data = (lastClose: number): PairResult['data'] => ({ ok: true, lastCandleOpenIso: '2026-05-03T12:00:00.000Z', lastClose, closedCandles: 719, droppedForming: 1 });

describe('Function: describePairs', () => {
  it('names the price, the refusing rule and its values', () => {
    // Act
    const lines = describePairs(
      tick([
        { pair: 'BTC/USD', data: data(78931.41), orders: [], entry: { decision: 'none', stage: 'signal', rule: 'regime.unclear', reason: 'ADX is between the range and trend thresholds', explanation: { adx: 21.74312, trendAdxMin: 25 } } },
      ]),
    );
    // Assess
    expect(lines).toEqual(['2026-05-03 12:05  BTC/USD         78931.4  no entry  regime.unclear: ADX is between the range and trend thresholds (adx=21.7431 trendAdxMin=25)']);
  });

  it('shows a buy, a held position and a pair without data, one line each', () => {
    // Act
    const lines = describePairs(
      tick([
        { pair: 'ETH/USD', data: data(3483.55), orders: [], entry: { decision: 'buy', costQuote: 50, referencePrice: 3483.55, signal: { strategy: 'myDip', confidence: 0.6, expectedEdge: 0.01, explanation: {} }, checks: [] } },
        { pair: 'SOL/USD', data: data(150.2), orders: [], exit: { decision: 'hold', explanation: { stopPrice: 140, takeProfitPrice: 160 } } },
        { pair: 'XRP/USD', data: { ok: false, reason: 'stale', detail: 'last candle 20 minutes old' }, orders: [] },
      ]),
    );
    // Assess
    expect(lines).toEqual([
      '2026-05-03 12:05  ETH/USD         3483.55  BUY 50.00 (myDip, confidence 0.6)',
      '2026-05-03 12:05  SOL/USD           150.2  hold (stopPrice=140 takeProfitPrice=160)',
      '2026-05-03 12:05  XRP/USD                  no data: stale (last candle 20 minutes old)',
    ]);
  });
});
