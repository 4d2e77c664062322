import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { PreparedPairSeries } from '../../../functions/core/engine/preparedPairSeries.js';
import { MicrostructureStrategy } from '../../../functions/core/engine/strategies/microstructure.js';
import type { MarketSnapshot } from '../../../functions/core/market/marketSnapshot.js';
import { snapshotColumn } from '../../../functions/core/market/marketSnapshot.js';
import { FIVE_MINUTES_MS, type Candle } from '../../../functions/core/types.js';

const T0 = Date.UTC(2026, 0, 1);
const N = 80;

/** Candles wobbling ±0.1% around 100, the last three rising `rise` each. */
function candles(rise: number): Candle[] {
  let price = 100;
  return Array.from({ length: N }, (_, i) => {
    const open = price;
    price = i >= N - 3 ? price * (1 + rise) : 100 * (1 + (i % 2 ? 0.001 : -0.001));
    return { openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, price), low: Math.min(open, price), close: price, volume: 10 };
  });
}

/** A snapshot at candle i: best bid/ask around 100 with `spreadBps`, `bidQuote` and `askQuote` resting on 10 levels each. */
function snap(i: number, spreadBps: number, bidQuote = 1_000, askQuote = 1_000, referencePrice?: number): MarketSnapshot {
  const half = (100 * spreadBps) / 20_000;
  const level = (p: number, q: number) => [p, q / 10 / p] as const;
  return {
    pair: 'BTC/USD',
    closeMs: T0 + (i + 1) * FIVE_MINUTES_MS,
    bids: Array.from({ length: 10 }, (_, k) => level(100 - half - k * 0.01, bidQuote)),
    asks: Array.from({ length: 10 }, (_, k) => level(100 + half + k * 0.01, askQuote)),
    ...(referencePrice !== undefined ? { referencePrice } : {}),
  };
}

function setup(input: Record<string, unknown>, rise: number, snaps: MarketSnapshot[]) {
  const config = parseConfig({ pairs: ['BTC/USD'], strategies: { use: ['microstructure'], microstructure: input }, market: { reference: { enabled: true } } });
  const engine = createDecisionEngine(config);
  const series = engine.prepare('BTC/USD', candles(rise)) as PreparedPairSeries;
  series.snapshots = snapshotColumn(series.openTimeMs, FIVE_MINUTES_MS, snaps);
  return { strategy: new MicrostructureStrategy(config.strategies.microstructure), series };
}

const history = (spreadBps: number) => Array.from({ length: 12 }, (_, k) => snap(N - 13 + k, spreadBps));
const ALL = { filters: { premium: true }, minImbalance: 0.1, minDiscountFraction: 0.0005, maxSpreadRatio: 0.8 };

describe('the microstructure strategy', () => {
  it('buys when the book leans to the bids, the spread is compressed, Kraken trades at a discount and the move beats the volatility', () => {
    // Prepare: spreads of 10 bps before, 5 now; 2,000 of bids against 1,000 of asks; Kraken 0.1% below the reference.
    const { strategy, series } = setup(ALL, 0.004, [...history(10), snap(N - 1, 5, 2_000, 1_000, 100.1)]);
    // Act
    const verdict = strategy.entry(series, N - 1);
    // Assess
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.signal.strategy).toBe('microstructure');
    expect(verdict.signal.explanation.imbalance).toBeCloseTo(1 / 3, 6);
    expect(verdict.signal.explanation.spreadRatio).toBeCloseTo(0.5, 2);
    expect(verdict.signal.explanation.premium as number).toBeLessThan(-0.0005);
    expect(verdict.signal.explanation.momentum as number).toBeGreaterThan(verdict.signal.explanation.momentumThreshold as number);
    expect(verdict.signal.confidence).toBeCloseTo(0.5 + 1 / 3, 6);
    expect(strategy.signals(series, N - 1)).toBe(true);
  });

  it.each([
    ['no snapshot at the candle', [...history(10)], 'microstructure.snapshot'],
    ['the book leaning to the asks', [...history(10), snap(N - 1, 5, 1_000, 2_000, 100.1)], 'microstructure.imbalance'],
    ['a spread as wide as usual', [...history(5), snap(N - 1, 5, 2_000, 1_000, 100.1)], 'microstructure.spread'],
    ['too few recorded spreads', [snap(N - 2, 10), snap(N - 1, 5, 2_000, 1_000, 100.1)], 'microstructure.spread'],
    ['no reference price', [...history(10), snap(N - 1, 5, 2_000, 1_000)], 'microstructure.premium'],
    ['Kraken at a premium', [...history(10), snap(N - 1, 5, 2_000, 1_000, 99.9)], 'microstructure.premium'],
  ])('refuses on %s, naming the filter', (_what, snaps, rule) => {
    const { strategy, series } = setup(ALL, 0.004, snaps);
    expect(strategy.entry(series, N - 1)).toMatchObject({ ok: false, rule });
    expect(strategy.signals(series, N - 1)).toBe(false);
  });

  it('refuses a move that recent volatility explains (adaptive momentum)', () => {
    const { strategy, series } = setup(ALL, 0.0001, [...history(10), snap(N - 1, 5, 2_000, 1_000, 100.1)]);
    expect(strategy.entry(series, N - 1)).toMatchObject({ ok: false, rule: 'microstructure.momentum', reason: 'the move is within what recent volatility explains' });
  });

  it('runs under the regime orchestrator as its range route, and the premium filter needs a reference exchange', () => {
    expect(() => createDecisionEngine(parseConfig({ strategies: { use: ['regime'], regime: { rangeStrategy: 'microstructure' } } }))).not.toThrow();
    expect(() => parseConfig({ strategies: { microstructure: { filters: { premium: true } } } })).toThrow(/strategies\.microstructure\.filters\.premium: the premium gap needs a reference exchange/);
    expect(() => parseConfig({ strategies: { microstructure: { minImbalanse: 0.2 } } })).toThrow(/strategies\.microstructure\.minImbalanse: unknown key; did you mean minImbalance\?/);
  });
});
