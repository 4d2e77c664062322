// Protections lock and unlock at the right candle: every lock runs from the 5m candle the trade
// happened in, so a live fill a few seconds after the boundary and a backtest fill on it agree.
import { describe, expect, it } from 'vitest';
import { protectionsConfigSchema } from '../../../functions/core/engine/config.js';
import { checkProtections, protectionsHistoryMs, tradeCandleMs } from '../../../functions/core/engine/protections/protections.js';
import type { RuleCheck } from '../../../functions/core/engine/risk/ruleCheck.js';
import type { TradeRecord } from '../../../functions/core/types.js';
import { T0, engineFor, makeExitTrade } from './engineFixtures.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The tick decides 5 s after each candle boundary. */
const tickAt = (msAfterT0: number) => T0 + msAfterT0 + 5_000;

const only = (overrides: object) =>
  protectionsConfigSchema.parse({
    cooldownMinutes: 0,
    stopLossGuard: { enabled: false },
    maxDrawdown: { enabled: false },
    lowProfitPair: { enabled: false },
    ...overrides,
  });

function verdict(checks: RuleCheck[]): string {
  const failing = checks.find((c) => !c.ok);
  return failing ? failing.rule : 'open';
}

describe('Protection: cooldown (30 minutes per pair)', () => {
  const config = only({ cooldownMinutes: 30 });

  it.each([
    ['a live fill 3 s after the boundary', T0 + HOUR + 3_000],
    ['a backtest fill exactly on the boundary', T0 + HOUR],
  ])('after %s: locked through the candle closing at +85 min, open at +90 min', (_name, exitMs) => {
    const trades = [makeExitTrade(exitMs)];
    expect(tradeCandleMs(trades[0]!)).toBe(T0 + HOUR);
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(HOUR), 1_000))).toBe('cooldown');
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(HOUR + 25 * MIN), 1_000))).toBe('cooldown');
    expect(verdict(checkProtections(config, 'BTC/USD', trades, T0 + HOUR + 30 * MIN, 1_000))).toBe('open');
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(HOUR + 30 * MIN), 1_000))).toBe('open');
  });

  it('only locks the pair that exited, and says until when', () => {
    const trades = [makeExitTrade(T0 + HOUR, { pair: 'ETH/USD' })];
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(HOUR), 1_000))).toBe('open');
    const locked = checkProtections(config, 'ETH/USD', trades, tickAt(HOUR + 10 * MIN), 1_000).at(-1)!;
    expect(locked).toMatchObject({ ok: false, rule: 'cooldown', explanation: { lockedUntilMs: T0 + HOUR + 30 * MIN, lockedUntilIso: '2026-01-01T01:30:00.000Z' } });
  });

  it('ignores trades after nowMs (a replay must not see the future)', () => {
    expect(verdict(checkProtections(config, 'BTC/USD', [makeExitTrade(T0 + 2 * HOUR)], tickAt(HOUR), 1_000))).toBe('open');
  });
});

describe('Protection: stop-loss guard (3 stop-outs within 6 h lock for 6 h)', () => {
  const stop = (h: number, pair = 'BTC/USD', overrides: Partial<TradeRecord> = {}) => makeExitTrade(T0 + h * HOUR, { pair, reason: 'stop-loss', realizedPnlQuote: -2, ...overrides });

  it('scope all: three stop-outs on any pairs lock every pair until the third one’s candle + 6 h', () => {
    const config = only({ stopLossGuard: { scope: 'all' } });
    const trades = [stop(0), stop(1, 'ETH/USD'), stop(2)];
    expect(verdict(checkProtections(config, 'SOL/USD', trades, tickAt(2 * HOUR), 1_000))).toBe('stoploss-guard');
    expect(verdict(checkProtections(config, 'SOL/USD', trades, tickAt(7 * HOUR + 55 * MIN), 1_000))).toBe('stoploss-guard');
    expect(verdict(checkProtections(config, 'SOL/USD', trades, T0 + 8 * HOUR, 1_000))).toBe('open');
  });

  it('the lock holds after newer trades that are not stop-outs', () => {
    const config = only({ stopLossGuard: { scope: 'all' } });
    const trades = [stop(0), stop(1), stop(2), makeExitTrade(T0 + 3 * HOUR, { reason: 'take-profit' })];
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(4 * HOUR), 1_000))).toBe('stoploss-guard');
  });

  it.each([
    ['two stop-outs are not enough', [stop(0), stop(1)], 'all', 'open'],
    ['three, but spread over more than 6 h', [stop(0), stop(3), stop(7)], 'all', 'open'],
    ['scope pair: only two on this pair', [stop(0), stop(1, 'ETH/USD'), stop(2)], 'pair', 'open'],
    ['scope pair: three on this pair', [stop(0), stop(1), stop(2)], 'pair', 'stoploss-guard'],
    ['a trailing stop at a loss counts', [stop(0), stop(1), stop(2, 'BTC/USD', { reason: 'trailing-stop' })], 'all', 'stoploss-guard'],
    ['a trailing stop in profit does not', [stop(0), stop(1), stop(2, 'BTC/USD', { reason: 'trailing-stop', realizedPnlQuote: 3 })], 'all', 'open'],
  ] as const)('%s', (_name, trades, scope, expected) => {
    const config = only({ stopLossGuard: { scope } });
    const last = Math.max(...trades.map((t) => t.timestampMs));
    expect(verdict(checkProtections(config, 'BTC/USD', [...trades], last + 5_000, 1_000))).toBe(expected);
  });
});

describe('Protection: max drawdown (8% within 48 h locks every pair for 12 h)', () => {
  const config = only({ maxDrawdown: {} });
  const loss = (h: number, pnl: number, pair = 'BTC/USD') => makeExitTrade(T0 + h * HOUR, { pair, realizedPnlQuote: pnl });

  it('1,000 → 970 → 940 → 920 is an 8% drawdown: locked until the third loss + 12 h', () => {
    const trades = [loss(1, -30), loss(2, -30, 'ETH/USD'), loss(3, -20)];
    const locked = checkProtections(config, 'XRP/USD', trades, tickAt(3 * HOUR), 920).at(-1)!;
    expect(locked).toMatchObject({ ok: false, rule: 'max-drawdown', explanation: { drawdownFraction: 0.08, lockedUntilMs: T0 + 15 * HOUR } });
    expect(verdict(checkProtections(config, 'XRP/USD', trades, tickAt(14 * HOUR + 55 * MIN), 920))).toBe('max-drawdown');
    expect(verdict(checkProtections(config, 'XRP/USD', trades, T0 + 15 * HOUR, 920))).toBe('open');
  });

  it.each([
    ['7.9% is below the limit', [-30, -30, -19], 921],
    ['two trades are fewer than minTrades', [-50, -40], 910],
    ['a loss after a peak: 1,000 → 1,100 → 1,010 is 8.2% from the peak', [100, -45, -45], 1_010],
  ] as const)('%s', (_name, pnls, equityNow) => {
    const trades = pnls.map((p, k) => loss(k + 1, p));
    const expected = pnls.length === 3 && equityNow === 1_010 ? 'max-drawdown' : 'open';
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(pnls.length * HOUR), equityNow))).toBe(expected);
  });
});

describe('Protection: low-profit pair (3 trades within 48 h below 0% lock the pair for 12 h)', () => {
  const config = only({ lowProfitPair: {} });
  const trade = (h: number, pnl: number, pair = 'BTC/USD') => makeExitTrade(T0 + h * HOUR, { pair, realizedPnlQuote: pnl, costQuote: 100, feeQuote: 0.4 });

  it('+1, −2, −1 on BTC locks BTC (not ETH) until the third trade + 12 h', () => {
    const trades = [trade(1, 1), trade(2, -2), trade(3, -1), trade(3.5, -5, 'ETH/USD')];
    const locked = checkProtections(config, 'BTC/USD', trades, tickAt(4 * HOUR), 1_000).at(-1)!;
    // invested per trade = proceeds − fee − pnl: 98.6, 101.6, 100.6 → −2 / 300.8
    expect(locked).toMatchObject({ ok: false, rule: 'low-profit-pair', explanation: { trades: 3, profitFraction: expect.closeTo(-2 / 300.8, 12), lockedUntilMs: T0 + 15 * HOUR } });
    expect(verdict(checkProtections(config, 'ETH/USD', trades, tickAt(4 * HOUR), 1_000))).toBe('open');
    expect(verdict(checkProtections(config, 'BTC/USD', trades, tickAt(14 * HOUR + 55 * MIN), 1_000))).toBe('low-profit-pair');
    expect(verdict(checkProtections(config, 'BTC/USD', trades, T0 + 15 * HOUR, 1_000))).toBe('open');
  });

  it('a pair that made money over its trades is not locked', () => {
    expect(verdict(checkProtections(config, 'BTC/USD', [trade(1, 1), trade(2, -1), trade(3, 1)], tickAt(4 * HOUR), 1_000))).toBe('open');
  });
});

describe('Protections: configuration', () => {
  it('the master switch turns every protection off', () => {
    const config = protectionsConfigSchema.parse({ enabled: false });
    expect(checkProtections(config, 'BTC/USD', [makeExitTrade(T0)], T0 + 1, 1_000)).toEqual([]);
  });

  it('each passing protection is listed with its settings', () => {
    const checks = checkProtections(protectionsConfigSchema.parse({}), 'BTC/USD', [], T0, 1_000);
    expect(checks.map((c) => [c.rule, c.ok])).toEqual([
      ['cooldown', true],
      ['stoploss-guard', true],
      ['max-drawdown', true],
      ['low-profit-pair', true],
    ]);
  });

  it('the default protections read 60 h of trades, within the 7-day ledger lookback', () => {
    expect(protectionsHistoryMs(protectionsConfigSchema.parse({}))).toBe(60 * HOUR);
  });

  it('the engine refuses to start when a protection reads further back than tick.tradeLookbackMs', () => {
    expect(() => engineFor({ protections: { maxDrawdown: { lookbackMinutes: 10_080 } } })).toThrow(/protections: they read 10800 minutes of trades but tick.tradeLookbackMs loads only 10080/);
  });
});
