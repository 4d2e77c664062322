// The trade analyzer: figures over closed trades, grouped by what was known at entry; the ledger
// and backtest readers; the text and JSON of kbot analyze.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBacktestFile, analyzeLedger } from '../../../functions/analyzer/analyzerSources.js';
import { MemoryStore } from '../../../functions/adapters/memory/memoryStore.js';
import { runAnalyze } from '../../../functions/cli/analyze.js';
import { analyzeTrades, closedTradesFromLedger, type ClosedTrade } from '../../../functions/core/analyzer.js';
import type { EntryFeatures, TradeRecord } from '../../../functions/core/types.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0); // a Monday, 09:00 UTC
const features = (regime: EntryFeatures['regime'], hourUtc: number, strategy = 'momentum'): EntryFeatures => ({
  version: 1, strategy, regime, confidence: 0.6, expectedEdgeFraction: 0.02, adx: 30, plusDi: 20, minusDi: 10, rsi: 50, atrFraction: 0.004, volumeRatio: 1.2,
  spreadFraction: null, smaDistance20: 0, smaDistance50: 0, bollingerPercentB: 0.5, hourUtc, weekdayUtc: 1,
});
const trade = (pnl: number, over: Partial<ClosedTrade> = {}): ClosedTrade => ({ pair: 'BTC/USD', strategy: 'momentum', entryTimeMs: T0, exitTimeMs: T0 + 60 * 60_000, netPnlQuote: pnl, returnFraction: pnl / 100, exitReason: 'take-profit', ...over });

describe('Trade analyzer', () => {
  it('computes win rate, expectancy, profit factor, average win and loss and duration', () => {
    const a = analyzeTrades([trade(10), trade(-4, { exitReason: 'stop-loss', exitTimeMs: T0 + 30 * 60_000 }), trade(6), trade(-2, { exitReason: 'stop-loss' })], 'test');
    expect(a.overall).toEqual({
      trades: 4, wins: 2, losses: 2, winRate: 0.5, netPnlQuote: 10, expectancyQuote: 2.5, expectancyFraction: expect.closeTo(0.025, 12),
      profitFactor: expect.closeTo(16 / 6, 12), averageWinQuote: 8, averageLossQuote: -3, averageDurationMinutes: 52.5,
    });
    expect(a.byExitReason['stop-loss']).toMatchObject({ trades: 2, wins: 0, winRate: 0, profitFactor: 0, netPnlQuote: -6 });
    expect(a.byExitReason['take-profit']).toMatchObject({ trades: 2, profitFactor: null, averageLossQuote: null });
    expect(a).toMatchObject({ fromIso: new Date(T0).toISOString(), toIso: new Date(T0 + 3_600_000).toISOString() });
    expect(analyzeTrades([], 'none').overall).toMatchObject({ trades: 0, winRate: null, expectancyQuote: null, averageDurationMinutes: null });
  });

  it('groups by strategy, pair, regime at entry, exit reason, hour and weekday (from the entry features, else the entry time)', () => {
    const a = analyzeTrades([
      trade(5, { entryFeatures: features('trend-up', 14) }),
      trade(-1, { pair: 'ETH/USD', strategy: 'meanReversion', entryFeatures: features('range', 3, 'meanReversion') }),
      trade(2, { entryTimeMs: Date.UTC(2026, 0, 10, 22, 0) }),
    ], 'test');
    expect(Object.keys(a.byStrategy)).toEqual(['meanReversion', 'momentum']);
    expect(a.byPair['ETH/USD']).toMatchObject({ trades: 1, netPnlQuote: -1 });
    expect(Object.fromEntries(Object.entries(a.byRegime).map(([k, s]) => [k, s.trades]))).toEqual({ range: 1, 'trend-up': 1, unknown: 1 });
    expect(Object.keys(a.byHourUtc)).toEqual(['03:00', '14:00', '22:00']);
    expect(Object.fromEntries(Object.entries(a.byWeekdayUtc).map(([k, s]) => [k, s.trades]))).toEqual({ Mon: 2, Sat: 1 });
  });

  it('reads a ledger: sells with realized P&L joined to the buy that opened the position, partial sells by their share', async () => {
    const row = (o: Partial<TradeRecord>): TradeRecord => ({ mode: 'paper', clientOrderId: 'x', exchangeOrderId: 'E', pair: 'BTC/USD', side: 'buy', reason: 'entry', amountBase: 1, price: 100, costQuote: 100, feeQuote: 0.4, timestampMs: T0, ...o });
    const rows = [
      row({ clientOrderId: 'b1' }),
      row({ clientOrderId: 's1', side: 'sell', reason: 'take-profit', amountBase: 0.5, costQuote: 55, realizedPnlQuote: 4.6, timestampMs: T0 + 600_000, positionId: 'b1', entryFeatures: features('trend-up', 9) }),
      row({ clientOrderId: 's2', side: 'sell', reason: 'stop-loss', amountBase: 0.5, costQuote: 48, realizedPnlQuote: -2.4, timestampMs: T0 + 1_200_000, positionId: 'b1', entryFeatures: features('trend-up', 9) }),
      row({ clientOrderId: 's3', side: 'sell', reason: 'force-exit', amountBase: 1, realizedPnlQuote: 1, timestampMs: T0 + 1_800_000, positionId: 'gone' }),
    ];
    const closed = closedTradesFromLedger(rows);
    expect(closed.map((t) => [t.strategy, t.exitReason, t.entryTimeMs, t.returnFraction === null ? null : Number(t.returnFraction.toFixed(6))])).toEqual([
      ['momentum', 'take-profit', T0, Number((4.6 / 50.2).toFixed(6))],
      ['momentum', 'stop-loss', T0, Number((-2.4 / 50.2).toFixed(6))],
      ['unknown', 'force-exit', null, null],
    ]);
    const store = new MemoryStore();
    for (const r of rows) await store.appendTrade(r);
    const a = await analyzeLedger(store, 'paper', { fromMs: T0 + 1_000_000, toMs: T0 * 2 }, 'memory');
    expect(a.overall.trades).toBe(2); // closed from T0 + 1,000,000 on; the buy is still found for s2
    expect(a.byStrategy.momentum).toMatchObject({ trades: 1, averageDurationMinutes: 20 });
  });

  it('kbot analyze --backtest --json prints exactly one JSON document; the text form has a table per grouping', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbot-analyze-'));
    try {
      const file = join(dir, 'bt.json');
      const bt = (pnl: number, regime: EntryFeatures['regime']) => ({ pair: 'SOL/USD', strategy: 'momentum', entryTimeMs: T0, entryPrice: 100, exitTimeMs: T0 + 300_000, exitPrice: 101, amountBase: 1, entryCostQuote: 100, entryFeeQuote: 0.4, exitProceedsQuote: 101, exitFeeQuote: 0.4, grossPnlQuote: 1, netPnlQuote: pnl, returnFraction: pnl / 100.4, exitReason: 'take-profit', candlesHeld: 1, entryFeatures: features(regime, 9) });
      writeFileSync(file, JSON.stringify({ summary: {}, trades: [bt(0.2, 'trend-up'), bt(-0.5, 'range')], fills: [] }));
      const out: string[] = [];
      expect(await runAnalyze({ json: true, backtest: file, dataDir: '.kbot', stack: 'KrakenBot' }, { out: (l) => out.push(l), err: () => undefined })).toBe(0);
      expect(out).toHaveLength(1);
      const parsed = JSON.parse(out[0]!) as ReturnType<typeof analyzeTrades>;
      expect(parsed.overall).toMatchObject({ trades: 2, wins: 1, profitFactor: 0.4 });
      expect(Object.keys(parsed.byRegime)).toEqual(['range', 'trend-up']);
      const text: string[] = [];
      await runAnalyze({ backtest: file, dataDir: '.kbot', stack: 'KrakenBot' }, { out: (l) => text.push(l), err: () => undefined });
      expect(text.join('\n')).toMatch(/win rate 50\.0%.*profit factor 0\.40/);
      expect(text).toContain('by regime at entry:');
      await expect(analyzeBacktestFile(join(dir, 'missing.json'))).rejects.toThrow(/kbot backtest --json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
