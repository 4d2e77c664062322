// Core domain: the `shorts` configuration (docs/configuration.md#shorts). Margin shorts are off by
// default; with them on, the tick still refuses them until the account reports margin capability.
import { z } from 'zod';

/** Kraken's leverage hard cap for the bot: never more than 2, whatever the config says. */
export const SHORT_LEVERAGE_HARD_CAP = 2;
/** Most of equity that open shorts (their notional, pending entries included) may be worth. */
export const SHORT_EXPOSURE_HARD_CAP = 0.5;
/**
 * Kraken's AddOrder needs a leverage its pair lists in `leverage_sell`, 2 at the lowest: a margin
 * order always carries `leverage=2`. `shorts.leverage` is the bot's own leverage (the short's
 * notional over the stake it sizes), which at 1 borrows nothing beyond the coins sold.
 */
export const KRAKEN_ORDER_LEVERAGE = 2;

export const shortsConfigSchema = z.strictObject({
  /** Margin shorts. Off by default; refused while the account does not report margin capability. */
  enabled: z.boolean().default(false),
  /** The bot's leverage: notional = stake × leverage. 1 (default) to 2 (hard cap). */
  leverage: z.number().min(1).max(SHORT_LEVERAGE_HARD_CAP).default(1),
  /** Most of equity the open shorts' notional may reach (pending entries count), 0.5 at most. */
  maxExposureFraction: z.number().positive().max(SHORT_EXPOSURE_HARD_CAP).default(0.5),
  /** Stake of one short as a fraction of equity (before leverage). */
  positionFraction: z.number().positive().max(1).default(0.1),
  /** Largest notional of one short, in quote. */
  maxPositionQuote: z.number().positive().default(100),
  /** At most this many shorts open at once. */
  maxOpenShorts: z.number().int().min(1).max(20).default(2),
  /** Entry: RSI(14) on 5m below this. */
  rsiMax: z.number().min(0).max(100).default(70),
  /** Stop above entry (0.02 = 2% above). */
  stopLossFraction: z.number().positive().max(0.5).default(0.02),
  /** Target below entry (0.03 = 3% below). */
  takeProfitFraction: z.number().positive().max(0.9).default(0.03),
  /** Inverted trailing stop: armed once price falls this far below entry, then stop = lowest × (1 + distance). */
  trailing: z
    .strictObject({
      enabled: z.boolean().default(true),
      activationFraction: z.number().min(0).max(0.9).default(0.015),
      distanceFraction: z.number().positive().max(0.5).default(0.01),
    })
    .prefault({}),
  /** Buy back after this many minutes regardless of price (rollover keeps charging). */
  maxHoldMinutes: z.number().int().min(5).max(60 * 24 * 14).default(720),
  /**
   * Rollover assumed per 4 hours as a fraction of the notional when Kraken's rate is not known (Kraken
   * charges it at opening and every 4 h; 0.0002 = 0.02%, above its usual BTC rate on purpose).
   */
  rolloverRatePer4h: z.number().min(0).max(0.01).default(0.0002),
});

export type ShortsConfig = z.output<typeof shortsConfigSchema>;
