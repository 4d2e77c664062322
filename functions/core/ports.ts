// Core domain: the ports. Adapters (ccxt, paper, DynamoDB, memory, SNS, console) implement them;
// the tick depends only on these shapes.
import type {
  Balances,
  Candle,
  ControlState,
  DayCounters,
  ExchangeOrder,
  MarketInfo,
  MarketOrderRequest,
  Mode,
  OrderIntent,
  Pair,
  Position,
  Ticker,
  TradeRecord,
  Wallet,
} from './types.js';

/**
 * How an exchange call failed, in the terms the order protocol needs.
 * - `rejected`: the exchange definitely did not execute it (insufficient funds, minimum not met,
 *   invalid arguments, permission). Never retried; recorded and alerted.
 * - `ambiguous`: it may or may not have executed (timeout, 5xx, network error, reply lost).
 *   The order is looked up by client order id before anything else happens.
 * - `unavailable`: the call was refused before processing (rate limit, nonce, service down) and
 *   nothing executed; for reads it means "no data this tick".
 * - `auth`: bad key or signature; nothing executed.
 */
export type ExchangeErrorKind = 'rejected' | 'ambiguous' | 'unavailable' | 'auth';

/** The one error type exchange adapters throw. `message` never contains secrets. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';
  constructor(
    readonly kind: ExchangeErrorKind,
    message: string,
    /** The exchange's own error text, e.g. `EOrder:Insufficient funds`. */
    readonly exchangeMessage?: string,
  ) {
    super(message);
  }
}

/** The exchange, cut to what the bot uses. Implemented by the ccxt Kraken adapter and the paper exchange. */
export interface ExchangePort {
  /** Markets for the given pairs (minimums, precision, fees). Cached by the adapter. */
  loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>>;
  /**
   * Recent 5-minute candles, oldest first, as the exchange returns them: the last one may still
   * be forming. The core drops it (see `closedCandles`).
   */
  fetchCandles5m(pair: Pair, sinceMs?: number): Promise<Candle[]>;
  fetchTicker(pair: Pair): Promise<Ticker>;
  /** Balances by asset code as the core names them (`BTC`, `USD`). `free` is net of open orders. */
  fetchBalances(): Promise<Balances>;
  /** Sends one market order carrying `clientOrderId`. Throws `ExchangeError` on failure. */
  placeMarketOrder(order: MarketOrderRequest): Promise<ExchangeOrder>;
  /**
   * Looks an order up by client order id among open and closed orders. Returns undefined only
   * when the exchange positively has no such order. Throws `ExchangeError` when it cannot tell.
   */
  findOrderByClientId(pair: Pair, clientOrderId: string, sinceMs: number): Promise<ExchangeOrder | undefined>;
  /** The account's taker fee rate for a pair, when the exchange can tell (else undefined). */
  fetchTakerFeeRate?(pair: Pair): Promise<number | undefined>;
}

/** Result of claiming a candle. */
export type ClaimResult = { claimed: true } | { claimed: false; reason: 'already-claimed' | 'in-progress' };

/** Limits checked atomically when reserving an entry. */
export interface DailyLimits {
  maxTradesPerDay: number;
  maxTradesPerPairPerDay: number;
}

export type ReserveResult =
  | { reserved: true }
  | { reserved: false; reason: 'daily-trade-cap' | 'pair-trade-cap' | 'kill-switch' };

/**
 * Persistent state. Every write that guards money is conditional; the DynamoDB adapter and the
 * in-memory adapter pass the same contract tests.
 */
export interface StorePort {
  /**
   * Claims one tick per (mode, candle). Succeeds when no claim exists, or the existing claim is
   * still in progress and its lease expired (the tick that held it crashed).
   */
  claimTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult>;
  /** Marks a claimed tick done and stores its summary (for `kbot status`). */
  completeTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, summary: unknown): Promise<void>;
  /** The latest completed tick summary, if any. */
  getLastTick(mode: Mode): Promise<{ candleCloseIso: string; completedAtMs: number; summary: unknown } | undefined>;

  getControl(mode: Mode): Promise<ControlState>;
  setControl(mode: Mode, control: ControlState): Promise<void>;

  /** Conditional put (attribute_not_exists). Returns false when an intent with this id exists. */
  createIntent(intent: OrderIntent): Promise<boolean>;
  getIntent(mode: Mode, clientOrderId: string): Promise<OrderIntent | undefined>;
  /** Intents still PENDING (sent or about to be sent, outcome unknown). */
  listPendingIntents(mode: Mode): Promise<OrderIntent[]>;
  /**
   * Moves an intent from `expected` status to the patch's status, conditionally.
   * Returns false when the intent is no longer in `expected` status.
   */
  transitionIntent(
    mode: Mode,
    clientOrderId: string,
    expected: OrderIntent['status'],
    patch: Partial<Pick<OrderIntent, 'status' | 'fill' | 'error' | 'lookups' | 'updatedAtMs'>>,
  ): Promise<boolean>;

  getPosition(mode: Mode, pair: Pair): Promise<Position | undefined>;
  listPositions(mode: Mode): Promise<Position[]>;
  /** Creates a position (attribute_not_exists). Returns false when one exists. */
  createPosition(position: Position): Promise<boolean>;
  /** Replaces a position if its stored version equals `expectedVersion`; stores version + 1. */
  updatePosition(position: Position, expectedVersion: number): Promise<boolean>;
  /** Deletes a position if its stored version equals `expectedVersion`. */
  deletePosition(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean>;

  /** Atomically reserves one entry for the day if under both caps and the kill switch is off. */
  reserveEntry(mode: Mode, day: string, pair: Pair, limits: DailyLimits): Promise<ReserveResult>;
  /** Gives back a reservation (the order was rejected or never sent). */
  releaseEntry(mode: Mode, day: string, pair: Pair): Promise<void>;
  /**
   * Adds realized P&L for one closing order, at most once per `clientOrderId`; counts the exit.
   * Trips the kill switch when the day's total is at or below `-maxDailyLossQuote`.
   * Returns the day after the update and whether this call tripped the switch.
   */
  recordRealizedPnl(
    mode: Mode,
    day: string,
    clientOrderId: string,
    pnlQuote: number,
    maxDailyLossQuote: number,
  ): Promise<{ day: DayCounters; tripped: boolean }>;
  getDay(mode: Mode, day: string): Promise<DayCounters>;

  /** Appends a trade (idempotent per mode + clientOrderId). */
  appendTrade(trade: TradeRecord): Promise<void>;
  listTrades(mode: Mode, fromMs: number, toMs: number): Promise<TradeRecord[]>;

  /** The paper wallet, or undefined before it is funded. */
  getWallet(): Promise<Wallet | undefined>;
  /** Writes the wallet if its version equals `expectedVersion` (use -1 to create). Stores version + 1. */
  putWallet(balances: Record<string, number>, expectedVersion: number): Promise<boolean>;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

/** An alert; `sms` is a short form for text messages. */
export interface Alert {
  severity: AlertSeverity;
  kind:
    | 'fill'
    | 'exit'
    | 'kill-switch'
    | 'rejection'
    | 'error'
    | 'halt'
    | 'daily-summary'
    | 'test'
    /** Kraken's holdings and the bot's positions disagree for an asset. */
    | 'holdings-mismatch'
    /** An order intent was written off as never executed (re-checked for a day). */
    | 'write-off'
    /** An exit fired but could not be sent (market closed, nothing to sell, no data). */
    | 'exit-blocked'
    /** A leftover below Kraken's minimum was closed and booked as dust. */
    | 'dust'
    /** An exchange reply did not add up and was not recorded. */
    | 'reply-invalid'
    /** Kraken refused the API key or signature. */
    | 'auth'
    /** An operator command ran or was refused. */
    | 'command'
    /** An event the function refused (unparseable, or a scheduled time far from now). */
    | 'bad-event';
  subject: string;
  message: string;
  sms?: string;
}

/** Where alerts go: SNS, the console, or a test recorder. Never throws for delivery failures. */
export interface AlertsPort {
  send(alert: Alert): Promise<void>;
}

/** Time, injectable so ticks, demos and tests run on simulated clocks. */
export interface ClockPort {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** Structured logging. Adapters map it to Powertools Logger or the console. */
export interface LoggerPort {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Metrics sink (EMF in Lambda). Few metrics, no per-pair dimensions. */
export interface MetricsPort {
  add(name: string, unit: 'Count' | 'Milliseconds' | 'None', value: number): void;
}

/** A clock that reads the wall clock. */
export const systemClock: ClockPort = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A logger that drops everything. */
export const silentLogger: LoggerPort = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Metrics that go nowhere. */
export const noMetrics: MetricsPort = { add: () => undefined };
