// Core domain: the value types every layer shares. Pure data, no behaviour, no I/O.

/** Trading mode. Every stored key starts with it so paper and live never share state. */
export type Mode = 'paper' | 'live';

export const FIVE_MINUTES_MS = 5 * 60_000;
export const FIFTEEN_MINUTES_MS = 15 * 60_000;
export const ONE_HOUR_MS = 60 * 60_000;
export const ONE_DAY_MS = 24 * ONE_HOUR_MS;

/** One OHLCV candle. `openTimeMs` is the UTC open time; a 5m candle closes at `openTimeMs + FIVE_MINUTES_MS`. */
export interface Candle {
  openTimeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Volume in base currency. */
  volume: number;
}

/** A unified pair symbol as ccxt writes it, e.g. `BTC/USD`. */
export type Pair = string;

export type Side = 'buy' | 'sell';

/** What the bot needs to know about a market, read from the exchange at run time (never hard-coded). */
export interface MarketInfo {
  pair: Pair;
  base: string;
  quote: string;
  /** Decimal places allowed in the base amount (Kraken `lot_decimals`). */
  amountDecimals: number;
  /** Decimal places allowed in the price (Kraken `pair_decimals`). */
  priceDecimals: number;
  /** Minimum order amount in base (Kraken `ordermin`). */
  minAmountBase: number;
  /** Minimum order cost in quote (Kraken `costmin`), 0 when the exchange does not say. */
  minCostQuote: number;
  /** Taker fee as a fraction (0.004 = 0.40%). */
  takerFeeRate: number;
  /** Maker fee as a fraction. */
  makerFeeRate: number;
  /** False when the market does not accept market orders now (cancel_only, post_only, ...). */
  active: boolean;
}

/** Best bid/ask and last trade. */
export interface Ticker {
  pair: Pair;
  bid: number;
  ask: number;
  last: number;
  /** 24h traded volume in quote currency, when known (used by the liquidity filter). */
  quoteVolume24h?: number;
  timestampMs: number;
}

/** Free and total balance of one asset. `free` excludes amounts held by open orders. */
export interface AssetBalance {
  free: number;
  total: number;
}

export type Balances = Record<string, AssetBalance>;

/** A market order to send. Buys are sized in quote (`costQuote`), sells in base (`amountBase`). */
export type MarketOrderRequest =
  | { side: 'buy'; pair: Pair; clientOrderId: string; costQuote: number; validateOnly?: boolean }
  | { side: 'sell'; pair: Pair; clientOrderId: string; amountBase: number; validateOnly?: boolean };

/** The exchange's view of an order, after placement or lookup. */
export interface ExchangeOrder {
  exchangeOrderId: string;
  clientOrderId: string;
  pair: Pair;
  side: Side;
  status: 'open' | 'closed' | 'canceled' | 'expired' | 'pending' | 'validated';
  /** Executed base amount. */
  filledBase: number;
  /** Executed quote cost (excluding fee). */
  costQuote: number;
  /** Average fill price; 0 when nothing filled. */
  averagePrice: number;
  /** Fee paid, in quote currency. */
  feeQuote: number;
  timestampMs: number;
}

/** Why an exit fires. */
export type ExitReason =
  | 'stop-loss'
  | 'take-profit'
  | 'trailing-stop'
  | 'max-hold'
  | 'signal-reversal'
  | 'force-exit'
  | 'flatten';

/** Why an order was placed; part of the deterministic client order id. */
export type OrderReason = 'entry' | 'force-entry' | ExitReason;

/** An open position, as stored. Exit levels are fixed at entry so a restart cannot move them. */
export interface Position {
  mode: Mode;
  pair: Pair;
  amountBase: number;
  /** Average entry price including slippage, excluding fees. */
  entryPrice: number;
  entryTimeMs: number;
  /** Quote spent on the entry, excluding fee. */
  costQuote: number;
  /** Entry fee in quote. */
  entryFeeQuote: number;
  strategy: string;
  entryClientOrderId: string;
  /** Absolute stop price, or undefined for none. */
  stopPrice?: number;
  /** Absolute take-profit price, or undefined for none. */
  takeProfitPrice?: number;
  /** Trailing stop state: armed once price reaches `activationPrice`; then stop = highest × (1 − distance). */
  trailing?: { activationPrice: number; distanceFraction: number; highestPrice: number; armed: boolean };
  /** Exit at or after this time regardless of price. */
  maxHoldUntilMs?: number;
  /** Client order ids already applied to this position (entry, merges, partial sells): makes settling a fill idempotent. */
  appliedOrderIds: string[];
  /** Optimistic-concurrency version; every update requires the expected value. */
  version: number;
}

export type IntentStatus = 'PENDING' | 'FILLED' | 'REJECTED' | 'FAILED';

/** An order intent, written before the order is sent (the order protocol's step 2). */
export interface OrderIntent {
  mode: Mode;
  clientOrderId: string;
  pair: Pair;
  side: Side;
  reason: OrderReason;
  /** Candle close (ISO) the decision was taken on. */
  candleCloseIso: string;
  /** Quote to spend (buys). */
  costQuote?: number;
  /** Base to sell (sells). */
  amountBase?: number;
  status: IntentStatus;
  createdAtMs: number;
  updatedAtMs: number;
  /** UTC day (yyyy-mm-dd) whose daily counters this order reserved, if any. */
  reservedDay?: string;
  /** Entry levels decided with the signal, applied to the position when the buy fills. */
  entryPlan?: EntryPlan;
  /** Price the entry levels were computed at (the decision candle's close); levels move with the fill. */
  referencePrice?: number;
  /** Filled when the exchange reports the order. */
  fill?: ExchangeOrder;
  /** Exchange error text for REJECTED/FAILED. */
  error?: string;
  /** How many reconcile lookups found nothing. */
  lookups?: number;
}

/** Levels and metadata decided at entry time and fixed with the position. */
export interface EntryPlan {
  strategy: string;
  stopPrice?: number;
  takeProfitPrice?: number;
  trailing?: { activationPrice: number; distanceFraction: number };
  maxHoldMs?: number;
}

/** A completed fill in the append-only trade ledger. */
export interface TradeRecord {
  mode: Mode;
  clientOrderId: string;
  exchangeOrderId: string;
  pair: Pair;
  side: Side;
  reason: OrderReason;
  amountBase: number;
  price: number;
  costQuote: number;
  feeQuote: number;
  /** Realized P&L in quote net of both fees (sells that close a position only). */
  realizedPnlQuote?: number;
  timestampMs: number;
}

/** The daily counters (one item per UTC day). */
export interface DayCounters {
  day: string;
  /** Entries reserved today (exits are never capped). */
  trades: number;
  tradesByPair: Record<Pair, number>;
  exits: number;
  realizedPnlQuote: number;
  killSwitchTripped: boolean;
}

/** Manual halt flag. */
export interface ControlState {
  halted: boolean;
  /** When true the halt also blocks exits (normally exits still run). */
  haltExits: boolean;
  reason?: string;
  updatedAtMs?: number;
}

/** The paper wallet. */
export interface Wallet {
  balances: Record<string, number>;
  version: number;
}
