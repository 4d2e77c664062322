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

/**
 * The balance of one asset. `total` is what the account holds that can be traded: the spot balance
 * plus Kraken's tradable extension balances (`.F`, Auto Earn). `free` is `total` net of amounts held
 * by open orders. Staked and other read-only extension balances (`.B`, `.S`, `.M`, `.P`) are not
 * tradable and are only reported in `lockedBase`.
 */
export interface AssetBalance {
  free: number;
  total: number;
  /** Balances under read-only extension assets, by suffix (`S`, `B`, `M`, `P`), when any. */
  locked?: Record<string, number>;
  /** Tradable balances by account (`spot`, `F`), when the exchange splits them. */
  parts?: Record<string, number>;
}

export type Balances = Record<string, AssetBalance>;

/** A market order to send. Buys are sized in quote (`costQuote`), sells in base (`amountBase`). */
export type MarketOrderRequest =
  | { side: 'buy'; pair: Pair; clientOrderId: string; costQuote: number; validateOnly?: boolean; deadlineMs?: number }
  | { side: 'sell'; pair: Pair; clientOrderId: string; amountBase: number; validateOnly?: boolean; deadlineMs?: number };

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
  /** Fee paid, valued in quote currency (Kraken reports it in quote whatever currency it was charged in). */
  feeQuote: number;
  /**
   * Set when the exchange says the fee was taken in the base asset: the base credited (on a buy) is
   * then `filledBase − feeBase`.
   */
  feeBase?: number;
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

/**
 * Why a ledger row exists: an order's fill, or a bookkeeping event without an order (`adopt`:
 * holdings taken into a position by the operator; `release`: a position record dropped by the
 * operator; `dust`: a leftover below Kraken's minimum closed; `fee-in-base`: a buy's fee taken from
 * the coins, found by the holdings check).
 */
export type LedgerReason = OrderReason | 'adopt' | 'release' | 'dust' | 'fee-in-base';

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
  /** How many buys this position holds (1 unless a late fill was merged into it). */
  buys?: number;
  /** What the engine saw when it decided the entry (see `EntryFeatures`); carried into the closing ledger row. */
  entryFeatures?: EntryFeatures;
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
  /** Kraken's `deadline` sent with the order: after it (plus a margin) an order nobody can see never executed. */
  deadlineMs?: number;
  /** The last non-final read of the order (open, pending, partly filled), for status and audits. */
  observed?: { status: ExchangeOrder['status']; filledBase: number; exchangeOrderId: string; atMs: number };
  /** Sells: the position (its entry client order id) this sell closes or reduces. */
  positionId?: string;
  /** FAILED by a write-off ("not found after the deadline"): when, and until when it is re-checked. */
  writtenOffAtMs?: number;
  recheckUntilMs?: number;
  /** Last time a written-off intent was looked up again. */
  recheckedAtMs?: number;
  /**
   * Set on margin orders only (docs/shorts.md): a sell opens a short, a reduce-only buy closes one.
   * The spot order protocol never reconciles or settles an intent that carries it.
   */
  margin?: MarginOrderFacts;
}

/** What a margin (short) order intent carries besides the spot fields. */
export interface MarginOrderFacts {
  /** Kraken's AddOrder `leverage` sent with the order. */
  leverage: number;
  /** True on a closing buy: it may only reduce the short, never open a long. */
  reduceOnly: boolean;
  /** Entries: notional (quote) reserved against the margin-exposure cap, released if nothing executes. */
  notionalQuote?: number;
  /** Entries: the short's levels, decided with the signal. */
  shortPlan?: ShortPlan;
}

/** A short's levels and metadata decided at entry, fixed with the position (inverted: stop above, target below). */
export interface ShortPlan {
  strategy: string;
  stopPrice?: number;
  takeProfitPrice?: number;
  trailing?: { activationPrice: number; distanceFraction: number };
  maxHoldMs?: number;
  /** Rollover charged per 4 hours as a fraction of the notional (the rate the edge gate counted). */
  rolloverRatePer4h: number;
}

/** Levels and metadata decided at entry time and fixed with the position. */
export interface EntryPlan {
  strategy: string;
  stopPrice?: number;
  takeProfitPrice?: number;
  trailing?: { activationPrice: number; distanceFraction: number };
  maxHoldMs?: number;
  /** What the engine saw when it decided this entry (absent for adopted holdings). */
  entryFeatures?: EntryFeatures;
}

/**
 * The market as the decision engine saw it when it decided an entry, recorded with the position
 * and its closing ledger row (and a backtest's trades), so trades can be analysed by the conditions
 * they were entered in (`kbot analyze`) and a learned filter can be trained on them. Indicator
 * values are on the decision candle (the last closed 5m candle); `null` when not computable yet.
 * docs/dashboard.md#entry-features lists them with their periods.
 */
export interface EntryFeatures {
  /** Feature set version: bump when a definition changes (2 added `priceTier` and `recentWinRate`). */
  version: 1 | 2;
  /** The strategy whose signal was taken (`momentum`, `meanReversion`, `scalping`, `force-entry`). */
  strategy: string;
  /** Market regime at entry, by the regime thresholds: `trend-up`, `trend-down`, `range`, `unclear`, `volatile`. */
  regime: 'trend-up' | 'trend-down' | 'range' | 'unclear' | 'volatile' | null;
  /** The signal's confidence (0..1) and expected gross move to the target (fraction of price). */
  confidence: number;
  expectedEdgeFraction: number;
  /** ADX, +DI and −DI (period `strategies.regime.adxPeriod`, 5m). */
  adx: number | null;
  plusDi: number | null;
  minusDi: number | null;
  /** RSI (period `strategies.regime.rsiPeriod`, 5m). */
  rsi: number | null;
  /** ATR (period `strategies.regime.atrPeriod`, 5m) as a fraction of the close. */
  atrFraction: number | null;
  /** The decision candle's volume / its average (period `strategies.regime.volumePeriod`). */
  volumeRatio: number | null;
  /** Bid/ask spread as a fraction of the mid price, when the tick read a ticker (null in backtests). */
  spreadFraction: number | null;
  /** close / SMA(20) − 1 and close / SMA(50) − 1 on 5m closes. */
  smaDistance20: number | null;
  smaDistance50: number | null;
  /** Bollinger %B (20, 2σ): 0 at the lower band, 1 at the upper band. */
  bollingerPercentB: number | null;
  /** UTC hour (0..23) and weekday (0 = Sunday) of the decision candle's close. */
  hourUtc: number;
  weekdayUtc: number;
  /**
   * Since version 2: how many of `learning.priceTierBounds` (default 0.05 and 0.15 quote) the
   * decision candle's close is at or above (0: below the first bound).
   */
  priceTier?: number;
  /**
   * Since version 2: the share of the last `learning.recentTrades` (10) closed trades before the
   * decision, on any pair, that netted a profit after fees; null when the ledger holds none yet.
   */
  recentWinRate?: number | null;
}

/** A completed fill in the append-only trade ledger. */
export interface TradeRecord {
  mode: Mode;
  clientOrderId: string;
  exchangeOrderId: string;
  pair: Pair;
  side: Side;
  reason: LedgerReason;
  amountBase: number;
  price: number;
  costQuote: number;
  feeQuote: number;
  /** Realized P&L in quote net of both fees (sells that close a position only). */
  realizedPnlQuote?: number;
  timestampMs: number;
  /** The position (its entry client order id) this row belongs to. */
  positionId?: string;
  /** On the row that closed a position: every order id applied to it, so a late re-settle cannot re-create it. */
  closedPositionOrderIds?: string[];
  /** Free text for bookkeeping rows (adoption, release, dust). */
  note?: string;
  /**
   * The candle (close, ISO) whose decision placed this order: with the mode, the key of that tick's
   * decision journal record (`JOURNAL#<mode>` / `<candleCloseIso>`). Commands carry the candle they ran at.
   */
  candleCloseIso?: string;
  /** On the buy that opened a position and the row that closed it: what the engine saw at the entry. */
  entryFeatures?: EntryFeatures;
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
  /**
   * Today's reservations by client order id: `held` until the order is final, then `used` (it
   * executed) or `released` (it did not). A held one whose intent never appeared is repaired.
   */
  reservations: Record<string, EntryReservation>;
}

/** One entry reservation on the day's counters. */
export interface EntryReservation {
  pair: Pair;
  atMs: number;
  state: 'held' | 'used' | 'released';
}

/** Who holds a (pair, side) order slot: at most one order per pair and side is in flight, whatever decided it. */
export interface OrderSlot {
  pair: Pair;
  clientOrderId: string;
  side: Side;
  atMs: number;
}

/**
 * The bot's memory of one traded asset's holdings outside its positions: the owner's own coins of
 * that asset (`externalBase`, never traded by the bot), and leftovers the bot closed as dust.
 */
export interface HoldingsRecord {
  mode: Mode;
  asset: string;
  externalBase: number;
  dustBase: number;
  updatedAtMs: number;
  version: number;
  /** Why `externalBase` last changed (first sighting, operator reconcile). */
  note?: string;
  /** Positions (entry client order ids) already counted in `dustBase`, so a repeated write-off counts once. */
  dustPositionIds?: string[];
}

/** An operator or bookkeeping action, kept for audits. */
export interface AuditRecord {
  mode: Mode;
  atMs: number;
  /** Stable id of the action (for idempotent writes). */
  id: string;
  action: string;
  actor: string;
  details: Record<string, unknown>;
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
