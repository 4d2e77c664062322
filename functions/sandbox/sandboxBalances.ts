// Kraken sandbox: the account's balances by Kraken balance key, extension assets included. Kraken
// keeps Auto Earn coins under `<altname>.F` (transacted through the base asset: a sale draws on the
// spot balance first, then on `.F`) and staked or yield balances under `.B`, `.S`, `.M`, `.P`
// (read-only: not tradable until moved back). BalanceEx and Balance list every key.
import { KrakenApiError } from './krakenApiError.js';
import { fixed, roundTo, truncated } from './krakenFormat.js';
import { SANDBOX_ASSETS, findSandboxAsset, type SandboxAsset } from './sandboxMarkets.js';

/** Extension suffixes the sandbox models. */
export const EXTENSION_SUFFIXES = ['F', 'B', 'S', 'M', 'P'] as const;
export type ExtensionSuffix = (typeof EXTENSION_SUFFIXES)[number];

/** Suffixes transacted through the base asset (tradable). */
const TRADABLE_SUFFIXES: ReadonlySet<string> = new Set(['F']);

/** A balance key resolved: its asset and suffix (`''` for the spot balance). */
export interface BalanceKey {
  asset: SandboxAsset;
  suffix: '' | ExtensionSuffix;
  /** How Kraken names it: `XXBT` (spot) or `XBT.F`. */
  key: string;
}

/**
 * Resolves `BTC`, `XXBT`, `XBT` (spot) or `BTC.F`, `XBT.F`, `XXBT.F` (extension); undefined when
 * the asset or suffix is unknown.
 */
export function resolveBalanceKey(name: string): BalanceKey | undefined {
  const dot = name.indexOf('.');
  const assetName = dot < 0 ? name : name.slice(0, dot);
  const suffix = dot < 0 ? '' : name.slice(dot + 1).toUpperCase();
  const asset = findSandboxAsset(assetName);
  if (!asset) return undefined;
  if (suffix === '') return { asset, suffix: '', key: asset.id };
  if (!(EXTENSION_SUFFIXES as readonly string[]).includes(suffix)) return undefined;
  return { asset, suffix: suffix as ExtensionSuffix, key: `${asset.altname}.${suffix}` };
}

/** Balances by Kraken key (`ZUSD`, `XXBT`, `XBT.F`, `XBT.S`, ...). */
export class SandboxBalances {
  private readonly byKey = new Map<string, number>();

  /** Sets balances by code or Kraken name, extensions included (`BTC.F`); others are left as they are. */
  set(balances: Record<string, number>): void {
    const resolved = Object.entries(balances).map(([name, amount]) => {
      const key = resolveBalanceKey(name);
      if (!key) {
        throw new Error(
          `unknown asset ${name}; the sandbox lists ${SANDBOX_ASSETS.map((a) => a.code).join(', ')}, optionally with an extension suffix (${EXTENSION_SUFFIXES.map((s) => `.${s}`).join(' ')})`,
        );
      }
      if (!(Number.isFinite(amount) && amount >= 0)) throw new Error(`balance of ${name} must be a non-negative number`);
      return [key.key, amount] as const;
    });
    for (const [key, amount] of resolved) this.byKey.set(key, amount);
  }

  /** Every balance by Kraken key, including zero balances the account has held. */
  byKrakenKey(): Record<string, number> {
    return Object.fromEntries(this.byKey);
  }

  /**
   * Tradable totals by asset code (spot plus `.F`): what the account can sell or spend. An asset
   * appears once it has had a spot or `.F` balance, even zero.
   */
  tradableByCode(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, amount] of this.byKey) {
      const k = resolveBalanceKey(key)!;
      if (k.suffix !== '' && !TRADABLE_SUFFIXES.has(k.suffix)) continue;
      out[k.asset.code] = roundTo((out[k.asset.code] ?? 0) + amount, 10);
    }
    return out;
  }

  /** The tradable total of one asset (by Kraken id). */
  tradable(assetId: string): number {
    const asset = findSandboxAsset(assetId)!;
    return roundTo((this.byKey.get(asset.id) ?? 0) + (this.byKey.get(`${asset.altname}.F`) ?? 0), 10);
  }

  /** Everything held of one asset, staked balances included (for equity). */
  held(assetId: string): number {
    const asset = findSandboxAsset(assetId)!;
    let total = this.byKey.get(asset.id) ?? 0;
    for (const s of EXTENSION_SUFFIXES) total += this.byKey.get(`${asset.altname}.${s}`) ?? 0;
    return total;
  }

  /** Adds to the spot balance (what a fill credits). */
  credit(assetId: string, amount: number): void {
    this.byKey.set(assetId, roundTo((this.byKey.get(assetId) ?? 0) + amount, 10));
  }

  /**
   * Takes from the spot balance, then from `.F` (Auto Earn is transacted through the base asset).
   * Throws `EOrder:Insufficient funds` if both together do not cover it (callers check first).
   */
  debit(assetId: string, amount: number): void {
    const asset = findSandboxAsset(assetId)!;
    const earnKey = `${asset.altname}.F`;
    const spot = this.byKey.get(asset.id) ?? 0;
    const earn = this.byKey.get(earnKey) ?? 0;
    if (roundTo(amount, 10) > roundTo(spot + earn, 10)) throw new KrakenApiError('EOrder:Insufficient funds');
    const fromSpot = Math.min(spot, amount);
    this.byKey.set(asset.id, roundTo(spot - fromSpot, 10));
    if (amount > fromSpot) this.byKey.set(earnKey, Math.max(0, roundTo(earn - (amount - fromSpot), 10)));
  }

  /** Auto Earn: keeps `share` of the asset's tradable balance under `.F`, the rest on spot. */
  sweep(assetId: string, share: number): void {
    const asset = findSandboxAsset(assetId)!;
    const total = this.tradable(asset.id);
    // An asset the account never held stays absent rather than showing up as zeros.
    if (total === 0 && !this.byKey.has(asset.id) && !this.byKey.has(`${asset.altname}.F`)) return;
    const earn = roundTo(total * share, asset.decimals);
    this.byKey.set(`${asset.altname}.F`, earn);
    this.byKey.set(asset.id, roundTo(total - earn, 10));
  }

  /**
   * BalanceEx: every key with `balance`, `credit`, `credit_used` and `hold_trade` (available =
   * balance + credit − credit_used − hold_trade). A hold sits on the spot key, the part of it the
   * spot balance cannot carry on `.F`.
   */
  balanceEx(holdsByAsset: ReadonlyMap<string, number>): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const holdLeft = new Map(holdsByAsset);
    const keys = [...this.byKey.keys()].sort((a, b) => rank(a) - rank(b));
    for (const key of keys) {
      const k = resolveBalanceKey(key)!;
      const amount = this.byKey.get(key)!;
      const decimals = k.asset.decimals;
      let hold = 0;
      if (k.suffix === '' || TRADABLE_SUFFIXES.has(k.suffix)) {
        hold = Math.min(amount, holdLeft.get(k.asset.id) ?? 0);
        holdLeft.set(k.asset.id, (holdLeft.get(k.asset.id) ?? 0) - hold);
      }
      result[key] = { balance: truncated(amount, decimals), credit: fixed(0, decimals), credit_used: fixed(0, decimals), hold_trade: fixed(hold, decimals) };
    }
    // Reported in the order the account first held them, spot before its extensions.
    return Object.fromEntries([...this.byKey.keys()].filter((k) => k in result).map((k) => [k, result[k]]));
  }

  /** Balance: every key, balance only. */
  balance(): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, amount] of this.byKey) result[key] = truncated(amount, resolveBalanceKey(key)!.asset.decimals);
    return result;
  }
}

/** Spot keys are charged holds before `.F` keys. */
function rank(key: string): number {
  return key.includes('.') ? 1 : 0;
}
