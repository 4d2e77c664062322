// Core domain: the decision engine's entry point. The tick, paper trading and the backtest build
// one engine from the parsed config and call prepare / checkExit / checkEntry.
import type { BotConfig } from '../config.js';
import { StrategyRiskEngine, type EngineOptions } from './decisionEngine.js';
import type { DecisionEngine } from './types.js';

export { engineConfigProblems, FORCED_ENTRY_STRATEGY, MAX_LIVE_CANDLES, StrategyRiskEngine, type EngineOptions } from './decisionEngine.js';
export { buildEntryPlan, positionLevels, type PositionLevels } from './entryPlan.js';
export { floorAmountBase, floorCostQuote, floorToDecimals, sellableAmountBase } from './precision.js';
export { PrepareCache, PreparedPairSeries } from './preparedPairSeries.js';
export { tradeCandleMs } from './protections/protections.js';
export { simpleMomentumConfig } from './presets.js';

/**
 * Builds the strategy-and-risk engine for a parsed configuration. Throws when the configuration
 * cannot work (indicators longer than a live window, protections longer than the trade lookback).
 */
export function createDecisionEngine(config: BotConfig, options: EngineOptions = {}): DecisionEngine {
  return new StrategyRiskEngine(config, undefined, options);
}
