// Kraken sandbox: the market side of the sandbox. Holds each pair's candle series on the sandbox
// clock and answers Kraken's public endpoints (Time, SystemStatus, Assets, AssetPairs, Ticker, OHLC,
// Depth, Trades) with Kraken's exact shapes. A delisted pair is unknown to all of them; AssetPairs
// reports each pair's trading mode and SystemStatus the maintenance switch.
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle } from '../core/types.js';
import type { CandleSeries } from './candleSeries.js';
import { sliceCandle } from './intraCandlePath.js';
import { invalidArguments, KrakenApiError } from './krakenApiError.js';
import { fixed, krakenTime } from './krakenFormat.js';
import type { SandboxBehaviour } from './sandboxBehaviour.js';
import type { SandboxClock } from './sandboxClock.js';
import { MAKER_FEE_TIERS, SANDBOX_ASSETS, TAKER_FEE_TIERS, findSandboxMarket, type SandboxMarket } from './sandboxMarkets.js';
import { syntheticBook, type Book } from './syntheticBook.js';
import { tradeCount, tradesOfCandle, type PublicTrade } from './syntheticTrades.js';

/** One OHLC row as Kraken sends it: [time_s, open, high, low, close, vwap, volume, count]. */
type OhlcRow = [number, string, string, string, string, string, string, number];

/** Request parameters as strings (query string or form body). */
export type KrakenParams = Record<string, string>;

const OHLC_INTERVALS = [1, 5, 15, 30, 60, 240, 1440, 10080, 21600];
const MAX_OHLC_ROWS = 720;

/** One pair's market data: its Kraken description and its candle series. */
export interface PairData {
  market: SandboxMarket;
  series: CandleSeries;
}

/** Market data for every listed pair, read at the sandbox clock's "now". */
export class SandboxMarketData {
  private readonly byId = new Map<string, PairData>();
  /**
   * Formatted committed 5m OHLC rows per pair, and each row's JSON text: committed candles never
   * change, so ticks reuse them (a bot re-reads its 720-row window every 5 minutes).
   */
  private readonly fiveMinuteRows = new Map<string, { formingOpen: number; rows: OhlcRow[]; json: string[] }>();

  /** `behaviour` (optional) delists pairs, sets their trading mode and the maintenance status. */
  constructor(
    pairs: readonly PairData[],
    private readonly clock: SandboxClock,
    private readonly behaviour?: SandboxBehaviour,
    /** Books that move with the candles (see `bookAt`); off: a constant symmetric book. */
    private readonly bookDynamics = false,
  ) {
    for (const p of pairs) this.byId.set(p.market.id, p);
  }

  /** Listed markets (delisted ones left out), in listing order. */
  get markets(): SandboxMarket[] {
    return this.allMarkets.filter((m) => !this.behaviour?.isDelisted(m.id));
  }

  /** Every market the sandbox started with, delisted ones included. */
  get allMarkets(): SandboxMarket[] {
    return [...this.byId.values()].map((p) => p.market);
  }

  /** A listed pair by symbol, id or altname; throws Kraken's `EQuery:Unknown asset pair` otherwise (a delisted pair too). */
  pair(name: string | undefined): PairData {
    if (!name) throw invalidArguments('pair');
    const market = findSandboxMarket(this.markets, name);
    const data = market && this.byId.get(market.id);
    if (!data) throw new KrakenApiError('EQuery:Unknown asset pair');
    return data;
  }

  /** Any pair the sandbox started with, delisted or not (its own records and control routes). */
  pairAny(name: string): PairData {
    const market = findSandboxMarket(this.allMarkets, name);
    const data = market && this.byId.get(market.id);
    if (!data) throw new Error(`the sandbox does not list ${name}`);
    return data;
  }

  /** The trading mode AssetPairs reports for a pair. */
  statusOf(m: SandboxMarket): SandboxMarket['status'] {
    return this.behaviour?.marketStatus(m.id) ?? m.status;
  }

  /** The last price at the sandbox's now; `EService:Unavailable` before the pair's data starts. */
  priceNow(data: PairData): number {
    return this.priceAt(data, this.clock.nowMs());
  }

  /** The last price at `ms`; `EService:Unavailable` before the pair's data starts. */
  priceAt(data: PairData, ms: number): number {
    const price = data.series.priceAt(ms);
    if (price === undefined) throw new KrakenApiError('EService:Unavailable');
    return price;
  }

  /** The synthetic book at the sandbox's now. */
  bookNow(data: PairData, levels = 100): Book {
    return this.bookAt(data, this.clock.nowMs(), levels);
  }

  /** The synthetic book at `ms` (a queued order executes at the moment it leaves the queue). */
  bookAt(data: PairData, ms: number, levels = 100): Book {
    const m = data.market;
    const price = this.priceAt(data, ms);
    // With book dynamics, the last five minutes' move in units of the pair's volatility shapes the
    // book: a rise leans it to the bids (buyers resting), a fall to the asks, and a calm market
    // has a tighter spread than a busy one. Ticker, Depth and fills read this same book.
    let spreadBps = m.spreadBps;
    let bidWeight = 1;
    let askWeight = 1;
    if (this.bookDynamics) {
      const before = data.series.priceAt(ms - FIVE_MINUTES_MS);
      const z = before !== undefined && before > 0 ? Math.log(price / before) / m.volatility5m : 0;
      const skew = Math.max(-0.6, Math.min(0.6, z / 2));
      bidWeight = 1 + skew;
      askWeight = 1 - skew;
      spreadBps = m.spreadBps * (0.6 + 0.8 * Math.min(1, Math.abs(z) / 2));
    }
    return syntheticBook(price, { spreadBps, levelQuote: m.levelQuote, priceDecimals: m.pairDecimals, lotDecimals: m.lotDecimals, bidWeight, askWeight }, levels);
  }

  /**
   * One public method's result as JSON text, exactly `JSON.stringify(call(method, params))`. The
   * 5m OHLC window is built from cached row text instead of serializing 720 rows per request.
   */
  callJson(method: string, params: KrakenParams): string {
    if (method === 'OHLC' && params.interval === '5') return this.fiveMinuteOhlcJson(params);
    return JSON.stringify(this.call(method, params));
  }

  /** Dispatches one public method. */
  call(method: string, params: KrakenParams): unknown {
    switch (method) {
      case 'Time':
        return this.time();
      case 'SystemStatus':
        return { status: this.behaviour?.maintenance ? 'maintenance' : 'online', timestamp: new Date(this.clock.nowMs()).toISOString().replace(/\.\d{3}Z$/, 'Z') };
      case 'Assets':
        return this.assets(params);
      case 'AssetPairs':
        return this.assetPairs(params);
      case 'Ticker':
        return this.ticker(params);
      case 'OHLC':
        return this.ohlc(params);
      case 'Depth':
        return this.depth(params);
      case 'Trades':
        return this.trades(params);
      default:
        throw new KrakenApiError('EGeneral:Unknown method');
    }
  }

  private time(): unknown {
    const now = this.clock.nowMs();
    const d = new Date(now);
    const dd = String(d.getUTCDate()).padStart(2, '0');
    const yy = String(d.getUTCFullYear() % 100).padStart(2, '0');
    const [weekday, , month] = d.toUTCString().split(' ');
    const time = d.toISOString().slice(11, 19);
    return { unixtime: Math.floor(now / 1000), rfc1123: `${weekday} ${dd} ${month} ${yy} ${time} +0000` };
  }

  private assets(params: KrakenParams): unknown {
    const wanted = params.asset ? params.asset.split(',') : undefined;
    const listed = SANDBOX_ASSETS.filter((a) => !wanted || wanted.some((w) => [a.id, a.altname, a.code].includes(w.toUpperCase())));
    if (wanted && listed.length !== wanted.length) throw new KrakenApiError('EQuery:Unknown asset');
    const result: Record<string, unknown> = {};
    for (const a of listed) {
      result[a.id] = {
        aclass: 'currency',
        altname: a.altname,
        decimals: a.decimals,
        display_decimals: a.displayDecimals,
        collateral_value: a.code === 'USD' ? 1 : 0.95,
        status: 'enabled',
      };
    }
    return result;
  }

  private assetPairs(params: KrakenParams): unknown {
    const list = params.pair ? params.pair.split(',').map((p) => this.pair(p).market) : this.markets;
    const result: Record<string, unknown> = {};
    for (const m of list) {
      result[m.id] = {
        altname: m.altname,
        wsname: m.wsname,
        aclass_base: 'currency',
        base: m.baseId,
        aclass_quote: 'currency',
        quote: m.quoteId,
        lot: 'unit',
        cost_decimals: m.costDecimals,
        pair_decimals: m.pairDecimals,
        lot_decimals: m.lotDecimals,
        lot_multiplier: 1,
        leverage_buy: [2, 3],
        leverage_sell: [2, 3],
        fees: TAKER_FEE_TIERS.map(([v, f]) => [v, f]),
        fees_maker: MAKER_FEE_TIERS.map(([v, f]) => [v, f]),
        fee_volume_currency: 'ZUSD',
        margin_call: 80,
        margin_stop: 40,
        ordermin: m.ordermin,
        costmin: m.costmin,
        tick_size: m.tickSize,
        status: this.statusOf(m),
      };
    }
    return result;
  }

  private ticker(params: KrakenParams): unknown {
    const list = params.pair ? params.pair.split(',').map((p) => this.pair(p)) : this.markets.map((m) => this.byId.get(m.id)!);
    const result: Record<string, unknown> = {};
    for (const data of list) result[data.market.id] = this.tickerOf(data);
    return result;
  }

  private tickerOf(data: PairData): unknown {
    const m = data.market;
    const now = this.clock.nowMs();
    const price = this.priceNow(data);
    const book = this.bookNow(data, 1);
    const ask = book.asks[0]!;
    const bid = book.bids[0]!;
    const dayStart = Math.floor(now / ONE_DAY_MS) * ONE_DAY_MS;
    const last24h = this.fiveMinuteCandles(data, now - ONE_DAY_MS, now);
    const today = last24h.filter((c) => c.openTimeMs >= dayStart);
    const stats = (candles: Candle[]) => {
      let volume = 0;
      let notional = 0;
      let trades = 0;
      let high = -Infinity;
      let low = Infinity;
      for (const c of candles) {
        volume += c.volume;
        notional += c.volume * ((c.high + c.low + c.close) / 3);
        trades += tradeCount(c, now);
        high = Math.max(high, c.high);
        low = Math.min(low, c.low);
      }
      return { volume, vwap: volume > 0 ? notional / volume : price, trades, high: Number.isFinite(high) ? high : price, low: Number.isFinite(low) ? low : price };
    };
    const d = stats(today);
    const w = stats(last24h);
    const lastTrade = this.recentTrades(data, now, 1)[0];
    const p = (x: number) => fixed(x, m.pairDecimals + 4);
    const v = (x: number) => fixed(x, m.lotDecimals);
    return {
      a: [p(ask.price), String(Math.max(1, Math.floor(ask.volume))), fixed(ask.volume, 3)],
      b: [p(bid.price), String(Math.max(1, Math.floor(bid.volume))), fixed(bid.volume, 3)],
      c: [p(price), v(lastTrade?.volume ?? 0)],
      v: [v(d.volume), v(w.volume)],
      p: [p(d.vwap), p(w.vwap)],
      t: [d.trades, w.trades],
      l: [p(d.low), p(w.low)],
      h: [p(d.high), p(w.high)],
      o: p(today[0]?.open ?? last24h[0]?.open ?? price),
    };
  }

  private ohlc(params: KrakenParams): unknown {
    const data = this.pair(params.pair);
    const interval = params.interval === undefined ? 1 : Number(params.interval);
    if (!OHLC_INTERVALS.includes(interval)) throw invalidArguments('interval');
    const sinceSec = params.since === undefined ? undefined : Number(params.since);
    if (sinceSec !== undefined && !Number.isFinite(sinceSec)) throw invalidArguments('since');
    const now = this.clock.nowMs();
    const intervalMs = interval * 60_000;
    const formingOpen = Math.floor(now / intervalMs) * intervalMs;
    const lastCommitted = formingOpen - intervalMs;
    if (interval === 5) {
      const committed = this.committedFiveMinuteRows(data, formingOpen);
      const rows = committed.rows.slice(firstAfter(committed.rows, sinceSec));
      const forming = this.formingFiveMinuteRow(data, formingOpen, now, sinceSec);
      if (forming) rows.push(forming);
      return { [data.market.id]: rows, last: Math.floor(lastCommitted / 1000) };
    }
    const rows: unknown[] = [];
    for (let k = MAX_OHLC_ROWS - 1; k >= 0; k--) {
      const bucket = formingOpen - k * intervalMs;
      const candle = interval === 1 ? this.oneMinuteCandle(data, bucket, now) : this.aggregate(data, bucket, intervalMs, now);
      if (!candle) continue;
      if (sinceSec !== undefined && bucket / 1000 <= sinceSec) continue;
      rows.push(this.ohlcRow(data.market, candle, bucket));
    }
    return { [data.market.id]: rows, last: Math.floor(lastCommitted / 1000) };
  }

  /** `ohlc` for interval 5 as JSON text, from the cached text of the committed rows. */
  private fiveMinuteOhlcJson(params: KrakenParams): string {
    const data = this.pair(params.pair);
    const sinceSec = params.since === undefined ? undefined : Number(params.since);
    if (sinceSec !== undefined && !Number.isFinite(sinceSec)) throw invalidArguments('since');
    const now = this.clock.nowMs();
    const formingOpen = Math.floor(now / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const committed = this.committedFiveMinuteRows(data, formingOpen);
    const rows = committed.json.slice(firstAfter(committed.rows, sinceSec));
    const forming = this.formingFiveMinuteRow(data, formingOpen, now, sinceSec);
    if (forming) rows.push(JSON.stringify(forming));
    return `{${JSON.stringify(data.market.id)}:[${rows.join(',')}],"last":${Math.floor((formingOpen - FIVE_MINUTES_MS) / 1000)}}`;
  }

  /** The still-forming 5m row, if it is newer than `sinceSec`. */
  private formingFiveMinuteRow(data: PairData, formingOpen: number, now: number, sinceSec: number | undefined): OhlcRow | undefined {
    const forming = this.aggregate(data, formingOpen, FIVE_MINUTES_MS, now);
    if (!forming || (sinceSec !== undefined && formingOpen / 1000 <= sinceSec)) return undefined;
    return this.ohlcRow(data.market, forming, formingOpen);
  }

  /** The committed 5m rows of the 720-row window ending at `formingOpen`, updated incrementally as time moves on. */
  private committedFiveMinuteRows(data: PairData, formingOpen: number): { rows: OhlcRow[]; json: string[] } {
    const windowStart = formingOpen - (MAX_OHLC_ROWS - 1) * FIVE_MINUTES_MS;
    const cached = this.fiveMinuteRows.get(data.market.id);
    if (cached?.formingOpen === formingOpen) return cached;
    const reusable = cached && cached.formingOpen < formingOpen && cached.formingOpen > windowStart;
    const drop = reusable ? firstAfter(cached.rows, windowStart / 1000 - 1) : 0;
    const rows = reusable ? cached.rows.slice(drop) : [];
    const json = reusable ? cached.json.slice(drop) : [];
    for (let open = reusable ? cached.formingOpen : windowStart; open < formingOpen; open += FIVE_MINUTES_MS) {
      const c = data.series.candleAt(open);
      if (!c) continue;
      const row = this.ohlcRow(data.market, { ...c, count: tradeCount(c) }, open);
      rows.push(row);
      json.push(JSON.stringify(row));
    }
    const entry = { formingOpen, rows, json };
    this.fiveMinuteRows.set(data.market.id, entry);
    return entry;
  }

  private ohlcRow(m: SandboxMarket, c: Candle & { count: number }, bucket: number): OhlcRow {
    const p = (x: number) => fixed(x, m.pairDecimals);
    const vwap = c.volume > 0 ? (c.high + c.low + c.close) / 3 : 0;
    return [bucket / 1000, p(c.open), p(c.high), p(c.low), p(c.close), p(vwap), fixed(c.volume, 8), c.count];
  }

  private oneMinuteCandle(data: PairData, bucket: number, now: number): (Candle & { count: number }) | undefined {
    const fiveOpen = Math.floor(bucket / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const full = data.series.candleAt(fiveOpen);
    if (!full) return undefined;
    const from = (bucket - fiveOpen) / FIVE_MINUTES_MS;
    const to = Math.min(from + 0.2, (now - fiveOpen) / FIVE_MINUTES_MS);
    const slice = sliceCandle(full, from, Math.max(from, to));
    const count = tradeCount(full, Math.min(now, bucket + 60_000)) - tradeCount(full, bucket);
    return { ...slice, openTimeMs: bucket, count };
  }

  private aggregate(data: PairData, bucket: number, intervalMs: number, now: number): (Candle & { count: number }) | undefined {
    const parts = this.fiveMinuteCandles(data, bucket, Math.min(now, bucket + intervalMs - 1));
    const first = parts[0];
    if (!first) return undefined;
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    let count = 0;
    for (const c of parts) {
      high = Math.max(high, c.high);
      low = Math.min(low, c.low);
      volume += c.volume;
      count += tradeCount(c, now);
    }
    return { openTimeMs: bucket, open: first.open, high, low, close: parts[parts.length - 1]!.close, volume, count };
  }

  /**
   * The 5m candles with open time in [fromMs, untilMs], the one containing `now` cut at `now`.
   * Candles before the data starts are left out.
   */
  private fiveMinuteCandles(data: PairData, fromMs: number, untilMs: number): Candle[] {
    const now = this.clock.nowMs();
    const from = Math.ceil(fromMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const formingOpen = Math.floor(now / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const out: Candle[] = [];
    for (let open = from; open < formingOpen && open <= untilMs; open += FIVE_MINUTES_MS) {
      const c = data.series.candleAt(open);
      if (c) out.push(c);
    }
    if (formingOpen >= from && formingOpen <= untilMs) {
      const forming = data.series.forming(now);
      if (forming) out.push(forming);
    }
    return out;
  }

  private depth(params: KrakenParams): unknown {
    const data = this.pair(params.pair);
    const count = params.count === undefined ? 100 : Number(params.count);
    if (!Number.isInteger(count) || count < 1 || count > 500) throw invalidArguments('count');
    const m = data.market;
    const book = this.bookNow(data, count);
    const ts = Math.floor(this.clock.nowMs() / 1000);
    const side = (levels: Book['asks']) => levels.map((l) => [fixed(l.price, m.pairDecimals), fixed(l.volume, 3), ts]);
    return { [m.id]: { asks: side(book.asks), bids: side(book.bids) } };
  }

  private trades(params: KrakenParams): unknown {
    const data = this.pair(params.pair);
    const count = params.count === undefined ? 1000 : Number(params.count);
    if (!Number.isInteger(count) || count < 1 || count > 1000) throw invalidArguments('count');
    const now = this.clock.nowMs();
    let list: PublicTrade[];
    let sinceNs: bigint | undefined;
    if (params.since === undefined || params.since === '' || params.since === '0') {
      list = this.recentTrades(data, now, count);
    } else {
      if (!/^\d+(\.\d+)?$/.test(params.since)) throw invalidArguments('since');
      // Kraken's cursor is a nanosecond timestamp; plain unix seconds are accepted too.
      sinceNs = params.since.includes('.') || params.since.length <= 12
        ? BigInt(Math.floor(Number(params.since) * 1e9))
        : BigInt(params.since);
      list = this.tradesAfter(data, Number(sinceNs / 1_000_000n), now, count);
    }
    const m = data.market;
    const rows = list.map((t) => [fixed(t.price, m.pairDecimals), fixed(t.volume, 8), krakenTime(t.timeMs), t.side, t.type, '', t.tradeId]);
    const lastTrade = list[list.length - 1];
    const last = lastTrade ? (BigInt(Math.round(lastTrade.timeMs)) * 1_000_000n).toString() : (sinceNs ?? BigInt(now) * 1_000_000n).toString();
    return { [m.id]: rows, last };
  }

  /** The last `count` trades before `now`, oldest first. */
  private recentTrades(data: PairData, now: number, count: number): PublicTrade[] {
    const out: PublicTrade[] = [];
    let open = Math.floor(now / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const first = data.series.firstOpenTimeMs;
    while (out.length < count && open >= first) {
      const c = data.series.candleAt(open);
      if (c) out.unshift(...tradesOfCandle(c, now));
      open -= FIVE_MINUTES_MS;
    }
    return out.slice(Math.max(0, out.length - count));
  }

  /** Up to `count` trades strictly after `sinceMs` and before `now`, oldest first. */
  private tradesAfter(data: PairData, sinceMs: number, now: number, count: number): PublicTrade[] {
    const out: PublicTrade[] = [];
    let open = Math.max(data.series.firstOpenTimeMs, Math.floor(sinceMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS);
    while (out.length < count && open <= now) {
      const c = data.series.candleAt(open);
      if (c) for (const t of tradesOfCandle(c, now)) if (t.timeMs > sinceMs && out.length < count) out.push(t);
      open += FIVE_MINUTES_MS;
    }
    return out;
  }
}

/** Index of the first row (oldest first) whose time is after `sinceSec` (all rows when undefined). */
function firstAfter(rows: readonly OhlcRow[], sinceSec: number | undefined): number {
  if (sinceSec === undefined) return 0;
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]![0] > sinceSec) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
