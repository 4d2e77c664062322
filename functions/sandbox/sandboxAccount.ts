// Kraken sandbox: the account side. Balances, orders and trades of the one sandbox account, and
// Kraken's private endpoints (BalanceEx, Balance, TradeBalance, AddOrder, OpenOrders, ClosedOrders,
// QueryOrders, CancelOrder, TradeVolume, TradesHistory). Market orders fill against the synthetic
// book at the sandbox's "now", taker fee charged in quote.
import { randomBytes } from 'node:crypto';
import type { Pair, Side } from '../core/types.js';
import { invalidArguments, KrakenApiError } from './krakenApiError.js';
import { decimalsIn, fixed, krakenTime, roundTo, truncate, truncated } from './krakenFormat.js';
import type { SandboxClock } from './sandboxClock.js';
import type { KrakenParams, PairData, SandboxMarketData } from './sandboxMarketData.js';
import { MAKER_FEE_TIERS, SANDBOX_ASSETS, TAKER_FEE_TIERS, feePercentFor, findSandboxAsset, type SandboxMarket } from './sandboxMarkets.js';
import { walkByBase, walkByQuote } from './syntheticBook.js';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;
const CLOSED_ORDERS_PAGE = 50;
const FILL_BOOK_LEVELS = 500;
const CL_ORD_ID = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[\x21-\x7e]{1,18})$/;
const KNOWN_OFLAGS = new Set(['post', 'fcib', 'fciq', 'nompp', 'viqc']);

/** An order the sandbox accepted (market orders fill at once and are stored closed). */
export interface SandboxOrder {
  txid: string;
  pair: Pair;
  pairId: string;
  side: Side;
  orderType: 'market';
  status: 'open' | 'closed' | 'canceled';
  clOrdId?: string;
  userref?: number;
  /** True when `volume` was in quote (`oflags=viqc`). */
  viqc: boolean;
  /** The `volume` parameter as sent (quote for viqc orders, else base). */
  requestedVolume: string;
  oflags: string;
  /** Executed base amount. */
  volumeBase: number;
  /** Quote value of the fill, before fee. */
  costQuote: number;
  feeQuote: number;
  averagePrice: number;
  openedMs: number;
  closedMs?: number;
  tradeIds: string[];
}

/** One private fill (a TradesHistory entry). */
export interface SandboxFill {
  tradeId: string;
  txid: string;
  pair: Pair;
  pairId: string;
  side: Side;
  timeMs: number;
  price: number;
  volumeBase: number;
  costQuote: number;
  feeQuote: number;
  tradeSeq: number;
}

/** What a market order would do at the current book. */
interface FillQuote {
  volumeBase: number;
  costQuote: number;
  feeQuote: number;
  averagePrice: number;
}

/** The sandbox account: balances by Kraken asset id, orders and fills. */
export class SandboxAccount {
  private readonly balanceById = new Map<string, number>();
  private readonly orderList: SandboxOrder[] = [];
  private readonly fills: SandboxFill[] = [];
  private tradeSeq = 0;

  constructor(
    private readonly market: SandboxMarketData,
    private readonly clock: SandboxClock,
    balances: Record<string, number>,
  ) {
    this.setBalances(balances);
  }

  /** Balances by asset code (`USD`, `BTC`), including zero balances the account has held. */
  balances(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, amount] of this.balanceById) out[findSandboxAsset(id)?.code ?? id] = amount;
    return out;
  }

  /** Sets the given balances (by code or Kraken id); others are left as they are. */
  setBalances(balances: Record<string, number>): void {
    for (const [name, amount] of Object.entries(balances)) {
      const asset = findSandboxAsset(name);
      if (!asset) throw new Error(`unknown asset ${name}; the sandbox lists ${SANDBOX_ASSETS.map((a) => a.code).join(', ')}`);
      if (!(Number.isFinite(amount) && amount >= 0)) throw new Error(`balance of ${name} must be a non-negative number`);
      this.balanceById.set(asset.id, amount);
    }
  }

  /** Every order accepted so far, oldest first (copies). */
  orders(): SandboxOrder[] {
    return this.orderList.map((o) => ({ ...o, tradeIds: [...o.tradeIds] }));
  }

  /** Every fill so far, oldest first (copies). */
  trades(): SandboxFill[] {
    return this.fills.map((f) => ({ ...f }));
  }

  /** The taker fee rate (fraction) the account pays now, from its 30-day volume. */
  takerFeeRate(): number {
    return feePercentFor(TAKER_FEE_TIERS, this.volume30d()) / 100;
  }

  /** Dispatches one private method (authentication already checked). */
  call(method: string, params: KrakenParams): unknown {
    switch (method) {
      case 'BalanceEx':
        return this.balanceEx();
      case 'Balance':
        return this.balance();
      case 'TradeBalance':
        return this.tradeBalance();
      case 'AddOrder':
        return this.addOrder(params);
      case 'OpenOrders':
        return { open: this.orderMap(this.filtered(params, (o) => o.status === 'open'), params) };
      case 'ClosedOrders':
        return this.closedOrders(params);
      case 'QueryOrders':
        return this.queryOrders(params);
      case 'CancelOrder':
        return this.cancelOrder(params);
      case 'CancelAll':
        return this.cancelAll();
      case 'CancelAllOrdersAfter':
        return this.cancelAllOrdersAfter(params);
      case 'TradeVolume':
        return this.tradeVolume(params);
      case 'TradesHistory':
        return this.tradesHistory(params);
      default:
        throw new KrakenApiError('EGeneral:Unknown method');
    }
  }

  private balanceEx(): unknown {
    const result: Record<string, unknown> = {};
    for (const [id, amount] of this.balanceById) {
      const decimals = findSandboxAsset(id)?.decimals ?? 8;
      result[id] = { balance: truncated(amount, decimals), hold_trade: fixed(0, decimals) };
    }
    return result;
  }

  private balance(): unknown {
    const result: Record<string, string> = {};
    for (const [id, amount] of this.balanceById) result[id] = truncated(amount, findSandboxAsset(id)?.decimals ?? 8);
    return result;
  }

  private tradeBalance(): unknown {
    let equity = 0;
    for (const [id, amount] of this.balanceById) {
      if (id === 'ZUSD') {
        equity += amount;
        continue;
      }
      const data = this.market.markets.find((m) => m.baseId === id && m.quoteId === 'ZUSD');
      if (data && amount > 0) equity += amount * this.market.priceNow(this.market.pair(data.id));
    }
    const e = fixed(equity, 4);
    return { eb: e, tb: e, m: '0.0000', n: '0.0000', c: '0.0000', v: '0.0000', e, mf: e, uv: '0.0000' };
  }

  private addOrder(p: KrakenParams): unknown {
    for (const required of ['ordertype', 'type', 'volume', 'pair']) if (p[required] === undefined) throw invalidArguments(required);
    const data = this.market.pair(p.pair);
    const m = data.market;
    if (p.type !== 'buy' && p.type !== 'sell') throw invalidArguments('type');
    const side: Side = p.type;
    // The sandbox executes market orders only; resting orders (limit, stop, ...) are refused.
    if (p.ordertype !== 'market') throw invalidArguments();
    if (p.cl_ord_id !== undefined && p.userref !== undefined) throw invalidArguments('cl_ord_id');
    if (p.cl_ord_id !== undefined && !CL_ORD_ID.test(p.cl_ord_id)) throw invalidArguments('cl_ord_id');
    if (p.userref !== undefined && !/^-?\d{1,10}$/.test(p.userref)) throw invalidArguments('userref');
    const flags = (p.oflags ?? '').split(',').filter(Boolean);
    if (flags.some((f) => !KNOWN_OFLAGS.has(f)) || new Set(flags).size !== flags.length) throw invalidArguments('oflags');
    if (flags.includes('post')) throw invalidArguments('oflags');
    const viqc = flags.includes('viqc');
    if (viqc && side === 'sell') throw invalidArguments('viqc');
    const volumeText = p.volume!;
    const volume = Number(volumeText);
    const allowedDecimals = viqc ? m.costDecimals : m.lotDecimals;
    if (!(volume > 0) || !(decimalsIn(volumeText.replace(/(\.\d*?)0+$/, '$1')) <= allowedDecimals)) throw invalidArguments('volume');
    const validateOnly = p.validate === 'true' || p.validate === '1';
    if (m.status !== 'online') throw new KrakenApiError(`EService:Market in ${m.status} mode`);
    if (p.cl_ord_id !== undefined && this.orderList.some((o) => o.status === 'open' && o.clOrdId === p.cl_ord_id)) {
      throw invalidArguments('cl_ord_id');
    }

    const quote = this.quoteFill(data, side, volume, viqc);
    if (quote.volumeBase < Number(m.ordermin) || quote.costQuote < Number(m.costmin)) throw new KrakenApiError('EOrder:Order minimum not met');
    const descr = { order: `${side} ${fixed(volume, m.lotDecimals)} ${m.altname} @ market` };
    if (validateOnly) return { descr };

    if (flags.includes('fcib') && flags.includes('fciq')) throw invalidArguments('oflags');
    // Kraken's documented defaults: fee in quote when buying, in base when selling (then selling a
    // whole balance fails for the fee). `fciq` / `fcib` choose explicitly.
    const feeInBase = flags.includes('fcib') || (side === 'sell' && !flags.includes('fciq'));
    this.checkFunds(m, side, quote, feeInBase);
    const order = this.execute(data, side, quote, feeInBase, {
      viqc,
      requestedVolume: volumeText,
      oflags: flags.includes('fcib') || flags.includes('fciq') ? flags.join(',') : [...flags, feeInBase ? 'fcib' : 'fciq'].join(','),
      ...(p.cl_ord_id !== undefined ? { clOrdId: p.cl_ord_id } : {}),
      ...(p.userref !== undefined ? { userref: Number(p.userref) } : {}),
    });
    return { descr, txid: [order.txid] };
  }

  /** What a market order of `volume` (base, or quote with viqc) fills at now, rounded as Kraken reports it. */
  private quoteFill(data: PairData, side: Side, volume: number, viqc: boolean): FillQuote {
    const m = data.market;
    const book = this.market.bookNow(data, FILL_BOOK_LEVELS);
    const levels = side === 'buy' ? book.asks : book.bids;
    let volumeBase = viqc ? truncate(walkByQuote(levels, volume).amountBase, m.lotDecimals) : volume;
    const walk = walkByBase(levels, volumeBase);
    if (walk.exhausted) throw new KrakenApiError('EOrder:Insufficient liquidity');
    volumeBase = roundTo(walk.amountBase, m.lotDecimals);
    const costQuote = roundTo(walk.costQuote, m.costDecimals);
    const feeQuote = roundTo(costQuote * this.takerFeeRate(), m.costDecimals);
    const averagePrice = volumeBase > 0 ? costQuote / volumeBase : 0;
    return { volumeBase, costQuote, feeQuote, averagePrice };
  }

  private checkFunds(m: SandboxMarket, side: Side, quote: FillQuote, feeInBase: boolean): void {
    // Amounts are compared at a fixed precision so float noise never decides a refusal.
    const feeBase = feeInBase ? feeAsBase(m, quote) : 0;
    if (side === 'buy') {
      const have = this.balanceById.get(m.quoteId) ?? 0;
      const need = quote.costQuote + (feeInBase ? 0 : quote.feeQuote);
      if (roundTo(need, 8) > roundTo(have, 8)) throw new KrakenApiError('EOrder:Insufficient funds');
    } else {
      const have = this.balanceById.get(m.baseId) ?? 0;
      if (roundTo(quote.volumeBase + feeBase, 10) > roundTo(have, 10)) throw new KrakenApiError('EOrder:Insufficient funds');
    }
  }

  private execute(
    data: PairData,
    side: Side,
    quote: FillQuote,
    feeInBase: boolean,
    extra: Pick<SandboxOrder, 'viqc' | 'requestedVolume' | 'oflags' | 'clOrdId' | 'userref'>,
  ): SandboxOrder {
    const m = data.market;
    const now = this.clock.nowMs();
    const base = this.balanceById.get(m.baseId) ?? 0;
    const quoteBalance = this.balanceById.get(m.quoteId) ?? 0;
    const feeBase = feeInBase ? feeAsBase(m, quote) : 0;
    const feeQuote = feeInBase ? 0 : quote.feeQuote;
    const sign = side === 'buy' ? 1 : -1;
    this.balanceById.set(m.baseId, roundTo(base + sign * quote.volumeBase - feeBase, 10));
    this.balanceById.set(m.quoteId, roundTo(quoteBalance - sign * quote.costQuote - feeQuote, 10));
    const txid = krakenId('O');
    const tradeId = krakenId('T');
    const order: SandboxOrder = {
      txid,
      pair: m.symbol,
      pairId: m.id,
      side,
      orderType: 'market',
      status: 'closed',
      ...extra,
      volumeBase: quote.volumeBase,
      costQuote: quote.costQuote,
      feeQuote: quote.feeQuote,
      averagePrice: quote.averagePrice,
      openedMs: now,
      closedMs: now,
      tradeIds: [tradeId],
    };
    this.orderList.push(order);
    this.fills.push({
      tradeId,
      txid,
      pair: m.symbol,
      pairId: m.id,
      side,
      timeMs: now,
      price: quote.averagePrice,
      volumeBase: quote.volumeBase,
      costQuote: quote.costQuote,
      feeQuote: quote.feeQuote,
      tradeSeq: ++this.tradeSeq,
    });
    return order;
  }

  private filtered(p: KrakenParams, keep: (o: SandboxOrder) => boolean): SandboxOrder[] {
    if (p.cl_ord_id !== undefined && p.userref !== undefined) throw invalidArguments('cl_ord_id');
    const userref = p.userref === undefined ? undefined : Number(p.userref);
    return this.orderList.filter(
      (o) => keep(o) && (p.cl_ord_id === undefined || o.clOrdId === p.cl_ord_id) && (userref === undefined || o.userref === userref),
    );
  }

  private closedOrders(p: KrakenParams): unknown {
    const closetime = p.closetime ?? 'both';
    if (!['open', 'close', 'both'].includes(closetime)) throw invalidArguments('closetime');
    const start = p.start === undefined ? undefined : this.timeBound(p.start);
    const end = p.end === undefined ? undefined : this.timeBound(p.end);
    const inRange = (ms: number | undefined) =>
      ms !== undefined && (start === undefined || ms / 1000 > start) && (end === undefined || ms / 1000 <= end);
    const matches = this.filtered(p, (o) => {
      if (o.status === 'open') return false;
      if (closetime === 'open') return inRange(o.openedMs);
      if (closetime === 'close') return inRange(o.closedMs);
      return inRange(o.openedMs) || inRange(o.closedMs);
    }).reverse();
    const ofs = p.ofs === undefined ? 0 : Number(p.ofs);
    if (!(Number.isInteger(ofs) && ofs >= 0)) throw invalidArguments('ofs');
    return { closed: this.orderMap(matches.slice(ofs, ofs + CLOSED_ORDERS_PAGE), p), count: matches.length };
  }

  /** A `start`/`end` bound in unix seconds; a txid bound means that order's open time. */
  private timeBound(value: string): number {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    const order = this.orderList.find((o) => o.txid === value);
    if (!order) throw invalidArguments('start');
    return order.openedMs / 1000;
  }

  private queryOrders(p: KrakenParams): unknown {
    if (!p.txid) throw invalidArguments('txid');
    const ids = p.txid.split(',');
    if (ids.length > 50) throw invalidArguments('txid');
    const userref = p.userref === undefined ? undefined : Number(p.userref);
    const result: Record<string, unknown> = {};
    for (const id of ids) {
      const order = this.orderList.find((o) => o.txid === id);
      if (!order) throw new KrakenApiError('EOrder:Invalid order');
      if (userref !== undefined && order.userref !== userref) continue;
      result[id] = this.orderInfo(order, p);
    }
    return result;
  }

  private cancelOrder(p: KrakenParams): unknown {
    const ref = p.txid ?? p.cl_ord_id;
    if (!ref) throw invalidArguments('txid');
    const targets = this.orderList.filter((o) => o.status === 'open' && (o.txid === ref || o.clOrdId === ref || String(o.userref) === ref));
    if (targets.length === 0) throw new KrakenApiError('EOrder:Unknown order');
    for (const o of targets) {
      o.status = 'canceled';
      o.closedMs = this.clock.nowMs();
    }
    return { count: targets.length };
  }

  private cancelAll(): unknown {
    let count = 0;
    for (const o of this.orderList) {
      if (o.status !== 'open') continue;
      o.status = 'canceled';
      o.closedMs = this.clock.nowMs();
      count++;
    }
    return { count };
  }

  private cancelAllOrdersAfter(p: KrakenParams): unknown {
    const timeout = Number(p.timeout);
    if (!(Number.isInteger(timeout) && timeout >= 0)) throw invalidArguments('timeout');
    const now = this.clock.nowMs();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { currentTime: iso(now), triggerTime: timeout === 0 ? '0' : iso(now + timeout * 1000) };
  }

  private tradeVolume(p: KrakenParams): unknown {
    const volume = this.volume30d();
    const result: Record<string, unknown> = { currency: 'ZUSD', volume: fixed(volume, 4) };
    if (p.pair) {
      const fees: Record<string, unknown> = {};
      const feesMaker: Record<string, unknown> = {};
      for (const name of p.pair.split(',')) {
        const m = this.market.pair(name).market;
        fees[m.id] = feeInfo(TAKER_FEE_TIERS, volume);
        feesMaker[m.id] = feeInfo(MAKER_FEE_TIERS, volume);
      }
      result.fees = fees;
      result.fees_maker = feesMaker;
    }
    return result;
  }

  private tradesHistory(p: KrakenParams): unknown {
    const start = p.start === undefined ? undefined : Number(p.start);
    const end = p.end === undefined ? undefined : Number(p.end);
    if ((start !== undefined && !Number.isFinite(start)) || (end !== undefined && !Number.isFinite(end))) throw invalidArguments('start');
    const ofs = p.ofs === undefined ? 0 : Number(p.ofs);
    const matches = this.fills
      .filter((f) => (start === undefined || f.timeMs / 1000 > start) && (end === undefined || f.timeMs / 1000 <= end))
      .reverse();
    const trades: Record<string, unknown> = {};
    for (const f of matches.slice(ofs, ofs + CLOSED_ORDERS_PAGE)) {
      const m = this.market.pair(f.pairId).market;
      trades[f.tradeId] = {
        ordertxid: f.txid,
        postxid: krakenIdFrom('T', f.tradeId),
        pair: f.pairId,
        time: krakenTime(f.timeMs),
        type: f.side,
        ordertype: 'market',
        price: fixed(f.price, Math.max(m.pairDecimals, 5)),
        cost: fixed(f.costQuote, m.costDecimals),
        fee: fixed(f.feeQuote, m.costDecimals),
        vol: fixed(f.volumeBase, m.lotDecimals),
        margin: fixed(0, m.costDecimals),
        leverage: '0',
        misc: '',
        trade_id: f.tradeSeq,
        maker: false,
      };
    }
    return { trades, count: matches.length };
  }

  private orderMap(orders: readonly SandboxOrder[], p: KrakenParams): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const o of orders) out[o.txid] = this.orderInfo(o, p);
    return out;
  }

  /** Kraken's OrderInfo shape. */
  private orderInfo(o: SandboxOrder, p: KrakenParams): Record<string, unknown> {
    const m = this.market.pair(o.pairId).market;
    const info: Record<string, unknown> = {
      refid: null,
      userref: o.userref ?? 0,
      ...(o.clOrdId !== undefined ? { cl_ord_id: o.clOrdId } : {}),
      status: o.status,
      reason: null,
      opentm: krakenTime(o.openedMs),
      ...(o.closedMs !== undefined && o.status !== 'open' ? { closetm: krakenTime(o.closedMs) } : {}),
      starttm: 0,
      expiretm: 0,
      descr: {
        pair: m.altname,
        type: o.side,
        ordertype: 'market',
        price: '0',
        price2: '0',
        leverage: 'none',
        order: `${o.side} ${fixed(Number(o.requestedVolume), m.lotDecimals)} ${m.altname} @ market`,
        close: '',
      },
      // A filled viqc order's volume is reported in base like its executed volume.
      vol: fixed(o.viqc ? o.volumeBase : Number(o.requestedVolume), m.lotDecimals),
      vol_exec: fixed(o.volumeBase, m.lotDecimals),
      cost: fixed(o.costQuote, m.costDecimals),
      fee: fixed(o.feeQuote, m.costDecimals),
      price: fixed(o.averagePrice, Math.max(m.pairDecimals, 5)),
      stopprice: '0.00000',
      limitprice: '0.00000',
      misc: '',
      oflags: o.oflags,
    };
    if (p.trades === 'true' || p.trades === '1') info.trades = [...o.tradeIds];
    return info;
  }

  private volume30d(): number {
    const since = this.clock.nowMs() - THIRTY_DAYS_MS;
    let total = 0;
    for (const f of this.fills) if (f.timeMs > since) total += f.costQuote;
    return total;
  }
}

/** The fee in base units when the order asked for it (`fcib`); Kraken still reports `fee` in quote. */
function feeAsBase(m: SandboxMarket, quote: FillQuote): number {
  return quote.averagePrice > 0 ? roundTo(quote.feeQuote / quote.averagePrice, m.lotDecimals) : 0;
}

function feeInfo(tiers: ReadonlyArray<readonly [number, number]>, volume: number): Record<string, string | null> {
  const index = tiers.reduce((at, [threshold], i) => (volume >= threshold ? i : at), 0);
  const [tierVolume, fee] = tiers[index]!;
  const next = tiers[index + 1];
  return {
    fee: fixed(fee, 4),
    minfee: fixed(tiers[tiers.length - 1]![1], 4),
    maxfee: fixed(tiers[0]![1], 4),
    ...(next ? { nextfee: fixed(next[1], 4), nextvolume: fixed(next[0], 4) } : { nextfee: null, nextvolume: null }),
    tiervolume: fixed(tierVolume, 4),
  };
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A Kraken-style id such as `OQCLML-BW3P3-BUCMWZ`. */
function krakenId(prefix: string): string {
  const chars = [...randomBytes(16)].map((b) => ID_CHARS[b % 32]!).join('');
  return `${prefix}${chars.slice(0, 5)}-${chars.slice(5, 10)}-${chars.slice(10, 16)}`;
}

/** A second id derived from the first (Kraken's `postxid`). */
function krakenIdFrom(prefix: string, id: string): string {
  return prefix + id.slice(1).split('').reverse().join('');
}
