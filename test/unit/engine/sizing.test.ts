// Position sizing: hand-computed cases per rule and cap, and properties that must hold for any
// input (never above a cap, never below the minimum, always on the precision grid).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sizeEntry, type SizingInput } from '../../../functions/core/engine/risk/sizing.js';
import type { MarketInfo } from '../../../functions/core/types.js';
import { makeMarket } from './engineFixtures.js';

const wideCaps = { pairAllocationQuote: 1e9, maxPositionQuote: 1e9, maxOrderQuote: 1e9, assetExposureQuote: 1e9, totalExposureQuote: 1e9 };

function input(overrides: Partial<SizingInput> = {}): SizingInput {
  return {
    sizing: 'fixed-fraction',
    positionFraction: 0.1,
    riskPerTradeFraction: 0.005,
    equityQuote: 1_000,
    freeQuote: 1_000,
    referencePrice: 100,
    stopPrice: 98,
    takerFeeRate: 0.004,
    caps: wideCaps,
    market: makeMarket('BTC/USD', { amountDecimals: 4, priceDecimals: 2, minAmountBase: 0.01, minCostQuote: 1 }),
    minimumBufferFraction: 0.1,
    ...overrides,
  };
}

describe('Function: sizeEntry (hand-computed)', () => {
  it.each([
    // [case, overrides, expected cost, expected amount, binding cap]
    ['fixed fraction: 1,000 × 10%', {}, 100, 1, 'sizing rule'],
    ['risk-based: 1,000 × 0.5% / 2% stop distance', { sizing: 'risk-based' as const }, 250, 2.5, 'sizing rule'],
    ['risk-based with a 5% stop: 1,000 × 0.5% / 5%', { sizing: 'risk-based' as const, stopPrice: 95 }, 100, 1, 'sizing rule'],
    ['per-pair allocation binds', { caps: { ...wideCaps, pairAllocationQuote: 60 } }, 60, 0.6, 'pair allocation'],
    ['max position binds', { caps: { ...wideCaps, maxPositionQuote: 55 } }, 55, 0.55, 'max position'],
    ['max order binds', { caps: { ...wideCaps, maxOrderQuote: 40 } }, 40, 0.4, 'max order'],
    ['asset exposure binds', { caps: { ...wideCaps, assetExposureQuote: 30 } }, 30, 0.3, 'asset exposure'],
    ['total exposure binds', { caps: { ...wideCaps, totalExposureQuote: 20 } }, 20, 0.2, 'total exposure'],
    ['free quote pays cost + fee: 50.2 / 1.004 = 50', { freeQuote: 50.2 }, 50, 0.5, 'free quote after fee'],
    ['amount rounds down to 4 decimals: 33.333 / 100', { caps: { ...wideCaps, maxOrderQuote: 33.333 } }, 33.333, 0.3333, 'max order'],
    ['requested amount replaces the rule and is still capped', { requestedCostQuote: 500, caps: { ...wideCaps, maxOrderQuote: 70 } }, 70, 0.7, 'max order'],
  ] as const)('%s', (_name, overrides, cost, amount, binding) => {
    const r = sizeEntry(input(overrides as Partial<SizingInput>));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.costQuote).toBeCloseTo(cost, 9);
    expect(r.amountBase).toBe(amount);
    expect(r.bindingCap).toBe(binding);
    expect(r.explanation.bindingCap).toBe(binding);
  });

  it.each([
    // [case, overrides, rule, reason pattern]
    ['risk-based sizing without a stop', { sizing: 'risk-based' as const, stopPrice: undefined }, 'sizing', /needs a stop/],
    ['risk-based sizing with the stop above the price', { sizing: 'risk-based' as const, stopPrice: 101 }, 'sizing', /needs a stop/],
    ['no equity', { equityQuote: 0 }, 'sizing', /equity/],
    ['a cap with no room left', { caps: { ...wideCaps, totalExposureQuote: -5 } }, 'sizing', /total exposure leaves -5/],
    ['no free quote', { freeQuote: 0 }, 'sizing', /free quote after fee/],
    // min amount 0.01 × 1.1 = 0.011 base = 1.1 quote; min cost 1 × 1.1 = 1.1
    ['amount below the minimum + buffer (0.0105 < 0.011)', { caps: { ...wideCaps, maxOrderQuote: 1.05 } }, 'minimums', /amount 0.0105 is below the minimum 0.011/],
    ['cost below the minimum + buffer', { market: makeMarket('BTC/USD', { amountDecimals: 4, priceDecimals: 2, minAmountBase: 0.001, minCostQuote: 5 }), caps: { ...wideCaps, maxOrderQuote: 5.4 } }, 'minimums', /cost 5.4 is below the minimum 5.5/],
    // 5.6 / 100 is 0.0559999… in binary and floors to 0.0559 base: worth 5.031 at the 90 stop, below 5.5
    ['worth less than the minimum at the stop (dust on the way out)', { stopPrice: 90, market: makeMarket('BTC/USD', { amountDecimals: 4, priceDecimals: 2, minAmountBase: 0.001, minCostQuote: 5 }), caps: { ...wideCaps, maxOrderQuote: 5.6 } }, 'minimums', /at the stop .* worth 5.031, below the minimum 5.5/],
    ['a NaN cap refuses instead of being skipped', { caps: { ...wideCaps, assetExposureQuote: Number.NaN } }, 'sizing', /asset exposure cannot be computed/],
    ['a NaN sizing rule refuses', { equityQuote: 1_000, positionFraction: Number.NaN }, 'sizing', /sizing rule cannot be computed/],
  ] as const)('refuses: %s', (_name, overrides, rule, reason) => {
    const r = sizeEntry(input(overrides as Partial<SizingInput>));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rule).toBe(rule);
    expect(r.reason).toMatch(reason);
  });
});

/** Uniform in [min, max] (fc.double spreads over the bit patterns, so it is mostly tiny numbers). */
const uniform = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);
/** Log-uniform in [min, max] (min > 0): prices and balances span orders of magnitude. */
const logUniform = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: 0, max: 1_000_000 }).map((k) => 10 ** (Math.log10(min) + ((Math.log10(max) - Math.log10(min)) * k) / 1_000_000));

const marketArb: fc.Arbitrary<MarketInfo> = fc
  .record({
    amountDecimals: fc.integer({ min: 0, max: 10 }),
    priceDecimals: fc.integer({ min: 0, max: 6 }),
    minAmountBase: fc.oneof(fc.constant(0), logUniform(1e-8, 5)),
    minCostQuote: fc.oneof(fc.constant(0), uniform(0, 20)),
  })
  .map((m) => makeMarket('BTC/USD', m));

const referencePriceArb = logUniform(1e-4, 1e5);

const inputArb: fc.Arbitrary<SizingInput> = referencePriceArb.chain((referencePrice) =>
  fc.record({
    sizing: fc.constantFrom('fixed-fraction' as const, 'risk-based' as const),
    positionFraction: uniform(0, 1),
    riskPerTradeFraction: uniform(0, 0.1),
    equityQuote: logUniform(1, 1e6),
    freeQuote: fc.oneof(fc.constant(0), logUniform(1, 1e6)),
    referencePrice: fc.constant(referencePrice),
    // Mostly a stop below the price (0.1%..50%), sometimes none or a nonsensical one above it.
    stopPrice: fc.oneof(
      { weight: 8, arbitrary: uniform(0.5, 0.999).map((f) => referencePrice * f) },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: uniform(1, 1.5).map((f) => referencePrice * f) },
    ),
    takerFeeRate: uniform(0, 0.01),
    caps: fc.record({
      pairAllocationQuote: uniform(-100, 1e5),
      maxPositionQuote: uniform(-100, 1e5),
      maxOrderQuote: logUniform(1, 1e5),
      assetExposureQuote: uniform(-100, 1e5),
      totalExposureQuote: uniform(-100, 1e5),
    }),
    market: marketArb,
    minimumBufferFraction: uniform(0, 0.5),
  }),
);

describe('Function: sizeEntry (properties)', () => {
  it('a buy is never above any cap, the sizing rule, or what the free quote pays with the fee', () => {
    let buys = 0;
    fc.assert(
      fc.property(inputArb, (i) => {
        const r = sizeEntry(i);
        if (!r.ok) return true;
        buys++;
        const desired =
          i.sizing === 'fixed-fraction' ? i.equityQuote * i.positionFraction : (i.equityQuote * i.riskPerTradeFraction) / ((i.referencePrice - i.stopPrice!) / i.referencePrice);
        const c = i.caps;
        return (
          r.costQuote > 0 &&
          r.costQuote <= desired &&
          r.costQuote <= c.pairAllocationQuote &&
          r.costQuote <= c.maxPositionQuote &&
          r.costQuote <= c.maxOrderQuote &&
          r.costQuote <= c.assetExposureQuote &&
          r.costQuote <= c.totalExposureQuote &&
          r.costQuote * (1 + i.takerFeeRate) <= i.freeQuote * (1 + 1e-12)
        );
      }),
      { numRuns: 3_000 },
    );
    // The generators must reach the buy path often enough for the property to mean something.
    expect(buys).toBeGreaterThan(300);
  });

  it('a buy is never below the minimums with their buffer, including its value at the stop', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const r = sizeEntry(i);
        if (!r.ok) return true;
        const buffer = 1 + i.minimumBufferFraction;
        const exitPrice = i.stopPrice !== undefined && i.stopPrice < i.referencePrice ? i.stopPrice : i.referencePrice;
        return (
          r.amountBase > 0 &&
          r.amountBase >= i.market.minAmountBase * buffer &&
          r.costQuote >= i.market.minCostQuote * buffer &&
          r.amountBase * exitPrice >= i.market.minCostQuote * buffer
        );
      }),
      { numRuns: 3_000 },
    );
  });

  it('amount and cost are on the precision grid, and the amount costs no more than the cost at the reference price', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const r = sizeEntry(i);
        if (!r.ok) return true;
        const costDecimals = Math.min(8, i.market.priceDecimals + i.market.amountDecimals);
        return (
          Number(r.amountBase.toFixed(i.market.amountDecimals)) === r.amountBase &&
          Number(r.costQuote.toFixed(costDecimals)) === r.costQuote &&
          r.amountBase * i.referencePrice <= r.costQuote * (1 + 1e-12)
        );
      }),
      { numRuns: 3_000 },
    );
  });

  it('refusals always name the sizing or minimums rule and carry the compared values', () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const r = sizeEntry(i);
        if (r.ok) return true;
        return (r.rule === 'sizing' || r.rule === 'minimums') && r.reason.length > 0 && r.explanation.referencePrice === i.referencePrice;
      }),
      { numRuns: 1_000 },
    );
  });
});
