// Kraken sandbox: margin positions. A market sell with `leverage` opens (or adds to) a short, a buy
// with leverage closes it (`reduce_only` refuses a buy that would open a long). Rollover is charged
// at opening and every 4 hours on the notional; a short whose price reaches its liquidation price is
// closed by the sandbox at that price, as Kraken would. The account can be set to have no margin
// (TradeBalance, OpenPositions and leverage orders answer `EGeneral:Permission denied`).
import { KrakenApiError, invalidArguments } from './krakenApiError.js';
import { fixed, krakenTime, roundTo } from './krakenFormat.js';
import type { SandboxBalances } from './sandboxBalances.js';
import type { SandboxMarket } from './sandboxMarkets.js';

const FOUR_HOURS_MS = 4 * 3_600_000;
/** Kraken liquidates when the margin level (equity / margin used) falls to 40%. */
const MARGIN_STOP_LEVEL = 0.4;

/** Margin settings of the sandbox account. */
export interface SandboxMarginOptions {
  /** The account trades on margin (default true). */
  enabled?: boolean;
  /** Rollover per 4 hours as a fraction of the notional (default 0.0001, Kraken's usual BTC rate). */
  rolloverRatePer4h?: number;
}

/** One margin position as the sandbox keeps it. */
export interface SandboxMarginPosition {
  posId: string;
  pair: string;
  pairId: string;
  side: 'sell' | 'buy';
  /** Base amount still open. */
  volumeBase: number;
  /** Quote value at opening (average entry × volume). */
  costQuote: number;
  /** Opening trade fees plus rollover so far. */
  feeQuote: number;
  rolloverQuote: number;
  rolloverCharges: number;
  leverage: number;
  openedMs: number;
  /** Margin held: notional / leverage. */
  marginQuote: number;
  /** The price at which the sandbox closes the short (margin level at 40% of the position's margin). */
  liquidationPrice: number;
  ordertxid: string;
}

/** A closed position (liquidations included), for the control view and tests. */
export interface SandboxClosedMargin {
  posId: string;
  pair: string;
  closedMs: number;
  reason: 'closed' | 'liquidated';
  realizedPnlQuote: number;
  rolloverQuote: number;
}

/** The account's margin side. Quote balances move through the shared wallet. */
export class SandboxMargin {
  enabled: boolean;
  readonly rolloverRatePer4h: number;
  private readonly positions = new Map<string, SandboxMarginPosition>();
  private readonly closedList: SandboxClosedMargin[] = [];
  private seq = 0;

  constructor(private readonly wallet: SandboxBalances, options: SandboxMarginOptions = {}) {
    this.enabled = options.enabled ?? true;
    this.rolloverRatePer4h = options.rolloverRatePer4h ?? 0.0001;
  }

  open(): SandboxMarginPosition[] {
    return [...this.positions.values()].map((p) => ({ ...p }));
  }

  closed(): SandboxClosedMargin[] {
    return this.closedList.map((c) => ({ ...c }));
  }

  /** Refuses margin methods on an account without margin. */
  requireEnabled(): void {
    if (!this.enabled) throw new KrakenApiError('EGeneral:Permission denied');
  }

  /** Checks a leverage order before it reaches the engine. */
  checkOrder(m: SandboxMarket & { leverageSell?: readonly number[] }, side: 'buy' | 'sell', leverageText: string, reduceOnly: boolean, volumeBase: number, costQuote: number, freeMarginQuote: number): number {
    this.requireEnabled();
    const leverage = Number(leverageText.split(':')[0]);
    if (!Number.isInteger(leverage) || leverage < 2 || leverage > 3) throw invalidArguments('leverage');
    const pos = this.positions.get(m.id);
    if (side === 'buy') {
      if (reduceOnly && (!pos || pos.side !== 'sell' || volumeBase > pos.volumeBase + 1e-12)) throw new KrakenApiError('EOrder:Reduce only:Non-PC');
      if (!pos || pos.side !== 'sell') throw invalidArguments('leverage');
    } else {
      if (reduceOnly) throw new KrakenApiError('EOrder:Reduce only:Non-PC');
      if (pos && pos.leverage !== leverage) throw invalidArguments('leverage');
      if (costQuote / leverage > freeMarginQuote) throw new KrakenApiError('EOrder:Insufficient margin');
    }
    return leverage;
  }

  /** Refuses a buy-back part that no open short can take (the short was liquidated or closed meanwhile). */
  checkFill(m: SandboxMarket, side: 'buy' | 'sell', volumeBase: number): void {
    if (side === 'sell') return;
    const pos = this.positions.get(m.id);
    if (!pos || pos.side !== 'sell' || volumeBase > pos.volumeBase + 1e-12) throw new KrakenApiError('EOrder:Reduce only:Non-PC');
  }

  /** A margin fill: a sell opens or grows the short, a buy closes (part of) it and realizes its P&L in quote. */
  applyFill(m: SandboxMarket, side: 'buy' | 'sell', leverage: number, volumeBase: number, costQuote: number, feeQuote: number, atMs: number, txid: string): void {
    const existing = this.positions.get(m.id);
    if (side === 'sell') {
      const pos: SandboxMarginPosition = existing ?? {
        posId: `T${String(++this.seq).padStart(5, '0')}-SANDB-MARGIN`,
        pair: m.symbol,
        pairId: m.id,
        side: 'sell',
        volumeBase: 0,
        costQuote: 0,
        feeQuote: 0,
        rolloverQuote: 0,
        rolloverCharges: 0,
        leverage,
        openedMs: atMs,
        marginQuote: 0,
        liquidationPrice: 0,
        ordertxid: txid,
      };
      pos.volumeBase = roundTo(pos.volumeBase + volumeBase, m.lotDecimals);
      pos.costQuote = roundTo(pos.costQuote + costQuote, m.costDecimals);
      pos.feeQuote = roundTo(pos.feeQuote + feeQuote, m.costDecimals);
      pos.marginQuote = pos.costQuote / leverage;
      // Short: loss per unit of price rise is volume; liquidated once the loss eats (1 − 40%) of its margin.
      pos.liquidationPrice = (pos.costQuote + pos.marginQuote * (1 - MARGIN_STOP_LEVEL)) / pos.volumeBase;
      this.wallet.debit(m.quoteId, feeQuote);
      if (!existing) {
        this.positions.set(m.id, pos);
        this.chargeRollover(pos, m);
      }
      return;
    }
    const pos = existing;
    if (!pos) throw new Error('margin buy without a short: checkFill must run first');
    const share = Math.min(1, volumeBase / pos.volumeBase);
    const pnl = pos.costQuote * share - costQuote;
    this.wallet.credit(m.quoteId, pnl);
    this.wallet.debit(m.quoteId, feeQuote);
    pos.feeQuote = roundTo(pos.feeQuote + feeQuote, m.costDecimals);
    const left = roundTo(pos.volumeBase - volumeBase, m.lotDecimals);
    if (left <= 0) {
      this.positions.delete(m.id);
      this.closedList.push({ posId: pos.posId, pair: pos.pair, closedMs: atMs, reason: 'closed', realizedPnlQuote: pnl - pos.feeQuote, rolloverQuote: pos.rolloverQuote });
      return;
    }
    pos.costQuote = roundTo(pos.costQuote * (1 - share), m.costDecimals);
    pos.volumeBase = left;
    pos.marginQuote = pos.costQuote / pos.leverage;
  }

  /** Rollover for every 4 hours passed, and liquidation at the liquidation price. */
  accrue(nowMs: number, market: (pairId: string) => SandboxMarket, priceOf: (pairId: string) => number): void {
    for (const pos of [...this.positions.values()]) {
      const m = market(pos.pairId);
      const due = 1 + Math.floor((nowMs - pos.openedMs) / FOUR_HOURS_MS);
      while (pos.rolloverCharges < due) this.chargeRollover(pos, m);
      const price = priceOf(pos.pairId);
      if (price >= pos.liquidationPrice) {
        const cost = pos.volumeBase * pos.liquidationPrice;
        const pnl = pos.costQuote - cost;
        this.wallet.credit(m.quoteId, pnl);
        this.positions.delete(pos.pairId);
        this.closedList.push({ posId: pos.posId, pair: pos.pair, closedMs: nowMs, reason: 'liquidated', realizedPnlQuote: pnl - pos.feeQuote, rolloverQuote: pos.rolloverQuote });
      }
    }
  }

  private chargeRollover(pos: SandboxMarginPosition, m: SandboxMarket): void {
    const fee = roundTo(pos.costQuote * this.rolloverRatePer4h, m.costDecimals);
    pos.rolloverCharges++;
    pos.rolloverQuote = roundTo(pos.rolloverQuote + fee, m.costDecimals);
    pos.feeQuote = roundTo(pos.feeQuote + fee, m.costDecimals);
    this.wallet.debit(m.quoteId, fee);
  }

  /** Margin used and unrealized P&L at `priceOf` (for TradeBalance). */
  totals(priceOf: (pairId: string) => number): { marginUsed: number; unrealized: number } {
    let marginUsed = 0;
    let unrealized = 0;
    for (const pos of this.positions.values()) {
      marginUsed += pos.marginQuote;
      unrealized += pos.costQuote - pos.volumeBase * priceOf(pos.pairId);
    }
    return { marginUsed, unrealized };
  }

  /** OpenPositions: consolidated by pair (`consolidation=market`, as ccxt asks) or by position id. */
  openPositions(consolidated: boolean, market: (pairId: string) => SandboxMarket, priceOf: (pairId: string) => number): unknown {
    this.requireEnabled();
    const rows = [...this.positions.values()].map((pos) => {
      const m = market(pos.pairId);
      const value = pos.volumeBase * priceOf(pos.pairId);
      return {
        pos,
        row: {
          ordertxid: pos.ordertxid,
          posstatus: 'open',
          pair: pos.pairId,
          time: krakenTime(pos.openedMs),
          type: pos.side,
          ordertype: 'market',
          cost: fixed(pos.costQuote, m.costDecimals),
          fee: fixed(pos.feeQuote, m.costDecimals),
          vol: fixed(pos.volumeBase, m.lotDecimals),
          vol_closed: fixed(0, m.lotDecimals),
          margin: fixed(pos.marginQuote, m.costDecimals),
          value: fixed(value, m.costDecimals),
          net: fixed(pos.costQuote - value, m.costDecimals),
          terms: `${(this.rolloverRatePer4h * 100).toFixed(4)}% per 4 hours`,
          rollovertm: String(Math.floor((pos.openedMs + pos.rolloverCharges * FOUR_HOURS_MS) / 1000)),
          misc: '',
          oflags: '',
        },
      };
    });
    if (!consolidated) return Object.fromEntries(rows.map(({ pos, row }) => [pos.posId, row]));
    return rows.map(({ pos, row }) => ({ pair: row.pair, positions: '1', type: row.type, leverage: fixed(pos.leverage, 5), cost: row.cost, fee: row.fee, vol: row.vol, vol_closed: row.vol_closed, margin: row.margin, value: row.value, net: row.net }));
  }
}
