// Unit tests of the short core: the signal on aligned downtrends, the inverted stop, target and
// trailing stop, rollover in the P&L and in the fee-aware edge gate, and the config's caps.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { applyShortClose, checkShortEdge, openShort, planShort, rolloverCharges, shortExitAtPrice, shortExitOnCandle, type ShortPosition } from '../../../functions/core/shorts/shortPosition.js';
import { prepareShortSeries, shortSignal, SHORT_WARMUP_CANDLES } from '../../../functions/core/shorts/shortSignal.js';
import { FIVE_MINUTES_MS, ONE_HOUR_MS, type Candle } from '../../../functions/core/types.js';

const T0 = Date.UTC(2026, 0, 1);
function series(step: (i: number) => number, n = 400): Candle[] {
  const out: Candle[] = [];
  let close = 100;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = open * (1 + step(i));
    out.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, close) * 1.0001, low: Math.min(open, close) * 0.9999, close, volume: 1 });
  }
  return out;
}
const cfg = parseConfig({}).shorts;

describe('Function: shortSignal', () => {
  it('shorts an aligned downtrend and refuses a rising market and a spike above SMA20', () => {
    const down = series((i) => -0.0004 + (i % 2 ? 0.0003 : -0.0003));
    const s = prepareShortSeries(down);
    const last = down.length - 1;
    expect(shortSignal(s, last, 70)).toMatchObject({ short: true, referencePrice: down[last]!.close });
    const up = series((i) => 0.0004 + (i % 2 ? 0.0003 : -0.0003));
    expect(shortSignal(prepareShortSeries(up), last, 70)).toMatchObject({ short: false, reason: '15m trend is not down' });
    // The same fall, but the last candle jumps 2% (above SMA20): no short.
    const spike = series((i) => (i === 399 ? 0.02 : -0.0004 + (i % 2 ? 0.0003 : -0.0003)));
    expect(shortSignal(prepareShortSeries(spike), last, 70)).toMatchObject({ short: false });
    expect((shortSignal(prepareShortSeries(spike), last, 70) as { reason: string }).reason).toMatch(/SMA20|RSI/);
  });

  it('is warming up before the 1h trend can be read, and never reads the 1h candle still forming', () => {
    const down = series(() => -0.0005);
    const s = prepareShortSeries(down);
    expect(shortSignal(s, SHORT_WARMUP_CANDLES - 20, 70)).toMatchObject({ short: false, reason: 'warming up' });
    // A series cut at i gives the same trend value at i as the whole series: no look-ahead.
    for (const i of [300, 311, 350]) expect(prepareShortSeries(down.slice(0, i + 1)).down1h[i]).toBe(s.down1h[i]);
  });

  it('refuses an RSI at or above the limit', () => {
    const down = series((i) => -0.0004 + (i % 2 ? 0.0003 : -0.0003));
    expect(shortSignal(prepareShortSeries(down), down.length - 1, 0)).toMatchObject({ short: false, reason: expect.stringMatching(/RSI/) });
  });
});

function position(): ShortPosition {
  return openShort({
    mode: 'live',
    pair: 'BTC/USD',
    entryClientOrderId: 'e',
    plan: planShort({ ...cfg, stopLossFraction: 0.02, takeProfitFraction: 0.03, trailing: { enabled: true, activationFraction: 0.015, distanceFraction: 0.01 } }, 100),
    referencePrice: 100,
    leverage: 2,
    fill: { filledBase: 1, costQuote: 100, feeQuote: 0.4, averagePrice: 100 },
    entryTimeMs: T0,
  });
}
const candle = (o: number, h: number, l: number, c: number, k = 1): Candle => ({ openTimeMs: T0 + k * FIVE_MINUTES_MS, open: o, high: h, low: l, close: c, volume: 1 });

describe('Function: shortExitOnCandle (inverted levels)', () => {
  it('puts the stop above and the target below the entry', () => {
    const p = position();
    expect(p.stopPrice).toBeCloseTo(102, 9);
    expect(p.takeProfitPrice).toBeCloseTo(97, 9);
    expect(p.trailing).toMatchObject({ activationPrice: 98.5, lowestPrice: 100, armed: false });
  });

  it('stops on a high at the stop, at the open when it gapped over, before a target in the same candle', () => {
    const p = position();
    expect(shortExitOnCandle(p, candle(100, 102.5, 96, 99), T0 + 10 * FIVE_MINUTES_MS)).toMatchObject({ action: 'buy', reason: 'stop-loss', triggerPrice: 102 });
    expect(shortExitOnCandle(p, candle(103, 104, 101, 103.5), T0)).toMatchObject({ action: 'buy', reason: 'stop-loss', triggerPrice: 103 });
  });

  it('takes profit on a low at the target; a rise alone does not', () => {
    const p = position();
    expect(shortExitOnCandle(p, candle(99, 99.5, 96.5, 97.5), T0)).toMatchObject({ action: 'buy', reason: 'take-profit', triggerPrice: 97 });
    expect(shortExitOnCandle(p, candle(100, 101.9, 99.9, 101.5), T0)).toMatchObject({ action: 'hold' });
  });

  it('arms the trailing stop on the low and follows the lowest price; a bounce to lowest × (1 + distance) buys back', () => {
    const p = position();
    const armed = shortExitOnCandle(p, candle(99, 99.2, 98.2, 98.4), T0);
    expect(armed.action).toBe('hold');
    const next = armed.updated!;
    expect(next.trailing).toMatchObject({ lowestPrice: 98.2, armed: true });
    // Stop now at 98.2 × 1.01 = 99.182, below the fixed stop 102: the high reaching it buys back.
    expect(shortExitOnCandle(next, candle(98.5, 99.3, 98.4, 99.0, 2), T0)).toMatchObject({ action: 'buy', reason: 'trailing-stop', triggerPrice: expect.closeTo(99.182, 9) });
    expect(shortExitAtPrice(next, 99.2, T0)).toMatchObject({ reason: 'trailing-stop' });
    expect(shortExitAtPrice(next, 98.9, T0)).toBeUndefined();
  });

  it('ignores candles that closed before the entry, and buys back at max hold', () => {
    const p = position();
    expect(shortExitOnCandle(p, { ...candle(100, 110, 90, 100), openTimeMs: T0 - 2 * FIVE_MINUTES_MS }, T0)).toEqual({ action: 'hold' });
    expect(shortExitOnCandle(p, candle(100, 100.5, 99.5, 100), p.maxHoldUntilMs!)).toMatchObject({ action: 'buy', reason: 'max-hold' });
  });
});

describe('Function: rollover', () => {
  it('charges at opening and every full 4 hours, and takes it out of the P&L', () => {
    expect(rolloverCharges(T0, T0)).toBe(1);
    expect(rolloverCharges(T0, T0 + 4 * ONE_HOUR_MS - 1)).toBe(1);
    expect(rolloverCharges(T0, T0 + 4 * ONE_HOUR_MS)).toBe(2);
    expect(rolloverCharges(T0, T0 + 24 * ONE_HOUR_MS)).toBe(7);
    const p = position();
    const day = applyShortClose(p, { filledBase: 1, costQuote: 97, feeQuote: 0.388, averagePrice: 97 }, 'x', T0 + 24 * ONE_HOUR_MS);
    // 100 − 97 − 0.4 − 0.388 − 7 × 0.0002 × 100
    expect(day.rolloverQuote).toBeCloseTo(0.14, 12);
    expect(day.realizedPnlQuote).toBeCloseTo(100 - 97 - 0.4 - 0.388 - 0.14, 12);
    expect(day.position).toBeUndefined();
    const half = applyShortClose(p, { filledBase: 0.5, costQuote: 48.5, feeQuote: 0.194, averagePrice: 97 }, 'x', T0);
    expect(half.position).toMatchObject({ amountBase: 0.5, proceedsQuote: 50, appliedOrderIds: ['e', 'x'] });
    expect(half.realizedPnlQuote).toBeCloseTo(50 - 48.5 - 0.2 - 0.194 - 0.5 * 0.0002 * 100, 12);
  });

  it('counts rollover per day of the longest hold in the fee-aware edge gate', () => {
    const args = { expectedMoveFraction: 0.012, takerFeeRate: 0.004, slippageFraction: 0.0005, bufferFraction: 0.002, rolloverRatePer4h: 0.0002 };
    // Fees and buffer alone need 1.1%: 1.2% passes for a 1-hour hold (one charge, 0.02%)...
    expect(checkShortEdge({ ...args, maxHoldMs: ONE_HOUR_MS })).toMatchObject({ ok: true, explanation: { rolloverCharges: 1, rolloverPerDay: expect.closeTo(0.0012, 12) } });
    // ...but not for a two-day hold (13 charges, 0.26%).
    const long = checkShortEdge({ ...args, maxHoldMs: 48 * ONE_HOUR_MS });
    expect(long.ok).toBe(false);
    expect(long.explanation.rolloverFraction).toBeCloseTo(13 * 0.0002, 12);
    expect(long.reason).toMatch(/rollover 0\.260%/);
  });

  it('is off only with fees.requireEdge false, as for spot entries', () => {
    const args = { expectedMoveFraction: 0.001, takerFeeRate: 0.004, slippageFraction: 0.0005, bufferFraction: 0.002, rolloverRatePer4h: 0.0002, maxHoldMs: ONE_HOUR_MS };
    expect(checkShortEdge(args).ok).toBe(false);
    expect(checkShortEdge({ ...args, requireEdge: true }).ok).toBe(false);
    expect(checkShortEdge({ ...args, requireEdge: false })).toMatchObject({ ok: true, explanation: { gateOff: 1 } });
  });
});

describe('Config: shorts', () => {
  it('is off by default with leverage 1 and exposure 50%', () => {
    expect(cfg).toMatchObject({ enabled: false, leverage: 1, maxExposureFraction: 0.5 });
  });
  it('refuses leverage above 2 and exposure above 50%', () => {
    expect(() => parseConfig({ shorts: { leverage: 3 } })).toThrow(/leverage/);
    expect(() => parseConfig({ shorts: { maxExposureFraction: 0.6 } })).toThrow(/maxExposureFraction/);
  });
});
