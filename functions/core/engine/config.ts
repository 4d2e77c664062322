// Core domain: the decision engine's configuration (strategies, exits, risk). Every field has a
// documented default; the tick and the backtest read the same parsed values.
import { z } from 'zod';

const fraction = (max = 1) => z.number().min(0).max(max);

/** Exit rules applied to every position (levels are fixed at entry). */
export const exitsConfigSchema = z.object({
  /** Fixed stop-loss below entry, as a fraction (0.02 = 2%). 0 disables it. */
  stopLossFraction: fraction(0.5).default(0.02),
  /** Fixed take-profit above entry, as a fraction. 0 disables it. */
  takeProfitFraction: fraction(5).default(0.03),
});

/** The starter strategy: SMA crossover momentum. */
export const strategyConfigSchema = z
  .object({
    /** Fast simple moving average length, in 5m candles. */
    fastSma: z.number().int().min(2).max(500).default(10),
    /** Slow simple moving average length, in 5m candles. */
    slowSma: z.number().int().min(3).max(700).default(30),
  })
  .refine((s) => s.fastSma < s.slowSma, { message: 'fastSma must be shorter than slowSma', path: ['fastSma'] });

/** Position sizing. */
export const riskConfigSchema = z.object({
  /** Fraction of equity spent on one entry. */
  positionFraction: fraction(1).default(0.1),
  /** Largest single order, in quote. */
  maxOrderQuote: z.number().positive().default(100),
  /** At most this many positions open at once. */
  maxOpenPositions: z.number().int().min(1).default(3),
  /** Extra margin above exchange minimums so the later sell is not dust (0.1 = 10%). */
  minimumBufferFraction: fraction(1).default(0.1),
});

export const engineConfigShape = {
  strategy: strategyConfigSchema.prefault({}),
  exits: exitsConfigSchema.prefault({}),
  risk: riskConfigSchema.prefault({}),
};
