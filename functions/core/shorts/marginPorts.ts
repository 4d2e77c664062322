// Core domain: the ports of the short book. The ccxt Kraken adapter implements the exchange side
// (AddOrder with `leverage`, OpenPositions, TradeBalance); the DynamoDB and in-memory stores the
// state side (short positions, the margin-exposure cap reserved atomically).
import type { ExchangeOrder, Mode, Pair } from '../types.js';
import type { ShortPosition } from './shortPosition.js';

/** Whether the account can trade on margin, from Kraken's TradeBalance (and OpenPositions). */
export type MarginCapability =
  | { enabled: true; equityQuote: number; freeMarginQuote: number; marginUsedQuote: number }
  | { enabled: false; reason: string };

/** One open margin position as Kraken reports it (OpenPositions, consolidated by pair). */
export interface MarginPositionView {
  pair: Pair;
  side: 'long' | 'short';
  /** Open base amount (`vol − vol_closed`). */
  amountBase: number;
  /** Quote value at opening. */
  costQuote: number;
  /** Fees charged so far (opening, rollover). */
  feeQuote: number;
  leverage: number;
}

/**
 * A margin market order: `sell` with leverage opens (or adds to) a short; `buy` with leverage and
 * `reduceOnly` closes it and can never open a long. Amounts in base.
 */
export interface MarginOrderRequest {
  side: 'buy' | 'sell';
  pair: Pair;
  clientOrderId: string;
  amountBase: number;
  leverage: number;
  reduceOnly: boolean;
  validateOnly?: boolean;
  deadlineMs?: number;
}

/** The exchange's margin side. Errors are `ExchangeError`s, as for the spot port. */
export interface MarginExchangePort {
  /** TradeBalance: an account without margin answers `enabled: false` (never throws for that). */
  marginCapability(): Promise<MarginCapability>;
  /** Kraken's open margin positions. Throws `ExchangeError` when they cannot be read. */
  fetchMarginPositions(): Promise<MarginPositionView[]>;
  placeMarginOrder(order: MarginOrderRequest): Promise<ExchangeOrder>;
}

/** How the margin-exposure reservation went. */
export type MarginReserveResult = { reserved: true } | { reserved: false; reason: 'exposure-cap' | 'already-decided'; exposureQuote: number };

/** Short positions and the margin-exposure counter; every write conditional. */
export interface MarginStorePort {
  getShort(mode: Mode, pair: Pair): Promise<ShortPosition | undefined>;
  listShorts(mode: Mode): Promise<ShortPosition[]>;
  /** attribute_not_exists: false when the pair has a short already. */
  createShort(position: ShortPosition): Promise<boolean>;
  /** Replaces the short if its stored version is `expectedVersion` (stores version + 1). */
  updateShort(position: ShortPosition, expectedVersion: number): Promise<boolean>;
  deleteShort(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean>;
  /**
   * Atomically adds `notionalQuote` for `clientOrderId` to the open-short exposure, only while the
   * total stays at or under `capQuote`: two concurrent entries cannot both pass a cap that has room
   * for one. Idempotent per order (a held or open reservation answers reserved; a released one
   * `already-decided`).
   */
  reserveMargin(mode: Mode, clientOrderId: string, pair: Pair, notionalQuote: number, capQuote: number, nowMs: number): Promise<MarginReserveResult>;
  /** Gives the reservation back (the order did not execute, or its short closed). Idempotent. */
  releaseMargin(mode: Mode, clientOrderId: string): Promise<void>;
  /** The exposure now reserved (held and open reservations) and the reservations by order id. */
  getMarginExposure(mode: Mode): Promise<{ exposureQuote: number; reservations: Record<string, { pair: Pair; notionalQuote: number; atMs: number; state: 'held' | 'released' }> }>;
}
