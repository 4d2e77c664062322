// Test support: small in-memory fakes for core unit tests (an exchange that fills at the last close,
// a scripted decision engine, a manual clock, recording alerts and metrics).
import { ExchangeError, type Alert, type AlertsPort, type ClockPort, type ExchangePort, type MetricsPort } from '../../functions/core/ports.js';
import type { DecisionEngine, EntryDecision, ExitDecision, PortfolioView, PreparedSeries } from '../../functions/core/engine/types.js';
import type { Balances, Candle, EntryPlan, ExchangeOrder, MarketInfo, MarketOrderRequest, Pair, Position, Ticker } from '../../functions/core/types.js';
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
 * How one placed order behaves, the way Kraken's orders do when they are not simple (consumed by
 * the next placeMarketOrder calls, in order).
 */
export interface OrderBehaviour {
  /** Reads (the placing reply first, then lookups) that report the order `open` before it is final. */
  openReads?: number;
  /** Part of the fill (0..1) already executed while it is open. */
  partialFraction?: number;
  /** Ends `canceled` with only `partialFraction` filled (market price protection). */
  cancelPartial?: boolean;
  /** The reply is lost and the order is queued: invisible to this many lookups, then executed (balances move then). */
  invisibleLookups?: number;
  /** The reply is lost; the order executes at once but ClosedOrders lags: invisible to this many lookups. */
  laggingLookups?: number;
  /** The reply is lost and the order never executes (queued past its deadline). */
  neverExecutes?: boolean;
  /** What the exchange reports is altered before the bot sees it (every read). */
  corrupt?: (o: ExchangeOrder) => ExchangeOrder;
  /** Buys: Kraken takes the fee out of the coins, so the credit is short of the executed amount. */
  feeInBase?: boolean;
}

interface FakeOrderState {
  final: ExchangeOrder;
  behaviour: OrderBehaviour;
  reads: number;
  lookups: number;
  /** A queued order's balance change, applied when it first becomes visible. */
  settle?: () => void;
}

/**
 * An exchange that fills market orders at the last candle's close with a taker fee, keeps
 * balances, and remembers orders by client id. Faults can be queued per call, and orders can be
 * scripted to stay open, fill partly, arrive late or report nonsense (`behaviours`).
 */
export class FakeExchange implements ExchangePort {
  candles = new Map<Pair, Candle[]>();
  markets = new Map<Pair, MarketInfo>();
  balances: Record<string, number> = { USD: 1000 };
  orders: ExchangeOrder[] = [];
  /** Every order request as sent (deadline included). */
  requests: MarketOrderRequest[] = [];
  /** Next placeMarketOrder outcomes: an error to throw, or 'drop-reply' (executes, then throws ambiguous). */
  placeFaults: (ExchangeError | 'drop-reply')[] = [];
  /** Next orders' behaviours. */
  behaviours: OrderBehaviour[] = [];
  /** Errors thrown by the next lookups. */
  findFaults: ExchangeError[] = [];
  /** Errors thrown by the next market and balance reads. */
  marketsFaults: ExchangeError[] = [];
  balanceFaults: ExchangeError[] = [];
  /** Pairs whose candle reads fail. */
  failingCandles = new Set<Pair>();
  /** Ticker price per pair (default the last candle's close). */
  tickerPrice = new Map<Pair, number>();
  calls: string[] = [];
  private seq = 0;
  private readonly states = new Map<string, FakeOrderState>();

  async loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>> {
    this.calls.push('loadMarkets');
    const fault = this.marketsFaults.shift();
    if (fault) throw fault;
    const out: Record<Pair, MarketInfo> = {};
    for (const p of pairs) {
      const m = this.markets.get(p);
      if (m) out[p] = m;
    }
    return out;
  }
  async fetchCandles5m(pair: Pair): Promise<Candle[]> {
    this.calls.push(`candles:${pair}`);
    if (this.failingCandles.has(pair)) throw new ExchangeError('unavailable', `fetch 5m candles of ${pair} failed: EService:Unavailable`);
    return [...(this.candles.get(pair) ?? [])];
  }
  /** Pairs whose ticker reads fail. */
  failingTickers = new Set<Pair>();
  async fetchTicker(pair: Pair): Promise<Ticker> {
    if (this.failingTickers.has(pair)) throw new ExchangeError('unavailable', `fetch ticker of ${pair} failed`);
    const last = this.tickerPrice.get(pair) ?? this.lastClose(pair);
    return { pair, bid: last, ask: last, last, timestampMs: 0 };
  }
  async fetchBalances(): Promise<Balances> {
    this.calls.push('balances');
    const fault = this.balanceFaults.shift();
    if (fault) throw fault;
    const out: Balances = {};
    for (const [k, v] of Object.entries(this.balances)) out[k] = { free: v, total: v };
    return out;
  }
  async placeMarketOrder(req: MarketOrderRequest): Promise<ExchangeOrder> {
    this.calls.push(`place:${req.side}:${req.pair}`);
    this.requests.push({ ...req });
    const fault = this.placeFaults.shift();
    if (fault instanceof ExchangeError) throw fault;
    const behaviour = this.behaviours.shift() ?? {};
    if (behaviour.neverExecutes) throw new ExchangeError('ambiguous', 'request timed out (queued, never executed)');
    const market = this.markets.get(req.pair)!;
    const price = this.lastClose(req.pair);
    const amount = req.side === 'buy' ? Math.floor((req.costQuote / price) * 1e8) / 1e8 : req.amountBase;
    const executed = behaviour.cancelPartial ? Math.floor(amount * (behaviour.partialFraction ?? 0.5) * 1e8) / 1e8 : amount;
    const cost = executed * price;
    const fee = cost * market.takerFeeRate;
    const feeBase = behaviour.feeInBase && req.side === 'buy' ? Math.ceil((fee / price) * 1e8) / 1e8 : 0;
    if (req.side === 'buy') {
      if ((this.balances[market.quote] ?? 0) < cost + fee) throw new ExchangeError('rejected', 'insufficient funds', 'EOrder:Insufficient funds');
    } else if ((this.balances[market.base] ?? 0) < amount - 1e-12) throw new ExchangeError('rejected', 'insufficient funds', 'EOrder:Insufficient funds');
    const settle = () => {
      if (req.side === 'buy') {
        this.balances[market.quote] = (this.balances[market.quote] ?? 0) - cost - (feeBase > 0 ? 0 : fee);
        this.balances[market.base] = (this.balances[market.base] ?? 0) + executed - feeBase;
      } else {
        this.balances[market.base] = (this.balances[market.base] ?? 0) - executed;
        this.balances[market.quote] = (this.balances[market.quote] ?? 0) + cost - fee;
      }
    };
    // A queued order moves the balances when it executes, on the lookup that first sees it.
    if (behaviour.invisibleLookups === undefined) settle();
    const order: ExchangeOrder = {
      exchangeOrderId: `O${++this.seq}`,
      clientOrderId: req.clientOrderId,
      pair: req.pair,
      side: req.side,
      status: behaviour.cancelPartial ? 'canceled' : 'closed',
      filledBase: executed,
      costQuote: cost,
      averagePrice: price,
      feeQuote: fee,
      timestampMs: 0,
    };
    this.orders.push(order);
    this.states.set(req.clientOrderId, { final: order, behaviour, reads: 0, lookups: 0, ...(behaviour.invisibleLookups !== undefined ? { settle } : {}) });
    if (fault === 'drop-reply' || behaviour.invisibleLookups !== undefined || behaviour.laggingLookups !== undefined) throw new ExchangeError('ambiguous', 'socket hang up');
    return this.view(req.clientOrderId)!;
  }
  async findOrderByClientId(_pair: Pair, clientOrderId: string): Promise<ExchangeOrder | undefined> {
    this.calls.push('find');
    const fault = this.findFaults.shift();
    if (fault) throw fault;
    const state = this.states.get(clientOrderId);
    if (state && state.lookups++ < (state.behaviour.invisibleLookups ?? state.behaviour.laggingLookups ?? 0)) return undefined;
    if (state?.settle) {
      state.settle();
      delete state.settle;
    }
    return state ? this.view(clientOrderId) : this.orders.find((o) => o.clientOrderId === clientOrderId);
  }
  /** What a read of the order shows now: open (partly filled) for its first reads, then final. */
  private view(clientOrderId: string): ExchangeOrder | undefined {
    const state = this.states.get(clientOrderId);
    if (!state) return undefined;
    const b = state.behaviour;
    const read = state.reads++;
    let shown: ExchangeOrder = state.final;
    if (read < (b.openReads ?? 0)) {
      const f = b.cancelPartial ? 1 : (b.partialFraction ?? 0);
      const filledBase = Math.floor(state.final.filledBase * f * 1e8) / 1e8;
      shown = { ...state.final, status: 'open', filledBase, costQuote: filledBase * state.final.averagePrice, feeQuote: state.final.feeQuote * (filledBase / state.final.filledBase || 0), averagePrice: filledBase > 0 ? state.final.averagePrice : 0 };
    }
    return b.corrupt ? b.corrupt({ ...shown }) : { ...shown };
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
  planExits(series: PreparedSeries, i: number): { ok: true; plan: EntryPlan; referencePrice: number } {
    const last = series.candles[i]!.close;
    return { ok: true, plan: { strategy: 'adopted', stopPrice: last * 0.98 }, referencePrice: last };
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
