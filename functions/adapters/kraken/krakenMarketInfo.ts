// Secondary adapter (Kraken via ccxt): converts a ccxt market into the core's MarketInfo.
import type { MarketInfo } from '../../core/types.js';

/** The part of a ccxt market this adapter reads. */
export interface CcxtMarketLike {
  symbol: string;
  base: string;
  quote: string;
  precision: { amount?: number | undefined; price?: number | undefined };
  limits: { amount?: { min?: number | undefined }; cost?: { min?: number | undefined } };
  taker?: number | undefined;
  maker?: number | undefined;
  active?: boolean | undefined;
  info?: unknown;
}

/** ccxt's precision modes (ccxt/js/src/base/functions/number.js). */
export const DECIMAL_PLACES = 2;
export const TICK_SIZE = 4;

/** Kraken Pro's lowest-tier fees, used only when the market does not state its own. */
const FALLBACK_TAKER = 0.004;
const FALLBACK_MAKER = 0.0025;

/**
 * Decimal places from a ccxt precision value. Kraken in ccxt 4.5 uses TICK_SIZE mode, so
 * `lot_decimals: 8` arrives as the tick 1e-8; in DECIMAL_PLACES mode the value already is the count.
 */
export function decimalsFromPrecision(value: number | undefined, precisionMode: number): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0) throw new Error(`market precision missing or invalid: ${value}`);
  if (precisionMode !== TICK_SIZE) return Math.round(value);
  if (value >= 1) return 0;
  const decimals = Math.round(-Math.log10(value));
  // A tick that is not a power of ten (e.g. 0.5) needs one more decimal to be written at all.
  return Math.abs(10 ** -decimals - value) < value * 1e-9 ? decimals : Math.ceil(-Math.log10(value));
}

/** Maps a ccxt market to MarketInfo. Fees are the market's lowest tier; the account's real rate comes from TradeVolume. */
export function toMarketInfo(market: CcxtMarketLike, precisionMode: number): MarketInfo {
  const status = (market.info as { status?: unknown } | undefined)?.status;
  return {
    pair: market.symbol,
    base: market.base,
    quote: market.quote,
    amountDecimals: decimalsFromPrecision(market.precision.amount, precisionMode),
    priceDecimals: decimalsFromPrecision(market.precision.price, precisionMode),
    minAmountBase: market.limits.amount?.min ?? 0,
    minCostQuote: market.limits.cost?.min ?? 0,
    takerFeeRate: market.taker ?? FALLBACK_TAKER,
    makerFeeRate: market.maker ?? FALLBACK_MAKER,
    // Older AssetPairs replies carry no status; only an explicit non-online status disables the market.
    active: typeof status === 'string' ? status === 'online' : true,
  };
}
