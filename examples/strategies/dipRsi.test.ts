// Test of strategy "dipRsi": run with `npx vitest run examples/strategies/dipRsi.test.ts`.
import { describe, expect, it } from 'vitest';
import { IndicatorPlan } from '../../functions/core/engine/indicatorPlan.js';
import { PreparedPairSeries } from '../../functions/core/engine/preparedPairSeries.js';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import strategy from './dipRsi.js';

/** 5m candles at these closes (open = previous close). */
function candles(closes: number[]): Candle[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    return { openTimeMs: Date.UTC(2024, 0, 1) + i * FIVE_MINUTES_MS, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1 };
  });
}

describe('strategy: dipRsi', () => {
  const plan = new IndicatorPlan();
  const s = strategy.create(strategy.parameters.parse({}), { plan, strategy: () => { throw new Error('no routes'); } });
  // 40 flat candles, then a slide of 3% over 10 candles, then a recovery.
  const closes = [...Array(40).fill(100), ...Array.from({ length: 10 }, (_, k) => 100 - 0.3 * (k + 1)), ...Array(20).fill(100.5)];
  const series = new PreparedPairSeries('BTC/USD', candles(closes), plan);

  it('buys the dip and not the flat market', () => {
    // Assess
    expect(s.entry(series, 39).ok).toBe(false);
    expect(s.entry(series, 49).ok).toBe(true);
  });

  it('signals() agrees with entry() at every candle', () => {
    for (let i = plan.warmupCandles(); i < series.length; i++) expect(s.signals!(series, i), `candle ${i}`).toBe(s.entry(series, i).ok);
  });

  it('exits once the close is back at the average', () => {
    expect(s.signalExit?.reversal(series, 49)).toBeUndefined();
    expect(s.signalExit?.reversal(series, series.length - 1)).toBeDefined();
  });
});
