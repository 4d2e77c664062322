// Rounding to the market's precision: always down, always on the grid, never above the input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { costDecimals, floorAmountBase, floorCostQuote, floorToDecimals, sellableAmountBase } from '../../../functions/core/engine/precision.js';

const onGrid = (x: number, decimals: number): boolean => Number(x.toFixed(decimals)) === x;

describe('Function: floorToDecimals', () => {
  it.each([
    // [value, decimals, expected]
    [0.29, 2, 0.29], // 0.29 × 100 = 28.999999999999996: a naive floor gives 0.28
    [0.57, 2, 0.57],
    [1.13, 2, 1.13],
    [0.1 + 0.2, 1, 0.3], // 0.30000000000000004 floors to 0.3
    [0.299999, 2, 0.29],
    [1.005, 2, 1], // 1.005 is 1.00499999999999989… in binary
    [0.123456789, 8, 0.12345678],
    [5, 0, 5],
    [5.999999, 0, 5],
    [0, 8, 0],
    [-1, 8, 0],
    [Number.NaN, 8, 0],
    [Number.POSITIVE_INFINITY, 8, 0],
  ])('floorToDecimals(%s, %i) = %s', (value, decimals, expected) => {
    expect(floorToDecimals(value, decimals)).toBe(expected);
  });

  it('never returns more than the input, even a hair below a grid point (an epsilon-based floor would round 0.29 − 1e-16 up)', () => {
    const justBelow = 0.29 - 5.551115123125783e-17; // the double right below 0.29
    expect(justBelow).toBeLessThan(0.29);
    expect(floorToDecimals(justBelow, 2)).toBe(0.28);
  });

  it('rejects a nonsensical precision', () => {
    expect(() => floorToDecimals(1, -1)).toThrow(/decimals/);
    expect(() => floorToDecimals(1, 1.5)).toThrow(/decimals/);
  });

  it('property: result ≤ value, on the grid, and less than one step below the value', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 1e7, noNaN: true }), fc.integer({ min: 0, max: 10 }), (value, decimals) => {
        const r = floorToDecimals(value, decimals);
        return r <= value && onGrid(r, decimals) && value - r < 10 ** -decimals * (1 + 1e-9);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('Function: floorAmountBase / floorCostQuote / sellableAmountBase', () => {
  const market = { amountDecimals: 8, priceDecimals: 1 };

  it('amounts use lot decimals; costs use price + amount decimals capped at 8', () => {
    expect(floorAmountBase(0.123456789, market)).toBe(0.12345678);
    expect(costDecimals({ amountDecimals: 8, priceDecimals: 1 })).toBe(8);
    expect(costDecimals({ amountDecimals: 2, priceDecimals: 4 })).toBe(6);
    expect(floorCostQuote(10.123456789, market)).toBe(10.12345678);
  });

  it.each([
    // [position, free, expected]: never more than held or than free
    [0.5, 1, 0.5],
    [0.5, 0.3, 0.3],
    [0.123456789, 1, 0.12345678],
    [1, 0.999999999, 0.99999999],
    [1, 0, 0],
    [1, -0.1, 0],
  ])('sellableAmountBase(position %s, free %s) = %s', (position, free, expected) => {
    expect(sellableAmountBase(position, free, market)).toBe(expected);
  });

  it('property: a sell never exceeds the position or the free balance and is on the grid', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: -1, max: 1e6, noNaN: true }),
        fc.integer({ min: 0, max: 10 }),
        (position, free, amountDecimals) => {
          const sell = sellableAmountBase(position, free, { amountDecimals });
          return sell <= position && sell <= Math.max(0, free) && sell >= 0 && onGrid(sell, amountDecimals);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
