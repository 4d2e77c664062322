// Test support: small in-memory fakes for core unit tests (an exchange that fills at the last close,
// a scripted decision engine, a manual clock, recording alerts and metrics).
import { ExchangeError, type Alert, type AlertsPort, type ClockPort, type ExchangePort, type MetricsPort } from '../../functions/core/ports.js';
import type { DecisionEngine, EntryDecision, ExitDecision, PortfolioView, PreparedSeries } from '../../functions/core/engine/types.js';
import type { Balances, Candle, ExchangeOrder, MarketInfo, MarketOrderRequest, Pair, Position, Ticker } from '../../functions/core/types.js';
import { FIVE_MINUTES_MS } from '../../functions/core/types.js';

/** Builds a candle with sensible defaults. */
export function makeCandle(openTimeMs: number, close = 100, overrides: Partial<Candle> = {}): Candle {
  return { openTimeMs, open: close, high: close * 1.001, low: close * 0.999, close, volume: 10, ...overrides };
}

/** `count` consecutive 5m candles ending with the one that opens at `lastOpenMs`. */
export function makeSeries(lastOpenMs: number, count: number, price: (i: number) => number = () => 100): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < count; i++) out.push(makeCandle(lastOpenMs - (count - 1 - i) * FIVE_MINUTES_MS, price(i)));
  return out;
}

export function makeMarket(pair: Pair, overrides: Partial<MarketInfo> = {}): MarketInfo {
  const [base = 'BTC', quote = 'USD'] = pair.split('/');
  return { pair, base, quote, amountDecimals: 8, priceDecimals: 1, minAmountBase: 0.0001, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.0025, active: true, ...overrides };
}

/** A manual clock: sleep advances time instantly. */
export class ManualClock implements ClockPort {
  constructor(public now: number) {}
  nowMs(): number {
    return this.now;
  }
  async sleep(ms: number): Promise<void> {
    this.now += ms;
  }
}

export class RecordingAlerts implements AlertsPort {
  readonly sent: Alert[] = [];
  async send(alert: Alert): Promise<void> {
    this.sent.push(alert);
  }
}

export class RecordingMetrics implements MetricsPort {
  readonly values: { name: string; value: number }[] = [];
  add(name: string, _unit: string, value: number): void {
    this.values.push({ name, value });
  }
  total(name: string): number {
    return this.values.filter((v) => v.name === name).reduce((s, v) => s + v.value, 0);
  }
}

/**
 * An exchange that fills market orders at the last candle's close with a taker fee, keeps
 * balances, and remembers orders by client id. Faults can be queued per call.
 */
export class FakeExchange implements ExchangePort {
  candles = new Map<Pair, Candle[]>();
  markets = new Map<Pair, MarketInfo>();
  balances: Record<string, number> = { USD: 1000 };
  orders: ExchangeOrder[] = [];
  /** Next placeMarketOrder outcomes: an error to throw, or 'drop-reply' (executes, then throws ambiguous). */
  placeFaults: (ExchangeError | 'drop-reply')[] = [];
  calls: string[] = [];
  private seq = 0;

  async loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>> {
    this.calls.push('loadMarkets');
    const out: Record<Pair, MarketInfo> = {};
    for (const p of pairs) {
      const m = this.markets.get(p);
      if (m) out[p] = m;
    }
    return out;
  }
  async fetchCandles5m(pair: Pair): Promise<Candle[]> {
    this.calls.push(`candles:${pair}`);
    return [...(this.candles.get(pair) ?? [])];
  }
  async fetchTicker(pair: Pair): Promise<Ticker> {
    const last = this.lastClose(pair);
    return { pair, bid: last, ask: last, last, timestampMs: 0 };
  }
  async fetchBalances(): Promise<Balances> {
    this.calls.push('balances');
    const out: Balances = {};
    for (const [k, v] of Object.entries(this.balances)) out[k] = { free: v, total: v };
    return out;
  }
  async placeMarketOrder(req: MarketOrderRequest): Promise<ExchangeOrder> {
    this.calls.push(`place:${req.side}:${req.pair}`);
    const fault = this.placeFaults.shift();
    if (fault instanceof ExchangeError) throw fault;
    const market = this.markets.get(req.pair)!;
    const price = this.lastClose(req.pair);
    const amount = req.side === 'buy' ? Math.floor((req.costQuote / price) * 1e8) / 1e8 : req.amountBase;
    const cost = amount * price;
    const fee = cost * market.takerFeeRate;
    if (req.side === 'buy') {
      if ((this.balances[market.quote] ?? 0) < cost + fee) throw new ExchangeError('rejected', 'insufficient funds', 'EOrder:Insufficient funds');
      this.balances[market.quote] = (this.balances[market.quote] ?? 0) - cost - fee;
      this.balances[market.base] = (this.balances[market.base] ?? 0) + amount;
    } else {
      if ((this.balances[market.base] ?? 0) < amount - 1e-12) throw new ExchangeError('rejected', 'insufficient funds', 'EOrder:Insufficient funds');
      this.balances[market.base] = (this.balances[market.base] ?? 0) - amount;
      this.balances[market.quote] = (this.balances[market.quote] ?? 0) + cost - fee;
    }
    const order: ExchangeOrder = {
      exchangeOrderId: `O${++this.seq}`,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      status: 'closed',
      filledBase: amount,
      costQuote: cost,
      averagePrice: price,
      feeQuote: fee,
      timestampMs: 0,
    };
    this.orders.push(order);
    if (fault === 'drop-reply') throw new ExchangeError('ambiguous', 'socket hang up');
    return order;
  }
  async findOrderByClientId(_pair: Pair, clientOrderId: string): Promise<ExchangeOrder | undefined> {
    this.calls.push('find');
    return this.orders.find((o) => o.clientOrderId === clientOrderId);
  }
  private lastClose(pair: Pair): number {
    const c = this.candles.get(pair);
    return c?.[c.length - 1]?.close ?? 100;
  }
}

/** A decision engine whose answers are set by the test. */
export class ScriptedEngine implements DecisionEngine {
  readonly warmupCandles = 2;
  entries = new Map<Pair, Omit<Extract<EntryDecision, { action: 'buy' }>, 'pair'> | 'none'>();
  exits = new Map<Pair, 'sell' | 'hold'>();
  log: string[] = [];
  prepare(pair: Pair, candles: readonly Candle[]): PreparedSeries {
    return { pair, candles };
  }
  checkExit(position: Position, _s: PreparedSeries, _i: number, _now: number, freeBase: number): ExitDecision {
    this.log.push(`exit:${position.pair}`);
    if (this.exits.get(position.pair) === 'sell') {
      return { action: 'sell', pair: position.pair, reason: 'stop-loss', triggerPrice: position.stopPrice ?? 0, amountBase: Math.min(position.amountBase, freeBase), explanation: { rule: 'scripted' } };
    }
    return { action: 'hold', pair: position.pair, explanation: { rule: 'scripted' } };
  }
  checkEntry(series: PreparedSeries, _i: number, _p: PortfolioView): EntryDecision {
    this.log.push(`entry:${series.pair}`);
    const e = this.entries.get(series.pair);
    if (!e || e === 'none') return { action: 'none', pair: series.pair, stage: 'signal', rule: 'scripted', reason: 'no signal', explanation: {} };
    return { ...e, pair: series.pair };
  }
  checkForcedEntry(series: PreparedSeries, i: number, p: PortfolioView, costQuote?: number): EntryDecision {
    const last = series.candles[i]!.close;
    const cost = Math.min(costQuote ?? 50, p.freeQuote);
    return { action: 'buy', pair: series.pair, costQuote: cost, expectedAmountBase: cost / last, referencePrice: last, plan: { strategy: 'forced', stopPrice: last * 0.98 }, signal: { strategy: 'forced', confidence: 1, expectedEdge: 0, explanation: {} }, checks: [] };
  }
}

/** A buy decision as the scripted engine returns it. */
export function buyDecision(costQuote: number, price = 100): Omit<Extract<EntryDecision, { action: 'buy' }>, 'pair'> {
  return {
    action: 'buy',
    costQuote,
    expectedAmountBase: costQuote / price,
    referencePrice: price,
    plan: { strategy: 'momentum', stopPrice: price * 0.98, takeProfitPrice: price * 1.03 },
    signal: { strategy: 'momentum', confidence: 0.7, expectedEdge: 0.03, explanation: { fast: 1, slow: 0.9 } },
    checks: [{ rule: 'edge', explanation: { edge: 0.03 } }],
  };
}
