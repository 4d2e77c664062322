// Secondary adapter: ExchangePort for paper trading. Market data comes from a public source (the
// Kraken adapter without keys, against real Kraken or the sandbox); fills are simulated against the
// order book with Kraken's minimums, precision and taker fee; the wallet and the filled orders live
// in the store so they survive restarts and Lambda cold starts.
import { randomBytes } from 'node:crypto';
import { ExchangeError, systemClock, type ClockPort, type ExchangePort, type StorePort } from '../../core/ports.js';
import type { Balances, Candle, ExchangeOrder, MarketInfo, MarketOrderRequest, Pair, Ticker } from '../../core/types.js';
import type { UniverseSource } from '../../core/universe/selectUniverse.js';
import { fillBuyByCost, fillByAmount, roundTo, slippedPrice, truncateTo, type PaperBookSide, type PaperFill } from './paperFill.js';
import { PAPER_ORDER_PREFIX, decodePaperOrders, encodePaperOrder, paperAssetBalances } from './paperWalletCodec.js';

/** Where the paper exchange reads market data. The Kraken adapter (no keys needed) fits it. */
export interface PaperMarketSource {
  loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>>;
  marketIssue?(pair: Pair): string | undefined;
  fetchCandles5m(pair: Pair, sinceMs?: number): Promise<Candle[]>;
  fetchTicker(pair: Pair): Promise<Ticker>;
  fetchTickers?(pairs: readonly Pair[]): Promise<Record<Pair, Ticker>>;
  /** Every listed pair and the tickers of a quote's pairs (the universe refresh); optional. */
  fetchUniverseSource?(quote: string): Promise<UniverseSource>;
  /** Order book, best levels first, as [price, amount in base]; optional. */
  fetchOrderBook?(pair: Pair, depth?: number): Promise<{ asks: PaperBookSide; bids: PaperBookSide }>;
}

/** `config.paper` spreads straight into these options. */
export interface PaperExchangeOptions {
  /** Public market data (the Kraken adapter without keys, pointed at Kraken or the sandbox). */
  source: PaperMarketSource;
  store: StorePort;
  /** Wallet funding on first use (config `paper.startingBalances`). */
  startingBalances: Record<string, number>;
  /** Slippage when no order book is available, in basis points (config `paper.slippageBps`). */
  slippageBps: number;
  /** Taker fee when the market states none (config `paper.takerFeeRate`). */
  takerFeeRate: number;
  /** Fill timestamps (default the wall clock). */
  clock?: ClockPort;
  /** Filled orders are kept in the wallet this long for lookups (default 30 days). */
  orderRetentionMs?: number;
  /** Book levels read for a fill (default 100). */
  bookDepth?: number;
}

/** Decimals balances are kept at (well below any real precision, above float noise). */
const BALANCE_DECIMALS = 10;
/** Fees and costs are recorded at this precision. */
const MONEY_DECIMALS = 8;
const WRITE_ATTEMPTS = 8;

/** ExchangePort that simulates fills on real market data, with its wallet in the StorePort. */
export class PaperExchange implements ExchangePort {
  private readonly clock: ClockPort;

  constructor(private readonly options: PaperExchangeOptions) {
    this.clock = options.clock ?? systemClock;
  }

  loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>> {
    return this.options.source.loadMarkets(pairs);
  }

  /** The source's order book (the market recorder reads it; fills read it themselves). */
  async fetchOrderBook(pair: Pair, depth?: number): Promise<{ bids: PaperBookSide; asks: PaperBookSide }> {
    if (!this.options.source.fetchOrderBook) throw new ExchangeError('unavailable', 'the paper market source has no order book');
    return this.options.source.fetchOrderBook(pair, depth);
  }

  fetchUniverseSource(quote: string): Promise<UniverseSource> {
    const source = this.options.source;
    if (!source.fetchUniverseSource) return Promise.reject(new ExchangeError('unavailable', 'the paper market source cannot list every pair'));
    return source.fetchUniverseSource(quote);
  }

  marketIssue(pair: Pair): string | undefined {
    return this.options.source.marketIssue?.(pair);
  }

  fetchCandles5m(pair: Pair, sinceMs?: number): Promise<Candle[]> {
    return this.options.source.fetchCandles5m(pair, sinceMs);
  }

  fetchTicker(pair: Pair): Promise<Ticker> {
    return this.options.source.fetchTicker(pair);
  }

  async fetchTickers(pairs: readonly Pair[]): Promise<Record<Pair, Ticker>> {
    if (this.options.source.fetchTickers) return this.options.source.fetchTickers(pairs);
    const out: Record<Pair, Ticker> = {};
    for (const pair of pairs) out[pair] = await this.options.source.fetchTicker(pair);
    return out;
  }

  async fetchBalances(): Promise<Balances> {
    const wallet = await this.wallet();
    const out: Balances = {};
    for (const [code, amount] of Object.entries(paperAssetBalances(wallet.balances))) out[code] = { free: amount, total: amount };
    return out;
  }

  /** The rate paper fills are charged: the market's taker fee, else the configured one. */
  async fetchTakerFeeRate(pair: Pair): Promise<number | undefined> {
    const market = (await this.options.source.loadMarkets([pair]))[pair];
    return market ? this.feeRate(market) : this.options.takerFeeRate;
  }

  async placeMarketOrder(order: MarketOrderRequest): Promise<ExchangeOrder> {
    const what = `paper market ${order.side} ${order.pair} (${order.clientOrderId})`;
    const market = (await this.options.source.loadMarkets([order.pair]))[order.pair];
    if (!market) throw new ExchangeError('rejected', `${what}: unknown pair`, 'EQuery:Unknown asset pair');
    if (!market.active) throw new ExchangeError('unavailable', `${what}: market is not accepting market orders`, 'EService:Market in cancel_only mode');
    const fill = await this.simulate(order, market, what);
    const feeQuote = roundTo(fill.costQuote * this.feeRate(market), MONEY_DECIMALS);
    if (order.validateOnly) {
      return { ...this.toOrder(order, fill, 0, ''), status: 'validated', filledBase: 0, costQuote: 0, averagePrice: 0 };
    }

    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const wallet = await this.wallet();
      const balances = { ...wallet.balances };
      const base = balances[market.base] ?? 0;
      const quote = balances[market.quote] ?? 0;
      if (order.side === 'buy') {
        if (roundTo(fill.costQuote + feeQuote, MONEY_DECIMALS) > roundTo(quote, MONEY_DECIMALS)) {
          throw refusal(what, 'EOrder:Insufficient funds', `needs ${fmt(fill.costQuote + feeQuote)} ${market.quote} with fee, has ${fmt(quote)}`);
        }
        balances[market.base] = roundTo(base + fill.amountBase, BALANCE_DECIMALS);
        balances[market.quote] = roundTo(quote - fill.costQuote - feeQuote, BALANCE_DECIMALS);
      } else {
        if (roundTo(fill.amountBase, BALANCE_DECIMALS) > roundTo(base, BALANCE_DECIMALS)) {
          throw refusal(what, 'EOrder:Insufficient funds', `sells ${fill.amountBase} ${market.base}, has ${base}`);
        }
        balances[market.base] = roundTo(base - fill.amountBase, BALANCE_DECIMALS);
        balances[market.quote] = roundTo(quote + fill.costQuote - feeQuote, BALANCE_DECIMALS);
      }
      const filled = this.toOrder(order, fill, feeQuote, `PAPER-${randomBytes(6).toString('hex').toUpperCase()}`);
      const [key, value] = encodePaperOrder(filled);
      balances[key] = value;
      this.prune(balances);
      // One conditional write records the balances and the order together.
      if (await this.options.store.putWallet(balances, wallet.version)) return filled;
    }
    throw new ExchangeError('unavailable', `${what}: the paper wallet kept changing underneath; nothing was filled`);
  }

  async findOrderByClientId(_pair: Pair, clientOrderId: string, _sinceMs: number): Promise<ExchangeOrder | undefined> {
    const wallet = await this.options.store.getWallet();
    if (!wallet) return undefined;
    // Like Kraken, a reused client order id can have traded more than once; report the first fill.
    return decodePaperOrders(wallet.balances).find((o) => o.clientOrderId === clientOrderId);
  }

  /** Prices the order and enforces Kraken's minimums and precision (funds are checked at write time). */
  private async simulate(order: MarketOrderRequest, market: MarketInfo, what: string): Promise<PaperFill> {
    const book = await this.book(order.pair);
    const lastPrice = book ? 0 : (await this.options.source.fetchTicker(order.pair)).last;
    const fallback = slippedPrice(order.side, lastPrice, this.options.slippageBps);
    let fill: PaperFill;
    if (order.side === 'buy') {
      // ccxt sends the cost truncated to the price precision; mirror it.
      const costQuote = truncateTo(order.costQuote, market.priceDecimals);
      if (!(costQuote > 0) || costQuote < market.minCostQuote) throw refusal(what, 'EOrder:Order minimum not met', `cost ${order.costQuote} below ${market.minCostQuote} ${market.quote}`);
      fill = fillBuyByCost(costQuote, market.amountDecimals, book?.asks, fallback);
    } else {
      // ccxt truncates the amount to lot_decimals before sending; a zero amount never leaves.
      const amountBase = truncateTo(order.amountBase, market.amountDecimals);
      if (!(amountBase > 0)) throw refusal(what, 'EGeneral:Invalid arguments:volume', `amount ${order.amountBase} is below the precision ${market.amountDecimals}`);
      fill = fillByAmount(amountBase, book?.bids, fallback);
    }
    if (fill.amountBase < market.minAmountBase || fill.costQuote < market.minCostQuote) {
      throw refusal(what, 'EOrder:Order minimum not met', `${fill.amountBase} ${market.base} (min ${market.minAmountBase}), ${fmt(fill.costQuote)} ${market.quote} (min ${market.minCostQuote})`);
    }
    return { ...fill, costQuote: roundTo(fill.costQuote, MONEY_DECIMALS) };
  }

  /** The order book, or undefined when the source has none or it cannot be read now. */
  private async book(pair: Pair): Promise<{ asks: PaperBookSide; bids: PaperBookSide } | undefined> {
    if (!this.options.source.fetchOrderBook) return undefined;
    try {
      const book = await this.options.source.fetchOrderBook(pair, this.options.bookDepth ?? 100);
      return book.asks.length > 0 && book.bids.length > 0 ? book : undefined;
    } catch {
      return undefined;
    }
  }

  private feeRate(market: MarketInfo): number {
    return Number.isFinite(market.takerFeeRate) && market.takerFeeRate > 0 ? market.takerFeeRate : this.options.takerFeeRate;
  }

  private toOrder(order: MarketOrderRequest, fill: PaperFill, feeQuote: number, exchangeOrderId: string): ExchangeOrder {
    return {
      exchangeOrderId,
      clientOrderId: order.clientOrderId,
      pair: order.pair,
      side: order.side,
      status: 'closed',
      filledBase: fill.amountBase,
      costQuote: fill.costQuote,
      averagePrice: fill.amountBase > 0 ? fill.costQuote / fill.amountBase : fill.averagePrice,
      feeQuote,
      timestampMs: this.clock.nowMs(),
    };
  }

  /** The wallet, funded from the starting balances on first use. */
  private async wallet(): Promise<{ balances: Record<string, number>; version: number }> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const wallet = await this.options.store.getWallet();
      if (wallet) return wallet;
      // Another invocation may fund it at the same time; whoever loses re-reads.
      if (await this.options.store.putWallet({ ...this.options.startingBalances }, -1)) continue;
    }
    throw new ExchangeError('unavailable', 'the paper wallet could not be read or funded');
  }

  /** Drops order records older than the retention so the wallet item stays small. */
  private prune(balances: Record<string, number>): void {
    const oldest = this.clock.nowMs() - (this.options.orderRetentionMs ?? 30 * 24 * 3_600_000);
    for (const [key, timestampMs] of Object.entries(balances)) {
      if (key.startsWith(PAPER_ORDER_PREFIX) && timestampMs < oldest) delete balances[key];
    }
  }
}

function refusal(what: string, krakenText: string, detail: string): ExchangeError {
  return new ExchangeError('rejected', `${what}: ${krakenText} (${detail})`, krakenText);
}

function fmt(value: number): string {
  return String(roundTo(value, 8));
}
