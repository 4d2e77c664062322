// Core domain: the regime orchestrator. Classifies the pair's market from ADX (trend strength),
// ATR (volatility) and the 15m/1h trends, routes to the strategy that fits (trend → momentum,
// range → mean reversion or scalping), then filters on RSI, volume and chop.
import type { RegimeConfig, RegimeThresholds } from '../config.js';
import type { IndicatorPlan } from '../indicatorPlan.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { MeanReversionStrategy } from './meanReversion.js';
import type { MicrostructureStrategy } from './microstructure.js';
import type { MomentumStrategy } from './momentum.js';
import type { ScalpingStrategy } from './scalping.js';
import { clamp01, refuse, type Strategy, type StrategyVerdict } from './strategy.js';

/** The strategies a range can route to. */
type RangeStrategy = MeanReversionStrategy | ScalpingStrategy | MicrostructureStrategy;

// Routes of a candle (see `route`) and the filter verdicts, as numbers: `signals` decides without allocating.
const WARMUP = 0;
const VOLATILE = 1;
const DOWNTREND = 2;
const TREND_OFF = 3;
const TREND = 4;
const RANGE_OFF = 5;
const RANGE = 6;
const UNCLEAR = 7;
const PASS = 0;
const HIGHER_TIMEFRAMES = 1;
const RSI = 2;
const VOLUME = 3;
const CHOP = 4;
const CONFIDENCE = 5;

/** The regime a pair is in at one candle. */
export type Regime = 'trend-up' | 'trend-down' | 'range' | 'unclear' | 'volatile';

/** Routes between strategies by regime. */
export class RegimeStrategy implements Strategy {
  readonly name = 'regime' as const;
  private readonly th: RegimeThresholds;
  private readonly adxSlot: number;
  private readonly plusDiSlot: number;
  private readonly minusDiSlot: number;
  private readonly atrSlot: number;
  private readonly rsiSlot: number;
  private readonly chopSlot: number;
  private readonly volumeSlot: number;
  private readonly fast15: number;
  private readonly slow15: number;
  private readonly fast1h: number;
  private readonly slow1h: number;

  constructor(
    private readonly config: RegimeConfig,
    plan: IndicatorPlan,
    private readonly momentum: MomentumStrategy,
    private readonly rangeStrategy: RangeStrategy | undefined,
  ) {
    this.th = config.aggressive ? config.aggressiveThresholds : config.thresholds;
    this.adxSlot = plan.slot({ kind: 'adx', timeframe: '5m', period: config.adxPeriod });
    this.plusDiSlot = plan.slot({ kind: 'plusDi', timeframe: '5m', period: config.adxPeriod });
    this.minusDiSlot = plan.slot({ kind: 'minusDi', timeframe: '5m', period: config.adxPeriod });
    this.atrSlot = plan.slot({ kind: 'atr', timeframe: '5m', period: config.atrPeriod });
    this.rsiSlot = plan.slot({ kind: 'rsi', timeframe: '5m', period: config.rsiPeriod });
    this.chopSlot = plan.slot({ kind: 'chop', timeframe: '5m', period: config.chopPeriod });
    this.volumeSlot = plan.sma(config.volumePeriod, '5m', 'volume');
    this.fast15 = plan.sma(config.trend15m.fastSma, '15m');
    this.slow15 = plan.sma(config.trend15m.slowSma, '15m');
    this.fast1h = plan.sma(config.trend1h.fastSma, '1h');
    this.slow1h = plan.sma(config.trend1h.slowSma, '1h');
  }

  /** Classifies the regime at candle i (exposed for explanations and tests). */
  regimeAt(s: PreparedPairSeries, i: number): Regime {
    const adx = s.ind[this.adxSlot]![i]!;
    if (s.ind[this.atrSlot]![i]! / s.close[i]! > this.th.maxAtrFraction) return 'volatile';
    if (adx >= this.th.trendAdxMin) return s.ind[this.plusDiSlot]![i]! > s.ind[this.minusDiSlot]![i]! ? 'trend-up' : 'trend-down';
    if (adx <= this.th.rangeAdxMax) return 'range';
    return 'unclear';
  }

  entry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const route = this.route(s, i);
    const adx = s.ind[this.adxSlot]![i]!;
    if (route === WARMUP) return refuse('regime.warmup', 'not enough candles for ADX yet', { adx: null });
    const atrFraction = s.ind[this.atrSlot]![i]! / s.close[i]!;
    switch (route) {
      case VOLATILE:
        return refuse('regime.volatile', 'volatility (ATR) is above the limit', { regime: 'volatile', atrFraction, maxAtrFraction: this.th.maxAtrFraction });
      case DOWNTREND: {
        const plusDi = s.ind[this.plusDiSlot]![i]!;
        const minusDi = s.ind[this.minusDiSlot]![i]!;
        return refuse('regime.downtrend', 'trending down (−DI above +DI): spot entries are long only', { regime: 'trend-down', adx, plusDi, minusDi });
      }
      case TREND_OFF:
        return refuse('regime.trend-off', 'trend regime, and regime.trendStrategy is none', { regime: 'trend-up', adx });
      case TREND:
        return this.trendEntry(s, i, adx, atrFraction);
      case RANGE_OFF:
        return refuse('regime.range-off', 'range regime, and regime.rangeStrategy is none', { regime: 'range', adx });
      case RANGE:
        return this.rangeEntry(s, i, adx, atrFraction, this.rangeStrategy!);
      default:
        return refuse('regime.unclear', 'ADX is between the range and trend thresholds', {
          regime: 'unclear',
          adx,
          rangeAdxMax: this.th.rangeAdxMax,
          trendAdxMin: this.th.trendAdxMin,
        });
    }
  }

  signals(s: PreparedPairSeries, i: number): boolean {
    const route = this.route(s, i);
    if (route === TREND) return (this.config.trendEntry === 'cross' ? this.momentum.signals(s, i) : this.momentum.trendSignals(s, i)) && this.trendFilters(s, i) === PASS;
    if (route === RANGE) return this.rangeStrategy!.signals(s, i) && this.rangeFilters(s, i, this.rangeStrategy!) === PASS;
    return false;
  }

  /** Where candle i goes: WARMUP, VOLATILE, DOWNTREND, TREND_OFF, TREND, RANGE_OFF, RANGE or UNCLEAR. */
  private route(s: PreparedPairSeries, i: number): number {
    const adx = s.ind[this.adxSlot]![i]!;
    if (Number.isNaN(adx)) return WARMUP;
    if (s.ind[this.atrSlot]![i]! / s.close[i]! > this.th.maxAtrFraction) return VOLATILE;
    if (adx >= this.th.trendAdxMin) {
      if (!(s.ind[this.plusDiSlot]![i]! > s.ind[this.minusDiSlot]![i]!)) return DOWNTREND;
      return this.config.trendStrategy === 'none' ? TREND_OFF : TREND;
    }
    if (adx <= this.th.rangeAdxMax) return this.rangeStrategy ? RANGE : RANGE_OFF;
    return UNCLEAR;
  }

  /**
   * Uptrend: momentum, with the higher timeframes up, RSI not overbought, volume at least its
   * average, and a directional (not choppy) market.
   * Confidence = 0.4 × share of higher timeframes up + 0.3 × clamp((ADX − 15) / 25) + 0.3 × clamp(volume ratio / 2).
   */
  private trendEntry(s: PreparedPairSeries, i: number, adx: number, atrFraction: number): StrategyVerdict {
    const sub = this.config.trendEntry === 'cross' ? this.momentum.entry(s, i) : this.momentum.trendEntry(s, i);
    if (!sub.ok) {
      sub.explanation.regime = 'trend-up';
      sub.explanation.adx = adx;
      return sub;
    }
    const verdict = this.trendFilters(s, i);
    const up15 = this.trendUp(s, this.fast15, this.slow15, s.index15m[i]!);
    const up1h = this.trendUp(s, this.fast1h, this.slow1h, s.index1h[i]!);
    const rsi = s.ind[this.rsiSlot]![i]!;
    const volumeRatio = s.volume[i]! / s.ind[this.volumeSlot]![i]!;
    const chop = s.ind[this.chopSlot]![i]!;
    const confidence = trendConfidence(up15, up1h, adx, volumeRatio);
    switch (verdict) {
      case HIGHER_TIMEFRAMES:
        return refuse('regime.higher-timeframes', 'the 15m and 1h trends are not both up', { regime: 'trend-up', trend15m: trendName(up15), trend1h: trendName(up1h) });
      case RSI:
        return refuse('regime.rsi', 'RSI is above the trend-entry limit (overbought)', { regime: 'trend-up', rsi, rsiMaxTrend: this.th.rsiMaxTrend });
      case VOLUME:
        return refuse('regime.volume', 'volume is below the required multiple of its average', { regime: 'trend-up', volumeRatio, minVolumeRatio: this.th.minVolumeRatio });
      case CHOP:
        return refuse('regime.chop', 'choppiness is above the trend-entry limit', { regime: 'trend-up', chop, maxChopTrend: this.th.maxChopTrend });
      case CONFIDENCE:
        return refuse('regime.confidence', 'signal confidence is below the minimum', { regime: 'trend-up', confidence, minConfidence: this.th.minConfidence });
    }
    const e = sub.signal.explanation;
    e.regime = 'trend-up';
    e.adx = adx;
    e.atrFraction = atrFraction;
    e.trend15m = trendName(up15);
    e.trend1h = trendName(up1h);
    e.rsi = rsi;
    e.volumeRatio = volumeRatio;
    e.chop = chop;
    sub.signal.confidence = confidence;
    return sub;
  }

  /** The trend filters after momentum agreed: PASS or the first that refuses (HIGHER_TIMEFRAMES, RSI, VOLUME, CHOP, CONFIDENCE). */
  private trendFilters(s: PreparedPairSeries, i: number): number {
    const filters = this.config.filters;
    const up15 = this.trendUp(s, this.fast15, this.slow15, s.index15m[i]!);
    const up1h = this.trendUp(s, this.fast1h, this.slow1h, s.index1h[i]!);
    if (filters.higherTimeframes && !(up15 === 1 && up1h === 1)) return HIGHER_TIMEFRAMES;
    if (filters.rsi && !(s.ind[this.rsiSlot]![i]! <= this.th.rsiMaxTrend)) return RSI;
    const volumeRatio = s.volume[i]! / s.ind[this.volumeSlot]![i]!;
    if (filters.volume && !(volumeRatio >= this.th.minVolumeRatio)) return VOLUME;
    if (filters.chop && !(s.ind[this.chopSlot]![i]! <= this.th.maxChopTrend)) return CHOP;
    if (!(trendConfidence(up15, up1h, s.ind[this.adxSlot]![i]!, volumeRatio) >= this.th.minConfidence)) return CONFIDENCE;
    return PASS;
  }

  /**
   * Range: mean reversion (or scalping), with the 1h trend not down (no falling knives), RSI
   * oversold and volume at least its average.
   * Confidence = 0.4 × the strategy's own depth confidence + 0.3 × clamp((50 − RSI) / 30) + 0.3 × (1h up: 1, unknown or flat: 0.5, down: 0).
   */
  private rangeEntry(s: PreparedPairSeries, i: number, adx: number, atrFraction: number, strategy: RangeStrategy): StrategyVerdict {
    const sub = strategy.entry(s, i);
    if (!sub.ok) {
      sub.explanation.regime = 'range';
      sub.explanation.adx = adx;
      return sub;
    }
    const verdict = this.rangeFilters(s, i, strategy);
    const up1h = this.trendUp(s, this.fast1h, this.slow1h, s.index1h[i]!);
    const rsi = s.ind[this.rsiSlot]![i]!;
    const volumeRatio = s.volume[i]! / s.ind[this.volumeSlot]![i]!;
    const confidence = rangeConfidence(sub.signal.confidence, rsi, up1h);
    switch (verdict) {
      case HIGHER_TIMEFRAMES:
        return refuse('regime.higher-timeframes', 'the 1h trend is down or unknown', { regime: 'range', trend1h: trendName(up1h) });
      case RSI:
        return refuse('regime.rsi', 'RSI is above the range-entry limit (not oversold)', { regime: 'range', rsi, rsiMaxRange: this.th.rsiMaxRange });
      case VOLUME:
        return refuse('regime.volume', 'volume is below the required multiple of its average', { regime: 'range', volumeRatio, minVolumeRatio: this.th.minVolumeRatio });
      case CONFIDENCE:
        return refuse('regime.confidence', 'signal confidence is below the minimum', { regime: 'range', confidence, minConfidence: this.th.minConfidence });
    }
    const e = sub.signal.explanation;
    e.regime = 'range';
    e.adx = adx;
    e.atrFraction = atrFraction;
    e.trend1h = trendName(up1h);
    e.rsi = rsi;
    e.volumeRatio = volumeRatio;
    sub.signal.confidence = confidence;
    return sub;
  }

  /** The range filters after the range strategy signalled: PASS or the first that refuses (HIGHER_TIMEFRAMES, RSI, VOLUME, CONFIDENCE). */
  private rangeFilters(s: PreparedPairSeries, i: number, strategy: RangeStrategy): number {
    const filters = this.config.filters;
    const up1h = this.trendUp(s, this.fast1h, this.slow1h, s.index1h[i]!);
    if (filters.higherTimeframes && up1h !== 1 && up1h !== 0) return HIGHER_TIMEFRAMES;
    const rsi = s.ind[this.rsiSlot]![i]!;
    if (filters.rsi && !(rsi <= this.th.rsiMaxRange)) return RSI;
    if (filters.volume && !(s.volume[i]! / s.ind[this.volumeSlot]![i]! >= this.th.minVolumeRatio)) return VOLUME;
    if (!(rangeConfidence(strategy.confidenceAt(s, i), rsi, up1h) >= this.th.minConfidence)) return CONFIDENCE;
    return PASS;
  }

  /** 1 up, 0 flat, −1 down, NaN unknown (higher-timeframe candle missing or still warming up). */
  private trendUp(s: PreparedPairSeries, fastSlot: number, slowSlot: number, j: number): number {
    if (j < 0) return Number.NaN;
    const fast = s.ind[fastSlot]![j]!;
    const slow = s.ind[slowSlot]![j]!;
    if (fast > slow) return 1;
    if (fast < slow) return -1;
    return fast === slow ? 0 : Number.NaN;
  }
}

/** Trend confidence: 0.4 × share of higher timeframes up + 0.3 × clamp((ADX − 15) / 25) + 0.3 × clamp(volume ratio / 2). */
function trendConfidence(up15: number, up1h: number, adx: number, volumeRatio: number): number {
  const htfShare = ((up15 === 1 ? 1 : 0) + (up1h === 1 ? 1 : 0)) / 2;
  return 0.4 * htfShare + 0.3 * clamp01((adx - 15) / 25) + 0.3 * clamp01(volumeRatio / 2);
}

/** Range confidence: 0.4 × the strategy's own + 0.3 × clamp((50 − RSI) / 30) + 0.3 × (1h up: 1, unknown or flat: 0.5, down: 0). */
function rangeConfidence(strategyConfidence: number, rsi: number, up1h: number): number {
  const htfScore = up1h === 1 ? 1 : up1h === -1 ? 0 : 0.5;
  return 0.4 * strategyConfidence + 0.3 * clamp01((50 - rsi) / 30) + 0.3 * htfScore;
}

function trendName(t: number): string {
  return t === 1 ? 'up' : t === -1 ? 'down' : t === 0 ? 'flat' : 'unknown';
}
