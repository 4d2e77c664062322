// Core domain: the ports. Adapters (ccxt, paper, DynamoDB, memory, SNS, console) implement them;
// the tick depends only on these shapes.
import type { JournalEntry } from './journal.js';
import type { UniverseSource } from './universe/selectUniverse.js';
import type { BookLevel, MarketSnapshot } from './market/marketSnapshot.js';
import type { UniverseRecord } from './universe/universeRecord.js';
import type {
  AuditRecord,
  Balances,
  Candle,
  ControlState,
  DayCounters,
  ExchangeOrder,
  HoldingsRecord,
  MarketInfo,
  MarketOrderRequest,
  Mode,
  OrderIntent,
  OrderSlot,
  Pair,
  Position,
  Side,
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
    /** True when the exchange answered, but with a reply that does not parse or add up. */
    readonly malformedReply = false,
  ) {
    super(message);
  }
}

/** The exchange, cut to what the bot uses. Implemented by the ccxt Kraken adapter and the paper exchange. */
export interface ExchangePort {
  /**
   * Markets for the given pairs (minimums, precision, fees). Cached by the adapter. A pair the
   * exchange does not list, or lists with a market description that is incomplete, is left out of
   * the result (never a throw for one bad pair); `marketIssue` says why.
   */
  loadMarkets(pairs: readonly Pair[]): Promise<Record<Pair, MarketInfo>>;
  /** Why the last `loadMarkets` left `pair` out, when the adapter knows. */
  marketIssue?(pair: Pair): string | undefined;
  /**
   * Recent 5-minute candles, oldest first, as the exchange returns them: the last one may still
   * be forming. The core drops it (see `closedCandles`).
   */
  fetchCandles5m(pair: Pair, sinceMs?: number): Promise<Candle[]>;
  fetchTicker(pair: Pair): Promise<Ticker>;
  /** Tickers of several pairs in one call, when the exchange can (Kraken's Ticker takes a list). Pairs it could not read are left out. */
  fetchTickers?(pairs: readonly Pair[]): Promise<Record<Pair, Ticker>>;
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
  /**
   * Every pair the exchange lists and the tickers of those of `quote`, from one Ticker call (the
   * universe refresh). Throws `ExchangeError` when either read fails.
   */
  fetchUniverseSource?(quote: string): Promise<UniverseSource>;
  /** The order book's top `depth` levels per side (Kraken Depth), best first, as [price, amount]. */
  fetchOrderBook?(pair: Pair, depth?: number): Promise<{ bids: readonly BookLevel[]; asks: readonly BookLevel[] }>;
}

/**
 * A reference exchange's prices (the premium gap): mid prices by pair, from one public call. Pairs it
 * does not list or could not read are left out; a failed call throws.
 */
export interface ReferencePricePort {
  /** Which exchange, for explanations (`binanceus`). */
  readonly name: string;
  fetchMidPrices(pairs: readonly Pair[]): Promise<Record<Pair, number>>;
}

/** The intent fields a status transition may change. */
export type IntentPatch = Partial<
  Pick<OrderIntent, 'status' | 'fill' | 'error' | 'lookups' | 'updatedAtMs' | 'observed' | 'writtenOffAtMs' | 'recheckUntilMs' | 'recheckedAtMs'>
>;

/** Result of claiming a candle. */
export type ClaimResult = { claimed: true } | { claimed: false; reason: 'already-claimed' | 'in-progress' };

/** Limits checked atomically when reserving an entry. */
export interface DailyLimits {
  maxTradesPerDay: number;
  maxTradesPerPairPerDay: number;
}

export type ReserveResult =
  | { reserved: true }
  | { reserved: false; reason: 'daily-trade-cap' | 'pair-trade-cap' | 'kill-switch' | 'already-decided' };

/** Result of taking a pair's order slot. */
export type SlotResult = { acquired: true } | { acquired: false; holder: OrderSlot };

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
  /** PENDING intents plus written-off (FAILED) ones still being re-checked at `nowMs`. */
  listUnresolvedIntents(mode: Mode, nowMs: number): Promise<OrderIntent[]>;
  /**
   * Moves an intent from `expected` status to the patch's status, conditionally.
   * Returns false when the intent is no longer in `expected` status.
   */
  transitionIntent(
    mode: Mode,
    clientOrderId: string,
    expected: OrderIntent['status'],
    patch: IntentPatch,
  ): Promise<boolean>;

  /**
   * Takes the order slot of (pair, side) for `clientOrderId` (conditional put: free, or already
   * ours). At most one order per pair and side is in flight, whatever decided it (a position has at
   * most one exit in flight); the loser is told who holds it.
   */
  acquireOrderSlot(mode: Mode, slot: OrderSlot): Promise<SlotResult>;
  /** Frees the (pair, side) slot if `clientOrderId` holds it (conditional delete; idempotent). */
  releaseOrderSlot(mode: Mode, pair: Pair, side: Side, clientOrderId: string): Promise<void>;
  /** Every held slot (for status and repairs). */
  listOrderSlots(mode: Mode): Promise<OrderSlot[]>;

  getPosition(mode: Mode, pair: Pair): Promise<Position | undefined>;
  listPositions(mode: Mode): Promise<Position[]>;
  /** Creates a position (attribute_not_exists). Returns false when one exists. */
  createPosition(position: Position): Promise<boolean>;
  /** Replaces a position if its stored version equals `expectedVersion`; stores version + 1. */
  updatePosition(position: Position, expectedVersion: number): Promise<boolean>;
  /** Deletes a position if its stored version equals `expectedVersion`. */
  deletePosition(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean>;

  /**
   * Atomically reserves one entry for the day for `clientOrderId`, if under both caps and the kill
   * switch is off. Idempotent per client order id: reserving again what is already held answers
   * reserved without counting twice (a crash between reserving and writing the intent is repaired by
   * the retried tick); a reservation already released answers `already-decided`.
   */
  reserveEntry(mode: Mode, day: string, pair: Pair, limits: DailyLimits, clientOrderId: string, nowMs: number): Promise<ReserveResult>;
  /** Gives back a held reservation (the order did not execute). Idempotent: only a held one is released. */
  releaseEntry(mode: Mode, day: string, pair: Pair, clientOrderId: string): Promise<void>;
  /** Marks a held reservation used (its order executed). Idempotent. */
  markEntryUsed(mode: Mode, day: string, clientOrderId: string): Promise<void>;
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

  /** Holdings records of every traded asset (the owner's coins, dust). */
  listHoldings(mode: Mode): Promise<HoldingsRecord[]>;
  /** Writes a holdings record if its stored version equals `expectedVersion` (-1 to create). Stores version + 1. */
  putHoldings(record: HoldingsRecord, expectedVersion: number): Promise<boolean>;

  /**
   * Records that `key` happened (conditional put) and returns true the first time only: one alert
   * per incident, not one every 5 minutes. The record expires after `ttlMs`.
   */
  markOnce(mode: Mode, key: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Appends an audit record (idempotent per mode + id). */
  appendAudit(record: AuditRecord): Promise<void>;
  listAudit(mode: Mode, fromMs: number, toMs: number): Promise<AuditRecord[]>;

  /** The paper wallet, or undefined before it is funded. */
  getWallet(): Promise<Wallet | undefined>;
  /** Writes the wallet if its version equals `expectedVersion` (use -1 to create). Stores version + 1. */
  putWallet(balances: Record<string, number>, expectedVersion: number): Promise<boolean>;

  /**
   * Stores one tick's decision journal record (one item per mode and candle; a repeat replaces it),
   * deleted by the store after `entry.expiresAtMs` (kept to the second).
   */
  putJournal(entry: JournalEntry): Promise<void>;
  /**
   * Journal records whose candle closed within [fromMs, toMs], oldest first (`newestFirst`: newest
   * first), at most `limit` of them.
   */
  listJournal(mode: Mode, fromMs: number, toMs: number, options?: { limit?: number; newestFirst?: boolean }): Promise<JournalEntry[]>;

  /** Records one tick's market snapshots (one item per mode and candle), deleted after `expiresAtMs`. */
  putSnapshots?(mode: Mode, closeMs: number, snapshots: readonly MarketSnapshot[], expiresAtMs: number): Promise<void>;
  /** Recorded snapshots of candles closing within [fromMs, toMs], oldest first. */
  listSnapshots?(mode: Mode, fromMs: number, toMs: number): Promise<MarketSnapshot[]>;

  /** The stored universe of a universe configuration, if one was built. */
  getUniverse?(mode: Mode): Promise<UniverseRecord | undefined>;
  /** Replaces the stored universe. */
  putUniverse?(record: UniverseRecord): Promise<void>;

  /** Stores a learned filter's model file (idempotent per content hash: a repeat changes nothing). */
  putModel(model: StoredModel): Promise<void>;
  /** A stored model file by content hash. */
  getModel(mode: Mode, contentHash: string): Promise<StoredModel | undefined>;
  /** Which model the live filter applies (one small item, read every tick while learning is enabled). */
  getPromotedModel(mode: Mode): Promise<ModelPromotion | undefined>;
  /**
   * Points the live filter at `promotion.contentHash`, if the current promotion's hash is still
   * `expectedCurrentHash` (null: none yet): two concurrent promotions cannot both win. False when
   * the condition failed.
   */
  promoteModel(promotion: ModelPromotion, expectedCurrentHash: string | null): Promise<boolean>;
}

/** A model file as stored: its exact text, keyed by its content hash. */
export interface StoredModel {
  mode: Mode;
  contentHash: string;
  storedAtMs: number;
  /** The model file's JSON text (functions/core/learning/modelFile.ts). */
  body: string;
}

/** The promoted model of a mode. */
export interface ModelPromotion {
  mode: Mode;
  contentHash: string;
  promotedAtMs: number;
  /** The model it replaced, if any. */
  previousHash?: string;
  /** Who promoted it and why (the job, `kbot learn --promote`). */
  reason: string;
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
    | 'bad-event'
    /** The learned trade filter: a model promoted, or the filter not applied (no model, expired, mismatch). */
    | 'learning';
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
