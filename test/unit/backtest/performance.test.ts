// Unit tests: the trader's figures of a backtest.
import { describe, expect, it } from 'vitest';
import type { BacktestTrade } from '../../../functions/backtest/backtestResult.js';
import { configHash, dailySortino, performanceOf } from '../../../functions/backtest/performance.js';

const DAY = 86_400_000;
const trade = (net: number, candles: number, over: Partial<BacktestTrade> = {}): BacktestTrade => ({
  pair: 'BTC/USD',
  strategy: 'momentum',
  entryTimeMs: 0,
  entryPrice: 100,
  exitTimeMs: candles * 300_000,
  exitPrice: 100,
  amountBase: 1,
  entryCostQuote: 100,
  entryFeeQuote: 0,
  exitProceedsQuote: 100 + net,
  exitFeeQuote: 0,
  grossPnlQuote: net,
  netPnlQuote: net,
  returnFraction: net / 100,
  exitReason: net > 0 ? 'take-profit' : 'stop-loss',
  candlesHeld: candles,
  ...over,
});

describe('performanceOf', () => {
  const trades = [trade(10, 12), trade(-4, 6), trade(6, 3, { strategy: 'mean-reversion', pair: 'ETH/USD' }), trade(-2, 24)];
  const p = performanceOf({
    startEquityQuote: 1_000,
    endEquityQuote: 1_010,
    returnFraction: 0.01,
    maxDrawdownFraction: 0.02,
    fromMs: 0,
    toMs: 365 * DAY,
    dailyEquity: [1_000, 990, 1_005, 1_010],
    trades,
    closes: { 'BTC/USD': { first: 100, last: 172 }, 'ETH/USD': { first: 10, last: 9 } },
  });

  it('compares with buy and hold of the pairs in equal parts', () => {
    expect(p.buyAndHold['BTC/USD']!.returnFraction).toBeCloseTo(0.72, 12);
    expect(p.marketChangeFraction).toBeCloseTo((0.72 - 0.1) / 2, 12);
    expect(p.excessReturnFraction).toBeCloseTo(0.01 - 0.31, 12);
  });

  it('annualizes growth and relates it to the drawdown', () => {
    expect(p.cagr).toBeCloseTo(0.01, 10);
    expect(p.calmar).toBeCloseTo(0.5, 8);
  });

  it('profit factor, expectancy, averages and durations', () => {
    expect(p.profitFactor).toBeCloseTo(16 / 6, 12);
    expect(p.expectancyQuote).toBeCloseTo(2.5, 12);
    expect(p.averageWinQuote).toBe(8);
    expect(p.averageLossQuote).toBe(-3);
    expect(p.averageDurationMinutes).toBe((12 + 6 + 3 + 24) * 5 / 4);
    expect(p.medianDurationMinutes).toBe(45);
    expect(p.best?.netPnlQuote).toBe(10);
    expect(p.worst?.netPnlQuote).toBe(-4);
  });

  it('breaks down by exit reason and strategy', () => {
    expect(p.byExitReason).toEqual({
      'take-profit': { trades: 2, wins: 2, winRate: 1, netPnlQuote: 16 },
      'stop-loss': { trades: 2, wins: 0, winRate: 0, netPnlQuote: -6 },
    });
    expect(p.byStrategy['mean-reversion']).toEqual({ trades: 1, wins: 1, winRate: 1, netPnlQuote: 6 });
  });

  it('has nothing to say without trades or under a day', () => {
    const empty = performanceOf({ startEquityQuote: 1_000, endEquityQuote: 1_000, returnFraction: 0, maxDrawdownFraction: 0, fromMs: 0, toMs: 3_600_000, dailyEquity: [1_000], trades: [], closes: {} });
    expect(empty).toMatchObject({ marketChangeFraction: null, cagr: null, calmar: null, profitFactor: null, expectancyQuote: null, best: null, sortino: null });
  });
});

describe('dailySortino and configHash', () => {
  it('divides the mean daily return by the downside deviation only', () => {
    const r = [0.02, -0.01, 0.03, -0.02];
    const equity = r.reduce((e, x) => [...e, e[e.length - 1]! * (1 + x)], [100]);
    const mean = r.reduce((a, b) => a + b, 0) / 4;
    const down = Math.sqrt((0.01 ** 2 + 0.02 ** 2) / 4);
    expect(dailySortino(equity)).toBeCloseTo((mean / down) * Math.sqrt(365), 9);
    expect(dailySortino([100, 101, 102])).toBeNull();
  });

  it('hashes a configuration independently of key order, and differently when a value differs', () => {
    expect(configHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(configHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    expect(configHash({ a: 1 })).toMatch(/^[0-9a-f]{12}$/);
  });
});
