// Core domain: the arithmetic of one margin short, from the sell that opens it to the buy that
// closes it: levels inverted (stop above, target below, trailing stop following the lowest price),
// rollover charged at opening and every 4 hours, realized P&L net of fees and rollover. The live
// short book and the backtest both call these functions.
import type { Candle, ExitReason, Mode, Pair, ShortPlan } from '../types.js';
import { FIVE_MINUTES_MS, ONE_HOUR_MS } from '../types.js';
import type { ShortsConfig } from './shortsConfig.js';

/** Kraken charges rollover on a margin position at opening and every 4 hours after. */
export const ROLLOVER_INTERVAL_MS = 4 * ONE_HOUR_MS;

/** An open short as stored (`SHORT#<mode>` / `<pair>`). Levels are fixed at entry. */
export interface ShortPosition {
  mode: Mode;
  pair: Pair;
  /** Base sold short and still owed. */
  amountBase: number;
  /** Average entry (sell) price. */
  entryPrice: number;
  entryTimeMs: number;
  /** Quote received for the base sold (the notional at entry), excluding fee. */
  proceedsQuote: number;
  entryFeeQuote: number;
  /** AddOrder leverage the short was opened with. */
  leverage: number;
  strategy: string;
  entryClientOrderId: string;
  /** Buy back at or above this price. */
  stopPrice?: number;
  /** Buy back at or below this price. */
  takeProfitPrice?: number;
  /** Inverted trailing stop: armed once the low reaches `activationPrice`; then stop = lowest × (1 + distance). */
  trailing?: { activationPrice: number; distanceFraction: number; lowestPrice: number; armed: boolean };
  maxHoldUntilMs?: number;
  rolloverRatePer4h: number;
  /** Client order ids applied to this short (entry, partial closes): settling a fill twice changes nothing. */
  appliedOrderIds: string[];
  version: number;
}

/** The levels of a short decided at `referencePrice` (the decision candle's close). */
export function planShort(cfg: ShortsConfig, referencePrice: number, strategy = 'short-downtrend'): ShortPlan {
  return {
    strategy,
    stopPrice: referencePrice * (1 + cfg.stopLossFraction),
    takeProfitPrice: referencePrice * (1 - cfg.takeProfitFraction),
    ...(cfg.trailing.enabled ? { trailing: { activationPrice: referencePrice * (1 - cfg.trailing.activationFraction), distanceFraction: cfg.trailing.distanceFraction } } : {}),
    maxHoldMs: cfg.maxHoldMinutes * 60_000,
    rolloverRatePer4h: cfg.rolloverRatePer4h,
  };
}

/** What a margin fill reports: base executed, its quote value (fee excluded), fee, average price. */
export interface MarginFill {
  filledBase: number;
  costQuote: number;
  feeQuote: number;
  averagePrice: number;
}

/**
 * The short a sell's fill opens. The levels were decided at `referencePrice` and move with the
 * fill price by the same ratio, so a 2% stop stays 2% above what was sold at.
 */
export function openShort(args: { mode: Mode; pair: Pair; entryClientOrderId: string; plan: ShortPlan; referencePrice: number; leverage: number; fill: MarginFill; entryTimeMs: number }): ShortPosition {
  const { fill, plan } = args;
  const price = fill.filledBase > 0 ? fill.costQuote / fill.filledBase : fill.averagePrice;
  const ratio = args.referencePrice > 0 ? price / args.referencePrice : 1;
  const position: ShortPosition = {
    mode: args.mode,
    pair: args.pair,
    amountBase: fill.filledBase,
    entryPrice: price,
    entryTimeMs: args.entryTimeMs,
    proceedsQuote: fill.costQuote,
    entryFeeQuote: fill.feeQuote,
    leverage: args.leverage,
    strategy: plan.strategy,
    entryClientOrderId: args.entryClientOrderId,
    rolloverRatePer4h: plan.rolloverRatePer4h,
    appliedOrderIds: [args.entryClientOrderId],
    version: 1,
  };
  if (plan.stopPrice !== undefined) position.stopPrice = plan.stopPrice * ratio;
  if (plan.takeProfitPrice !== undefined) position.takeProfitPrice = plan.takeProfitPrice * ratio;
  if (plan.trailing) position.trailing = { activationPrice: plan.trailing.activationPrice * ratio, distanceFraction: plan.trailing.distanceFraction, lowestPrice: price, armed: false };
  if (plan.maxHoldMs !== undefined && plan.maxHoldMs > 0) position.maxHoldUntilMs = args.entryTimeMs + plan.maxHoldMs;
  return position;
}

/** Rollover charges a short held from `entryTimeMs` to `atMs` has paid: one at opening, one per full 4 hours. */
export function rolloverCharges(entryTimeMs: number, atMs: number): number {
  return 1 + Math.max(0, Math.floor((atMs - entryTimeMs) / ROLLOVER_INTERVAL_MS));
}

/** Rollover in quote on the short's notional from its entry to `atMs`. */
export function rolloverQuote(position: Pick<ShortPosition, 'entryTimeMs' | 'proceedsQuote' | 'rolloverRatePer4h'>, atMs: number): number {
  return rolloverCharges(position.entryTimeMs, atMs) * position.rolloverRatePer4h * position.proceedsQuote;
}

/** The trailing stop in force (only once armed). */
export function shortTrailingStop(position: ShortPosition): number | undefined {
  const t = position.trailing;
  return t?.armed ? t.lowestPrice * (1 + t.distanceFraction) : undefined;
}

/** A short exit decision on one candle. */
export type ShortExit =
  | { action: 'buy'; reason: ExitReason; triggerPrice: number; updated?: ShortPosition }
  | { action: 'hold'; updated?: ShortPosition };

/**
 * Mental exits of a short on one closed candle, inverted from a long's. Inside a candle the high
 * is assumed to come before the low (the stop before the target: the pessimistic order for a
 * short), then the low moves the trailing stop, then the close; then the time limit. A stop that
 * the candle gapped over fills at the open.
 */
export function shortExitOnCandle(position: ShortPosition, candle: Candle, nowMs: number): ShortExit {
  const afterEntry = candle.openTimeMs + FIVE_MINUTES_MS > position.entryTimeMs;
  let updated: ShortPosition | undefined;
  if (afterEntry) {
    const trailingStop = shortTrailingStop(position);
    let level = position.stopPrice;
    let reason: ExitReason = 'stop-loss';
    if (trailingStop !== undefined && (level === undefined || trailingStop < level)) {
      level = trailingStop;
      reason = 'trailing-stop';
    }
    if (level !== undefined && candle.high >= level) return { action: 'buy', reason, triggerPrice: candle.open > level ? candle.open : level };
    const tp = position.takeProfitPrice;
    if (tp !== undefined && candle.low <= tp) return { action: 'buy', reason: 'take-profit', triggerPrice: candle.open < tp ? candle.open : tp };
    const t = position.trailing;
    if (t) {
      const lowest = Math.min(t.lowestPrice, candle.low);
      const armed = t.armed || candle.low <= t.activationPrice;
      if (lowest !== t.lowestPrice || armed !== t.armed) updated = { ...position, trailing: { ...t, lowestPrice: lowest, armed } };
      if (armed) {
        const stop = lowest * (1 + t.distanceFraction);
        if (candle.close >= stop) return { action: 'buy', reason: 'trailing-stop', triggerPrice: stop, ...(updated ? { updated } : {}) };
      }
    }
  }
  if (position.maxHoldUntilMs !== undefined && nowMs >= position.maxHoldUntilMs) return { action: 'buy', reason: 'max-hold', triggerPrice: candle.close, ...(updated ? { updated } : {}) };
  return updated ? { action: 'hold', updated } : { action: 'hold' };
}

/** The exit a price alone decides (no candle could be read): stop or armed trailing stop at or below it, target at or above it, time. */
export function shortExitAtPrice(position: ShortPosition, price: number, nowMs: number): { reason: ExitReason; triggerPrice: number } | undefined {
  if (!(price > 0)) return undefined;
  const trailingStop = shortTrailingStop(position);
  const stop = position.stopPrice;
  if (trailingStop !== undefined && (stop === undefined || trailingStop < stop) && price >= trailingStop) return { reason: 'trailing-stop', triggerPrice: price };
  if (stop !== undefined && price >= stop) return { reason: 'stop-loss', triggerPrice: price };
  if (position.takeProfitPrice !== undefined && price <= position.takeProfitPrice) return { reason: 'take-profit', triggerPrice: price };
  if (position.maxHoldUntilMs !== undefined && nowMs >= position.maxHoldUntilMs) return { reason: 'max-hold', triggerPrice: price };
  return undefined;
}

/** What closing (all or part of) a short realizes. */
export interface ShortCloseOutcome {
  /** Net of the entry fee's share, the closing fee and the rollover's share. */
  realizedPnlQuote: number;
  rolloverQuote: number;
  /** The short left open after a partial close, or undefined when it is closed. */
  position?: ShortPosition;
}

/** A remainder this small relative to the short is float noise. */
const NOISE_FRACTION = 1e-9;

/**
 * Applies a buy-back fill at `atMs`: the share of the short it covers realizes
 * `proceeds − cost − entry fee − closing fee − rollover` (each pro rata).
 */
export function applyShortClose(position: ShortPosition, fill: MarginFill, clientOrderId: string, atMs: number): ShortCloseOutcome {
  const covered = Math.min(fill.filledBase, position.amountBase);
  const share = position.amountBase > 0 ? covered / position.amountBase : 1;
  const rollover = rolloverQuote(position, atMs) * share;
  const realizedPnlQuote = position.proceedsQuote * share - fill.costQuote - position.entryFeeQuote * share - fill.feeQuote - rollover;
  const left = position.amountBase - covered;
  if (left <= position.amountBase * NOISE_FRACTION) return { realizedPnlQuote, rolloverQuote: rollover };
  return {
    realizedPnlQuote,
    rolloverQuote: rollover,
    position: {
      ...position,
      amountBase: left,
      proceedsQuote: position.proceedsQuote * (1 - share),
      entryFeeQuote: position.entryFeeQuote * (1 - share),
      appliedOrderIds: [...position.appliedOrderIds, clientOrderId].slice(-20),
    },
  };
}

/** The fee-aware edge gate for a short, rollover included. */
export interface ShortEdgeCheck {
  ok: boolean;
  explanation: Record<string, number>;
  reason?: string;
}

/**
 * A short is worth opening only when its expected move (entry to target) pays two taker fees, two
 * slippages, the rollover of the longest hold it may have (one charge at opening plus one per 4
 * hours: `rolloverPerDay` = 6 × rate) and a buffer.
 */
export function checkShortEdge(args: { expectedMoveFraction: number; takerFeeRate: number; slippageFraction: number; bufferFraction: number; rolloverRatePer4h: number; maxHoldMs: number; requireEdge?: boolean }): ShortEdgeCheck {
  const charges = 1 + Math.floor(args.maxHoldMs / ROLLOVER_INTERVAL_MS);
  const rolloverFraction = charges * args.rolloverRatePer4h;
  const roundTrip = 2 * args.takerFeeRate + 2 * args.slippageFraction;
  const required = roundTrip + rolloverFraction + args.bufferFraction;
  const explanation = {
    expectedEdge: args.expectedMoveFraction,
    takerFeeRate: args.takerFeeRate,
    roundTripCost: roundTrip,
    rolloverPerDay: 6 * args.rolloverRatePer4h,
    rolloverCharges: charges,
    rolloverFraction,
    edgeBufferFraction: args.bufferFraction,
    requiredEdge: required,
  };
  // `fees.requireEdge: false` (tests and experiments only) turns the gate off, as for spot entries.
  if (args.requireEdge === false) return { ok: true, explanation: { ...explanation, gateOff: 1 } };
  if (!(args.expectedMoveFraction > required)) {
    return { ok: false, explanation, reason: `expected edge ${pct(args.expectedMoveFraction)} does not exceed fees ${pct(roundTrip)} + rollover ${pct(rolloverFraction)} + buffer ${pct(args.bufferFraction)}` };
  }
  return { ok: true, explanation };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(3)}%`;
}
