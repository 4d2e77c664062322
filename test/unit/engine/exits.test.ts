// Mental exits: stop-loss, take-profit, trailing stop, max hold, signal reversal and dust, each on
// hand-built candles with the trigger price computed by hand; entry plans and their levels.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exitsConfigSchema } from '../../../functions/core/engine/config.js';
import { buildEntryPlan, positionLevels } from '../../../functions/core/engine/entryPlan.js';
import { resolveExits } from '../../../functions/core/engine/exitSettings.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';
import type { ExitDecision } from '../../../functions/core/engine/types.js';
import { FIVE_MINUTES_MS, type Candle, type Position } from '../../../functions/core/types.js';
import { T0, candlesFromCloses, closeOf, engineFor, makeMarket, makePosition } from './engineFixtures.js';

const { engine } = engineFor({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3 }) });
const market = makeMarket('BTC/USD', { amountDecimals: 4, minAmountBase: 0.001, minCostQuote: 0.5 });

/** A series whose candle 1 has the given OHLC (candle 0 is a plain 100 candle). */
function decideOn(position: Position, ohlc: [number, number, number, number], freeBase = position.amountBase, nowMs = closeOf(1)): ExitDecision {
  const [open, high, low, close] = ohlc;
  const candles: Candle[] = [
    { openTimeMs: T0, open: 100, high: 100.1, low: 99.9, close: 100, volume: 10 },
    { openTimeMs: T0 + FIVE_MINUTES_MS, open, high, low, close, volume: 10 },
  ];
  return engine.checkExit(position, engine.prepare('BTC/USD', candles), 1, nowMs, freeBase, market);
}

const levels = { entryPrice: 100, entryTimeMs: T0 + 60_000, stopPrice: 98, takeProfitPrice: 103 };

describe('Mental exits: fixed levels on one candle (open, high, low, close)', () => {
  it.each([
    // [case, OHLC, expected action, reason, trigger]
    ['inside both levels', [100, 101, 99, 100], 'hold', undefined, undefined],
    ['low touches the stop', [100, 101, 97.5, 99], 'sell', 'stop-loss', 98],
    ['low exactly at the stop', [100, 101, 98, 99], 'sell', 'stop-loss', 98],
    ['gap down through the stop: fills at the open', [97, 99, 96, 98], 'sell', 'stop-loss', 97],
    ['high touches the target', [100, 103.5, 99.5, 103], 'sell', 'take-profit', 103],
    ['gap up over the target: fills at the open', [104, 105, 103.5, 104], 'sell', 'take-profit', 104],
    ['both touched in one candle: the low is assumed first', [100, 104, 97, 101], 'sell', 'stop-loss', 98],
  ] as const)('%s', (_name, ohlc, action, reason, trigger) => {
    const d = decideOn(makePosition(levels), [...ohlc]);
    expect(d.action).toBe(action);
    if (d.action === 'sell') {
      expect(d.reason).toBe(reason);
      expect(d.triggerPrice).toBe(trigger);
      expect(d.amountBase).toBe(1);
    } else {
      expect(d.explanation).toMatchObject({ close: ohlc[3], stopPrice: 98, takeProfitPrice: 103 });
    }
  });

  it('ignores a candle that closed before the entry (its range predates the position)', () => {
    const d = decideOn(makePosition({ ...levels, entryTimeMs: closeOf(1) + 1 }), [100, 101, 90, 95]);
    expect(d.action).toBe('hold');
  });
});

describe('Mental exits: trailing stop', () => {
  const trailing = { activationPrice: 102, distanceFraction: 0.01, highestPrice: 100, armed: false };

  it('tracks the highest price before arming and returns the updated position to persist', () => {
    const d = decideOn(makePosition({ ...levels, trailing }), [100, 101.5, 99.5, 101]);
    expect(d.action).toBe('hold');
    if (d.action !== 'hold') return;
    expect(d.updated?.trailing).toEqual({ ...trailing, highestPrice: 101.5, armed: false });
  });

  it('arms when the high reaches the activation price; holds while the close stays above highest × (1 − 1%)', () => {
    const d = decideOn(makePosition({ ...levels, trailing }), [101, 102.5, 100.5, 102.2]);
    expect(d.action).toBe('hold');
    if (d.action !== 'hold') return;
    expect(d.updated?.trailing).toEqual({ ...trailing, highestPrice: 102.5, armed: true });
    expect(d.explanation.trailingStop).toBeCloseTo(102.5 * 0.99, 12);
  });

  it('an armed stop above the fixed stop sells at its level when the low reaches it (before the high moves it)', () => {
    const armed = { ...trailing, highestPrice: 102.5, armed: true };
    const d = decideOn(makePosition({ ...levels, trailing: armed }), [102, 102.8, 101.4, 101.6]);
    expect(d).toMatchObject({ action: 'sell', reason: 'trailing-stop' });
    if (d.action === 'sell') expect(d.triggerPrice).toBeCloseTo(101.475, 12);
  });

  it('sells at the new level when the close falls below the stop the candle’s own high raised', () => {
    const armed = { ...trailing, highestPrice: 102.5, armed: true };
    // high 104 → stop 102.96; low 102 is above the old stop 101.475; close 102.9 is below 102.96
    const d = decideOn(makePosition({ ...levels, takeProfitPrice: 110, trailing: armed }), [102.5, 104, 102, 102.9]);
    expect(d).toMatchObject({ action: 'sell', reason: 'trailing-stop' });
    if (d.action === 'sell') expect(d.triggerPrice).toBeCloseTo(102.96, 12);
  });

  it('the fixed stop wins when it is above an armed trailing stop', () => {
    const armed = { ...trailing, highestPrice: 100.5, armed: true }; // trailing 99.495 < fixed 99.8
    const d = decideOn(makePosition({ ...levels, stopPrice: 99.8, trailing: armed }), [100, 100.2, 99.6, 99.9]);
    expect(d).toMatchObject({ action: 'sell', reason: 'stop-loss', triggerPrice: 99.8 });
  });
});

describe('Mental exits: time and signal', () => {
  it('sells at the close once nowMs reaches maxHoldUntilMs, not a millisecond before', () => {
    const until = closeOf(1);
    expect(decideOn(makePosition({ ...levels, maxHoldUntilMs: until }), [100, 101, 99, 100.5])).toMatchObject({ action: 'sell', reason: 'max-hold', triggerPrice: 100.5 });
    expect(decideOn(makePosition({ ...levels, maxHoldUntilMs: until + 1 }), [100, 101, 99, 100.5]).action).toBe('hold');
  });

  // Closes 10, 11, 12, 11, 10: SMA2 at i=4 is 10.5, SMA3 is 11 → fast below slow (reversal).
  const reversing = candlesFromCloses([10, 11, 12, 11, 10]);
  const position = makePosition({ entryPrice: 12, entryTimeMs: T0, stopPrice: 5, takeProfitPrice: 20 });

  it('momentum with exitOnReversal sells at the close when the fast SMA falls below the slow SMA', () => {
    const { engine: e } = engineFor({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3, exitOnReversal: true }) });
    const d = e.checkExit(position, e.prepare('BTC/USD', reversing), 4, closeOf(4), 1, market);
    expect(d).toMatchObject({ action: 'sell', reason: 'signal-reversal', triggerPrice: 10, explanation: { fastSma: 10.5, slowSma: 11 } });
    // One candle earlier SMA2 = 11.5 > SMA3 = 11: no reversal yet.
    expect(e.checkExit(position, e.prepare('BTC/USD', reversing), 3, closeOf(3), 1, market).action).toBe('hold');
  });

  it('without exitOnReversal the same candles hold', () => {
    const d = engine.checkExit(position, engine.prepare('BTC/USD', reversing), 4, closeOf(4), 1, market);
    expect(d.action).toBe('hold');
  });

  it('mean reversion exits back at the mean; positions from unknown strategies have no signal exit', () => {
    const { engine: e } = engineFor({ pairs: ['BTC/USD'], strategies: { use: ['meanReversion'], meanReversion: { period: 3 } }, exits: { mode: 'fixed' } });
    // Closes 10, 8, 9, 11: mean of the last 3 = 9.33 ≤ close 11
    const s = e.prepare('BTC/USD', candlesFromCloses([10, 8, 9, 11]));
    const mr = makePosition({ strategy: 'meanReversion', entryPrice: 8, entryTimeMs: T0, stopPrice: 1, takeProfitPrice: 50 });
    expect(e.checkExit(mr, s, 3, closeOf(3), 1, market)).toMatchObject({ action: 'sell', reason: 'signal-reversal', triggerPrice: 11 });
    expect(e.checkExit({ ...mr, strategy: 'force-entry' }, s, 3, closeOf(3), 1, market).action).toBe('hold');
    expect(e.checkExit({ ...mr, strategy: 'something-old' }, s, 3, closeOf(3), 1, market).action).toBe('hold');
  });
});

describe('Mental exits: what can be sold', () => {
  it('sells the free balance, rounded down, when less than the position is free', () => {
    const d = decideOn(makePosition({ ...levels, amountBase: 1 }), [100, 101, 97, 99], 0.76549);
    expect(d).toMatchObject({ action: 'sell', reason: 'stop-loss', amountBase: 0.7654 });
  });

  it.each([
    ['nothing free', 0, market, /nothing is free to sell/],
    ['below the minimum amount (dust)', 0.0009, market, /below the minimum order amount 0.001 \(dust\)/],
    ['below the minimum cost (dust)', 0.004, makeMarket('BTC/USD', { amountDecimals: 4, minAmountBase: 0.001, minCostQuote: 0.5 }), /below the minimum order cost 0.5 \(dust\)/],
    ['market not accepting orders', 1, makeMarket('BTC/USD', { active: false }), /not accepting market orders/],
  ] as const)('a due exit is blocked when %s', (_name, free, m, pattern) => {
    const candles = candlesFromCloses([100, 99], (i) => (i === 1 ? { low: 97 } : {}));
    const d = engine.checkExit(makePosition(levels), engine.prepare('BTC/USD', candles), 1, closeOf(1), free, m);
    expect(d.action).toBe('hold');
    if (d.action !== 'hold') return;
    expect(d.blocked).toMatch(pattern);
    expect(d.explanation.exitReason).toBe('stop-loss');
  });

  it('property: an exit never sells more than the position or the free balance, and sells on the grid', () => {
    const candles = candlesFromCloses([100, 99], (i) => (i === 1 ? { low: 97 } : {}));
    const s = engine.prepare('BTC/USD', candles);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }).map((k) => k / 1_000_000),
        fc.integer({ min: 0, max: 10_000_000 }).map((k) => k / 999_983),
        fc.integer({ min: 0, max: 10 }),
        (amountBase, freeBase, amountDecimals) => {
          const m = makeMarket('BTC/USD', { amountDecimals, minAmountBase: 0, minCostQuote: 0 });
          const d = engine.checkExit(makePosition({ ...levels, amountBase }), s, 1, closeOf(1), freeBase, m);
          if (d.action !== 'sell') return d.blocked !== undefined;
          return d.amountBase <= amountBase && d.amountBase <= freeBase && d.amountBase > 0 && Number(d.amountBase.toFixed(amountDecimals)) === d.amountBase;
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe('Entry plans', () => {
  const exits = exitsConfigSchema.parse({});

  it('fixed mode: 2% stop and 3% target from the reference price, trailing armed at +2% with a 1% distance, 24h max hold', () => {
    const r = buildEntryPlan('momentum', { ...exits, mode: 'fixed' }, 100, Number.NaN);
    expect(r).toEqual({ ok: true, plan: { strategy: 'momentum', stopPrice: 98, takeProfitPrice: 103, trailing: { activationPrice: 102, distanceFraction: 0.01 }, maxHoldMs: 86_400_000 } });
  });

  it('ATR mode: stop 2 × ATR and target 3 × ATR from the reference price', () => {
    const r = buildEntryPlan('momentum', exits, 100, 0.5);
    expect(r.ok && r.plan).toMatchObject({ stopPrice: 99, takeProfitPrice: 101.5 });
  });

  it('ATR mode: the stop is never farther than maxStopLossFraction (3% here, where 2 × ATR would be 4%)', () => {
    const r = buildEntryPlan('momentum', exits, 100, 2);
    expect(r.ok && r.plan).toMatchObject({ stopPrice: 97, takeProfitPrice: 106 });
  });

  it('ATR mode refuses without an ATR; disabled levels are left out', () => {
    expect(buildEntryPlan('momentum', exits, 100, Number.NaN)).toEqual({ ok: false, reason: 'ATR on 1h is not available yet' });
    const none = { ...exits, mode: 'fixed' as const, stopLossFraction: 0, takeProfitFraction: 0, maxHoldMinutes: 0, trailing: { ...exits.trailing, enabled: false } };
    expect(buildEntryPlan('scalping', none, 100, Number.NaN)).toEqual({ ok: true, plan: { strategy: 'scalping' } });
  });

  it('positionLevels moves every level by fill / reference so the distances hold from the price paid', () => {
    const plan = { strategy: 'momentum', stopPrice: 98, takeProfitPrice: 103, trailing: { activationPrice: 102, distanceFraction: 0.01 }, maxHoldMs: 3_600_000 };
    const l = positionLevels(plan, 100, 101, T0);
    expect(l.stopPrice).toBeCloseTo(98.98, 10);
    expect(l.takeProfitPrice).toBeCloseTo(104.03, 10);
    expect(l.trailing).toEqual({ activationPrice: expect.closeTo(103.02, 10), distanceFraction: 0.01, highestPrice: 101, armed: false });
    expect(l.maxHoldUntilMs).toBe(T0 + 3_600_000);
    expect(l.strategy).toBe('momentum');
  });

  it('a strategy override replaces only the fields it names, trailing included', () => {
    const merged = resolveExits(exits, { mode: 'fixed', trailing: { enabled: false } });
    expect(merged).toEqual({ ...exits, mode: 'fixed', trailing: { ...exits.trailing, enabled: false } });
    expect(exits.mode).toBe('atr'); // the global object is not mutated
    expect(exits.trailing.enabled).toBe(true);
  });
});
