// Secondary adapter: ExchangePort on Kraken through ccxt (live trading, and public market data for
// paper trading). One ccxt instance per adapter, created once and kept across warm invocations.
import { kraken as KrakenExchange, type Order } from './ccxtKraken.js';
import { ExchangeError, systemClock, type ClockPort, type ExchangePort } from '../../core/ports.js';
import type { Balances, Candle, ExchangeOrder, MarketInfo, MarketOrderRequest, Pair, Side, Ticker } from '../../core/types.js';
import type { UniverseListing, UniverseSource } from '../../core/universe/selectUniverse.js';
import { toExchangeError, type KrakenOperation } from './krakenErrors.js';
import { TICK_SIZE, toMarketInfo } from './krakenMarketInfo.js';
import type { MarginCapability, MarginExchangePort, MarginOrderRequest, MarginPositionView } from '../../core/shorts/marginPorts.js';

export interface KrakenExchangeOptions {
  /** Kraken API key; omit for public-data-only use (paper trading). */
  apiKey?: string;
  /** Kraken API secret (base64). */
  secret?: string;
  /** API base URL (`KRAKEN_API_URL`), e.g. the sandbox's `http://127.0.0.1:PORT`; default Kraken. */
  baseUrl?: string;
  /** ccxt's client-side throttle (default true; tests against the sandbox turn it off). */
  enableRateLimit?: boolean;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Clock for ticker timestamps and fill polling (default the wall clock). */
  clock?: ClockPort;
  /** Lookups search this far before `sinceMs` so clock skew cannot hide an order (default 24 h). */
  lookupMarginMs?: number;
  /** Reads of a just-placed order that is still open before settling for it (default 3). */
  fillPollAttempts?: number;
  /** Pause between those reads (default 400 ms). */
  fillPollDelayMs?: number;
  /** Markets are re-read this often (default 1 h); a failed refresh keeps the last good ones. */
  marketsMaxAgeMs?: number;
}

/** BalanceEx suffixes Kraken transacts through the base asset (Auto Earn): tradable. */
const TRADABLE_SUFFIXES = new Set(['', 'F']);
/** Read-only staking and yield balances: held, but not tradable until moved back. */
const LOCKED_SUFFIXES = new Set(['B', 'S', 'M', 'P']);

/** One order book side: [price, amount in base], best first. */
export type BookSide = Array<[number, number]>;

/** A snapshot of the order book. */
export interface OrderBookSnapshot {
  asks: BookSide;
  bids: BookSide;
}

/** ExchangePort implemented with ccxt's Kraken class. */
export class KrakenExchangeAdapter implements ExchangePort, MarginExchangePort {
  /** Private calls (and market lookups: `market()` reads this instance's markets). */
  private readonly ex: KrakenExchange;
  /** Public market data; the same instance as `ex` without keys. */
  private readonly pub: KrakenExchange;
  private readonly clock: ClockPort;
  private readonly secrets: string[];
  private readonly marketCache = new Map<Pair, MarketInfo>();
  private readonly marketProblems = new Map<Pair, string>();
  private marketsLoadedAtMs: number | undefined;
  private lastNonce = 0;
  /** Private calls run one at a time, so nonces reach Kraken in the order they were issued. */
  private privateQueue: Promise<unknown> = Promise.resolve();
  /** Taker fee lookups waiting to go out together (see takerFeeBatch). */
  private feeBatch?: { pairs: Pair[]; rates: Promise<Record<Pair, number | undefined>> };

  constructor(private readonly options: KrakenExchangeOptions = {}) {
    const make = (keys: boolean) => {
      const ex = new KrakenExchange({
        enableRateLimit: options.enableRateLimit ?? true,
        timeout: options.timeoutMs ?? 10_000,
        // Kraken's private counter allows a burst (15 calls for a Starter key) and then decays; ccxt
        // prices each private call at 3 tokens refilled one a second (the Starter decay). A bucket of
        // 24 tokens lets a tick's few private calls (balances, fees, an order and its read) go out
        // at once, staying well under the counter even with another caller on the key. Public calls
        // keep ccxt's one-at-a-time pace (Kraken limits them per IP, about one a second).
        ...(keys && options.apiKey ? { tokenBucket: { capacity: 24, tokens: 24 } } : {}),
        ...(keys && options.apiKey ? { apiKey: options.apiKey } : {}),
        ...(keys && options.secret ? { secret: options.secret } : {}),
      });
      if (options.baseUrl) {
        const base = options.baseUrl.replace(/\/+$/, '');
        ex.urls.api = { ...(ex.urls.api as Record<string, string>), public: base, private: base };
      }
      return ex;
    };
    this.ex = make(true);
    // Kraken limits public calls per IP and private calls per key, separately; ccxt throttles each
    // instance as one queue. Two instances let a tick's public reads (candles, tickers) run beside
    // its private ones (balances, fees, lookups) instead of waiting behind them.
    this.pub = options.apiKey ? make(false) : this.ex;
    // Kraken wants strictly increasing nonces per key; two calls in the same millisecond from this
    // instance must not share one.
    this.ex.nonce = () => {
      this.lastNonce = Math.max(Date.now(), this.lastNonce + 1);
      return this.lastNonce;
    };
    this.clock = options.clock ?? systemClock;
    this.secrets = [options.apiKey ?? '', options.secret ?? ''].filter(Boolean);
  }

  /** True when API keys were given (private calls possible). */
  get hasKeys(): boolean {
    return Boolean(this.options.apiKey && this.options.secret);
  }

  /**
   * Markets of the listed pairs. A pair Kraken does not list, or lists without the precision the
   * bot needs, is left out and `marketIssue` names why; the others are returned.
   */
  async loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>> {
    await this.ensureMarkets();
    const out: Record<Pair, MarketInfo> = {};
    for (const pair of pairs) {
      try {
        out[pair] = this.market(pair);
        this.marketProblems.delete(pair);
      } catch (err) {
        this.marketProblems.set(pair, (err as Error).message);
      }
    }
    return out;
  }

  marketIssue(pair: Pair): string | undefined {
    return this.marketProblems.get(pair);
  }

  async fetchCandles5m(pair: Pair, sinceMs?: number): Promise<Candle[]> {
    await this.ensureMarkets();
    const rows = await this.call('read', `fetch 5m candles of ${pair}`, () => this.pub.fetchOHLCV(pair, '5m', sinceMs, 720));
    const candles: Candle[] = [];
    for (const [openTimeMs, open, high, low, close, volume] of rows) {
      if ([openTimeMs, open, high, low, close, volume].some((v) => typeof v !== 'number' || !Number.isFinite(v))) continue;
      candles.push({ openTimeMs: openTimeMs!, open: open!, high: high!, low: low!, close: close!, volume: volume! });
    }
    return candles;
  }

  async fetchTicker(pair: Pair): Promise<Ticker> {
    await this.ensureMarkets();
    const t = await this.call('read', `fetch ticker of ${pair}`, () => this.pub.fetchTicker(pair));
    const last = t.last ?? t.close;
    if (t.bid === undefined || t.ask === undefined || last === undefined) {
      throw new ExchangeError('unavailable', `fetch ticker of ${pair} failed: incomplete ticker`);
    }
    return {
      pair,
      bid: t.bid,
      ask: t.ask,
      last,
      ...(t.quoteVolume !== undefined ? { quoteVolume24h: t.quoteVolume } : {}),
      timestampMs: t.timestamp ?? this.clock.nowMs(),
    };
  }

  /** Every listed pair's ticker from one Ticker call (Kraken takes a comma-separated list). */
  async fetchTickers(pairs: readonly Pair[]): Promise<Record<Pair, Ticker>> {
    await this.ensureMarkets();
    const listed = pairs.filter((p) => this.ex.markets?.[p] !== undefined);
    if (listed.length === 0) return {};
    const all = await this.call('read', `fetch tickers of ${listed.length} pairs`, () => this.pub.fetchTickers([...listed]));
    const out: Record<Pair, Ticker> = {};
    for (const pair of listed) {
      const t = all[pair];
      const last = t?.last ?? t?.close;
      if (!t || t.bid === undefined || t.ask === undefined || last === undefined) continue;
      out[pair] = { pair, bid: t.bid, ask: t.ask, last, ...(t.quoteVolume !== undefined ? { quoteVolume24h: t.quoteVolume } : {}), timestampMs: t.timestamp ?? this.clock.nowMs() };
    }
    return out;
  }

  /**
   * The universe refresh's reads: every market ccxt loaded from AssetPairs (dark-pool pairs left
   * out), and the tickers of every pair from one Ticker call without a pair list (Kraken then
   * answers for all of them), kept for `quote`'s pairs.
   */
  async fetchUniverseSource(quote: string): Promise<UniverseSource> {
    await this.ensureMarkets();
    const listings: UniverseListing[] = [];
    for (const m of Object.values(this.ex.markets ?? {})) {
      if (!m || m.spot === false || !/^[A-Z0-9]+\/[A-Z0-9]+$/.test(m.symbol)) continue;
      const status = (m.info as { status?: unknown } | undefined)?.status;
      const active = typeof status === 'string' ? status === 'online' : m.active !== false;
      listings.push({ pair: m.symbol, base: m.base, quote: m.quote, active, ...(typeof status === 'string' && !active ? { status } : {}) });
    }
    const all = await this.call('read', 'fetch every ticker', () => this.pub.fetchTickers());
    const tickers: Record<Pair, Ticker> = {};
    for (const l of listings) {
      if (l.quote !== quote) continue;
      const t = all[l.pair];
      const last = t?.last ?? t?.close;
      if (!t || t.bid === undefined || t.ask === undefined || last === undefined) continue;
      tickers[l.pair] = { pair: l.pair, bid: t.bid, ask: t.ask, last, ...(t.quoteVolume !== undefined ? { quoteVolume24h: t.quoteVolume } : {}), timestampMs: t.timestamp ?? this.clock.nowMs() };
    }
    return { listings, tickers };
  }

  /** The order book (Kraken `Depth`), best levels first; used by the paper exchange for fills. */
  async fetchOrderBook(pair: Pair, depth = 100): Promise<OrderBookSnapshot> {
    await this.ensureMarkets();
    const book = await this.call('read', `fetch order book of ${pair}`, () => this.pub.fetchOrderBook(pair, depth));
    const side = (levels: ReadonlyArray<ReadonlyArray<number | undefined>>): BookSide =>
      levels.filter((l) => typeof l[0] === 'number' && typeof l[1] === 'number').map((l) => [l[0]!, l[1]!]);
    return { asks: side(book.asks), bids: side(book.bids) };
  }

  /**
   * Balances from BalanceEx, by the bot's asset codes. Kraken keeps Auto Earn balances under
   * extension assets (`XBT.F`), transacted through the base asset: they count as tradable. Staking
   * and yield balances (`.B`, `.S`, `.M`, `.P`) are reported as locked. A reply that does not parse
   * (not an object, no assets at all, a balance that is not a number) is 'unavailable', never an
   * empty account.
   */
  async fetchBalances(): Promise<Balances> {
    await this.ensureMarkets();
    const response = await this.callPrivate('read', 'fetch balances', () => this.ex.privatePostBalanceEx());
    const result = (response as { result?: unknown } | undefined)?.result;
    if (!result || typeof result !== 'object' || Array.isArray(result) || Object.keys(result).length === 0) {
      throw new ExchangeError('unavailable', `fetch balances failed: the BalanceEx reply holds no assets (${shortJson(result)})`, undefined, true);
    }
    const out: Balances = {};
    for (const [key, raw] of Object.entries(result as Record<string, unknown>)) {
      const dot = key.indexOf('.');
      const id = dot < 0 ? key : key.slice(0, dot);
      const suffix = dot < 0 ? '' : key.slice(dot + 1).toUpperCase();
      const entry = (raw ?? {}) as Record<string, unknown>;
      const balance = num(entry.balance);
      const hold = num(entry.hold_trade) ?? 0;
      if (balance === undefined || balance < 0 || hold < 0) {
        throw new ExchangeError('unavailable', `fetch balances failed: ${key} does not parse (${shortJson(raw)})`, undefined, true);
      }
      const code = this.ex.safeCurrencyCode(id) ?? id;
      const b = (out[code] ??= { free: 0, total: 0 });
      if (TRADABLE_SUFFIXES.has(suffix)) {
        b.total += balance;
        b.free += Math.max(0, balance - hold);
        (b.parts ??= {})[suffix === '' ? 'spot' : suffix] = balance;
      } else if (LOCKED_SUFFIXES.has(suffix)) {
        (b.locked ??= {})[suffix] = balance;
      }
    }
    // Sums of Kraken's decimal strings, back on their 10-decimal grid.
    for (const b of Object.values(out)) {
      b.total = Math.round(b.total * 1e10) / 1e10;
      b.free = Math.round(b.free * 1e10) / 1e10;
    }
    return out;
  }

  async placeMarketOrder(order: MarketOrderRequest): Promise<ExchangeOrder> {
    // If the markets cannot be loaded nothing was sent: a plain 'unavailable'.
    await this.ensureMarkets();
    const what = `market ${order.side} ${order.pair} (${order.clientOrderId})`;
    const params: Record<string, unknown> = { clientOrderId: order.clientOrderId };
    if (order.validateOnly) params.validate = true;
    // Kraken's matching engine rejects the order after its deadline, so "not visible after the
    // deadline plus a margin" means it never executed. RFC 3339, whole seconds.
    if (order.deadlineMs !== undefined) params.deadline = new Date(Math.floor(order.deadlineMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    // The fee in quote on both sides (ccxt adds viqc to buys by cost): a fee taken from the base
    // would leave the position short of what it bought, or sell more than it holds.
    params.oflags = 'fciq';
    const placed = await this.callPrivate('order', what, () => {
      if (order.side === 'buy') return this.ex.createMarketBuyOrderWithCost(order.pair, order.costQuote, params);
      return this.ex.createOrder(order.pair, 'market', 'sell', order.amountBase, undefined, params);
    });
    // Kraken does not execute a validate-only order and answers without a txid. A txid means it
    // did execute: read it like any other order.
    if (order.validateOnly && !placed.id) {
      return {
        exchangeOrderId: '',
        clientOrderId: order.clientOrderId,
        pair: order.pair,
        side: order.side,
        status: 'validated',
        filledBase: 0,
        costQuote: 0,
        averagePrice: 0,
        feeQuote: 0,
        timestampMs: this.clock.nowMs(),
      };
    }
    const txid = placed.id;
    if (!txid) throw new ExchangeError('ambiguous', `${what}: Kraken accepted the order but returned no txid`);
    return this.readPlacedOrder(order, txid, what);
  }

  async findOrderByClientId(pair: Pair, clientOrderId: string, sinceMs: number): Promise<ExchangeOrder | undefined> {
    await this.ensureMarkets();
    const what = `look up order ${clientOrderId}`;
    const params = { clientOrderId };
    const margin = this.options.lookupMarginMs ?? 24 * 3_600_000;
    const since = sinceMs > margin ? sinceMs - margin : undefined;
    const open = await this.callPrivate('read', what, () => this.ex.fetchOpenOrders(undefined, undefined, undefined, params));
    const closed = await this.callPrivate('read', what, () => this.ex.fetchClosedOrders(undefined, since, undefined, params));
    const all = [...open, ...closed];
    // If Kraken ignored the filter we see other orders and the one we want may be on a later page.
    if (all.some((o) => clientIdOf(o) !== clientOrderId)) {
      throw new ExchangeError('unavailable', `${what}: Kraken did not filter by cl_ord_id, the result cannot be trusted`);
    }
    const live = open[0];
    if (live) return this.toExchangeOrder(live, pair, clientOrderId);
    // Several closed orders can share a cl_ord_id only if one was re-sent; report the first.
    // Kraken lists newest first, so reversing before the stable sort keeps ties in placing order.
    const first = [...closed].reverse().sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))[0];
    return first ? this.toExchangeOrder(first, pair, clientOrderId) : undefined;
  }

  async fetchTakerFeeRate(pair: Pair): Promise<number | undefined> {
    if (!this.hasKeys) return undefined;
    try {
      await this.ensureMarkets();
      return (await this.takerFeeBatch(pair))[pair];
    } catch {
      return undefined;
    }
  }

  /**
   * Fee lookups issued while the private queue is busy (a tick asks for every pair at once, behind
   * its balance read) share one TradeVolume call: Kraken takes a list of pairs, and each call costs
   * API-counter points. The batch closes when its call is sent.
   */
  private takerFeeBatch(pair: Pair): Promise<Record<Pair, number | undefined>> {
    if (!this.feeBatch) {
      const pairs: Pair[] = [];
      // The queued call runs at the earliest a microtask from now, after feeBatch is set below.
      const rates = this.serial(() => {
        if (this.feeBatch?.pairs === pairs) this.feeBatch = undefined;
        return this.fetchTakerFees(pairs);
      });
      this.feeBatch = { pairs, rates };
    }
    if (!this.feeBatch.pairs.includes(pair)) this.feeBatch.pairs.push(pair);
    return this.feeBatch.rates;
  }

  /**
   * Taker fee rates of `pairs` from one TradeVolume call (ccxt's own fetchTradingFee when there is
   * one pair). Pairs Kraken does not list get none, as a single lookup of them would.
   */
  private async fetchTakerFees(pairs: Pair[]): Promise<Record<Pair, number | undefined>> {
    const rate = (fee: { taker?: number }) => (typeof fee.taker === 'number' && Number.isFinite(fee.taker) ? fee.taker : undefined);
    const listed = pairs.filter((p) => this.ex.markets?.[p] !== undefined);
    const out: Record<Pair, number | undefined> = {};
    if (listed.length === 1) out[listed[0]!] = rate(await this.ex.fetchTradingFee(listed[0]!));
    if (listed.length > 1) {
      const markets = listed.map((p) => this.ex.market(p));
      const response = await this.ex.privatePostTradeVolume({ pair: markets.map((m) => m.id).join(','), 'fee-info': true });
      const result = (response.result ?? {}) as Record<string, unknown>;
      listed.forEach((p, k) => (out[p] = rate(this.ex.parseTradingFee(result, markets[k]))));
    }
    return out;
  }

  /**
   * TradeBalance tells whether the account trades on margin: an account (or key) without margin is
   * refused (`EGeneral:Permission denied`), and one with margin reports its free margin `mf`. A read
   * that fails for another reason throws: the tick cannot tell and opens no short.
   */
  async marginCapability(): Promise<MarginCapability> {
    await this.ensureMarkets();
    let response: unknown;
    try {
      response = await this.callPrivate('read', 'read trade balance', () => this.ex.privatePostTradeBalance({ asset: 'ZUSD' }));
    } catch (err) {
      if (err instanceof ExchangeError && (err.kind === 'rejected' || err.kind === 'auth')) return { enabled: false, reason: `TradeBalance refused: ${err.exchangeMessage ?? err.message}` };
      throw err;
    }
    const r = ((response as { result?: unknown } | undefined)?.result ?? {}) as Record<string, unknown>;
    const equity = num(r.e);
    const free = num(r.mf);
    const used = num(r.m) ?? 0;
    if (equity === undefined || free === undefined) return { enabled: false, reason: `TradeBalance reports no margin figures (${shortJson(r)})` };
    return { enabled: true, equityQuote: equity, freeMarginQuote: free, marginUsedQuote: used };
  }

  /** Kraken's open margin positions (OpenPositions consolidated by pair), open amount = vol − vol_closed. */
  async fetchMarginPositions(): Promise<MarginPositionView[]> {
    await this.ensureMarkets();
    const response = await this.callPrivate('read', 'read open positions', () => this.ex.privatePostOpenPositions({ docalcs: 'true', consolidation: 'market' }));
    const result = (response as { result?: unknown } | undefined)?.result;
    const rows = Array.isArray(result) ? result : result && typeof result === 'object' ? Object.values(result) : undefined;
    if (!rows) throw new ExchangeError('unavailable', `read open positions failed: the reply does not parse (${shortJson(result)})`, undefined, true);
    const out: MarginPositionView[] = [];
    for (const raw of rows as Record<string, unknown>[]) {
      const id = typeof raw.pair === 'string' ? raw.pair : '';
      const vol = num(raw.vol);
      const closed = num(raw.vol_closed) ?? 0;
      if (!id || vol === undefined || (raw.type !== 'buy' && raw.type !== 'sell')) {
        throw new ExchangeError('unavailable', `read open positions failed: a position does not parse (${shortJson(raw)})`, undefined, true);
      }
      const byAltname = (this.ex as unknown as { marketsByAltname?: Record<string, { symbol: string }> }).marketsByAltname?.[id]?.symbol;
      out.push({
        pair: this.ex.markets_by_id?.[id]?.[0]?.symbol ?? byAltname ?? this.ex.safeSymbol(id),
        side: raw.type === 'sell' ? 'short' : 'long',
        amountBase: Math.round((vol - closed) * 1e10) / 1e10,
        costQuote: num(raw.cost) ?? 0,
        feeQuote: num(raw.fee) ?? 0,
        leverage: num(raw.leverage) ?? 0,
      });
    }
    return out;
  }

  /**
   * A market order on margin: `leverage` sent as Kraken's AddOrder parameter (ccxt passes it
   * through), `reduce_only` on closing buys so a buy-back can never open a long. Same cl_ord_id,
   * deadline and fee-in-quote as spot orders; the fill is read the same way.
   */
  async placeMarginOrder(order: MarginOrderRequest): Promise<ExchangeOrder> {
    await this.ensureMarkets();
    const what = `margin ${order.side} ${order.pair} ×${order.leverage} (${order.clientOrderId})`;
    const params: Record<string, unknown> = { clientOrderId: order.clientOrderId, leverage: String(order.leverage), oflags: 'fciq' };
    if (order.reduceOnly) params.reduceOnly = true;
    if (order.validateOnly) params.validate = true;
    if (order.deadlineMs !== undefined) params.deadline = new Date(Math.floor(order.deadlineMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    const placed = await this.callPrivate('order', what, () => this.ex.createOrder(order.pair, 'market', order.side, order.amountBase, undefined, params));
    if (order.validateOnly && !placed.id) {
      return { exchangeOrderId: '', clientOrderId: order.clientOrderId, pair: order.pair, side: order.side, status: 'validated', filledBase: 0, costQuote: 0, averagePrice: 0, feeQuote: 0, timestampMs: this.clock.nowMs() };
    }
    if (!placed.id) throw new ExchangeError('ambiguous', `${what}: Kraken accepted the order but returned no txid`);
    return this.readPlacedOrder(order, placed.id, what);
  }

  /** Reads a just-placed order's fill. The order exists, so a failed read is 'ambiguous', never 'rejected'. */
  private async readPlacedOrder(order: Pick<MarketOrderRequest, 'pair' | 'clientOrderId' | 'side'>, txid: string, what: string): Promise<ExchangeOrder> {
    const attempts = Math.max(1, this.options.fillPollAttempts ?? 3);
    let latest: ExchangeOrder | undefined;
    let lastError: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await this.clock.sleep(this.options.fillPollDelayMs ?? 400);
      try {
        const o = await this.serial(() => this.ex.fetchOrder(txid, order.pair));
        latest = this.toExchangeOrder(o, order.pair, order.clientOrderId, order.side, txid);
        if (latest.status !== 'open' && latest.status !== 'pending') return latest;
      } catch (err) {
        lastError = err;
      }
    }
    if (latest) return latest;
    try {
      // No time bound: the order was placed moments ago, whatever this machine's clock says.
      const found = await this.findOrderByClientId(order.pair, order.clientOrderId, 0);
      if (found) return found;
    } catch {
      // Fall through: report the original read failure below.
    }
    const detail = toExchangeError(lastError, 'read', 'read', this.secrets).message.replace(/^read failed: /, '');
    throw new ExchangeError('ambiguous', `${what}: placed as ${txid} but its fill could not be read (${detail})`);
  }

  private toExchangeOrder(o: Order, pair: Pair, clientOrderId: string, side?: Side, txid?: string): ExchangeOrder {
    const info = (o.info ?? {}) as Record<string, unknown>;
    const filledBase = num(info.vol_exec) ?? o.filled ?? 0;
    const costQuote = num(info.cost) ?? o.cost ?? 0;
    const averagePrice = num(info.price) || o.average || (filledBase > 0 ? costQuote / filledBase : 0);
    // Kraken reports `fee` in quote currency whatever currency it was charged in.
    const feeQuote = num(info.fee) ?? o.fee?.cost ?? 0;
    const opentm = num(info.opentm);
    return {
      exchangeOrderId: o.id ?? txid ?? '',
      clientOrderId: clientIdOf(o) ?? clientOrderId,
      pair: o.symbol ?? pair,
      side: o.side === 'buy' || o.side === 'sell' ? o.side : (side ?? 'buy'),
      status: orderStatus(o.status, typeof info.status === 'string' ? info.status : undefined),
      filledBase,
      costQuote,
      averagePrice,
      feeQuote,
      timestampMs: o.timestamp ?? (opentm !== undefined ? Math.round(opentm * 1000) : this.clock.nowMs()),
    };
  }

  /**
   * Loads markets, then re-reads them hourly (a pair can be delisted or switch to cancel-only);
   * a failed refresh keeps the last good markets. After a failure ccxt keeps the rejected promise,
   * so every load is forced.
   */
  private async ensureMarkets(): Promise<void> {
    const now = this.clock.nowMs();
    const maxAge = this.options.marketsMaxAgeMs ?? 3_600_000;
    if (this.marketsLoadedAtMs !== undefined && now - this.marketsLoadedAtMs < maxAge) return;
    try {
      await this.call('read', 'load Kraken markets', () => this.pub.loadMarkets(true));
      // The private instance parses orders with the very same markets (ccxt shares them, Kraken's
      // index by altname included).
      if (this.pub !== this.ex) this.ex.setMarketsFromExchange(this.pub);
    } catch (err) {
      if (this.marketsLoadedAtMs === undefined) throw err;
      // Keep the last good markets and try again in a minute, not on every call.
      this.marketsLoadedAtMs = now - maxAge + 60_000;
      return;
    }
    this.marketsLoadedAtMs = now;
    this.marketCache.clear();
  }

  private market(pair: Pair): MarketInfo {
    const cached = this.marketCache.get(pair);
    if (cached) return cached;
    const m = this.ex.markets?.[pair];
    if (!m) throw new ExchangeError('rejected', `Kraken lists no market ${pair}`, 'EQuery:Unknown asset pair');
    const info = toMarketInfo(m, this.ex.precisionMode ?? TICK_SIZE);
    this.marketCache.set(pair, info);
    return info;
  }

  /** A signed call: queued behind the previous private call, errors mapped. */
  private callPrivate<T>(operation: KrakenOperation, what: string, fn: () => Promise<T>): Promise<T> {
    return this.call(operation, what, () => this.serial(fn));
  }

  /** Runs `fn` after every private call issued before it has finished (whatever their outcome). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.privateQueue.then(fn, fn);
    this.privateQueue = run.catch(() => undefined);
    return run;
  }

  private async call<T>(operation: KrakenOperation, what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toExchangeError(err, operation, what, this.secrets);
    }
  }
}

function num(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function shortJson(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function clientIdOf(o: Order): string | undefined {
  const info = (o.info ?? {}) as Record<string, unknown>;
  return typeof info.cl_ord_id === 'string' ? info.cl_ord_id : undefined;
}

function orderStatus(unified: string | undefined, raw: string | undefined): ExchangeOrder['status'] {
  if (raw === 'pending') return 'pending';
  if (unified === 'open' || unified === 'closed' || unified === 'canceled' || unified === 'expired') return unified;
  return 'pending';
}
