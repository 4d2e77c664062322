// Core domain: the entry features. What the market looked like when the engine decided an entry
// (regime, indicators, spread, time of day), recorded with the position so closed trades can be
// analysed by the conditions they were entered in, and later used to train a trade filter.
import type { BotConfig } from '../config.js';
import type { EntryFeatures, TradeRecord } from '../types.js';
import type { IndicatorPlan } from './indicatorPlan.js';
import type { PreparedPairSeries } from './preparedPairSeries.js';

/** Fixed lengths of the SMA distances and the Bollinger band: the same in every configuration. */
export const FEATURE_SMA_SHORT = 20;
export const FEATURE_SMA_LONG = 50;
export const FEATURE_BOLLINGER_STD = 2;

/**
 * The indicator slots the features read, registered as informational: they never count toward the
 * warm-up, and a slot a strategy already uses is shared (no second computation). Periods of ADX,
 * RSI, ATR and the volume average are the regime strategy's, so with the default strategy the
 * features are exactly the values the regime filters compared.
 */
export class EntryFeatureSlots {
  private readonly adx: number;
  private readonly plusDi: number;
  private readonly minusDi: number;
  private readonly rsi: number;
  private readonly atr: number;
  private readonly volumeAverage: number;
  private readonly smaShort: number;
  private readonly smaLong: number;
  private readonly stdShort: number;
  private readonly thresholds: BotConfig['strategies']['regime']['thresholds'];
  private readonly tierBounds: readonly number[];
  private readonly recentTrades: number;

  constructor(config: BotConfig, plan: IndicatorPlan) {
    const r = config.strategies.regime;
    const info = { informational: true } as const;
    this.adx = plan.slot({ kind: 'adx', timeframe: '5m', period: r.adxPeriod }, info);
    this.plusDi = plan.slot({ kind: 'plusDi', timeframe: '5m', period: r.adxPeriod }, info);
    this.minusDi = plan.slot({ kind: 'minusDi', timeframe: '5m', period: r.adxPeriod }, info);
    this.rsi = plan.slot({ kind: 'rsi', timeframe: '5m', period: r.rsiPeriod }, info);
    this.atr = plan.slot({ kind: 'atr', timeframe: '5m', period: r.atrPeriod }, info);
    this.volumeAverage = plan.slot({ kind: 'sma', source: 'volume', timeframe: '5m', period: r.volumePeriod }, info);
    this.smaShort = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: FEATURE_SMA_SHORT }, info);
    this.smaLong = plan.slot({ kind: 'sma', source: 'close', timeframe: '5m', period: FEATURE_SMA_LONG }, info);
    this.stdShort = plan.slot({ kind: 'stdDev', timeframe: '5m', period: FEATURE_SMA_SHORT }, info);
    this.thresholds = r.aggressive ? r.aggressiveThresholds : r.thresholds;
    this.tierBounds = config.learning.priceTierBounds;
    this.recentTrades = config.learning.recentTrades;
  }

  /**
   * The features at candle i for a signal of `strategy`. Called once per entry decided, never per
   * candle. `closedTrades` are the closed trades the engine sees (oldest first), all before the decision.
   */
  at(
    s: PreparedPairSeries,
    i: number,
    signal: { strategy: string; confidence: number; expectedEdge: number },
    spreadFraction: number | undefined,
    closedTrades: readonly TradeRecord[],
  ): EntryFeatures {
    const close = s.close[i]!;
    const value = (slot: number) => finite(s.ind[slot]![i]!);
    const adx = value(this.adx);
    const plusDi = value(this.plusDi);
    const minusDi = value(this.minusDi);
    const atr = value(this.atr);
    const atrFraction = atr !== null && close > 0 ? atr / close : null;
    const volumeAverage = value(this.volumeAverage);
    const smaShort = value(this.smaShort);
    const smaLong = value(this.smaLong);
    const std = value(this.stdShort);
    const closeMs = s.closeTimeMs(i);
    const closeAt = new Date(closeMs);
    return {
      version: 2,
      strategy: signal.strategy,
      regime: classifyRegime(adx, plusDi, minusDi, atrFraction, this.thresholds),
      confidence: signal.confidence,
      expectedEdgeFraction: signal.expectedEdge,
      adx,
      plusDi,
      minusDi,
      rsi: value(this.rsi),
      atrFraction,
      volumeRatio: volumeAverage !== null && volumeAverage > 0 ? finite(s.volume[i]! / volumeAverage) : null,
      spreadFraction: spreadFraction === undefined ? null : finite(spreadFraction),
      smaDistance20: smaShort !== null && smaShort > 0 ? close / smaShort - 1 : null,
      smaDistance50: smaLong !== null && smaLong > 0 ? close / smaLong - 1 : null,
      bollingerPercentB: smaShort !== null && std !== null && std > 0 ? (close - (smaShort - FEATURE_BOLLINGER_STD * std)) / (2 * FEATURE_BOLLINGER_STD * std) : null,
      hourUtc: closeAt.getUTCHours(),
      weekdayUtc: closeAt.getUTCDay(),
      priceTier: priceTierOf(close, this.tierBounds),
      recentWinRate: recentWinRate(closedTrades, this.recentTrades),
    };
  }
}

/**
 * The regime by the thresholds, as the regime strategy classifies it: too volatile first, then a
 * trend (direction by the DIs), a range, or unclear between the two. Null before ADX has a value.
 */
export function classifyRegime(
  adx: number | null,
  plusDi: number | null,
  minusDi: number | null,
  atrFraction: number | null,
  th: { trendAdxMin: number; rangeAdxMax: number; maxAtrFraction: number },
): EntryFeatures['regime'] {
  if (adx === null) return null;
  if (atrFraction !== null && atrFraction > th.maxAtrFraction) return 'volatile';
  if (adx >= th.trendAdxMin) return (plusDi ?? 0) > (minusDi ?? 0) ? 'trend-up' : 'trend-down';
  if (adx <= th.rangeAdxMax) return 'range';
  return 'unclear';
}

/** How many of `bounds` (increasing) `price` is at or above: 0 below the first bound. */
export function priceTierOf(price: number, bounds: readonly number[]): number {
  let tier = 0;
  while (tier < bounds.length && price >= bounds[tier]!) tier++;
  return tier;
}

/**
 * The share of the last `n` closed trades (sells with realized P&L, oldest first) that netted a
 * profit after fees; null when there are none. Fewer than `n` count as they are.
 */
export function recentWinRate(closedTrades: readonly TradeRecord[], n: number): number | null {
  let seen = 0;
  let wins = 0;
  for (let k = closedTrades.length - 1; k >= 0 && seen < n; k--) {
    const pnl = closedTrades[k]!.realizedPnlQuote;
    if (pnl === undefined) continue;
    seen++;
    if (pnl > 0) wins++;
  }
  return seen ? wins / seen : null;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
