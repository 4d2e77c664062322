// Entry risk rules through the engine, one per row: a momentum cross on the last candle is the
// signal, and each case changes one thing so exactly one rule refuses, with its values.
import { describe, expect, it } from 'vitest';
import type { BotConfigInput } from '../../../functions/core/config.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';
import type { EntryDecision, PortfolioView } from '../../../functions/core/engine/types.js';
import type { Candle } from '../../../functions/core/types.js';
import { FIVE_MINUTES_MS } from '../../../functions/core/types.js';
import { candlesFromCloses, closeOf, engineFor, makeDay, makeExitTrade, makeMarket, makePortfolio, makePosition } from './engineFixtures.js';

// SMA2 crosses above SMA3 on candle 5 (see strategies.test.ts): 11.5 > 10.667 after 10 ≤ 10.
const CLOSES = [10_000, 10_000, 10_000, 9_000, 11_000, 12_000];
const LAST = CLOSES.length - 1;

function decide(overrides: { config?: Partial<BotConfigInput>; portfolio?: Partial<PortfolioView>; candles?: Candle[]; i?: number } = {}): EntryDecision {
  const base = simpleMomentumConfig({ fastSma: 2, slowSma: 3 });
  const c = overrides.config ?? {};
  const { engine } = engineFor({
    pairs: ['BTC/USD'],
    ...base,
    ...c,
    strategies: { ...base.strategies, ...c.strategies },
    exits: { ...base.exits, ...c.exits },
    risk: { ...base.risk, ...c.risk },
    fees: { ...base.fees, ...c.fees },
  });
  const candles = overrides.candles ?? candlesFromCloses(CLOSES);
  const i = overrides.i ?? LAST;
  // Decide 5 seconds after the decision candle closed, as the live tick does.
  return engine.checkEntry(engine.prepare('BTC/USD', candles), i, makePortfolio(candles[i]!.openTimeMs + FIVE_MINUTES_MS + 5_000, overrides.portfolio ?? {}));
}

describe('Engine: an entry that passes every rule', () => {
  it('buys 10% of equity by cost, with levels fixed from the close, and lists every check it passed in order', () => {
    const d = decide();
    expect(d.action).toBe('buy');
    if (d.action !== 'buy') return;
    expect(d.costQuote).toBe(100);
    expect(d.referencePrice).toBe(12_000);
    expect(d.expectedAmountBase).toBe(0.00833333);
    expect(d.plan).toEqual({ strategy: 'momentum', stopPrice: 11_760, takeProfitPrice: 12_360, entryFeatures: expect.objectContaining({ version: 2, strategy: 'momentum', confidence: 0.5 }) });
    expect(d.signal).toMatchObject({ strategy: 'momentum', confidence: 0.5, expectedEdge: expect.closeTo(0.03, 12) });
    expect(d.checks.map((c) => c.rule)).toEqual(['daily-limits', 'market', 'data', 'open-positions', 'liquidity', 'spread', 'exit-levels', 'fee-edge', 'sizing', 'minimums']);
    expect(d.checks.find((c) => c.rule === 'sizing')?.explanation).toMatchObject({ bindingCap: 'sizing rule', costQuote: 100 });
  });
});

describe('Engine: entry refusals (which rule, which values)', () => {
  it.each([
    ['too few candles for the indicators', { i: 1 }, 'signal', 'warmup'],
    ['no cross on candle 4', { i: 4 }, 'signal', 'momentum.trend'],
    ['kill switch tripped', { portfolio: { day: makeDay({ killSwitchTripped: true }) } }, 'risk', 'kill-switch'],
    ['kill switch wins over “no signal”', { i: 4, portfolio: { day: makeDay({ killSwitchTripped: true }) } }, 'risk', 'kill-switch'],
    ['realized loss today at maxDailyLossQuote (50)', { portfolio: { day: makeDay({ realizedPnlQuote: -50 }) } }, 'risk', 'daily-loss'],
    ['12 entries today (maxTradesPerDay)', { portfolio: { day: makeDay({ trades: 12 }) } }, 'risk', 'daily-trade-cap'],
    ['4 entries today on the pair (maxTradesPerPairPerDay)', { portfolio: { day: makeDay({ trades: 4, tradesByPair: { 'BTC/USD': 4 } }) } }, 'risk', 'pair-trade-cap'],
    ['no market information', { portfolio: { markets: {} } }, 'risk', 'market'],
    ['market not accepting orders', { portfolio: { markets: { 'BTC/USD': makeMarket('BTC/USD', { active: false }) } } }, 'risk', 'market'],
    ['a position on the pair is open', { portfolio: { openPositions: [makePosition()] } }, 'risk', 'open-positions'],
    [
      'maxOpenPositions (3) reached',
      { portfolio: { openPositions: ['ETH/USD', 'SOL/USD', 'XRP/USD'].map((pair) => makePosition({ pair, amountBase: 0.1, entryPrice: 1 })) } },
      'risk',
      'open-positions',
    ],
    ['spread 1% wider than 0.5%', { config: { risk: { maxSpreadFraction: 0.005 } }, portfolio: { spreadFraction: { 'BTC/USD': 0.01 } } }, 'risk', 'spread'],
    ['24h volume 500k below 1M (ticker)', { config: { risk: { minQuoteVolume24h: 1e6 } }, portfolio: { quoteVolume24h: { 'BTC/USD': 5e5 } } }, 'risk', 'liquidity'],
    ['24h volume unknown from a 6-candle series', { config: { risk: { minQuoteVolume24h: 1e6 } } }, 'risk', 'liquidity'],
    ['ATR exits on 1h candles need 191 candles of warm-up', { config: { exits: { mode: 'atr' } } }, 'signal', 'warmup'],
    ['minimum 0.01 BTC (120 USD) above the 100 USD size', { portfolio: { markets: { 'BTC/USD': makeMarket('BTC/USD', { minAmountBase: 0.01 }) } } }, 'risk', 'minimums'],
    ['no free quote', { portfolio: { freeQuote: 0 } }, 'risk', 'sizing'],
  ] as const)('%s → %s: %s', (_name, overrides, stage, rule) => {
    const d = decide(overrides as Parameters<typeof decide>[0]);
    expect(d.action).toBe('none');
    if (d.action !== 'none') return;
    expect(d.stage).toBe(stage);
    expect(d.rule).toBe(rule);
    expect(d.reason.length).toBeGreaterThan(5);
    // A risk refusal after a signal carries the signal, so the TickResult shows what was refused.
    if (stage === 'risk' && !['kill-switch', 'daily-loss', 'daily-trade-cap', 'pair-trade-cap'].includes(rule)) expect(d.signal?.strategy).toBe('momentum');
  });

  it('the daily-limit refusal carries the counters it compared', () => {
    expect(decide({ portfolio: { day: makeDay({ trades: 12 }) } })).toMatchObject({ explanation: { trades: 12, maxTradesPerDay: 12 } });
  });

  it.each([
    ['not closed yet at nowMs', closeOf(LAST) - 1, /has not closed/],
    ['stale: closed more than 300 s (one candle) ago', closeOf(LAST) + 300_001, /stale/],
  ])('data: %s', (_name, nowMs, reason) => {
    const { engine } = engineFor({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3 }) });
    const d = engine.checkEntry(engine.prepare('BTC/USD', candlesFromCloses(CLOSES)), LAST, makePortfolio(nowMs));
    expect(d).toMatchObject({ action: 'none', rule: 'data' });
    if (d.action === 'none') expect(d.reason).toMatch(reason);
    expect(engine.checkEntry(engine.prepare('BTC/USD', candlesFromCloses(CLOSES)), LAST, makePortfolio(closeOf(LAST) + 300_000)).action).toBe('buy');
  });

  it('data: a missing candle inside the gap window refuses', () => {
    // Same closes with one more flat candle up front, then candle 2 removed: times jump by 10 minutes once.
    const candles = candlesFromCloses([10_000, 10_000, 10_000, 10_000, 9_000, 11_000, 12_000]).filter((_, k) => k !== 2);
    const d = decide({ candles, i: candles.length - 1 });
    expect(d).toMatchObject({ action: 'none', rule: 'data', explanation: { gapFreeCandles: 4, gapWindowCandles: 6 } });
    if (d.action === 'none') expect(d.reason).toMatch(/missing candles/);
  });

  it('exit levels: ATR mode refuses when the last 1h candle is missing (a gap the resampler left out)', () => {
    const closes = Array.from({ length: 400 }, (_, k) => 10_000 + (k % 7) * 10);
    closes.splice(closes.length - 6, 6, ...CLOSES);
    // Drop a candle inside the last hour; a 1-candle gap window lets the data rule pass.
    const candles = candlesFromCloses(closes).filter((_, k) => k !== closes.length - 8);
    const d = decide({ config: { exits: { mode: 'atr' }, tick: { gapWindowCandles: 1 } }, candles, i: candles.length - 1 });
    expect(d).toMatchObject({ action: 'none', stage: 'risk', rule: 'exit-levels', reason: 'ATR on 1h is not available yet' });
    // Without the gap the same decision builds its levels from the 1h ATR.
    const whole = candlesFromCloses(closes);
    const ok = decide({ config: { exits: { mode: 'atr' } }, candles: whole, i: whole.length - 1 });
    expect(ok.action).toBe('buy');
    if (ok.action === 'buy') expect(ok.checks.find((c) => c.rule === 'exit-levels')?.explanation.atr).toBeGreaterThan(0);
  });

  it('liquidity passes on the ticker’s volume when it is high enough', () => {
    expect(decide({ config: { risk: { minQuoteVolume24h: 1e6 } }, portfolio: { quoteVolume24h: { 'BTC/USD': 2e6 } } }).action).toBe('buy');
  });

  it('an unknown spread is not checked', () => {
    const d = decide({ config: { risk: { maxSpreadFraction: 0.005 } } });
    expect(d.action === 'buy' && d.checks.find((c) => c.rule === 'spread')?.explanation).toEqual({ spreadFraction: null, maxSpreadFraction: 0.005 });
  });
});

describe('Engine: fee-aware edge gate (take-profit 3% → expected edge 0.03)', () => {
  it.each([
    // [case, account rate, market rate, expected action, fee used, source]
    ['account rate 2%: 2 × 2% + 2 × 0.05% + 0.2% = 4.3% > 3%', 0.02, 0.004, 'none', 0.02, 'account'],
    ['no account rate, market 1.6% above config 0.4%: needs 3.5%', undefined, 0.016, 'none', 0.016, 'market'],
    ['no account rate, market 0.1% below config 0.4%: needs 1.1%', undefined, 0.001, 'buy', 0.004, 'config'],
    ['account rate 0.1% below config is trusted: needs 0.5%', 0.001, 0.004, 'buy', 0.001, 'account'],
  ] as const)('%s', (_name, account, marketRate, action, fee, source) => {
    const d = decide({
      config: { fees: { requireEdge: true } },
      portfolio: { markets: { 'BTC/USD': makeMarket('BTC/USD', { takerFeeRate: marketRate }) }, takerFeeRate: account === undefined ? {} : { 'BTC/USD': account } },
    });
    expect(d.action).toBe(action);
    const explanation = d.action === 'none' ? d.explanation : d.checks.find((c) => c.rule === 'fee-edge')!.explanation;
    expect(explanation).toMatchObject({ takerFeeRate: fee, feeSource: source, expectedEdge: expect.closeTo(0.03, 12) });
    if (d.action === 'none') expect(d.rule).toBe('fee-edge');
  });

  it('refuses when there is no target to measure the edge against', () => {
    const d = decide({ config: { fees: { requireEdge: true }, exits: { takeProfitFraction: 0 } } });
    expect(d).toMatchObject({ action: 'none', rule: 'fee-edge' });
    if (d.action === 'none') expect(d.reason).toMatch(/no take-profit or strategy target/);
  });
});

describe('Engine: caps through the portfolio', () => {
  it('per-pair allocation from strategies.pairs caps the size (5% of 1,000 = 50)', () => {
    const d = decide({ config: { strategies: { use: ['momentum'], pairs: { 'BTC/USD': { allocationFraction: 0.05 } }, momentum: { fastSma: 2, slowSma: 3 } } } });
    expect(d).toMatchObject({ action: 'buy', costQuote: 50 });
  });

  it('total exposure: 550 already in positions leaves 600 − 550 = 50', () => {
    const eth = makePosition({ pair: 'ETH/USD', amountBase: 1, entryPrice: 550 });
    const d = decide({ portfolio: { openPositions: [eth], lastPrice: { 'ETH/USD': 550 } } });
    expect(d).toMatchObject({ action: 'buy', costQuote: 50 });
    if (d.action === 'buy') expect(d.checks.find((c) => c.rule === 'sizing')?.explanation.bindingCap).toBe('total exposure');
  });

  it('positions are valued at the last price (not the entry price) for exposure', () => {
    const eth = makePosition({ pair: 'ETH/USD', amountBase: 1, entryPrice: 100 });
    const d = decide({ portfolio: { openPositions: [eth], lastPrice: { 'ETH/USD': 580 } } });
    expect(d).toMatchObject({ action: 'buy', costQuote: 20 });
  });
});

describe('Engine: several strategies on one pair', () => {
  const closes = [10_000, 10_000, 10_000, 9_000, 11_000, 12_000];

  it('the most confident signal wins; with no signal the first strategy’s refusal is reported', () => {
    const config = { strategies: { use: ['momentum' as const], pairs: { 'BTC/USD': { use: ['scalping' as const, 'momentum' as const] } }, momentum: { fastSma: 2, slowSma: 3 }, scalping: { smaPeriod: 3 } } };
    const buy = decide({ config, candles: candlesFromCloses(closes) });
    expect(buy.action === 'buy' && buy.signal.strategy).toBe('momentum');
    const none = decide({ config, i: 4 });
    expect(none).toMatchObject({ action: 'none', stage: 'signal', rule: 'scalping.dip' });
    // Scalping alone on a deep dip: close 9,000 vs SMA3 9,666.67 is 6.9% below (> 0.5%).
    const dip = decide({ config: { strategies: { use: ['scalping'], scalping: { smaPeriod: 3 } } }, i: 3, candles: candlesFromCloses(closes) });
    expect(dip).toMatchObject({ action: 'buy', signal: { strategy: 'scalping' }, plan: { strategy: 'scalping', stopPrice: 8_955, takeProfitPrice: 9_090 } });
  });
});

describe('Engine: protections through checkEntry', () => {
  it('a recent exit on the pair refuses with the cooldown lock and when it ends', () => {
    const exitAt = closeOf(LAST) - 10 * 60_000;
    const d = decide({ config: { protections: { enabled: true } }, portfolio: { recentTrades: [makeExitTrade(exitAt)] } });
    expect(d).toMatchObject({ action: 'none', stage: 'risk', rule: 'cooldown', explanation: { lockedUntilMs: exitAt + 30 * 60_000 } });
  });
});

describe('Engine: force-entry', () => {
  const { engine } = engineFor({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3 }) });
  const s = engine.prepare('BTC/USD', candlesFromCloses(CLOSES));

  it('buys without a signal, at the requested size, still capped by maxOrderQuote', () => {
    expect(engine.checkForcedEntry(s, 4, makePortfolio(closeOf(4)), 40)).toMatchObject({ action: 'buy', costQuote: 40, signal: { strategy: 'force-entry' }, plan: { strategy: 'force-entry' } });
    expect(engine.checkForcedEntry(s, 4, makePortfolio(closeOf(4)), 5_000)).toMatchObject({ action: 'buy', costQuote: 100 });
    expect(engine.checkForcedEntry(s, 4, makePortfolio(closeOf(4)))).toMatchObject({ action: 'buy', costQuote: 100 });
  });

  it('is refused by the kill switch, a cooldown and the minimums like any entry', () => {
    expect(engine.checkForcedEntry(s, 4, makePortfolio(closeOf(4), { day: makeDay({ killSwitchTripped: true }) }), 40)).toMatchObject({ action: 'none', rule: 'kill-switch' });
    expect(engine.checkForcedEntry(s, 4, makePortfolio(closeOf(4)), 0.4)).toMatchObject({ action: 'none', rule: 'minimums' });
    const { engine: guarded } = engineFor({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3 }), protections: { enabled: true } });
    const gs = guarded.prepare('BTC/USD', candlesFromCloses(CLOSES));
    const trades = [makeExitTrade(closeOf(4) - 60_000)];
    expect(guarded.checkForcedEntry(gs, 4, makePortfolio(closeOf(4), { recentTrades: trades }), 40)).toMatchObject({ action: 'none', rule: 'cooldown' });
  });
});
