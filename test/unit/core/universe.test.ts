import { describe, expect, it } from 'vitest';
import { parseConfig, validateConfig, quoteCurrency } from '../../../functions/core/config.js';
import { selectUniverse, type UniverseSource } from '../../../functions/core/universe/selectUniverse.js';
import { universeSchema } from '../../../functions/core/universe/universeConfig.js';
import type { Ticker } from '../../../functions/core/types.js';

const NOW = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;
const ticker = (pair: string, last: number, quoteVolume24h: number, spreadFraction = 0.001): Ticker => ({
  pair,
  bid: last * (1 - spreadFraction / 2),
  ask: last * (1 + spreadFraction / 2),
  last,
  quoteVolume24h,
  timestampMs: NOW,
});
const listing = (pair: string, active = true) => ({ pair, base: pair.split('/')[0]!, quote: pair.split('/')[1]!, active, ...(active ? {} : { status: 'cancel_only' }) });

function source(): UniverseSource {
  const tickers = [
    ticker('SHIB/USD', 0.000018, 2_000_000, 0.002), // tier 1, passes
    ticker('PEPE/USD', 0.0000095, 400_000, 0.003), // tier 1: below its $500k floor
    ticker('BONK/USD', 0.000021, 900_000, 0.09), // tier 1: spread 9% over 8%
    ticker('DOGE/USD', 0.12, 300_000, 0.002), // tier 2, passes
    ticker('ADA/USD', 0.45, 150_000, 0.04), // tier 3: spread 4% over 3%
    ticker('BTC/USD', 60_000, 50_000_000), // tier 3, passes
    ticker('ETH/USD', 3_000, 20_000_000), // tier 3, passes
    { pair: 'XRP/USD', bid: 0.6, ask: 0.5, last: 0.55, quoteVolume24h: 9_000_000, timestampMs: NOW }, // crossed: a bad ticker
  ];
  return {
    listings: [...tickers.map((t) => listing(t.pair)), listing('SOL/USD', false), listing('LTC/USD'), listing('BTC/EUR')],
    tickers: Object.fromEntries(tickers.map((t) => [t.pair, t])),
  };
}

describe('selectUniverse', () => {
  it('screens by the price tier table and keeps the highest volumes, with a reason for every pair', () => {
    // Prepare
    const def = universeSchema.parse({ topN: 3 });
    // Act
    const u = selectUniverse(def, source(), NOW);
    // Assess
    expect(u.pairs).toEqual(['BTC/USD', 'ETH/USD', 'SHIB/USD']);
    expect(u.tiers['SHIB/USD']).toMatchObject({ tier: 1, riskMultiplier: 1, profitMarginFraction: 0.015 });
    expect(u.tiers['BTC/USD']).toMatchObject({ tier: 3, riskMultiplier: 0.4 });
    const why = Object.fromEntries(u.verdicts.map((v) => [v.pair, v.rule]));
    expect(why).toEqual({
      'BTC/USD': 'selected',
      'ETH/USD': 'selected',
      'SHIB/USD': 'selected',
      'DOGE/USD': 'top-n',
      'PEPE/USD': 'volume',
      'BONK/USD': 'spread',
      'ADA/USD': 'spread',
      'XRP/USD': 'no-ticker',
      'SOL/USD': 'inactive',
      'LTC/USD': 'no-ticker',
    });
    expect(u.verdicts.find((v) => v.pair === 'PEPE/USD')!.reason).toBe('24h volume 400.0k is below 500.0k (tier 1)');
    expect(u.verdicts.find((v) => v.pair === 'XRP/USD')!.reason).toMatch(/does not make sense/);
    expect(u.otherQuotes).toBe(1);
  });

  it('keeps sub-cent tokens only with a price range, puts the include list first and names a delisted one', () => {
    const def = universeSchema.parse({ maxPrice: 0.01, include: ['DOGE/USD', 'FOO/USD'], exclude: ['SHIB/USD'], topN: 5 });
    const u = selectUniverse(def, source(), NOW);
    expect(u.pairs).toEqual(['DOGE/USD']);
    expect(u.verdicts.find((v) => v.pair === 'FOO/USD')).toMatchObject({ included: false, rule: 'not-listed' });
    expect(u.verdicts.find((v) => v.pair === 'SHIB/USD')).toMatchObject({ included: false, rule: 'exclude' });
    expect(u.verdicts.find((v) => v.pair === 'BTC/USD')).toMatchObject({ included: false, rule: 'price' });
  });

  it('measures listing age from when the pair was first seen; pairs of the first refresh count as old', () => {
    const def = universeSchema.parse({ minListingAgeDays: 7, topN: 10 });
    const first = selectUniverse(def, { ...source(), listings: source().listings.filter((l) => l.pair !== 'SHIB/USD') }, NOW - 3 * DAY);
    expect(first.pairs).toContain('BTC/USD');
    const later = selectUniverse(def, source(), NOW, first.firstSeenMs);
    expect(later.verdicts.find((v) => v.pair === 'SHIB/USD')).toMatchObject({ rule: 'age', reason: 'first seen listed 0.0 days ago, under 7' });
    expect(later.firstSeenMs['BTC/USD']).toBe(0);
    expect(later.firstSeenMs['SHIB/USD']).toBe(NOW);
  });
});

describe('pairs as a universe definition', () => {
  it('parses to the include list plus the universe, and a parsed config parses again unchanged', () => {
    const config = parseConfig({ pairs: { quote: 'USD', include: ['BTC/USD'], topN: 10 } });
    expect(config.pairs).toEqual(['BTC/USD']);
    expect(config.universe).toMatchObject({ quote: 'USD', topN: 10, refreshHours: 24 });
    expect(config.universe!.tiers).toHaveLength(3);
    expect(quoteCurrency(parseConfig({ pairs: { quote: 'EUR' } }))).toBe('EUR');
    expect(parseConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it('refuses a typo naming the key and the nearest valid one, inside tiers too', () => {
    const r = validateConfig({ pairs: { quote: 'USD', minQuoteVolum24h: 1, tiers: [{ maxPrise: 1, riskMultiplier: 1, profitMarginFraction: 0.01, minQuoteVolume24h: 0, maxSpreadFraction: 0.1 }] } });
    expect(r.ok ? [] : r.issues).toEqual(expect.arrayContaining([
      { path: ['pairs', 'minQuoteVolum24h'], message: 'unknown key', suggestion: 'minQuoteVolume24h' },
      { path: ['pairs', 'tiers', 0, 'maxPrise'], message: 'unknown key', suggestion: 'maxPrice' },
    ]));
    expect(r.ok ? 0 : r.issues.length).toBe(2);
  });

  it('refuses tiers out of order, an include list of another quote and a value of the wrong kind', () => {
    const tier = { riskMultiplier: 1, profitMarginFraction: 0.01, minQuoteVolume24h: 0, maxSpreadFraction: 0.1 };
    const r = validateConfig({ pairs: { quote: 'USD', include: ['BTC/EUR'], tiers: [{ ...tier, maxPrice: 1 }, { ...tier, maxPrice: 0.5 }, tier] } });
    expect(r.ok ? [] : r.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      "pairs.tiers.1.maxPrice: must be above the previous tier's 1",
      "pairs.include.0: BTC/EUR does not trade against the universe's quote USD",
    ]);
    const wrong = validateConfig({ pairs: 'BTC/USD' });
    expect(wrong.ok ? [] : wrong.issues).toEqual([{ path: ['pairs'], message: 'expected array or object, got a string' }]);
  });
});
