// The engine end to end over long series with a minimal replay (fills at the next open, levels
// moved to the fill): the simple-momentum preset trades exactly at the crossovers, and the default
// engine keeps every sizing and exit invariant on generated and (when present) real data.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BotConfigInput } from '../../../functions/core/config.js';
import { positionLevels } from '../../../functions/core/engine/entryPlan.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';
import type { DecisionEngine, EntryDecision, PortfolioView } from '../../../functions/core/engine/types.js';
import { FIVE_MINUTES_MS, type Candle, type MarketInfo, type Position, type TradeRecord } from '../../../functions/core/types.js';
import { T0, engineFor, makeDay, makeMarket, makePortfolio, seededRandom } from './engineFixtures.js';

interface Replay {
  buys: { i: number; decision: EntryDecision & { action: 'buy' } }[];
  sells: { i: number; reason: string; triggerPrice: number; amountBase: number; heldBase: number; position: Position }[];
  refusals: Map<string, number>;
}

function replay(engine: DecisionEngine, candles: Candle[], market: MarketInfo, quoteVolume24h?: number): Replay {
  const pair = market.pair;
  const series = engine.prepare(pair, candles);
  const out: Replay = { buys: [], sells: [], refusals: new Map() };
  const trades: TradeRecord[] = [];
  const pf: PortfolioView = makePortfolio(0, { markets: { [pair]: market }, quoteVolume24h: { [pair]: quoteVolume24h } }, pair);
  let cash = 1_000;
  let position: Position | undefined;
  for (let i = 0; i < candles.length - 1; i++) {
    const nowMs = candles[i]!.openTimeMs + FIVE_MINUTES_MS;
    const day = new Date(nowMs).toISOString().slice(0, 10);
    if (pf.day.day !== day) pf.day = makeDay({ day });
    pf.nowMs = nowMs;
    if (position) {
      const d = engine.checkExit(position, series, i, nowMs, position.amountBase, market);
      if (d.action === 'hold') {
        if (d.updated) position = d.updated;
        continue;
      }
      out.sells.push({ i, reason: d.reason, triggerPrice: d.triggerPrice, amountBase: d.amountBase, heldBase: position.amountBase, position });
      const proceeds = d.amountBase * d.triggerPrice;
      const fee = proceeds * market.takerFeeRate;
      const pnl = proceeds - fee - position.costQuote - position.entryFeeQuote;
      cash += proceeds - fee;
      pf.day.realizedPnlQuote += pnl;
      trades.push({ mode: 'paper', clientOrderId: `s${i}`, exchangeOrderId: 'x', pair, side: 'sell', reason: d.reason, amountBase: d.amountBase, price: d.triggerPrice, costQuote: proceeds, feeQuote: fee, realizedPnlQuote: pnl, timestampMs: nowMs });
      pf.recentTrades = trades.filter((t) => t.timestampMs > nowMs - 7 * 86_400_000);
      position = undefined;
      pf.openPositions = [];
      pf.equityQuote = cash;
      pf.freeQuote = cash;
      continue;
    }
    const d = engine.checkEntry(series, i, pf);
    if (d.action === 'none') {
      const key = `${d.stage}:${d.rule}`;
      out.refusals.set(key, (out.refusals.get(key) ?? 0) + 1);
      continue;
    }
    out.buys.push({ i, decision: d });
    const fill = candles[i + 1]!.open;
    const fee = d.costQuote * market.takerFeeRate;
    cash -= d.costQuote + fee;
    position = {
      mode: 'paper',
      pair,
      amountBase: d.costQuote / fill,
      entryPrice: fill,
      entryTimeMs: nowMs,
      costQuote: d.costQuote,
      entryFeeQuote: fee,
      entryClientOrderId: `b${i}`,
      appliedOrderIds: [`b${i}`],
      version: 1,
      ...positionLevels(d.plan, d.referencePrice, fill, nowMs),
    };
    pf.openPositions = [position];
    pf.freeQuote = cash;
    pf.day.trades++;
    pf.day.tradesByPair[pair] = (pf.day.tradesByPair[pair] ?? 0) + 1;
  }
  return out;
}

/** A wave with noise: regular crossovers of short moving averages. */
function wave(n: number): Candle[] {
  const r = seededRandom(9);
  const out: Candle[] = [];
  let prev = 100;
  for (let i = 0; i < n; i++) {
    const close = 100 + 6 * Math.sin((2 * Math.PI * i) / 90) + (r() - 0.5) * 0.8;
    out.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open: prev, high: Math.max(prev, close) * 1.002, low: Math.min(prev, close) * 0.998, close, volume: 5 + r() * 10 });
    prev = close;
  }
  return out;
}

function naiveSma(values: number[], period: number, i: number): number {
  let sum = 0;
  for (let k = i - period + 1; k <= i; k++) sum += values[k]!;
  return sum / period;
}

describe('Replay: simple momentum preset on a generated wave', () => {
  const candles = wave(3_000);
  const closes = candles.map((c) => c.close);
  const input: BotConfigInput = { pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 5, slowSma: 20 }), limits: { maxTradesPerDay: 1_000, maxTradesPerPairPerDay: 1_000 } };
  const { engine } = engineFor(input);
  const market = makeMarket('BTC/USD', { amountDecimals: 6 });
  const run = replay(engine, candles, market);

  it('buys on exactly the candles where SMA5 crosses above SMA20 while flat, and nowhere else', () => {
    const crosses: number[] = [];
    for (let i = 20; i < closes.length - 1; i++) {
      if (naiveSma(closes, 5, i) > naiveSma(closes, 20, i) && naiveSma(closes, 5, i - 1) <= naiveSma(closes, 20, i - 1)) crosses.push(i);
    }
    // A position bought on candle b is checked for exits on b+1 … its sell candle s; the replay
    // looks for an entry only on candles where no position is open.
    const holding = (i: number) =>
      run.buys.some((b) => {
        const sold = run.sells.find((x) => x.i > b.i);
        return i > b.i && (sold === undefined || i <= sold.i);
      });
    const expected = crosses.filter((i) => !holding(i));
    expect(run.buys.length).toBeGreaterThan(10);
    expect(run.buys.map((b) => b.i)).toEqual(expected);
  });

  it('exits only at the fixed stop (−2%) or target (+3%) from the fill price, at the level or a gapped open', () => {
    expect(run.sells.length).toBeGreaterThanOrEqual(run.buys.length - 1);
    for (const s of run.sells) {
      expect(['stop-loss', 'take-profit']).toContain(s.reason);
      const level = s.reason === 'stop-loss' ? s.position.entryPrice * 0.98 : s.position.entryPrice * 1.03;
      const open = candles[s.i]!.open;
      const expected = s.reason === 'stop-loss' ? Math.min(level, open) : Math.max(level, open);
      expect(s.triggerPrice).toBeCloseTo(expected, 9);
    }
  });
});

function expectInvariants(run: Replay, market: MarketInfo): void {
  for (const { decision: d } of run.buys) {
    expect(d.costQuote).toBeLessThanOrEqual(100); // maxOrderQuote
    expect(d.costQuote).toBeGreaterThanOrEqual(market.minCostQuote * 1.1);
    expect(d.expectedAmountBase).toBeGreaterThanOrEqual(market.minAmountBase * 1.1);
    expect(Number(d.expectedAmountBase.toFixed(market.amountDecimals))).toBe(d.expectedAmountBase);
    expect(d.signal.expectedEdge).toBeGreaterThan(2 * 0.004 + 2 * 0.0005 + 0.002);
    expect(d.plan.stopPrice!).toBeLessThan(d.referencePrice);
    expect(d.plan.stopPrice!).toBeGreaterThanOrEqual(d.referencePrice * 0.97 - 1e-9); // maxStopLossFraction
    expect(d.checks.map((c) => c.rule)).toContain('fee-edge');
  }
  for (const s of run.sells) {
    expect(s.amountBase).toBeLessThanOrEqual(s.heldBase);
    expect(Number(s.amountBase.toFixed(market.amountDecimals))).toBe(s.amountBase);
  }
}

describe('Replay: default engine (regime) on a generated random walk', () => {
  it('keeps every sizing, edge and exit invariant and explains every refusal', () => {
    const r = seededRandom(21);
    let price = 30_000;
    const candles: Candle[] = [];
    for (let i = 0; i < 8_000; i++) {
      // Regimes: stretches of drift up, drift down and noise, so every route gets exercised.
      const drift = [0.0006, -0.0004, 0, 0.0009, 0][Math.floor(i / 900) % 5]!;
      const open = price;
      price *= 1 + drift + (r() - 0.5) * 0.006;
      candles.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, price) * (1 + r() * 0.002), low: Math.min(open, price) * (1 - r() * 0.002), close: price, volume: 1 + r() * (i % 7 === 0 ? 40 : 10) });
    }
    const market = makeMarket('BTC/USD', { amountDecimals: 8, minAmountBase: 0.00005, minCostQuote: 0.5 });
    const run = replay(engineFor({ pairs: ['BTC/USD'] }).engine, candles, market, 5e6);
    expect(run.buys.length).toBeGreaterThan(0);
    expectInvariants(run, market);
    expect(run.refusals.get('signal:warmup')).toBe(370);
    for (const key of run.refusals.keys()) expect(key).toMatch(/^(signal|risk):[a-z.-]+$/i);
  });
});

const dataDir = join(process.cwd(), '..', 'shared', 'data', 'okx-swap-2026');
const haveData = existsSync(dataDir);
if (!haveData) console.log(`skipping the real-data replay: ${dataDir} is absent`);

describe.skipIf(!haveData)('Replay: default engine on real 5m candles (../shared/data)', () => {
  it.each(['BTC', 'SOL'])('%s: two months trade within every invariant', (symbol) => {
    const rows = readFileSync(join(dataDir, `okx_swap_${symbol}USDT_5m.csv`), 'utf8').trim().split('\n').slice(1);
    const candles = rows.map((line) => {
      const [t, o, h, l, c, v] = line.split(',').map(Number);
      return { openTimeMs: t!, open: o!, high: h!, low: l!, close: c!, volume: v! };
    });
    const market = makeMarket(`${symbol}/USD`, { amountDecimals: 8, minAmountBase: symbol === 'BTC' ? 0.00005 : 0.06, minCostQuote: 0.5 });
    const run = replay(engineFor({ pairs: [`${symbol}/USD`] }).engine, candles, market);
    expect(run.buys.length).toBeGreaterThan(5);
    expectInvariants(run, market);
  });
});
