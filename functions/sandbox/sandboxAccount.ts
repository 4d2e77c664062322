// Kraken sandbox: the account side. Balances, orders and trades of the one sandbox account, and
// Kraken's private endpoints (BalanceEx, Balance, TradeBalance, AddOrder, OpenOrders, ClosedOrders,
// QueryOrders, CancelOrder, TradeVolume, TradesHistory). Market orders fill against the synthetic
// book, taker fee charged in quote unless the order (or the armed behaviour) takes it in base. By
// default an order fills at once; armed order rules make it pending, open, partly filled, queued or
// late in ClosedOrders, stepping forward on each lookup of it.
import { randomBytes } from 'node:crypto';
import type { Pair, Side } from '../core/types.js';
import { invalidArguments, KrakenApiError, ReplyLost } from './krakenApiError.js';
import { decimalsIn, fixed, krakenTime, roundTo, truncate } from './krakenFormat.js';
import { SandboxBalances } from './sandboxBalances.js';
import { SandboxBehaviour, type OrderRule } from './sandboxBehaviour.js';
import { SandboxMargin, type SandboxMarginOptions } from './sandboxMargin.js';
import type { SandboxClock } from './sandboxClock.js';
import { parseDeadline } from './sandboxDeadline.js';
import type { KrakenParams, PairData, SandboxMarketData } from './sandboxMarketData.js';
import { MAKER_FEE_TIERS, SANDBOX_ASSETS, TAKER_FEE_TIERS, feePercentFor, findSandboxAsset, findSandboxMarket, type SandboxMarket } from './sandboxMarkets.js';
import { walkByBase, walkByQuote } from './syntheticBook.js';

const THIRTY_DAYS_MS = 30 * 24 * 3_600_000;
const CLOSED_ORDERS_PAGE = 50;
const FILL_BOOK_LEVELS = 500;
const CL_ORD_ID = /^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[\x21-\x7e]{1,18})$/;
const KNOWN_OFLAGS = new Set(['post', 'fcib', 'fciq', 'nompp', 'viqc']);
/** The reason a canceled rest reports (Kraken's market price protection). */
export const PRICE_PROTECTION_REASON = 'Market price protection';

/** Kraken's order statuses the sandbox produces; only closed and canceled are final. */
export type SandboxOrderStatus = 'pending' | 'open' | 'closed' | 'canceled';

/** An order the sandbox accepted and that reached the engine (market orders; by default filled at once). */
export interface SandboxOrder {
  txid: string;
  pair: Pair;
  pairId: string;
  side: Side;
  orderType: 'market';
  status: SandboxOrderStatus;
  clOrdId?: string;
  userref?: number;
  /** True when `volume` was in quote (`oflags=viqc`). */
  viqc: boolean;
  /** The `volume` parameter as sent (quote for viqc orders, else base). */
  requestedVolume: string;
  oflags: string;
  /** Executed base amount (Kraken's `vol_exec`). */
  volumeBase: number;
  /** Quote value of the fills, before fee. */
  costQuote: number;
  /** Fee of the fills in quote, whatever currency it was taken in. */
  feeQuote: number;
  averagePrice: number;
  openedMs: number;
  closedMs?: number;
  tradeIds: string[];
  /** Why it was canceled by Kraken (market price protection, funds); absent otherwise. */
  reason?: string;
  /** AddOrder's `deadline`, when it had one. */
  deadlineMs?: number;
  /** A margin order (AddOrder with `leverage`): its leverage and whether it was reduce-only. */
  margin?: { leverage: number; reduceOnly: boolean };
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

/** An order that went into the engine's queue (an armed `queue` rule), and what became of it. */
export interface SandboxQueuedOrder {
  txid: string;
  pair: Pair;
  side: Side;
  clOrdId?: string;
  requestedVolume: string;
  receivedMs: number;
  executeAtMs: number;
  deadlineMs?: number;
  /** `queued` (waiting), `executed` (now an order), `deadline-elapsed` (never executed) or `rejected`. */
  outcome: 'queued' | 'executed' | 'deadline-elapsed' | 'rejected';
  /** The Kraken error of a rejected one. */
  error?: string;
}

/** One order as the control API shows it, with Kraken's field names where Kraken has one. */
export interface SandboxOrderView {
  txid: string;
  status: SandboxOrderStatus;
  reason?: string;
  pair: Pair;
  side: Side;
  cl_ord_id?: string;
  userref?: number;
  /** The volume as sent (quote when `viqc`). */
  vol: number;
  viqc: boolean;
  vol_exec: number;
  cost: number;
  /** Fee in quote. */
  fee: number;
  price: number;
  oflags: string;
  openedMs: number;
  closedMs?: number;
  deadlineMs?: number;
  /** Lookups of it so far (OpenOrders/ClosedOrders/QueryOrders reads that selected it). */
  lookups: number;
  /** ClosedOrders reads it will still be left out of. */
  closedOrdersLagLeft: number;
  trades: string[];
}

/** The sandbox's own account as the control API shows it. */
export interface SandboxAccountView {
  nowMs: number;
  /** By Kraken balance key, extensions included (`ZUSD`, `XXBT`, `XBT.F`, `XBT.S`). */
  balances: Record<string, number>;
  /** Tradable totals by asset code (spot plus `.F`), what `getBalances()` returns. */
  tradable: Record<string, number>;
  /** Funds held for orders not final yet, by Kraken asset id. */
  holds: Record<string, number>;
  orders: SandboxOrderView[];
  fills: SandboxFill[];
  queued: SandboxQueuedOrder[];
}

/** What a market order (or a part of one) fills at, rounded as Kraken reports it. */
interface FillQuote {
  volumeBase: number;
  costQuote: number;
  feeQuote: number;
  averagePrice: number;
}

/** An AddOrder that passed its checks: everything needed to execute it, now or after the queue. */
interface OrderSpec {
  data: PairData;
  side: Side;
  viqc: boolean;
  /** `volume` as a number: base, or quote for viqc. */
  volume: number;
  volumeText: string;
  feeInBase: boolean;
  oflags: string;
  clOrdId?: string;
  userref?: number;
  deadlineMs?: number;
  rule?: OrderRule;
  /** A leverage order (docs/shorts.md): fills move the margin position, not the spot balances. */
  margin?: { leverage: number; reduceOnly: boolean };
}

/** An order's progress through the engine. */
interface OrderFlow {
  order: SandboxOrder;
  spec: OrderSpec;
  /** Part of `spec.volume` done (filled or given up). */
  done: number;
  /** Funds held for the whole order at acceptance; the unfilled share of it is held while it is not final. */
  hold: { assetId: string; amount: number };
  lookups: number;
  lagLeft: number;
}

interface QueueEntry {
  view: SandboxQueuedOrder;
  spec: OrderSpec;
}

/** The sandbox account: balances by Kraken key, orders, fills and the engine's queue. */
export class SandboxAccount {
  private readonly wallet = new SandboxBalances();
  private readonly flows: OrderFlow[] = [];
  private readonly fills: SandboxFill[] = [];
  private readonly queue: QueueEntry[] = [];
  private tradeSeq = 0;
  private readonly behaviour: SandboxBehaviour;
  /** Margin positions, rollover and liquidation (sandboxMargin.ts). */
  readonly margin: SandboxMargin;

  constructor(
    private readonly market: SandboxMarketData,
    private readonly clock: SandboxClock,
    balances: Record<string, number>,
    behaviour?: SandboxBehaviour,
    marginOptions?: SandboxMarginOptions,
  ) {
    this.behaviour = behaviour ?? new SandboxBehaviour({ market: (n) => findSandboxMarket(market.allMarkets, n), asset: findSandboxAsset });
    this.margin = new SandboxMargin(this.wallet, marginOptions);
    this.setBalances(balances);
  }

  /** Tradable balances by asset code (`USD`, `BTC` = XXBT + XBT.F), including zero balances the account has held. */
  balances(): Record<string, number> {
    this.settle();
    return this.wallet.tradableByCode();
  }

  /** Every balance by Kraken key, extensions included (`XXBT`, `XBT.F`, `XBT.S`). */
  krakenBalances(): Record<string, number> {
    this.settle();
    return this.wallet.byKrakenKey();
  }

  /** Sets the given balances (code, Kraken id or extension such as `BTC.F`); others are left as they are. */
  setBalances(balances: Record<string, number>): void {
    this.wallet.set(balances);
    this.sweepAutoEarn();
  }

  /** Applies the armed Auto Earn shares now (after a fill, a balance change or arming it). */
  sweepAutoEarn(): void {
    for (const [assetId, share] of this.behaviour.autoEarn) this.wallet.sweep(assetId, share);
  }

  /** Every order that reached the engine so far, oldest first (copies). */
  orders(): SandboxOrder[] {
    this.settle();
    return this.flows.map((f) => ({ ...f.order, tradeIds: [...f.order.tradeIds] }));
  }

  /** Every fill so far, oldest first (copies). */
  trades(): SandboxFill[] {
    this.settle();
    return this.fills.map((f) => ({ ...f }));
  }

  /** The account as the control API shows it. */
  view(): SandboxAccountView {
    this.settle();
    const m = (f: OrderFlow) => f.spec.data.market;
    return {
      nowMs: this.clock.nowMs(),
      balances: this.wallet.byKrakenKey(),
      tradable: this.wallet.tradableByCode(),
      holds: Object.fromEntries([...this.holds()].map(([id, amount]) => [id, roundTo(amount, 10)])),
      orders: this.flows.map((f) => ({
        txid: f.order.txid,
        status: f.order.status,
        ...(f.order.reason !== undefined ? { reason: f.order.reason } : {}),
        pair: f.order.pair,
        side: f.order.side,
        ...(f.order.clOrdId !== undefined ? { cl_ord_id: f.order.clOrdId } : {}),
        ...(f.order.userref !== undefined ? { userref: f.order.userref } : {}),
        vol: Number(f.order.requestedVolume),
        viqc: f.order.viqc,
        vol_exec: f.order.volumeBase,
        cost: f.order.costQuote,
        fee: f.order.feeQuote,
        price: roundTo(f.order.averagePrice, Math.max(m(f).pairDecimals, 5)),
        oflags: f.order.oflags,
        openedMs: f.order.openedMs,
        ...(f.order.closedMs !== undefined ? { closedMs: f.order.closedMs } : {}),
        ...(f.order.deadlineMs !== undefined ? { deadlineMs: f.order.deadlineMs } : {}),
        lookups: f.lookups,
        closedOrdersLagLeft: f.lagLeft,
        trades: [...f.order.tradeIds],
      })),
      fills: this.fills.map((f) => ({ ...f })),
      queued: this.queue.map((q) => ({ ...q.view })),
    };
  }

  /** The taker fee rate (fraction) the account pays now, from its 30-day volume. */
  takerFeeRate(): number {
    return feePercentFor(TAKER_FEE_TIERS, this.volume30d()) / 100;
  }

  /**
   * Executes queued orders whose time has come (in time order, at their own moment's price); one
   * whose deadline passed first never executes. Every call and every read runs it first.
   */
  settle(): void {
    const now = this.clock.nowMs();
    this.margin.accrue(now, (id) => this.market.pairAny(id).market, (id) => this.market.priceNow(this.market.pairAny(id)));
    for (;;) {
      const due = this.queue.filter((q) => q.view.outcome === 'queued' && q.view.executeAtMs <= now).sort((a, b) => a.view.executeAtMs - b.view.executeAtMs)[0];
      if (!due) return;
      const at = due.view.executeAtMs;
      if (due.spec.deadlineMs !== undefined && due.spec.deadlineMs < at) {
        due.view.outcome = 'deadline-elapsed';
        continue;
      }
      try {
        const m = due.spec.data.market;
        if (this.behaviour.isDelisted(m.id)) throw new KrakenApiError('EQuery:Unknown asset pair');
        this.checkMode(m);
        const quote = this.quoteFill(due.spec.data, due.spec.side, due.spec.volume, due.spec.viqc, at);
        if (!due.spec.margin) this.checkFunds(m, due.spec.side, quote, due.spec.feeInBase);
        else this.margin.checkOrder(m, due.spec.side, String(due.spec.margin.leverage), due.spec.margin.reduceOnly, quote.volumeBase, quote.costQuote, Number((this.tradeBalance() as { mf: string }).mf));
        this.start(due.spec, due.view.txid, quote, at);
        due.view.outcome = 'executed';
      } catch (err) {
        if (!(err instanceof KrakenApiError)) throw err;
        due.view.outcome = 'rejected';
        due.view.error = err.message;
      }
    }
  }

  /** Dispatches one private method (authentication already checked). */
  call(method: string, params: KrakenParams): unknown {
    this.settle();
    switch (method) {
      case 'BalanceEx':
        return this.wallet.balanceEx(this.holds());
      case 'Balance':
        return this.wallet.balance();
      case 'TradeBalance':
        this.margin.requireEnabled();
        return this.tradeBalance();
      case 'OpenPositions':
        return this.margin.openPositions(params.consolidation === 'market', (id) => this.market.pairAny(id).market, (id) => this.market.priceNow(this.market.pairAny(id)));
      case 'AddOrder':
        return this.addOrder(params);
      case 'OpenOrders':
        return this.openOrders(params);
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

  private tradeBalance(): unknown {
    let equity = 0;
    for (const asset of SANDBOX_ASSETS) {
      const amount = this.wallet.held(asset.id);
      if (asset.id === 'ZUSD') {
        equity += amount;
        continue;
      }
      const m = this.market.allMarkets.find((x) => x.baseId === asset.id && x.quoteId === 'ZUSD');
      if (m && amount > 0) equity += amount * this.market.priceNow(this.market.pairAny(m.id));
    }
    const { marginUsed, unrealized } = this.margin.totals((id) => this.market.priceNow(this.market.pairAny(id)));
    const e = fixed(equity + unrealized, 4);
    return { eb: fixed(equity, 4), tb: fixed(equity, 4), m: fixed(marginUsed, 4), n: fixed(unrealized, 4), c: '0.0000', v: '0.0000', e, mf: fixed(equity + unrealized - marginUsed, 4), uv: '0.0000' };
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
    const now = this.clock.nowMs();
    const deadlineMs = p.deadline === undefined ? undefined : parseDeadline(p.deadline, now);
    const validateOnly = p.validate === 'true' || p.validate === '1';
    this.checkMode(m);
    if (p.cl_ord_id !== undefined && this.flows.some((f) => !isFinal(f.order.status) && f.order.clOrdId === p.cl_ord_id)) {
      throw invalidArguments('cl_ord_id');
    }

    const quote = this.quoteFill(data, side, volume, viqc, now);
    if (quote.volumeBase < Number(m.ordermin) || quote.costQuote < Number(m.costmin)) throw new KrakenApiError('EOrder:Order minimum not met');
    const leverageText = p.leverage !== undefined && p.leverage !== 'none' ? p.leverage : undefined;
    const reduceOnly = p.reduce_only === 'true' || p.reduce_only === '1';
    let marginSpec: OrderSpec['margin'];
    if (leverageText !== undefined) {
      if (viqc) throw invalidArguments('viqc');
      const free = Number((this.tradeBalance() as { mf: string }).mf);
      marginSpec = { leverage: this.margin.checkOrder(m, side, leverageText, reduceOnly, quote.volumeBase, quote.costQuote, free), reduceOnly };
    } else if (reduceOnly) {
      throw invalidArguments('reduce_only');
    }
    const descr = { order: `${side} ${fixed(volume, m.lotDecimals)} ${m.altname} @ market` };
    if (validateOnly) return { descr };

    if (flags.includes('fcib') && flags.includes('fciq')) throw invalidArguments('oflags');
    // Kraken's documented defaults: fee in quote when buying, in base when selling (then selling a
    // whole balance fails for the fee). `fciq` / `fcib` choose explicitly; the `feeInBase`
    // behaviour takes it in base whatever was asked (the preference is not a promise).
    const feeInBase = !marginSpec && (flags.includes('fcib') || (side === 'sell' && !flags.includes('fciq')) || this.behaviour.forcesFeeInBase(side));
    const explicitFee = flags.includes('fcib') || flags.includes('fciq');
    const spec: OrderSpec = {
      data,
      side,
      viqc,
      volume,
      volumeText,
      feeInBase,
      oflags: explicitFee ? flags.join(',') : [...flags, feeInBase ? 'fcib' : 'fciq'].join(','),
      ...(p.cl_ord_id !== undefined ? { clOrdId: p.cl_ord_id } : {}),
      ...(p.userref !== undefined ? { userref: Number(p.userref) } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
      ...(marginSpec ? { margin: marginSpec } : {}),
    };
    const rule = this.behaviour.takeOrderRule(m.id, side);
    if (rule) spec.rule = rule;
    const txid = krakenId('O');
    if (rule?.queue) {
      // Into the engine's queue: invisible and not executed until its delay has passed.
      this.queue.push({
        spec,
        view: {
          txid,
          pair: m.symbol,
          side,
          ...(spec.clOrdId !== undefined ? { clOrdId: spec.clOrdId } : {}),
          requestedVolume: volumeText,
          receivedMs: now,
          executeAtMs: now + rule.queue.delayMs,
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
          outcome: 'queued',
        },
      });
      if (rule.queue.reply === 'lost') throw new ReplyLost(`AddOrder ${txid} queued; its reply is lost`);
      if (rule.queue.reply === 'error') throw new KrakenApiError(rule.queue.error);
      return { descr, txid: [txid] };
    }
    if (!marginSpec) this.checkFunds(m, side, quote, feeInBase);
    this.start(spec, txid, quote, now);
    return { descr, txid: [txid] };
  }

  /** Refuses market orders in a pair whose mode is not online, with Kraken's text. */
  private checkMode(m: SandboxMarket): void {
    const status = this.market.statusOf(m);
    if (status !== 'online') throw new KrakenApiError(`EService:Market in ${status} mode`);
  }

  /** The order reaches the engine at `atMs`: pending, or open (a part filling at once), or final. */
  private start(spec: OrderSpec, txid: string, quote: FillQuote, atMs: number): void {
    const m = spec.data.market;
    const rule = spec.rule;
    const feeBase = spec.feeInBase ? feeAsBase(m, quote) : 0;
    const hold = spec.margin
      ? { assetId: m.quoteId, amount: 0 }
      : spec.side === 'buy'
        ? { assetId: m.quoteId, amount: quote.costQuote + (spec.feeInBase ? 0 : quote.feeQuote) }
        : { assetId: m.baseId, amount: quote.volumeBase + feeBase };
    const order: SandboxOrder = {
      txid,
      pair: m.symbol,
      pairId: m.id,
      side: spec.side,
      orderType: 'market',
      status: rule && rule.pendingLookups > 0 ? 'pending' : 'open',
      ...(spec.clOrdId !== undefined ? { clOrdId: spec.clOrdId } : {}),
      ...(spec.userref !== undefined ? { userref: spec.userref } : {}),
      viqc: spec.viqc,
      requestedVolume: spec.volumeText,
      oflags: spec.oflags,
      volumeBase: 0,
      costQuote: 0,
      feeQuote: 0,
      averagePrice: 0,
      openedMs: atMs,
      tradeIds: [],
      ...(spec.deadlineMs !== undefined ? { deadlineMs: spec.deadlineMs } : {}),
      ...(spec.margin ? { margin: { ...spec.margin } } : {}),
    };
    const flow: OrderFlow = { order, spec, done: 0, hold, lookups: 0, lagLeft: 0 };
    this.flows.push(flow);
    if (order.status === 'open') this.open(flow, atMs, quote);
  }

  /** The order opens: a partial fill takes its part now; without open lookups it goes on to its last step. */
  private open(flow: OrderFlow, atMs: number, wholeQuote?: FillQuote): void {
    const rule = flow.spec.rule;
    flow.order.status = 'open';
    if (rule?.partialFill) this.fillPart(flow, this.part(flow, flow.spec.volume * rule.partialFill.fraction), atMs);
    if (flow.order.status === 'open' && (rule?.openLookups ?? 0) === 0) this.finish(flow, atMs, rule?.partialFill ? undefined : wholeQuote);
  }

  /** The order's last step: the rest fills (closed), or is canceled (market price protection). */
  private finish(flow: OrderFlow, atMs: number, wholeQuote?: FillQuote): void {
    const rule = flow.spec.rule;
    if (rule?.partialFill?.rest === 'cancel') {
      this.endFlow(flow, 'canceled', atMs, PRICE_PROTECTION_REASON);
      return;
    }
    this.fillPart(flow, this.part(flow, flow.spec.volume - flow.done), atMs, wholeQuote);
    if (!isFinal(flow.order.status)) this.endFlow(flow, 'closed', atMs);
  }

  private endFlow(flow: OrderFlow, status: 'closed' | 'canceled', atMs: number, reason?: string): void {
    flow.order.status = status;
    flow.order.closedMs = atMs;
    if (reason !== undefined) flow.order.reason = reason;
    flow.done = flow.spec.volume;
    flow.lagLeft = flow.spec.rule?.closedOrdersLag ?? 0;
  }

  /** `amount` of the order's volume, rounded down to what Kraken accepts for it. */
  private part(flow: OrderFlow, amount: number): number {
    const m = flow.spec.data.market;
    return truncate(Math.max(0, amount), flow.spec.viqc ? m.costDecimals : m.lotDecimals);
  }

  /**
   * Fills `amount` of the order's volume at `atMs`'s book: balances move now. If the account can
   * no longer pay for it, or the book cannot fill it, the order is canceled with what it has.
   */
  private fillPart(flow: OrderFlow, amount: number, atMs: number, precomputed?: FillQuote): void {
    if (amount <= 0) return;
    const { spec, order } = flow;
    const m = spec.data.market;
    let quote: FillQuote;
    try {
      quote = precomputed ?? this.quoteFill(spec.data, spec.side, amount, spec.viqc, atMs);
      if (quote.volumeBase <= 0) return;
      // This order's own hold is what pays for it; other orders' holds stay untouched.
      if (!spec.margin) this.checkFunds(m, spec.side, quote, spec.feeInBase, flow);
      else this.margin.checkFill(m, spec.side, quote.volumeBase);
    } catch (err) {
      if (!(err instanceof KrakenApiError)) throw err;
      this.endFlow(flow, 'canceled', atMs, err.message.replace(/^E[A-Za-z]+:/, ''));
      return;
    }
    const feeBase = spec.feeInBase ? feeAsBase(m, quote) : 0;
    const feeQuote = spec.feeInBase ? 0 : quote.feeQuote;
    if (spec.margin) {
      this.margin.applyFill(m, spec.side, spec.margin.leverage, quote.volumeBase, quote.costQuote, quote.feeQuote, atMs, order.txid);
    } else if (spec.side === 'buy') {
      this.wallet.debit(m.quoteId, quote.costQuote + feeQuote);
      this.wallet.credit(m.baseId, quote.volumeBase - feeBase);
    } else {
      this.wallet.debit(m.baseId, quote.volumeBase + feeBase);
      this.wallet.credit(m.quoteId, quote.costQuote - feeQuote);
    }
    this.sweepAutoEarn();
    const tradeId = krakenId('T');
    order.volumeBase = roundTo(order.volumeBase + quote.volumeBase, m.lotDecimals);
    order.costQuote = roundTo(order.costQuote + quote.costQuote, m.costDecimals);
    order.feeQuote = roundTo(order.feeQuote + quote.feeQuote, m.costDecimals);
    order.averagePrice = order.volumeBase > 0 ? order.costQuote / order.volumeBase : 0;
    order.tradeIds.push(tradeId);
    flow.done = roundTo(flow.done + amount, 10);
    this.fills.push({
      tradeId,
      txid: order.txid,
      pair: m.symbol,
      pairId: m.id,
      side: spec.side,
      timeMs: atMs,
      price: quote.averagePrice,
      volumeBase: quote.volumeBase,
      costQuote: quote.costQuote,
      feeQuote: quote.feeQuote,
      tradeSeq: ++this.tradeSeq,
    });
  }

  /** One lookup of an order (a read selecting it): a not-final order steps forward per its rule. */
  private touch(flow: OrderFlow): void {
    if (isFinal(flow.order.status)) return;
    flow.lookups++;
    const rule = flow.spec.rule;
    const pending = rule?.pendingLookups ?? 0;
    const open = rule?.openLookups ?? 0;
    const now = this.clock.nowMs();
    if (flow.order.status === 'pending' && flow.lookups > pending) this.open(flow, now);
    if (flow.order.status === 'open' && flow.lookups > pending + open) this.finish(flow, now);
  }

  /** Funds held for orders not final yet, by Kraken asset id (their unfilled share). */
  private holds(except?: OrderFlow): Map<string, number> {
    const out = new Map<string, number>();
    for (const f of this.flows) {
      if (f === except || isFinal(f.order.status)) continue;
      const left = f.spec.volume > 0 ? Math.max(0, 1 - f.done / f.spec.volume) : 0;
      out.set(f.hold.assetId, (out.get(f.hold.assetId) ?? 0) + f.hold.amount * left);
    }
    return out;
  }

  /** What a market order of `volume` (base, or quote with viqc) fills at `atMs`, rounded as Kraken reports it. */
  private quoteFill(data: PairData, side: Side, volume: number, viqc: boolean, atMs: number): FillQuote {
    const m = data.market;
    const book = this.market.bookAt(data, atMs, FILL_BOOK_LEVELS);
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

  /** Refuses what the tradable balance (spot plus `.F`, less other orders' holds) cannot pay. */
  private checkFunds(m: SandboxMarket, side: Side, quote: FillQuote, feeInBase: boolean, self?: OrderFlow): void {
    // Amounts are compared at a fixed precision so float noise never decides a refusal.
    const feeBase = feeInBase ? feeAsBase(m, quote) : 0;
    const holds = this.holds(self);
    if (side === 'buy') {
      const have = this.wallet.tradable(m.quoteId) - (holds.get(m.quoteId) ?? 0);
      const need = quote.costQuote + (feeInBase ? 0 : quote.feeQuote);
      if (roundTo(need, 8) > roundTo(have, 8)) throw new KrakenApiError('EOrder:Insufficient funds');
    } else {
      const have = this.wallet.tradable(m.baseId) - (holds.get(m.baseId) ?? 0);
      if (roundTo(quote.volumeBase + feeBase, 10) > roundTo(have, 10)) throw new KrakenApiError('EOrder:Insufficient funds');
    }
  }

  /** Orders matching the request's cl_ord_id / userref filters, whatever their status. */
  private filtered(p: KrakenParams): OrderFlow[] {
    if (p.cl_ord_id !== undefined && p.userref !== undefined) throw invalidArguments('cl_ord_id');
    const userref = p.userref === undefined ? undefined : Number(p.userref);
    return this.flows.filter((f) => (p.cl_ord_id === undefined || f.order.clOrdId === p.cl_ord_id) && (userref === undefined || f.order.userref === userref));
  }

  private openOrders(p: KrakenParams): unknown {
    const selected = this.filtered(p);
    for (const f of selected) this.touch(f);
    return { open: this.orderMap(selected.filter((f) => !isFinal(f.order.status)), p) };
  }

  private closedOrders(p: KrakenParams): unknown {
    const closetime = p.closetime ?? 'both';
    if (!['open', 'close', 'both'].includes(closetime)) throw invalidArguments('closetime');
    const start = p.start === undefined ? undefined : this.timeBound(p.start);
    const end = p.end === undefined ? undefined : this.timeBound(p.end);
    const ofs = p.ofs === undefined ? 0 : Number(p.ofs);
    if (!(Number.isInteger(ofs) && ofs >= 0)) throw invalidArguments('ofs');
    const inRange = (ms: number | undefined) =>
      ms !== undefined && (start === undefined || ms / 1000 > start) && (end === undefined || ms / 1000 <= end);
    const selected = this.filtered(p);
    for (const f of selected) this.touch(f);
    const matches = selected
      .filter((f) => {
        const o = f.order;
        if (!isFinal(o.status)) return false;
        if (closetime === 'open') return inRange(o.openedMs);
        if (closetime === 'close') return inRange(o.closedMs);
        return inRange(o.openedMs) || inRange(o.closedMs);
      })
      // A lagging ClosedOrders leaves a just-closed order out of this many reads that would list it.
      .filter((f) => {
        if (f.lagLeft <= 0) return true;
        f.lagLeft--;
        return false;
      })
      .reverse();
    return { closed: this.orderMap(matches.slice(ofs, ofs + CLOSED_ORDERS_PAGE), p), count: matches.length };
  }

  /** A `start`/`end` bound in unix seconds; a txid bound means that order's open time. */
  private timeBound(value: string): number {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    const flow = this.flows.find((f) => f.order.txid === value);
    if (!flow) throw invalidArguments('start');
    return flow.order.openedMs / 1000;
  }

  private queryOrders(p: KrakenParams): unknown {
    if (!p.txid) throw invalidArguments('txid');
    const ids = p.txid.split(',');
    if (ids.length > 50) throw invalidArguments('txid');
    const userref = p.userref === undefined ? undefined : Number(p.userref);
    const found = ids.map((id) => {
      // A queued order is not known to the engine yet.
      const flow = this.flows.find((f) => f.order.txid === id);
      if (!flow) throw new KrakenApiError('EOrder:Invalid order');
      return flow;
    });
    const result: Record<string, unknown> = {};
    for (const flow of found) {
      if (userref !== undefined && flow.order.userref !== userref) continue;
      this.touch(flow);
      result[flow.order.txid] = this.orderInfo(flow.order, p);
    }
    return result;
  }

  private cancelOrder(p: KrakenParams): unknown {
    const ref = p.txid ?? p.cl_ord_id;
    if (!ref) throw invalidArguments('txid');
    const targets = this.flows.filter((f) => !isFinal(f.order.status) && (f.order.txid === ref || f.order.clOrdId === ref || String(f.order.userref) === ref));
    if (targets.length === 0) throw new KrakenApiError('EOrder:Unknown order');
    for (const f of targets) this.endFlow(f, 'canceled', this.clock.nowMs());
    return { count: targets.length };
  }

  private cancelAll(): unknown {
    const targets = this.flows.filter((f) => !isFinal(f.order.status));
    for (const f of targets) this.endFlow(f, 'canceled', this.clock.nowMs());
    return { count: targets.length };
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
      const m = this.market.pairAny(f.pairId).market;
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

  private orderMap(flows: readonly OrderFlow[], p: KrakenParams): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of flows) out[f.order.txid] = this.orderInfo(f.order, p);
    return out;
  }

  /** Kraken's OrderInfo shape. */
  private orderInfo(o: SandboxOrder, p: KrakenParams): Record<string, unknown> {
    const m = this.market.pairAny(o.pairId).market;
    const info: Record<string, unknown> = {
      refid: null,
      userref: o.userref ?? 0,
      ...(o.clOrdId !== undefined ? { cl_ord_id: o.clOrdId } : {}),
      status: o.status,
      reason: o.reason ?? null,
      opentm: krakenTime(o.openedMs),
      ...(o.closedMs !== undefined && isFinal(o.status) ? { closetm: krakenTime(o.closedMs) } : {}),
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
      // A viqc order's volume is reported in base like its executed volume once it has filled.
      vol: fixed(o.viqc && o.status === 'closed' ? o.volumeBase : Number(o.requestedVolume), m.lotDecimals),
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

function isFinal(status: SandboxOrderStatus): boolean {
  return status === 'closed' || status === 'canceled';
}

/** The fee in base units when it is taken in base (`fcib`, or the behaviour); Kraken still reports `fee` in quote. */
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
