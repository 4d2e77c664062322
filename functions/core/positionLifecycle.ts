// Core domain: the arithmetic of one position, from the buy that opens it to the sell (or dust
// write-off) that closes it. The live tick's settlement and the backtest both call these functions,
// so levels, fees, partial fills and leftovers cannot be computed two ways.
import { positionLevels } from './engine/entryPlan.js';
import { floorAmountBase } from './engine/precision.js';
import type { EntryPlan, MarketInfo, Mode, Pair, Position } from './types.js';

/** What a fill contributes to a position: the executed amount, its quote value and fee. */
export interface FillFacts {
  filledBase: number;
  /** Quote value of the fill, excluding the fee. */
  costQuote: number;
  /** Fee valued in quote. */
  feeQuote: number;
  averagePrice: number;
  /** Part of the fee taken out of the base asset (the credit is `filledBase − feeBase`). */
  feeBase?: number;
}

/** Ids kept on a position to make settlement idempotent (entry, merges, partial sells). */
const APPLIED_IDS_KEPT = 20;
/** A remainder this small relative to the position is float noise, not a position. */
const NOISE_FRACTION = 1e-9;

/**
 * The position a buy's fill opens. Exit levels were decided at `referencePrice` (the decision
 * candle's close) and move with the actual fill price by the same ratio, so a 2% stop stays 2% below
 * what was paid. A fee taken in base reduces the amount held, and the quote cost is what the coins
 * actually credited are worth, so the fee is counted once.
 */
export function openPosition(args: {
  mode: Mode;
  pair: Pair;
  entryClientOrderId: string;
  plan: EntryPlan;
  referencePrice: number;
  fill: FillFacts;
  entryTimeMs: number;
}): Position {
  const { fill } = args;
  const { amountBase, costQuote } = creditedOf(fill);
  const price = amountBase > 0 ? costQuote / amountBase : fill.averagePrice;
  const levels = positionLevels(args.plan, args.referencePrice > 0 ? args.referencePrice : price, price, args.entryTimeMs);
  // Built field by field in one order: positions of one configuration share a layout, which keeps
  // the backtest's per-candle exit checks fast.
  const position: Position = {
    mode: args.mode,
    pair: args.pair,
    amountBase,
    entryPrice: price,
    entryTimeMs: args.entryTimeMs,
    costQuote,
    entryFeeQuote: fill.feeQuote,
    strategy: levels.strategy,
    entryClientOrderId: args.entryClientOrderId,
    appliedOrderIds: [args.entryClientOrderId],
    buys: 1,
    version: 1,
  };
  if (levels.stopPrice !== undefined) position.stopPrice = levels.stopPrice;
  if (levels.takeProfitPrice !== undefined) position.takeProfitPrice = levels.takeProfitPrice;
  if (levels.trailing) position.trailing = levels.trailing;
  if (levels.maxHoldUntilMs !== undefined) position.maxHoldUntilMs = levels.maxHoldUntilMs;
  if (args.plan.entryFeatures) position.entryFeatures = args.plan.entryFeatures;
  return position;
}

/** A late buy fill merged into an existing position at the average price; the levels stay. */
export function mergeBuy(position: Position, fill: FillFacts, clientOrderId: string): Position {
  const credited = creditedOf(fill);
  const amountBase = position.amountBase + credited.amountBase;
  const costQuote = position.costQuote + credited.costQuote;
  return {
    ...position,
    amountBase,
    costQuote,
    entryFeeQuote: position.entryFeeQuote + fill.feeQuote,
    entryPrice: amountBase > 0 ? costQuote / amountBase : position.entryPrice,
    appliedOrderIds: withId(position.appliedOrderIds, clientOrderId),
    buys: (position.buys ?? 1) + 1,
  };
}

/** What a sell's fill does to a position. */
export interface SellOutcome {
  /** The position after the sell, or undefined when it is closed. */
  position: Position | undefined;
  /** Realized P&L of the part sold, net of its share of the entry fee and of the exit fee. */
  realizedPnlQuote: number;
  /** Share of the position sold (0..1). */
  fraction: number;
  /** Entry cost and entry fee of the part sold. */
  entryCostQuote: number;
  entryFeeQuote: number;
}

/**
 * Applies a sell's fill. The part sold carries its share of the entry cost and fee; what remains
 * keeps the rest, so a position sold in pieces realizes exactly what one sale would.
 */
export function applySellFill(position: Position, fill: FillFacts, clientOrderId: string): SellOutcome {
  // A fee taken in base leaves the position with the coins sold: those coins are part of what the
  // position gives up, and only the rest of the fee (if any) is paid in quote.
  const feeBase = fill.feeBase !== undefined && fill.feeBase > 0 ? fill.feeBase : 0;
  const debitedBase = fill.filledBase + feeBase;
  const quoteFee = Math.max(0, fill.feeQuote - feeBase * fill.averagePrice);
  const fraction = position.amountBase > 0 ? Math.min(1, debitedBase / position.amountBase) : 1;
  const closes = fraction >= 1 - NOISE_FRACTION;
  const entryCostQuote = closes ? position.costQuote : position.costQuote * fraction;
  const entryFeeQuote = closes ? position.entryFeeQuote : position.entryFeeQuote * fraction;
  const realizedPnlQuote = fill.costQuote - quoteFee - entryCostQuote - entryFeeQuote;
  if (closes) return { position: undefined, realizedPnlQuote, fraction: 1, entryCostQuote, entryFeeQuote };
  return {
    position: {
      ...position,
      amountBase: position.amountBase - debitedBase,
      costQuote: position.costQuote - entryCostQuote,
      entryFeeQuote: position.entryFeeQuote - entryFeeQuote,
      appliedOrderIds: withId(position.appliedOrderIds, clientOrderId),
    },
    realizedPnlQuote,
    fraction,
    entryCostQuote,
    entryFeeQuote,
  };
}

/**
 * What an exit may sell: the position's amount, capped by what Kraken shows the bot owns and can
 * move now (`ownFreeBase`: free balance minus the owner's own coins and recorded dust; undefined
 * when balances could not be read, then the recorded amount is sent and Kraken refuses an oversized
 * sell), rounded down to the market's lot precision when the market is known.
 */
export function sellableAmount(position: Pick<Position, 'amountBase'>, ownFreeBase: number | undefined, market: Pick<MarketInfo, 'amountDecimals'> | undefined): number {
  const held = ownFreeBase === undefined ? position.amountBase : Math.min(position.amountBase, Math.max(0, ownFreeBase));
  return market ? floorAmountBase(held, market) : held;
}

/** Whether an amount cannot be sold on its own: under Kraken's minimum amount or minimum cost at `price`. */
export function belowMinimum(amountBase: number, price: number, market: Pick<MarketInfo, 'minAmountBase' | 'minCostQuote'>): boolean {
  return !(amountBase > 0) || amountBase < market.minAmountBase || (price > 0 && amountBase * price < market.minCostQuote);
}

/**
 * Closing a leftover too small to sell: the coins stay on the account as dust and the bot stops
 * counting them, so their whole cost basis is realized as a loss.
 */
export function dustWriteOff(position: Position): { realizedPnlQuote: number; amountBase: number } {
  return { realizedPnlQuote: -(position.costQuote + position.entryFeeQuote), amountBase: position.amountBase };
}

/**
 * A buy whose fee Kraken took out of the coins (the credit is short of the executed amount by
 * `feeBase`): the position holds what was credited and its cost is what those coins are worth, so
 * the fee is counted once, as the entry fee.
 */
export function applyFeeInBase(position: Position, feeBase: number): Position {
  const amountBase = position.amountBase - feeBase;
  const feeValue = feeBase * position.entryPrice;
  const costQuote = Math.max(0, position.costQuote - feeValue);
  return { ...position, amountBase, costQuote, entryPrice: amountBase > 0 ? costQuote / amountBase : position.entryPrice };
}

/** The fee (in base) a single-buy position would be short by if Kraken took its entry fee in base. */
export function expectedFeeBase(position: Pick<Position, 'entryFeeQuote' | 'entryPrice'>): number {
  return position.entryPrice > 0 ? position.entryFeeQuote / position.entryPrice : 0;
}

/** The base credited by a fill, and the quote value of that credit. */
function creditedOf(fill: FillFacts): { amountBase: number; costQuote: number } {
  const feeBase = fill.feeBase !== undefined && fill.feeBase > 0 ? fill.feeBase : 0;
  if (feeBase === 0) return { amountBase: fill.filledBase, costQuote: fill.costQuote };
  const price = fill.filledBase > 0 ? fill.costQuote / fill.filledBase : fill.averagePrice;
  return { amountBase: fill.filledBase - feeBase, costQuote: fill.costQuote - feeBase * price };
}

function withId(ids: readonly string[], id: string): string[] {
  return ids.includes(id) ? [...ids] : [...ids, id].slice(-APPLIED_IDS_KEPT);
}
