// Core domain: which taker fee rate the engine assumes for a pair (edge gate and sizing).
import type { MarketInfo, Pair } from '../../types.js';
import type { FeesConfig } from '../config.js';
import type { PortfolioView } from '../types.js';

/** The fee rate and where it came from. */
export interface FeeRateChoice {
  rate: number;
  source: 'account' | 'market' | 'config';
}

/**
 * The account's real taker rate when the tick could read it; otherwise the higher of the market's
 * advertised rate and `fees.takerFeeRate` (ccxt's built-in Kraken fees are out of date and lower
 * than the real entry tier, so trusting them alone would understate costs).
 */
export function effectiveTakerFeeRate(portfolio: Pick<PortfolioView, 'takerFeeRate'>, pair: Pair, market: MarketInfo, fees: FeesConfig): FeeRateChoice {
  const account = portfolio.takerFeeRate[pair];
  if (account !== undefined && Number.isFinite(account) && account >= 0) return { rate: account, source: 'account' };
  const advertised = market.takerFeeRate;
  if (Number.isFinite(advertised) && advertised > fees.takerFeeRate) return { rate: advertised, source: 'market' };
  return { rate: fees.takerFeeRate, source: 'config' };
}
