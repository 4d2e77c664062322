// Core domain: the decision engine's configuration (strategies, exits, risk, protections, fees).
// Every field has a documented default; live ticks, paper ticks and backtests read the same parsed values.
// Every object is strict: an unknown key is refused (with the nearest valid key) rather than ignored.
import { z } from 'zod';

const fraction = (max = 1) => z.number().min(0).max(max);
const minutes = () => z.number().int().min(0).max(60 * 24 * 30);
const period = (min = 2, max = 500) => z.number().int().min(min).max(max);

/**
 * A strategy's name: a built-in one (`regime`, which routes to `momentum` or
 * `meanReversion`/`scalping` by market regime, or one of those three) or a user strategy's. The
 * names are checked against the strategy registry after parsing (see strategies/selection.ts).
 */
export const strategyNameSchema = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a strategy name (letters, digits, - or _)');
export type StrategyName = z.output<typeof strategyNameSchema>;

/** Candle length an indicator is computed on (15m and 1h are resampled from 5m). */
export const timeframeSchema = z.enum(['5m', '15m', '1h']);
export type Timeframe = z.output<typeof timeframeSchema>;

// Exit fields without defaults, shared by the global exits (with defaults) and the per-strategy
// overrides (all optional), so an override only replaces what it names.
const exitFields = {
  mode: z.enum(['fixed', 'atr']),
  stopLossFraction: fraction(0.5),
  takeProfitFraction: fraction(5),
  atrTimeframe: timeframeSchema,
  atrPeriod: period(2, 100),
  atrStopMultiplier: z.number().min(0).max(20),
  atrTakeProfitMultiplier: z.number().min(0).max(50),
  maxStopLossFraction: fraction(0.5),
  maxHoldMinutes: minutes(),
};
const trailingFields = {
  enabled: z.boolean(),
  activationFraction: fraction(5),
  distanceFraction: fraction(0.5),
};

/** Trailing stop: armed once price reaches entry × (1 + activationFraction), then stop = highest × (1 − distanceFraction). */
export const trailingConfigSchema = z.strictObject({
  /** Use a trailing stop. */
  enabled: trailingFields.enabled.default(true),
  /** Gain above entry that arms the trailing stop (0.02 = +2%). */
  activationFraction: trailingFields.activationFraction.default(0.02),
  /** Distance of the trailing stop below the highest price since entry (0.01 = 1%). */
  distanceFraction: trailingFields.distanceFraction.default(0.01),
});

/** Exit rules (mental, checked every tick before entries). Levels are fixed at entry and stored with the position. */
export const exitsConfigSchema = z.strictObject({
  /** `fixed`: percent stop/target from entry. `atr`: multiples of ATR at entry. */
  mode: exitFields.mode.default('atr'),
  /** Fixed mode: stop-loss below entry (0.02 = 2%). 0 disables it. */
  stopLossFraction: exitFields.stopLossFraction.default(0.02),
  /** Fixed mode: take-profit above entry (0.03 = 3%). 0 disables it. */
  takeProfitFraction: exitFields.takeProfitFraction.default(0.03),
  /** ATR mode: candle length the ATR is measured on. 5m ATR rarely clears Kraken's fees, hence 1h. */
  atrTimeframe: exitFields.atrTimeframe.default('1h'),
  /** ATR mode: ATR length in candles of `atrTimeframe`. */
  atrPeriod: exitFields.atrPeriod.default(14),
  /** ATR mode: stop = entry − multiplier × ATR. 0 disables the stop. */
  atrStopMultiplier: exitFields.atrStopMultiplier.default(2),
  /** ATR mode: target = entry + multiplier × ATR. 0 disables the target. */
  atrTakeProfitMultiplier: exitFields.atrTakeProfitMultiplier.default(3),
  /** ATR mode: the stop is never farther below entry than this (0.03 = 3%). 0 = no cap. */
  maxStopLossFraction: exitFields.maxStopLossFraction.default(0.03),
  /** Trailing stop. */
  trailing: trailingConfigSchema.prefault({}),
  /** Sell after this many minutes regardless of price. 0 disables it. */
  maxHoldMinutes: exitFields.maxHoldMinutes.default(1440),
});
export type ExitsConfig = z.output<typeof exitsConfigSchema>;

/** A strategy's exit override: any field of `exits`, replacing the global value for positions that strategy opens. */
export const exitsOverrideSchema = z.strictObject({
  mode: exitFields.mode.optional(),
  stopLossFraction: exitFields.stopLossFraction.optional(),
  takeProfitFraction: exitFields.takeProfitFraction.optional(),
  atrTimeframe: exitFields.atrTimeframe.optional(),
  atrPeriod: exitFields.atrPeriod.optional(),
  atrStopMultiplier: exitFields.atrStopMultiplier.optional(),
  atrTakeProfitMultiplier: exitFields.atrTakeProfitMultiplier.optional(),
  maxStopLossFraction: exitFields.maxStopLossFraction.optional(),
  trailing: z
    .strictObject({
      enabled: trailingFields.enabled.optional(),
      activationFraction: trailingFields.activationFraction.optional(),
      distanceFraction: trailingFields.distanceFraction.optional(),
    })
    .optional(),
  maxHoldMinutes: exitFields.maxHoldMinutes.optional(),
});
export type ExitsOverride = z.output<typeof exitsOverrideSchema>;

/** Momentum: buy when the fast SMA crosses above the slow SMA; exit on reversal (fast below slow). */
export const momentumConfigSchema = z
  .strictObject({
    /** Fast simple moving average length, in 5m candles. */
    fastSma: period(2, 500).default(10),
    /** Slow simple moving average length, in 5m candles. */
    slowSma: period(3, 700).default(30),
    /** The cross must have happened within this many candles (1 = on the decision candle itself). */
    crossWithinCandles: z.number().int().min(1).max(100).default(1),
    /**
     * Signal exit: sell when the fast SMA falls back below the slow one. Off by default: on 5m
     * candles it mostly sells into noise and pays two fees, so the stop, target and trailing
     * stop manage momentum positions.
     */
    exitOnReversal: z.boolean().default(false),
    /** Exit overrides for positions this strategy opens. */
    exits: exitsOverrideSchema.default({}),
  })
  .refine((s) => s.fastSma < s.slowSma, { message: 'fastSma must be shorter than slowSma', path: ['fastSma'] });

/** Mean reversion: buy below the Bollinger lower band (SMA − k·stddev); exit back at the mean or the upper band. */
export const meanReversionConfigSchema = z.strictObject({
  /** Bollinger length (SMA and standard deviation), in 5m candles. */
  period: period(2, 500).default(20),
  /** Band width in standard deviations. */
  stdDevMultiplier: z.number().positive().max(10).default(2),
  /** Where the reversion target (and the signal exit) is: the middle band or the upper band. */
  exitAt: z.enum(['mean', 'upper']).default('mean'),
  /** Signal exit: sell when the close is back at the target (`exitAt`). */
  exitOnReversal: z.boolean().default(true),
  /** Exit overrides for positions this strategy opens. */
  exits: exitsOverrideSchema.default({}),
});

/** Scalping: buy a small dip below a short SMA, aim for a small fixed gain. Needs low fees to pass the edge gate. */
export const scalpingConfigSchema = z.strictObject({
  /** SMA length the dip is measured from, in 5m candles. */
  smaPeriod: period(2, 200).default(10),
  /** Buy when the close is at least this far below the SMA (0.005 = 0.5%). */
  dipFraction: z.number().positive().max(0.5).default(0.005),
  /**
   * Exit overrides: by default a fixed 1% target, 0.5% stop, no trailing, 2 hours at most. Naming
   * one field keeps the other scalping defaults.
   */
  exits: exitsOverrideSchema
    .extend({
      mode: exitFields.mode.default('fixed'),
      takeProfitFraction: exitFields.takeProfitFraction.default(0.01),
      stopLossFraction: exitFields.stopLossFraction.default(0.005),
      trailing: z
        .strictObject({
          enabled: trailingFields.enabled.default(false),
          activationFraction: trailingFields.activationFraction.optional(),
          distanceFraction: trailingFields.distanceFraction.optional(),
        })
        .prefault({}),
      maxHoldMinutes: exitFields.maxHoldMinutes.default(120),
    })
    .prefault({}),
});

/**
 * Microstructure: order-book imbalance, spread compression, the premium gap against a reference
 * exchange and momentum whose threshold scales with volatility. Each is a filter (`filters`), and
 * the strategy buys when every enabled one passes. The book, spread and reference price come from
 * the market snapshots the tick records (`market`), so a backtest needs recorded snapshots.
 */
export const microstructureConfigSchema = z
  .strictObject({
    /** Depth levels per side the imbalance sums (Kraken Depth's top N). */
    bookLevels: z.number().int().min(1).max(100).default(10),
    /** Imbalance filter: (bid − ask quote value) / total over the top levels must be at least this (−1..1). */
    minImbalance: z.number().min(-1).max(1).default(0.1),
    /** Spread compression: the current spread is compared with the median of this many recorded ticks before it. */
    spreadWindow: z.number().int().min(2).max(288).default(12),
    /** Spread compression needs at least this many recorded spreads in the window. */
    minSpreadHistory: z.number().int().min(1).max(288).default(6),
    /** Spread compression: current spread / recent median must be at most this (0.8 = 20% tighter than usual). */
    maxSpreadRatio: z.number().positive().max(10).default(1),
    /** Premium gap: Kraken's mid must be at least this far below the reference exchange's (0.0005 = 0.05%). */
    minDiscountFraction: z.number().min(-0.1).max(0.1).default(0.0005),
    /** Adaptive momentum: the move over this many 5m candles ... */
    momentumLookback: period(1, 100).default(3),
    /** ... must exceed momentumVolMultiplier × the 5m volatility over this many candles × √lookback. */
    volatilityWindow: period(5, 500).default(48),
    momentumVolMultiplier: z.number().min(0).max(20).default(1),
    /** Which filters apply (every enabled one must pass). `premium` needs `market.reference.enabled`. */
    filters: z
      .strictObject({
        imbalance: z.boolean().default(true),
        spreadCompression: z.boolean().default(true),
        premium: z.boolean().default(false),
        adaptiveMomentum: z.boolean().default(true),
      })
      .prefault({}),
    /** Exit overrides: by default a fixed 1.2% target, 0.6% stop, no trailing, 2 hours at most. */
    exits: exitsOverrideSchema
      .extend({
        mode: exitFields.mode.default('fixed'),
        takeProfitFraction: exitFields.takeProfitFraction.default(0.012),
        stopLossFraction: exitFields.stopLossFraction.default(0.006),
        trailing: z
          .strictObject({
            enabled: trailingFields.enabled.default(false),
            activationFraction: trailingFields.activationFraction.optional(),
            distanceFraction: trailingFields.distanceFraction.optional(),
          })
          .prefault({}),
        maxHoldMinutes: exitFields.maxHoldMinutes.default(120),
      })
      .prefault({}),
  })
  .refine((m) => m.minSpreadHistory <= m.spreadWindow, { message: 'minSpreadHistory must not exceed spreadWindow', path: ['minSpreadHistory'] });
export type MicrostructureConfig = z.output<typeof microstructureConfigSchema>;

/** The market recorder and the reference exchange (docs/strategies: microstructure). */
export const marketConfigSchema = z.strictObject({
  /**
   * Read Kraken Depth each tick and record a snapshot per pair (book top levels, spread, reference
   * price) with a TTL: `auto` when a strategy needs snapshots, `always` to collect them for later
   * backtests, `never`.
   */
  record: z.enum(['auto', 'always', 'never']).default('auto'),
  /** Book levels per side recorded. */
  bookLevels: z.number().int().min(1).max(100).default(10),
  /** Days a snapshot is kept (DynamoDB TTL). */
  snapshotTtlDays: z.number().int().min(1).max(400).default(30),
  /** The reference exchange of the premium gap, read through ccxt's public API. Optional. */
  reference: z
    .strictObject({
      enabled: z.boolean().default(false),
      exchange: z.enum(['binanceus', 'binance']).default('binanceus'),
      /** Base URL of its REST API (tests point it at the sandbox). Default: the exchange's own. */
      url: z.url().optional(),
      /** The reference symbol per pair when it is not BASE+QUOTE (`{ "BTC/USD": "BTCUSDT" }`). */
      symbols: z.record(z.string(), z.string().regex(/^[A-Z0-9]{2,20}$/)).default({}),
    })
    .prefault({}),
});
export type MarketConfig = z.output<typeof marketConfigSchema>;

const regimeThresholdFields = {
  /** ADX at or above this is a trend (routed to the trend strategy when +DI > −DI). */
  trendAdxMin: z.number().min(0).max(100),
  /** ADX at or below this is a range (routed to the range strategy). Between the two: no entry. */
  rangeAdxMax: z.number().min(0).max(100),
  /** 5m ATR above this fraction of price is too volatile to enter (0.01 = 1%). */
  maxAtrFraction: fraction(1),
  /** Trend entries: RSI must be at or below this (not overbought). */
  rsiMaxTrend: z.number().min(0).max(100),
  /** Range entries: RSI must be at or below this (oversold). */
  rsiMaxRange: z.number().min(0).max(100),
  /** Volume of the decision candle must be at least this multiple of its average. */
  minVolumeRatio: z.number().min(0).max(100),
  /** Trend entries: choppiness index must be at or below this (lower = more directional). */
  maxChopTrend: z.number().min(0).max(100),
  /** Signals with a lower confidence (0..1) are refused. */
  minConfidence: fraction(1),
};

/** Regime thresholds. `aggressive: true` uses `aggressiveThresholds` instead, which are looser. */
export const regimeThresholdsSchema = z.strictObject({
  trendAdxMin: regimeThresholdFields.trendAdxMin.default(25),
  rangeAdxMax: regimeThresholdFields.rangeAdxMax.default(20),
  maxAtrFraction: regimeThresholdFields.maxAtrFraction.default(0.01),
  rsiMaxTrend: regimeThresholdFields.rsiMaxTrend.default(70),
  rsiMaxRange: regimeThresholdFields.rsiMaxRange.default(35),
  minVolumeRatio: regimeThresholdFields.minVolumeRatio.default(1),
  maxChopTrend: regimeThresholdFields.maxChopTrend.default(50),
  minConfidence: regimeThresholdFields.minConfidence.default(0.5),
});
export type RegimeThresholds = z.output<typeof regimeThresholdsSchema>;

export const aggressiveThresholdsSchema = z.strictObject({
  trendAdxMin: regimeThresholdFields.trendAdxMin.default(20),
  rangeAdxMax: regimeThresholdFields.rangeAdxMax.default(25),
  maxAtrFraction: regimeThresholdFields.maxAtrFraction.default(0.02),
  rsiMaxTrend: regimeThresholdFields.rsiMaxTrend.default(78),
  rsiMaxRange: regimeThresholdFields.rsiMaxRange.default(45),
  minVolumeRatio: regimeThresholdFields.minVolumeRatio.default(0.7),
  maxChopTrend: regimeThresholdFields.maxChopTrend.default(61.8),
  minConfidence: regimeThresholdFields.minConfidence.default(0.35),
});

const htfTrendSchema = (fast: number, slow: number) =>
  z
    .strictObject({
      /** Fast SMA length, in candles of this timeframe. */
      fastSma: period(2, 200).default(fast),
      /** Slow SMA length, in candles of this timeframe. */
      slowSma: period(3, 300).default(slow),
    })
    .refine((s) => s.fastSma < s.slowSma, { message: 'fastSma must be shorter than slowSma', path: ['fastSma'] });

/** Regime orchestrator: classifies the market, routes to the strategy that fits, filters the signal. */
export const regimeConfigSchema = z.strictObject({
  /** Use the looser `aggressiveThresholds` (more trades, lower quality). */
  aggressive: z.boolean().default(false),
  /** Strategy for an uptrend (ADX ≥ trendAdxMin and +DI > −DI); `none` stays out. */
  trendStrategy: z.enum(['momentum', 'none']).default('momentum'),
  /** Strategy for a range (ADX ≤ rangeAdxMax); `none` stays out. */
  rangeStrategy: z.enum(['meanReversion', 'scalping', 'microstructure', 'none']).default('meanReversion'),
  /** Trend entries: `trend` buys while the fast SMA is above the slow one; `cross` only on a fresh cross (momentum.crossWithinCandles). */
  trendEntry: z.enum(['trend', 'cross']).default('trend'),
  /** ADX / +DI / −DI length, in 5m candles. */
  adxPeriod: period(2, 100).default(14),
  /** ATR length for the volatility check, in 5m candles. */
  atrPeriod: period(2, 100).default(14),
  /** RSI length, in 5m candles. */
  rsiPeriod: period(2, 100).default(14),
  /** Choppiness index length, in 5m candles. */
  chopPeriod: period(2, 100).default(14),
  /** Volume average length, in 5m candles. */
  volumePeriod: period(2, 500).default(20),
  /** 15m trend (resampled from 5m): up when its fast SMA is above its slow SMA. */
  trend15m: htfTrendSchema(10, 30).prefault({}),
  /** 1h trend (resampled from 5m): up when its fast SMA is above its slow SMA. */
  trend1h: htfTrendSchema(10, 30).prefault({}),
  /** Which filters apply. */
  filters: z
    .strictObject({
      /** Trend entries need the 15m and 1h trends up; range entries need the 1h trend not down. */
      higherTimeframes: z.boolean().default(true),
      /** RSI limits (rsiMaxTrend, rsiMaxRange). */
      rsi: z.boolean().default(true),
      /** Volume versus its average (minVolumeRatio). */
      volume: z.boolean().default(true),
      /** Choppiness limit for trend entries (maxChopTrend). */
      chop: z.boolean().default(true),
    })
    .prefault({}),
  /** Conservative thresholds (the default profile). */
  thresholds: regimeThresholdsSchema.prefault({}),
  /** Looser thresholds used when `aggressive` is true. */
  aggressiveThresholds: aggressiveThresholdsSchema.prefault({}),
});
export type RegimeConfig = z.output<typeof regimeConfigSchema>;

/** Which strategies trade a pair, and how much of equity the pair may hold. */
export const pairStrategyConfigSchema = z.strictObject({
  /** Strategies for this pair, evaluated together; the most confident signal wins (ties: list order). */
  use: z.array(strategyNameSchema).min(1).optional(),
  /** Most of equity this pair's position may be worth (overrides risk.pairAllocationFraction). */
  allocationFraction: fraction(1).optional(),
});

/**
 * Strategy selection and parameters. A user strategy's parameters go in a section of its own name
 * (`strategies.myDip`); those sections are checked against the strategy's own schema after
 * parsing, and any other unknown key is refused there, with the nearest valid one.
 */
export const strategiesConfigSchema = z
  .object({
    /** Strategies for every pair not listed in `pairs`. */
    use: z.array(strategyNameSchema).min(1).default(['regime']),
    /** Per-pair selection and allocation, e.g. `{ "BTC/USD": { "use": ["momentum"], "allocationFraction": 0.5 } }`. */
    pairs: z.record(z.string(), pairStrategyConfigSchema).default({}),
    momentum: momentumConfigSchema.prefault({}),
    meanReversion: meanReversionConfigSchema.prefault({}),
    scalping: scalpingConfigSchema.prefault({}),
    microstructure: microstructureConfigSchema.prefault({}),
    regime: regimeConfigSchema.prefault({}),
  })
  .catchall(z.unknown());
export type StrategiesConfig = z.output<typeof strategiesConfigSchema>;

/** Position sizing and portfolio caps (all must pass before an entry). */
export const riskConfigSchema = z.strictObject({
  /** `fixed-fraction`: equity × positionFraction. `risk-based`: equity × riskPerTradeFraction / stop distance. */
  sizing: z.enum(['fixed-fraction', 'risk-based']).default('fixed-fraction'),
  /** Fixed-fraction sizing: fraction of equity spent on one entry. */
  positionFraction: fraction(1).default(0.1),
  /** Risk-based sizing: fraction of equity lost if the stop is hit (fees excluded). */
  riskPerTradeFraction: fraction(0.1).default(0.005),
  /** Most of equity one pair's position may be worth (per-pair override: strategies.pairs.<pair>.allocationFraction). */
  pairAllocationFraction: fraction(1).default(0.25),
  /** Largest position, in quote. */
  maxPositionQuote: z.number().positive().default(250),
  /** Largest single order, in quote. */
  maxOrderQuote: z.number().positive().default(100),
  /** At most this many positions open at once. */
  maxOpenPositions: z.number().int().min(1).default(3),
  /** Most of equity held in one base asset across positions. */
  maxAssetExposureFraction: fraction(1).default(0.3),
  /** Most of equity held in positions in total. */
  maxTotalExposureFraction: fraction(1).default(0.6),
  /** Extra margin above exchange minimums so the later sell is not dust (0.1 = 10%). */
  minimumBufferFraction: fraction(1).default(0.1),
  /** Minimum 24h traded volume of the pair, in quote (ticker when known, else summed from candles). 0 disables it. */
  minQuoteVolume24h: z.number().min(0).default(250_000),
  /** Largest bid/ask spread accepted, as a fraction of the mid price, when the tick knows it. 0 disables it. */
  maxSpreadFraction: fraction(1).default(0.005),
  /**
   * Refuse entries when the decision candle closed longer ago than this (stale data). One candle
   * by default: a decision (an operator's force-entry too) is only taken on the latest closed candle.
   */
  maxDataAgeMs: z.number().int().min(0).default(300_000),
});
export type RiskConfig = z.output<typeof riskConfigSchema>;

/** Protections: locks computed from the trade ledger, so live ticks and backtests lock and unlock alike. */
export const protectionsConfigSchema = z.strictObject({
  /** Master switch for every protection below. */
  enabled: z.boolean().default(true),
  /** Per pair: no new entry for this long after an exit. 0 disables it. */
  cooldownMinutes: minutes().default(30),
  /** Stop-loss guard: too many stop-outs within a window lock the pair (or every pair). */
  stopLossGuard: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Stop-outs (stop-loss, or a trailing stop at a loss) within the lookback that trigger the lock. */
      maxStopLosses: z.number().int().min(1).default(3),
      lookbackMinutes: minutes().default(360),
      lockMinutes: minutes().default(360),
      /** `pair` counts and locks per pair; `all` counts every pair and locks all of them. */
      scope: z.enum(['pair', 'all']).default('all'),
    })
    .prefault({}),
  /** Maximum drawdown: realized drawdown within the lookback locks every pair. */
  maxDrawdown: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Peak-to-trough realized drawdown that triggers the lock (0.08 = 8% of equity). */
      maxDrawdownFraction: fraction(1).default(0.08),
      /** Closed trades needed within the lookback before it can trigger. */
      minTrades: z.number().int().min(1).default(3),
      lookbackMinutes: minutes().default(2880),
      lockMinutes: minutes().default(720),
    })
    .prefault({}),
  /** Low-profit pair: a pair whose recent trades made less than required is locked. */
  lowProfitPair: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Closed trades of the pair needed within the lookback. */
      minTrades: z.number().int().min(1).default(3),
      /** Lock when the pair's summed profit over its invested amount is below this (0 = lost money). */
      minProfitFraction: z.number().min(-1).max(1).default(0),
      lookbackMinutes: minutes().default(2880),
      lockMinutes: minutes().default(720),
    })
    .prefault({}),
});
export type ProtectionsConfig = z.output<typeof protectionsConfigSchema>;

/** Fees and the fee-aware edge gate. */
export const feesConfigSchema = z.strictObject({
  /** Taker fee assumed when the account's real rate is unknown; the market's advertised rate is used if higher. */
  takerFeeRate: fraction(0.05).default(0.004),
  /** Slippage assumed per fill for the edge gate (0.0005 = 0.05%). */
  slippageFraction: fraction(0.05).default(0.0005),
  /** The expected edge must exceed the round-trip cost (2 × fee + 2 × slippage) by at least this. */
  edgeBufferFraction: fraction(0.5).default(0.002),
  /** Apply the edge gate. Off only for tests and experiments: it is what keeps fees from eating every trade. */
  requireEdge: z.boolean().default(true),
});
export type FeesConfig = z.output<typeof feesConfigSchema>;

/** Engine keys spread into the bot's top-level config schema. */
export const engineConfigShape = {
  strategies: strategiesConfigSchema.prefault({}),
  exits: exitsConfigSchema.prefault({}),
  risk: riskConfigSchema.prefault({}),
  protections: protectionsConfigSchema.prefault({}),
  fees: feesConfigSchema.prefault({}),
  market: marketConfigSchema.prefault({}),
};
