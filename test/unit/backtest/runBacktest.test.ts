import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseConfig, type BotConfigInput } from '../../../functions/core/config.js';
import { floorToDecimals } from '../../../functions/core/engine/precision.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type MarketInfo, type Pair } from '../../../functions/core/types.js';
import { runBacktest, type BacktestInput } from '../../../functions/backtest/runBacktest.js';
import type { BacktestResult } from '../../../functions/backtest/backtestResult.js';
import { stopTargetEngine, type StopTargetOptions } from './stopTargetEngine.js';

const T0 = Date.UTC(2024, 0, 1);
const units = (x: number) => Math.round(x * 1e8);

function flat(count: number, price = 100, startMs = T0): Candle[] {
  return Array.from({ length: count }, (_, i) => ({ openTimeMs: startMs + i * FIVE_MINUTES_MS, open: price, high: price, low: price, close: price, volume: 1 }));
}

function market(pair: Pair, overrides: Partial<MarketInfo> = {}): MarketInfo {
  const [base, quote] = pair.split('/') as [string, string];
  return { pair, base, quote, amountDecimals: 8, priceDecimals: 2, minAmountBase: 0.00005, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.004, active: true, ...overrides };
}

function run(
  series: Record<Pair, Candle[]>,
  engineOpts: StopTargetOptions,
  cfg: BotConfigInput = {},
  extra: Partial<BacktestInput> = {},
): BacktestResult & { engine: ReturnType<typeof stopTargetEngine> } {
  const pairs = Object.keys(series);
  const config = parseConfig({ ...cfg, pairs, paper: { slippageBps: 0, ...cfg.paper } });
  const engine = stopTargetEngine(engineOpts);
  const markets = Object.fromEntries(pairs.map((p) => [p, market(p)]));
  const result = runBacktest({
    config,
    engine,
    series: pairs.map((pair) => ({ pair, candles: series[pair]! })),
    markets,
    startingQuote: 1000,
    ...extra,
  });
  return { ...result, engine };
}

/** The identities the summary promises, checked in integer units of 1e-8 quote. */
function expectReconciled(r: BacktestResult): void {
  const s = r.summary;
  expect(units(s.endEquityQuote)).toBe(units(s.startEquityQuote) + units(s.netPnlQuote));
  expect(r.trades.reduce((sum, t) => sum + units(t.netPnlQuote), 0)).toBe(units(s.netPnlQuote));
  expect(r.fills.reduce((sum, f) => sum + units(f.feeQuote), 0)).toBe(units(s.feesQuote));
  expect(units(s.grossPnlQuote) - units(s.feesQuote)).toBe(units(s.netPnlQuote));
  expect(Object.values(s.pairs).reduce((sum, p) => sum + units(p.netPnlQuote), 0)).toBe(units(s.netPnlQuote));
  if (r.equity.length) expect(r.equity.equityQuote[r.equity.length - 1]).toBeCloseTo(s.endEquityQuote, 6);
}

describe('runBacktest: fills', () => {
  it('fills an entry at the next open plus slippage, floors the amount to the lot and charges the taker fee', () => {
    // Prepare
    const candles = flat(10);
    candles[3] = { ...candles[3]!, open: 101, high: 101 };
    // Act
    const r = run({ 'BTC/USD': candles }, { enterAt: (_p, i) => i === 2, costQuote: 50 }, { paper: { slippageBps: 10 } });
    // Assess
    const buy = r.fills[0]!;
    expect(buy.side).toBe('buy');
    expect(buy.price).toBeCloseTo(101 * 1.001, 10);
    expect(buy.amountBase).toBe(floorToDecimals(50 / (101 * 1.001), 8));
    expect(units(buy.costQuote)).toBe(units(buy.amountBase * buy.price));
    expect(units(buy.feeQuote)).toBe(Math.round(units(buy.costQuote) * 0.004));
    expect(buy.timeMs).toBe(candles[3]!.openTimeMs);
    const t = r.trades[0]!;
    expect(t.exitReason).toBe('end-of-data');
    expect(t.exitPrice).toBeCloseTo(100 * 0.999, 10);
    expect(t.exitTimeMs).toBe(candles[9]!.openTimeMs + FIVE_MINUTES_MS);
    expect(r.summary.trades).toBe(1);
    expect(r.summary.netPnlQuote).toBeLessThan(0);
    expectReconciled(r);
  });

  it('exits at the stop when the low touches it, even if the high reaches the target (low before high)', () => {
    const candles = flat(10);
    candles[5] = { ...candles[5]!, low: 97, high: 104 };
    const r = run({ 'BTC/USD': candles }, { enterAt: (_p, i) => i === 2, costQuote: 100, stopFraction: 0.02, targetFraction: 0.03 });
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]!.exitReason).toBe('stop-loss');
    expect(r.trades[0]!.exitPrice).toBeCloseTo(98, 10);
    expect(r.trades[0]!.exitTimeMs).toBe(candles[5]!.openTimeMs + FIVE_MINUTES_MS);
    expect(r.trades[0]!.candlesHeld).toBe(3);
    expectReconciled(r);
  });

  it('exits at the open when the candle gaps through the stop', () => {
    const candles = flat(10);
    candles[5] = { ...candles[5]!, open: 96, low: 95, high: 96.5, close: 96 };
    const r = run({ 'BTC/USD': candles }, { enterAt: (_p, i) => i === 2, costQuote: 100, stopFraction: 0.02 });
    expect(r.trades[0]!.exitReason).toBe('stop-loss');
    expect(r.trades[0]!.exitPrice).toBe(96);
  });

  it('takes profit at the target, or at the open when the candle opens beyond it', () => {
    const touch = flat(10);
    touch[5] = { ...touch[5]!, high: 104 };
    const a = run({ 'BTC/USD': touch }, { enterAt: (_p, i) => i === 2, costQuote: 100, stopFraction: 0.02, targetFraction: 0.03 });
    expect(a.trades[0]!.exitReason).toBe('take-profit');
    expect(a.trades[0]!.exitPrice).toBeCloseTo(103, 10);
    expect(a.trades[0]!.netPnlQuote).toBeGreaterThan(0);

    const gap = flat(10);
    gap[5] = { ...gap[5]!, open: 105, high: 106, low: 104.5, close: 105 };
    const b = run({ 'BTC/USD': gap }, { enterAt: (_p, i) => i === 2, costQuote: 100, stopFraction: 0.02, targetFraction: 0.03 });
    expect(b.trades[0]!.exitPrice).toBe(105);
    expectReconciled(b);
  });

  it('fills a signal exit at the next candle open, minus slippage', () => {
    const candles = flat(10);
    candles[6] = { ...candles[6]!, open: 110, high: 110 };
    const r = run(
      { 'BTC/USD': candles },
      { enterAt: (_p, i) => i === 2, costQuote: 100, signalExitAt: (_p, i) => i === 5 },
      { paper: { slippageBps: 20 } },
    );
    expect(r.trades[0]!.exitReason).toBe('signal-reversal');
    expect(r.trades[0]!.exitPrice).toBeCloseTo(110 * 0.998, 10);
    expectReconciled(r);
  });

  it('with exitFill next-open, fills a stop at the next open as a live tick would', () => {
    const candles = flat(10);
    candles[5] = { ...candles[5]!, low: 97, close: 97.5 };
    candles[6] = { ...candles[6]!, open: 97.2, low: 97.2 };
    const r = run({ 'BTC/USD': candles }, { enterAt: (_p, i) => i === 2, costQuote: 100, stopFraction: 0.02 }, {}, { exitFill: 'next-open' });
    expect(r.trades[0]!.exitReason).toBe('stop-loss');
    expect(r.trades[0]!.exitPrice).toBe(97.2);
    expect(r.summary.assumptions.exitFill).toBe('next-open');
    expectReconciled(r);
  });

  it('refuses an entry below the Kraken minimum and counts why', () => {
    const r = run({ 'BTC/USD': flat(10) }, { enterAt: (_p, i) => i === 2, costQuote: 0.3 });
    expect(r.fills).toHaveLength(0);
    expect(r.summary.refusals['order:minimum-not-met']).toBe(1);
    expect(r.summary.endEquityQuote).toBe(1000);
  });
});

describe('runBacktest: shared wallet, limits and protections', () => {
  it('shares one wallet across pairs: the second entry in the same step finds too little quote', () => {
    const r = run({ 'BTC/USD': flat(10), 'ETH/USD': flat(10, 50) }, { enterAt: (_p, i) => i === 2, costQuote: 600 });
    expect(r.fills.filter((f) => f.side === 'buy').map((f) => f.pair)).toEqual(['BTC/USD']);
    expect(r.summary.refusals['order:insufficient-funds']).toBe(1);
    // The second pair was offered the wallet after the first fill.
    const ethCall = r.engine.calls.find((c) => c.kind === 'entry' && c.pair === 'ETH/USD' && c.i === 2)!;
    expect(ethCall.freeQuote).toBeCloseTo(1000 - 600 * 1.004, 6);
    expectReconciled(r);
  });

  it('caps entries per pair per UTC day and resumes the next day', () => {
    const candles = flat(2 * 288, 100, T0);
    const r = run(
      { 'BTC/USD': candles },
      { enterAt: () => true, costQuote: 10, signalExitAt: () => true },
      { limits: { maxTradesPerPairPerDay: 2, maxTradesPerDay: 10, maxDailyLossQuote: 1000 } },
    );
    const buys = r.fills.filter((f) => f.side === 'buy');
    // Day 1 closes at 00:05 .. 24:00; the candle closing at midnight counts on day 2.
    expect(buys).toHaveLength(4);
    expect(new Set(buys.map((b) => new Date(b.timeMs).toISOString().slice(0, 10)))).toEqual(new Set(['2024-01-01', '2024-01-02']));
    expect(r.summary.refusals['limits:pair-trade-cap']).toBeGreaterThan(500);
    expectReconciled(r);
  });

  it('trips the daily loss kill switch on realized losses and halts entries until the next UTC day', () => {
    const candles = flat(2 * 288, 100, T0);
    // Every candle dips to 97: a 2% stop fires on the first candle of each position.
    for (const c of candles) c.low = 97;
    const r = run(
      { 'BTC/USD': candles },
      { enterAt: () => true, costQuote: 100, stopFraction: 0.02 },
      { limits: { maxTradesPerDay: 100, maxTradesPerPairPerDay: 100, maxDailyLossQuote: 5 } },
    );
    const losses = r.trades.map((t) => t.netPnlQuote);
    expect(losses.every((l) => l < 0)).toBe(true);
    // 2% + fees ≈ 2.8 per trade: the second loss crosses 5, then nothing more that day.
    const day1 = r.trades.filter((t) => t.exitTimeMs < T0 + ONE_DAY_MS);
    expect(day1).toHaveLength(2);
    expect(r.trades.length).toBe(4);
    expect(r.summary.refusals['halt:kill-switch']).toBeGreaterThan(500);
  });

  it('gives the engine the trade ledger within the lookback, read before the step\'s exits', () => {
    const candles = flat(20);
    candles[4] = { ...candles[4]!, low: 90 };
    const r = run(
      { 'BTC/USD': candles, 'ETH/USD': flat(20, 50) },
      { enterAt: (p, i) => (p === 'BTC/USD' && i === 2) || p === 'ETH/USD', costQuote: 10, stopFraction: 0.05 },
      { tick: { tradeLookbackMs: 3 * FIVE_MINUTES_MS }, limits: { maxTradesPerPairPerDay: 1, maxDailyLossQuote: 1000 } },
    );
    expect(r.trades[0]!.exitReason).toBe('stop-loss');
    const seen = (i: number) => r.engine.calls.find((c) => c.kind === 'entry' && c.pair === 'BTC/USD' && c.i === i)?.recentTrades;
    // Stopped out at candle 4: BTC takes no entry in that step, sees the trade from 5 to 7, not at 8.
    expect(seen(4)).toBeUndefined();
    expect(seen(5)).toBe(1);
    expect(seen(7)).toBe(1);
    expect(seen(8)).toBe(0);
  });

  it('takes no entry while a gap lies within the gap window, nor when the next candle is missing', () => {
    const candles = [...flat(30), ...flat(30, 100, T0 + 40 * FIVE_MINUTES_MS)];
    const r = run({ 'BTC/USD': candles }, { enterAt: (_p, i) => i === 29, costQuote: 10 }, { tick: { gapWindowCandles: 10 } });
    const asked = new Set(r.engine.calls.filter((c) => c.kind === 'entry').map((c) => c.i));
    expect(asked.has(29)).toBe(true);
    for (let i = 30; i <= 38; i++) expect(asked.has(i)).toBe(false);
    expect(asked.has(39)).toBe(true);
    expect(r.summary.refusals['data:no-next-candle']).toBe(1);
    expect(r.summary.pairs['BTC/USD']!.gaps).toMatchObject({ gaps: 1, missingCandles: 10 });
  });

  it('warms up on candles before `fromMs` and trades only from there; ignores candles from `toMs`', () => {
    const candles = flat(100);
    const r = run(
      { 'BTC/USD': candles },
      { enterAt: () => true, costQuote: 10, warmupCandles: 20, signalExitAt: () => true },
      { limits: { maxTradesPerDay: 1000, maxTradesPerPairPerDay: 1000 } },
      { fromMs: candles[10]!.openTimeMs, toMs: candles[50]!.openTimeMs },
    );
    const asked = r.engine.calls.filter((c) => c.kind === 'entry').map((c) => c.i);
    expect(Math.min(...asked)).toBe(19);
    expect(Math.max(...asked)).toBe(49);
    expect(r.summary.candlesProcessed).toBe(40);
    expect(r.summary.pairs['BTC/USD']!.candles).toBe(40);
    expect(r.summary.fromIso).toBe(new Date(candles[10]!.openTimeMs).toISOString());
    expect(Math.max(...r.fills.map((f) => f.timeMs))).toBeLessThanOrEqual(candles[50]!.openTimeMs);
  });
});

describe('runBacktest: reconciliation (property)', () => {
  it('end equity = start + net P&L = start + Σ trade P&L, fees = Σ fill fees, for random markets and decisions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 60 }),
        fc.double({ min: 0, max: 0.01, noNaN: true }),
        fc.double({ min: 0.005, max: 0.08, noNaN: true }),
        fc.double({ min: 0.005, max: 0.1, noNaN: true }),
        (seed, slippageBps, feeRate, stopFraction, targetFraction) => {
          let s = seed;
          const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
          const walk = (n: number, p0: number): Candle[] => {
            let p = p0;
            return Array.from({ length: n }, (_, i) => {
              const open = p;
              const close = open * Math.exp((rand() - 0.5) * 0.02);
              p = close;
              const high = Math.max(open, close) * (1 + rand() * 0.01);
              const low = Math.min(open, close) * (1 - rand() * 0.01);
              return { openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high, low, close, volume: 1 };
            });
          };
          const pairs = { 'BTC/USD': walk(400, 100), 'ETH/USD': walk(300, 20), 'SOL/USD': walk(350, 3).slice(40) };
          const config = parseConfig({ pairs: Object.keys(pairs), paper: { slippageBps }, limits: { maxTradesPerDay: 50, maxTradesPerPairPerDay: 20, maxDailyLossQuote: 40 } });
          const engine = stopTargetEngine({ enterAt: () => rand() < 0.08, costQuote: () => 5 + rand() * 400, stopFraction, targetFraction, signalExitAt: () => rand() < 0.02 });
          const markets = Object.fromEntries(Object.keys(pairs).map((p) => [p, market(p, { takerFeeRate: feeRate })]));
          const r = runBacktest({ config, engine, series: Object.entries(pairs).map(([pair, candles]) => ({ pair, candles })), markets, startingQuote: 1000 });
          expectReconciled(r);
          expect(r.fills.filter((f) => f.side === 'buy')).toHaveLength(r.trades.length);
          expect(Math.min(...r.equity.equityQuote)).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});
