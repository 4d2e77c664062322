// Core domain: Kraken is the truth. Each tick compares, per traded base asset, what Kraken holds
// (spot plus the tradable Auto Earn balance) with what the bot's positions say it owns, after the
// owner's own coins of that asset and the dust the bot left behind. Pure: the tick reads and writes.
import { expectedFeeBase } from './positionLifecycle.js';
import type { HoldingsCheck } from './tickResult.js';
import type { AssetBalance, HoldingsRecord, OrderIntent, Position } from './types.js';

/** What the comparison decided, and what the tick should write. */
export interface HoldingsVerdict {
  check: HoldingsCheck;
  /** A record to create (first sighting of the asset: what the account holds beyond the positions is the owner's). */
  createRecord?: Pick<HoldingsRecord, 'externalBase' | 'dustBase' | 'note'>;
  /** A single-buy position whose fee Kraken took in base: reduce it by `feeBase`. */
  feeInBase?: { position: Position; feeBase: number };
}

/**
 * Compares one asset's holdings. `lotBase` is one step of the market's amount precision (the
 * tolerance); `inFlight` is true while an order on one of the asset's pairs is unresolved, when
 * balances are in motion and nothing is concluded.
 */
export function compareHoldings(args: {
  asset: string;
  balance: AssetBalance | undefined;
  balancesKnown: boolean;
  record: HoldingsRecord | undefined;
  positions: readonly Position[];
  lotBase: number;
  inFlight: boolean;
}): HoldingsVerdict {
  const { asset, balance, record, positions, lotBase } = args;
  const botBase = positions.reduce((sum, p) => sum + p.amountBase, 0);
  const skipped = (detail: string): HoldingsVerdict => ({ check: { asset, status: 'skipped', botBase, detail } });
  if (!args.balancesKnown) return skipped('balances could not be read');
  if (args.inFlight) return skipped('an order on this asset is not final yet');
  // Kraken's BalanceEx lists every asset the account has held; an absent one holds nothing.
  const krakenBase = balance?.total ?? 0;
  if (!record) {
    // First sighting: what the account holds beyond the positions belongs to the owner.
    const externalBase = Math.max(0, krakenBase - botBase);
    const note = botBase > 0 ? 'first check with open positions: the rest is the owner\'s' : 'first check: every coin held is the owner\'s';
    const verdict = compareWith(asset, krakenBase, externalBase, 0, botBase, positions, lotBase);
    return { ...verdict, createRecord: { externalBase, dustBase: 0, note } };
  }
  return compareWith(asset, krakenBase, record.externalBase, record.dustBase, botBase, positions, lotBase);
}

function compareWith(
  asset: string,
  krakenBase: number,
  externalBase: number,
  dustBase: number,
  botBase: number,
  positions: readonly Position[],
  lotBase: number,
): HoldingsVerdict {
  const ownBase = krakenBase - externalBase - dustBase;
  const diffBase = round(ownBase - botBase);
  const check: HoldingsCheck = { asset, status: 'ok', krakenBase, externalBase, dustBase, botBase, diffBase };
  // Float noise and a lot step are not a difference.
  const tolerance = lotBase * 1.000001 + 1e-12;
  if (Math.abs(diffBase) <= tolerance) return { check };
  // A buy's fee taken out of the coins shows as a shortfall of exactly that fee (within a lot step
  // or two of rounding): not a mismatch, a correction.
  const single = positions.length === 1 ? positions[0]! : undefined;
  if (diffBase < 0 && single && (single.buys ?? 1) === 1 && single.appliedOrderIds.length === 1) {
    const fee = expectedFeeBase(single);
    if (fee > 0 && Math.abs(-diffBase - fee) <= 2 * lotBase + fee * 0.01) {
      return {
        check: { ...check, status: 'corrected', detail: `the entry fee was taken in ${asset}: position reduced by ${-diffBase}` },
        feeInBase: { position: single, feeBase: -diffBase },
      };
    }
  }
  const detail =
    diffBase < 0
      ? `Kraken holds ${-diffBase} ${asset} less than the positions record`
      : `Kraken holds ${diffBase} ${asset} more than the positions and the owner's coins`;
  return { check: { ...check, status: 'mismatch', detail } };
}

/**
 * Whether Kraken's balance allows writing off an intent nobody can find ("it never executed").
 * ClosedOrders can lag behind an order that did execute; freeing its slot then would let a second
 * exit sell the same coins (the owner's, this time) or a second buy double the position. So a
 * write-off needs the balance to show that nothing moved: for the intent's asset, what Kraken holds
 * beyond the owner's coins and the dust must still equal the positions (a sell that executed leaves
 * fewer coins, a buy more). Returns why not, or undefined when the write-off may go ahead.
 * `positions` are the asset's open positions; `otherInFlight` is true when another unresolved order
 * on the same asset may be moving the balance too.
 */
export function writeOffRefusal(args: {
  intent: Pick<OrderIntent, 'side' | 'amountBase' | 'costQuote' | 'referencePrice'>;
  asset: string;
  balance: AssetBalance | undefined;
  balancesKnown: boolean;
  record: Pick<HoldingsRecord, 'externalBase' | 'dustBase'> | undefined;
  positions: readonly Pick<Position, 'amountBase'>[];
  otherInFlight: boolean;
  lotBase: number;
}): string | undefined {
  const { intent, asset, record, lotBase } = args;
  if (!args.balancesKnown) return 'balances could not be read, so nothing shows that it did not execute';
  if (!record) return `no record of the owner's ${asset} yet, so the balance cannot tell whether it executed`;
  if (args.otherInFlight) return `another order on ${asset} is not final yet, so the balance cannot tell whether this one executed`;
  const botBase = args.positions.reduce((sum, p) => sum + p.amountBase, 0);
  const delta = round((args.balance?.total ?? 0) - record.externalBase - record.dustBase - botBase);
  const expected =
    intent.side === 'sell'
      ? (intent.amountBase ?? 0)
      : intent.costQuote !== undefined && intent.referencePrice !== undefined && intent.referencePrice > 0
        ? intent.costQuote / intent.referencePrice
        : 0;
  // A fill moves the balance by about `expected`; rounding and a fee in base by a lot step or a few
  // tenths of a percent. More than that in the fill's direction means it (or part of it) executed.
  const tolerance = Math.max(2 * lotBase, 0.02 * expected) + 1e-12;
  if (intent.side === 'sell' && delta < -tolerance) {
    return `Kraken holds ${-delta} ${asset} fewer than the positions record: the sell looks executed (ClosedOrders can lag)`;
  }
  if (intent.side === 'buy' && delta > tolerance) {
    return `Kraken holds ${delta} ${asset} more than the positions and the owner's coins: the buy looks executed (ClosedOrders can lag)`;
  }
  return undefined;
}

/** The bot's own free amount of an asset: free balance minus the owner's coins and recorded dust. */
export function ownFreeBase(balance: AssetBalance | undefined, record: Pick<HoldingsRecord, 'externalBase' | 'dustBase'> | undefined): number {
  const free = balance?.free ?? 0;
  return Math.max(0, free - (record?.externalBase ?? 0) - (record?.dustBase ?? 0));
}

/** A stable text for "the same mismatch" (alert again only when it changes). */
export function mismatchSignature(check: HoldingsCheck): string {
  return `${check.asset}:${check.diffBase ?? 0}`;
}

function round(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}
