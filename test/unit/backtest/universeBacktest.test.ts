// The backtest of a universe configuration: the universe is rebuilt from the candles every
// refreshHours, entries take only its pairs, and a position in a pair that leaves it keeps its exit.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { FIVE_MINUTES_MS, type Candle, type MarketInfo, type Pair } from '../../../functions/core/types.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { stopTargetEngine } from './stopTargetEngine.js';

const T0 = Date.UTC(2024, 0, 1);
const CANDLES = 4 * 288;

/** Flat candles whose volume in quote is `quoteVolume5m(i)`. */
function series(price: number, quoteVolume5m: (i: number) => number, startIdx = 0): Candle[] {
  return Array.from({ length: CANDLES - startIdx }, (_, k) => {
    const i = k + startIdx;
    return { openTimeMs: T0 + i * FIVE_MINUTES_MS, open: price, high: price, low: price, close: price, volume: quoteVolume5m(i) / price };
  });
}

const market = (pair: Pair): MarketInfo => ({ pair, base: pair.split('/')[0]!, quote: 'USD', amountDecimals: 8, priceDecimals: 8, minAmountBase: 0, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.004, active: true });

describe('runBacktest with a universe', () => {
  it('enters only the pairs of the universe as it changes, and an open position that drops out still exits', () => {
    // Prepare: AAA is liquid for two days then dries up, BBB the other way round; CCC (sub-cent) is
    // listed from day 2 on and has a min listing age of one day to wait out.
    const data: Record<Pair, Candle[]> = {
      'AAA/USD': series(2, (i) => (i < 2 * 288 ? 5_000 : 10)),
      'BBB/USD': series(3, (i) => (i < 2 * 288 ? 10 : 5_000)),
      'CCC/USD': series(0.001, () => 20_000, 288),
    };
    const config = parseConfig({
      pairs: { quote: 'USD', topN: 2, refreshHours: 5, minListingAgeDays: 1, tiers: [{ maxPrice: 0.05, riskMultiplier: 1, profitMarginFraction: 0.015, minQuoteVolume24h: 500_000, maxSpreadFraction: 0.08 }, { riskMultiplier: 0.4, profitMarginFraction: 0.007, minQuoteVolume24h: 100_000, maxSpreadFraction: 0.03 }] },
      paper: { slippageBps: 0 },
    });
    const entries: { pair: Pair; i: number }[] = [];
    // Buy every 36th candle and exit by a signal 30 candles later; AAA's first position is held
    // until candle 910, after the rebuild at 75 h (candle 900) has dropped AAA.
    const engine = stopTargetEngine({
      enterAt: (pair, i) => {
        const yes = i % 36 === 0;
        if (yes) entries.push({ pair, i });
        return yes;
      },
      costQuote: 10,
      signalExitAt: (pair, i) => (pair === 'AAA/USD' ? i === 910 : i % 36 === 30),
      warmupCandles: 1,
    });
    // Act
    const r = runBacktest({ config, engine, series: Object.entries(data).map(([pair, candles]) => ({ pair, candles })), markets: Object.fromEntries(Object.keys(data).map((p) => [p, market(p)])), startingQuote: 1000 });
    // Assess: every 5 h over 4 days.
    expect(r.summary.universe).toEqual({ rebuilds: 20, pairsHeld: ['AAA/USD', 'BBB/USD', 'CCC/USD'] });
    const day = (i: number) => Math.floor(i / 288);
    // The engine's index is into each pair's own series: CCC's starts a day later.
    const asked = (pair: Pair, offset = 0) => [...new Set(entries.filter((e) => e.pair === pair).map((e) => day(e.i + offset)))];
    // Nothing on day 0: no pair has a day of candles for its 24h volume yet. AAA from day 1 on,
    // held from then until its exit: one entry.
    expect(asked('AAA/USD')).toEqual([1]);
    const aaa = r.trades.filter((t) => t.pair === 'AAA/USD');
    expect(aaa).toHaveLength(1);
    expect(aaa[0]).toMatchObject({ exitReason: 'signal-reversal', exitTimeMs: T0 + 911 * FIVE_MINUTES_MS }); // the next open after candle 910, 55 min after AAA left the universe
    // BBB once its 24h volume has built up on day 3.
    expect(asked('BBB/USD')).toEqual([2, 3]);
    // CCC: listed at day 1, in the universe from day 2 (a day of age, and 24h volume of 5.76M).
    expect(asked('CCC/USD', 288)).toEqual([2, 3]);
    expect(r.trades.every((t) => t.exitReason === 'signal-reversal' || t.exitReason === 'end-of-data')).toBe(true);

    // With a recorded snapshot showing BBB's spread at 10% when the universe is rebuilt at 65 h,
    // BBB is out until the next rebuild (70 h): the spread rule reads recorded books.
    const wide = { pair: 'BBB/USD', closeMs: T0 + 781 * FIVE_MINUTES_MS, bids: [[2.85, 100] as const], asks: [[3.15, 100] as const] };
    const engine2 = stopTargetEngine({ enterAt: (pair, i) => pair === 'BBB/USD' && i >= 780 && i <= 840, costQuote: 10, warmupCandles: 1 });
    const r2 = runBacktest({ config, engine: engine2, series: Object.entries(data).map(([pair, candles]) => ({ pair, candles })), markets: Object.fromEntries(Object.keys(data).map((p) => [p, market(p)])), startingQuote: 1000, snapshots: [wide] });
    expect(r2.trades.filter((t) => t.pair === 'BBB/USD').map((t) => t.entryTimeMs)).toEqual([T0 + 841 * FIVE_MINUTES_MS]);
    // Without it, BBB is in from 65 h and its first entry fills at the open after candle 780.
    const engine3 = stopTargetEngine({ enterAt: (pair, i) => pair === 'BBB/USD' && i >= 780 && i <= 840, costQuote: 10, warmupCandles: 1 });
    const r3 = runBacktest({ config, engine: engine3, series: Object.entries(data).map(([pair, candles]) => ({ pair, candles })), markets: Object.fromEntries(Object.keys(data).map((p) => [p, market(p)])), startingQuote: 1000 });
    expect(r3.trades.filter((t) => t.pair === 'BBB/USD').map((t) => t.entryTimeMs)).toEqual([T0 + 781 * FIVE_MINUTES_MS]);
  });
});
