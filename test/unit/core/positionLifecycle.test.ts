// Unit tests: the one position lifecycle the live tick and the backtest share.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareHoldings, ownFreeBase, writeOffRefusal } from '../../../functions/core/holdings.js';
import {
  applyFeeInBase,
  applySellFill,
  belowMinimum,
  dustWriteOff,
  expectedFeeBase,
  mergeBuy,
  openPosition,
  sellableAmount,
} from '../../../functions/core/positionLifecycle.js';
import type { HoldingsRecord, Position } from '../../../functions/core/types.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const plan = { strategy: 'momentum', stopPrice: 98, takeProfitPrice: 103, trailing: { activationPrice: 102, distanceFraction: 0.01 }, maxHoldMs: 3_600_000 };

function opened(price = 101, amount = 1, fee = 0.404): Position {
  return openPosition({ mode: 'paper', pair: 'BTC/USD', entryClientOrderId: 'e'.repeat(32), plan, referencePrice: 100, fill: { filledBase: amount, costQuote: price * amount, feeQuote: fee, averagePrice: price }, entryTimeMs: T0 });
}

describe('openPosition', () => {
  it('anchors stop, target and trailing activation to the fill price by the decision\'s ratio', () => {
    const p = opened(101);
    expect(p.stopPrice).toBeCloseTo(98 * 1.01, 10);
    expect(p.takeProfitPrice).toBeCloseTo(103 * 1.01, 10);
    expect(p.trailing).toEqual({ activationPrice: expect.closeTo(102 * 1.01, 10), distanceFraction: 0.01, highestPrice: 101, armed: false });
    expect(p.maxHoldUntilMs).toBe(T0 + 3_600_000);
    expect(p).toMatchObject({ amountBase: 1, entryPrice: 101, costQuote: 101, entryFeeQuote: 0.404, appliedOrderIds: ['e'.repeat(32)], buys: 1, version: 1 });
  });

  it('a fee taken in base: holds what was credited and counts the fee once', () => {
    const p = openPosition({ mode: 'paper', pair: 'BTC/USD', entryClientOrderId: 'e'.repeat(32), plan, referencePrice: 100, fill: { filledBase: 1, costQuote: 100, feeQuote: 0.4, averagePrice: 100, feeBase: 0.004 }, entryTimeMs: T0 });
    expect(p.amountBase).toBeCloseTo(0.996, 12);
    expect(p.costQuote + p.entryFeeQuote).toBeCloseTo(100, 10);
    expect(p.entryPrice).toBeCloseTo(100, 10);
    // The same numbers as correcting a position after the fact.
    const later = applyFeeInBase(opened(100, 1, 0.4), 0.004);
    expect(later.amountBase).toBeCloseTo(p.amountBase, 12);
    expect(later.costQuote).toBeCloseTo(p.costQuote, 10);
    expect(expectedFeeBase(opened(100, 1, 0.4))).toBeCloseTo(0.004, 12);
  });
});

describe('applySellFill', () => {
  it('selling in pieces realizes exactly what one sale would (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 10, noNaN: true }),
        fc.double({ min: 10, max: 1e5, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (amount, price, part, move) => {
          const p = opened(price, amount, price * amount * 0.004);
          const exit = price * move;
          const sale = (a: number) => ({ filledBase: a, costQuote: a * exit, feeQuote: a * exit * 0.004, averagePrice: exit });
          const whole = applySellFill(p, sale(amount), 's1');
          const first = applySellFill(p, sale(amount * part), 's1');
          const second = applySellFill(first.position!, sale(first.position!.amountBase), 's2');
          expect(whole.position).toBeUndefined();
          expect(second.position).toBeUndefined();
          expect(first.realizedPnlQuote + second.realizedPnlQuote).toBeCloseTo(whole.realizedPnlQuote, 6);
          expect(first.position!.appliedOrderIds).toEqual(['e'.repeat(32), 's1']);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a merged late buy is sold at the averaged cost', () => {
    const merged = mergeBuy(opened(100, 1, 0.4), { filledBase: 1, costQuote: 110, feeQuote: 0.44, averagePrice: 110 }, 'l'.repeat(32));
    expect(merged).toMatchObject({ amountBase: 2, costQuote: 210, entryFeeQuote: expect.closeTo(0.84, 12), entryPrice: 105, buys: 2 });
    expect(merged.stopPrice).toBe(opened(100).stopPrice);
    const out = applySellFill(merged, { filledBase: 2, costQuote: 220, feeQuote: 0.88, averagePrice: 110 }, 's');
    expect(out.realizedPnlQuote).toBeCloseTo(220 - 0.88 - 210 - 0.84, 10);
  });
});

describe('what an exit may sell', () => {
  it('caps by the bot\'s own free amount, rounds down to the lot, and sends the recorded amount when balances are unknown', () => {
    const market = { amountDecimals: 5 };
    expect(sellableAmount({ amountBase: 0.123456789 }, 1, market)).toBe(0.12345);
    expect(sellableAmount({ amountBase: 1 }, 0.3333333, market)).toBe(0.33333);
    expect(sellableAmount({ amountBase: 1 }, -5, market)).toBe(0);
    expect(sellableAmount({ amountBase: 0.7 }, undefined, undefined)).toBe(0.7);
  });

  it('knows dust: under the minimum amount or the minimum cost', () => {
    const m = { minAmountBase: 0.0001, minCostQuote: 0.5 };
    expect(belowMinimum(0.00009, 100_000, m)).toBe(true);
    expect(belowMinimum(0.001, 100, m)).toBe(true);
    expect(belowMinimum(0.001, 1_000, m)).toBe(false);
    expect(dustWriteOff({ ...opened(100, 0.00004, 0.000016), costQuote: 0.004 })).toEqual({ realizedPnlQuote: expect.closeTo(-0.004016, 12), amountBase: 0.00004 });
  });
});

describe('compareHoldings', () => {
  const record = (over: Partial<HoldingsRecord> = {}): HoldingsRecord => ({ mode: 'paper', asset: 'BTC', externalBase: 0.5, dustBase: 0, updatedAtMs: T0, version: 0, ...over });
  const base = { asset: 'BTC', balancesKnown: true, lotBase: 1e-8, inFlight: false };

  it('agrees within a lot step; names a shortfall and a surplus', () => {
    const p = opened(100, 1, 0.4);
    expect(compareHoldings({ ...base, balance: { free: 1.5, total: 1.5 }, record: record(), positions: [p] }).check).toMatchObject({ status: 'ok', diffBase: 0 });
    expect(compareHoldings({ ...base, balance: { free: 1.50000001, total: 1.50000001 }, record: record(), positions: [p] }).check.status).toBe('ok');
    expect(compareHoldings({ ...base, balance: { free: 1.2, total: 1.2 }, record: record(), positions: [p] }).check).toMatchObject({ status: 'mismatch', diffBase: -0.3 });
    expect(compareHoldings({ ...base, balance: { free: 2, total: 2 }, record: record(), positions: [p] }).check).toMatchObject({ status: 'mismatch', diffBase: 0.5 });
  });

  it('first sighting: the coins beyond the positions are the owner\'s', () => {
    const v = compareHoldings({ ...base, balance: { free: 0.7, total: 0.7 }, record: undefined, positions: [] });
    expect(v.createRecord).toMatchObject({ externalBase: 0.7, dustBase: 0 });
    expect(v.check.status).toBe('ok');
  });

  it('a shortfall of exactly the entry fee on a single buy is a fee taken in base, corrected', () => {
    const p = opened(100, 1, 0.4);
    const v = compareHoldings({ ...base, balance: { free: 0.996, total: 0.996 }, record: record({ externalBase: 0 }), positions: [p] });
    expect(v.check.status).toBe('corrected');
    expect(v.feeInBase?.feeBase).toBeCloseTo(0.004, 12);
  });

  it('skips while balances are unknown or an order is in flight', () => {
    expect(compareHoldings({ ...base, balancesKnown: false, balance: undefined, record: record(), positions: [] }).check.status).toBe('skipped');
    expect(compareHoldings({ ...base, inFlight: true, balance: { free: 9, total: 9 }, record: record(), positions: [] }).check.status).toBe('skipped');
  });

  it('the bot\'s own free amount excludes the owner\'s coins and dust', () => {
    expect(ownFreeBase({ free: 1.5, total: 1.6 }, { externalBase: 0.5, dustBase: 0.01 })).toBeCloseTo(0.99, 12);
    expect(ownFreeBase({ free: 0.2, total: 0.2 }, { externalBase: 0.5, dustBase: 0 })).toBe(0);
  });
});

describe('writeOffRefusal: a write-off needs the balance to show nothing moved', () => {
  const record = { externalBase: 0.5, dustBase: 0.01 };
  const base = { asset: 'BTC', balancesKnown: true, record, otherInFlight: false, lotBase: 1e-8 };
  const sell = { side: 'sell' as const, amountBase: 1 };
  const buy = { side: 'buy' as const, costQuote: 100, referencePrice: 100 };

  it('allows a sell whose coins are all still there, and a buy that added none', () => {
    expect(writeOffRefusal({ ...base, intent: sell, balance: { free: 1.51, total: 1.51 }, positions: [{ amountBase: 1 }] })).toBeUndefined();
    expect(writeOffRefusal({ ...base, intent: buy, balance: { free: 0.51, total: 0.51 }, positions: [] })).toBeUndefined();
  });

  it('refuses a sell whose coins are gone, or half gone (a partial fill)', () => {
    expect(writeOffRefusal({ ...base, intent: sell, balance: { free: 0.51, total: 0.51 }, positions: [{ amountBase: 1 }] })).toMatch(/holds 1 BTC fewer.*sell looks executed/);
    expect(writeOffRefusal({ ...base, intent: sell, balance: { free: 1.01, total: 1.01 }, positions: [{ amountBase: 1 }] })).toMatch(/0.5 BTC fewer/);
  });

  it('refuses a buy whose coins arrived, even net of a fee taken in base', () => {
    expect(writeOffRefusal({ ...base, intent: buy, balance: { free: 1.5074, total: 1.5074 }, positions: [] })).toMatch(/holds 0.9974 BTC more.*buy looks executed/);
  });

  it('tolerates rounding and a fee in base, not more', () => {
    expect(writeOffRefusal({ ...base, intent: sell, balance: { free: 1.5074, total: 1.5074 }, positions: [{ amountBase: 1 }] })).toBeUndefined();
    expect(writeOffRefusal({ ...base, intent: sell, balance: { free: 1.48, total: 1.48 }, positions: [{ amountBase: 1 }] })).toMatch(/fewer/);
  });

  it('refuses without balances, without the owner\'s-coins record, or with another order on the asset in flight', () => {
    const balance = { free: 1.51, total: 1.51 };
    expect(writeOffRefusal({ ...base, intent: sell, balance, positions: [{ amountBase: 1 }], balancesKnown: false })).toMatch(/balances could not be read/);
    expect(writeOffRefusal({ ...base, intent: sell, balance, positions: [{ amountBase: 1 }], record: undefined })).toMatch(/no record of the owner's BTC/);
    expect(writeOffRefusal({ ...base, intent: sell, balance, positions: [{ amountBase: 1 }], otherInFlight: true })).toMatch(/another order on BTC/);
  });
});
