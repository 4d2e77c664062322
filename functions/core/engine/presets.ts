// Core domain: ready-made engine settings. `simpleMomentumConfig` is the deterministic setup the
// end-to-end tests and the demo use: pure SMA crossover, fixed % exits, nothing else in the way.
import type { BotConfigInput } from '../config.js';

/** Engine sections of the config input. */
export type EngineConfigInput = Pick<BotConfigInput, 'strategies' | 'exits' | 'risk' | 'protections' | 'fees'>;

export interface SimpleMomentumOptions {
  fastSma?: number;
  slowSma?: number;
  stopLossFraction?: number;
  takeProfitFraction?: number;
  /** Also sell when the fast SMA falls back below the slow one (default false: SL/TP only). */
  exitOnReversal?: boolean;
}

/**
 * Engine settings for a pure SMA-crossover entry with fixed-percent stop-loss and take-profit:
 * no regime, no filters, no protections, no edge gate, no liquidity or spread rule. The daily
 * limits (`limits.*`), sizing caps, exchange minimums and the data checks still apply.
 * Spread it into a config: `parseConfig({ pairs, ...simpleMomentumConfig({ fastSma: 5, slowSma: 20 }) })`.
 */
export function simpleMomentumConfig(options: SimpleMomentumOptions = {}): EngineConfigInput {
  return {
    strategies: {
      use: ['momentum'],
      momentum: { fastSma: options.fastSma ?? 10, slowSma: options.slowSma ?? 30, crossWithinCandles: 1, exitOnReversal: options.exitOnReversal ?? false },
    },
    exits: {
      mode: 'fixed',
      stopLossFraction: options.stopLossFraction ?? 0.02,
      takeProfitFraction: options.takeProfitFraction ?? 0.03,
      trailing: { enabled: false },
      maxHoldMinutes: 0,
    },
    risk: { minQuoteVolume24h: 0, maxSpreadFraction: 0 },
    protections: { enabled: false },
    fees: { requireEdge: false },
  };
}
