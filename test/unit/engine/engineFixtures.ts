// Test support for the decision engine: small factories for candles, markets, portfolios,
// positions and trades, and a seeded random-walk generator.
import { parseConfig, type BotConfig, type BotConfigInput } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { DecisionEngine, PortfolioView } from '../../../functions/core/engine/types.js';
import { FIVE_MINUTES_MS, type Candle, type DayCounters, type MarketInfo, type Pair, type Position, type TradeRecord } from '../../../functions/core/types.js';

/** 2026-01-01T00:00:00Z: every test series starts on an hour boundary. */
export const T0 = Date.UTC(2026, 0, 1);

/** Close time of candle i in a series starting at `T0`. */
export const closeOf = (i: number): number => T0 + (i + 1) * FIVE_MINUTES_MS;

/** Candles from closes: open = previous close, high/low 0.1% around the body, volume 10. */
export function candlesFromCloses(closes: readonly number[], overrides: (i: number) => Partial<Candle> = () => ({})): Candle[] {
  return closes.map((close, i) => {
    const open = i > 0 ? closes[i - 1]! : close;
    return { openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, close) * 1.001, low: Math.min(open, close) * 0.999, close, volume: 10, ...overrides(i) };
  });
}

/** Deterministic pseudo-random numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A random-walk candle series (consistent OHLC, positive volume). */
export function randomWalk(n: number, seed: number, start = 100, stepFraction = 0.004): Candle[] {
  const r = seededRandom(seed);
  const out: Candle[] = [];
  let price = start;
  for (let i = 0; i < n; i++) {
    const open = price;
    price = price * (1 + (r() - 0.5) * 2 * stepFraction);
    const close = price;
    const high = Math.max(open, close) * (1 + r() * stepFraction);
    const low = Math.min(open, close) * (1 - r() * stepFraction);
    out.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high, low, close, volume: 1 + r() * 20 });
  }
  return out;
}

export function makeMarket(pair: Pair = 'BTC/USD', overrides: Partial<MarketInfo> = {}): MarketInfo {
  const [base = 'BTC', quote = 'USD'] = pair.split('/');
  return { pair, base, quote, amountDecimals: 8, priceDecimals: 1, minAmountBase: 0.0001, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.0025, active: true, ...overrides };
}

export function makeDay(overrides: Partial<DayCounters> = {}): DayCounters {
  return { day: '2026-01-01', trades: 0, tradesByPair: {}, exits: 0, realizedPnlQuote: 0, killSwitchTripped: false, reservations: {}, ...overrides };
}

/** A flat portfolio: 1,000 USD, no positions, nothing traded today. */
export function makePortfolio(nowMs: number, overrides: Partial<PortfolioView> = {}, pair: Pair = 'BTC/USD'): PortfolioView {
  return {
    nowMs,
    quote: 'USD',
    equityQuote: 1_000,
    freeQuote: 1_000,
    freeBase: {},
    openPositions: [],
    lastPrice: {},
    day: makeDay(),
    recentTrades: [],
    markets: { [pair]: makeMarket(pair) },
    takerFeeRate: {},
    quoteVolume24h: {},
    ...overrides,
  };
}

export function makePosition(overrides: Partial<Position> = {}): Position {
  return {
    mode: 'paper',
    pair: 'BTC/USD',
    amountBase: 1,
    entryPrice: 100,
    entryTimeMs: T0,
    costQuote: 100,
    entryFeeQuote: 0.4,
    strategy: 'momentum',
    entryClientOrderId: 'entry-1',
    appliedOrderIds: ['entry-1'],
    version: 1,
    ...overrides,
  };
}

/** A closing trade (sell) at `timestampMs` with a realized P&L. */
export function makeExitTrade(timestampMs: number, overrides: Partial<TradeRecord> = {}): TradeRecord {
  return {
    mode: 'paper',
    clientOrderId: `exit-${timestampMs}-${overrides.pair ?? 'BTC/USD'}`,
    exchangeOrderId: 'X',
    pair: 'BTC/USD',
    side: 'sell',
    reason: 'take-profit',
    amountBase: 1,
    price: 100,
    costQuote: 100,
    feeQuote: 0.4,
    realizedPnlQuote: 1,
    timestampMs,
    ...overrides,
  };
}

/** Parses a config input (defaults filled in) and builds the engine for it. */
export function engineFor(input: BotConfigInput): { config: BotConfig; engine: DecisionEngine } {
  const config = parseConfig(input);
  return { config, engine: createDecisionEngine(config) };
}
