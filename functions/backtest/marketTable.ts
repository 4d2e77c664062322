// Backtest setup: the market rules (minimums, precision, fees) the simulated exchange enforces.
// A built-in table mirrors Kraken's spot listings; a saved Kraken AssetPairs reply overrides it.
import type { MarketInfo, Pair } from '../core/types.js';
import { commonAsset } from './krakenPairs.js';

/** Kraken's precision and minimums per base asset (they are the same against USD, EUR, USDT...). */
interface AssetRules {
  priceDecimals: number;
  minAmountBase: number;
  /** Kraken's `lot_decimals` when it is not 8 (some sub-cent tokens trade in whole or 5-decimal units). */
  lotDecimals?: number;
}

/**
 * Kraken spot rules, read from its AssetPairs endpoint (`pair_decimals`, `lot_decimals` 8,
 * `ordermin`, `costmin` 0.5). They drift over time: pass `--markets asset-pairs.json` (a saved
 * `GET /0/public/AssetPairs` reply) to use the exchange's current values instead.
 */
const KRAKEN_RULES: Record<string, AssetRules> = {
  BTC: { priceDecimals: 1, minAmountBase: 0.00005 },
  ETH: { priceDecimals: 2, minAmountBase: 0.002 },
  SOL: { priceDecimals: 2, minAmountBase: 0.06 },
  XRP: { priceDecimals: 5, minAmountBase: 2 },
  DOGE: { priceDecimals: 7, minAmountBase: 20 },
  ADA: { priceDecimals: 6, minAmountBase: 5 },
  DOT: { priceDecimals: 4, minAmountBase: 0.6 },
  LTC: { priceDecimals: 2, minAmountBase: 0.05 },
  LINK: { priceDecimals: 5, minAmountBase: 0.2 },
  AVAX: { priceDecimals: 2, minAmountBase: 0.1 },
  MATIC: { priceDecimals: 4, minAmountBase: 4 },
  ATOM: { priceDecimals: 4, minAmountBase: 0.4 },
  XLM: { priceDecimals: 6, minAmountBase: 20 },
  TRX: { priceDecimals: 6, minAmountBase: 20 },
  BCH: { priceDecimals: 2, minAmountBase: 0.01 },
  // Sub-cent tokens.
  SHIB: { priceDecimals: 9, minAmountBase: 500_000, lotDecimals: 5 },
  PEPE: { priceDecimals: 10, minAmountBase: 1_000_000, lotDecimals: 0 },
  BONK: { priceDecimals: 10, minAmountBase: 500_000, lotDecimals: 5 },
  FLOKI: { priceDecimals: 9, minAmountBase: 80_000, lotDecimals: 5 },
};

const KRAKEN_LOT_DECIMALS = 8;
const KRAKEN_COST_MIN = 0.5;

/** Pairs the built-in table knows (any of its bases against any quote). */
export function builtInMarketBases(): string[] {
  return Object.keys(KRAKEN_RULES);
}

/**
 * Market rules for `pairs` from the built-in Kraken table. Throws naming the pair when a base is
 * unknown (pass a Kraken AssetPairs file instead). Fees are the account's taker rate.
 */
export function builtInMarkets(pairs: readonly Pair[], takerFeeRate: number): Record<Pair, MarketInfo> {
  const out: Record<Pair, MarketInfo> = {};
  for (const pair of pairs) {
    const [base, quote] = pair.split('/') as [string, string];
    const rules = KRAKEN_RULES[base];
    if (!rules) {
      throw new Error(
        `no built-in market rules for ${pair}; pass --markets with a saved Kraken AssetPairs reply (known bases: ${builtInMarketBases().join(', ')})`,
      );
    }
    out[pair] = {
      pair,
      base,
      quote,
      amountDecimals: rules.lotDecimals ?? KRAKEN_LOT_DECIMALS,
      priceDecimals: rules.priceDecimals,
      minAmountBase: rules.minAmountBase,
      minCostQuote: KRAKEN_COST_MIN,
      takerFeeRate,
      makerFeeRate: takerFeeRate,
      active: true,
    };
  }
  return out;
}

interface KrakenAssetPair {
  altname?: string;
  wsname?: string;
  base?: string;
  quote?: string;
  pair_decimals?: number;
  lot_decimals?: number;
  ordermin?: string;
  costmin?: string;
  status?: string;
}

/**
 * Market rules from a Kraken `GET /0/public/AssetPairs` reply (the envelope or its `result`).
 * Dark-pool `.d` pairs are dropped. `takerFeeRate` is used for every pair: the reply's fee tiers
 * are the public schedule, not the account's rate.
 */
export function marketsFromAssetPairs(reply: unknown, takerFeeRate: number): Record<Pair, MarketInfo> {
  const root = (reply && typeof reply === 'object' && 'result' in reply ? (reply as { result: unknown }).result : reply) as
    | Record<string, KrakenAssetPair>
    | undefined;
  if (!root || typeof root !== 'object') throw new Error('not a Kraken AssetPairs reply: expected an object keyed by pair id');
  const out: Record<Pair, MarketInfo> = {};
  for (const [id, p] of Object.entries(root)) {
    if (id.endsWith('.d') || !p || typeof p !== 'object' || !p.base || !p.quote) continue;
    const base = commonAsset(p.wsname?.split('/')[0] ?? p.base);
    const quote = commonAsset(p.wsname?.split('/')[1] ?? p.quote);
    const pair = `${base}/${quote}`;
    out[pair] = {
      pair,
      base,
      quote,
      amountDecimals: p.lot_decimals ?? KRAKEN_LOT_DECIMALS,
      priceDecimals: p.pair_decimals ?? 8,
      minAmountBase: Number(p.ordermin ?? 0),
      minCostQuote: Number(p.costmin ?? 0),
      takerFeeRate,
      makerFeeRate: takerFeeRate,
      active: (p.status ?? 'online') === 'online',
    };
  }
  return out;
}
