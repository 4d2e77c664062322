// Core domain: the built-in strategies, declared as strategy definitions like any user strategy.
// Their parameter sections also stay in the typed configuration schema (strategies.momentum, …),
// so the configuration reference documents them and a misspelt key is refused there.
import { meanReversionConfigSchema, microstructureConfigSchema, momentumConfigSchema, regimeConfigSchema, scalpingConfigSchema, type MicrostructureConfig } from '../config.js';
import { IndicatorPlan } from '../indicatorPlan.js';
import type { StrategyDefinition } from './definition.js';
import { MeanReversionStrategy, type MeanReversionConfig } from './meanReversion.js';
import { MicrostructureStrategy } from './microstructure.js';
import { MomentumStrategy, type MomentumConfig } from './momentum.js';
import { RegimeStrategy } from './regime.js';
import { ScalpingStrategy, type ScalpingConfig } from './scalping.js';
import type { RegimeConfig } from '../config.js';

export const momentumDefinition: StrategyDefinition<MomentumConfig> = {
  name: 'momentum',
  description: 'SMA crossover: buy when the fast SMA crosses above the slow one',
  parameters: momentumConfigSchema,
  create(params, { plan }) {
    const strategy = new MomentumStrategy(params, plan);
    return Object.assign(strategy, { exits: params.exits, signalExit: params.exitOnReversal ? strategy : undefined });
  },
};

export const meanReversionDefinition: StrategyDefinition<MeanReversionConfig> = {
  name: 'meanReversion',
  description: 'Bollinger mean reversion: buy below the lower band, sell back at the mean or the upper band',
  parameters: meanReversionConfigSchema,
  create(params, { plan }) {
    const strategy = new MeanReversionStrategy(params, plan);
    return Object.assign(strategy, { exits: params.exits, signalExit: params.exitOnReversal ? strategy : undefined });
  },
};

export const scalpingDefinition: StrategyDefinition<ScalpingConfig> = {
  name: 'scalping',
  description: 'Dip buying: buy a small dip below a short SMA, aim for a small fixed gain',
  parameters: scalpingConfigSchema,
  create(params, { plan }) {
    return Object.assign(new ScalpingStrategy(params, plan), { exits: params.exits });
  },
};

export const microstructureDefinition: StrategyDefinition<MicrostructureConfig> = {
  name: 'microstructure',
  description: 'Order-book imbalance, spread compression, premium gap and adaptive momentum (needs the market recorder\'s snapshots)',
  parameters: microstructureConfigSchema,
  create(params) {
    return Object.assign(new MicrostructureStrategy(params), { exits: params.exits });
  },
};

export const regimeDefinition: StrategyDefinition<RegimeConfig> = {
  name: 'regime',
  description: 'Regime orchestrator: classifies trend, range or volatile by ADX and ATR and routes to momentum or a range strategy',
  parameters: regimeConfigSchema,
  create(params, { plan, strategy }) {
    // The trend route reads momentum even when it is off (its refusal names momentum's values);
    // then momentum gets a plan of its own, so it adds nothing to the warm-up.
    const momentum =
      params.trendStrategy === 'momentum' ? (strategy('momentum') as MomentumStrategy) : new MomentumStrategy(momentumConfigSchema.parse({}), new IndicatorPlan());
    const range = params.rangeStrategy === 'none' ? undefined : (strategy(params.rangeStrategy) as MeanReversionStrategy | ScalpingStrategy | MicrostructureStrategy);
    return Object.assign(new RegimeStrategy(params, plan, momentum, range), { routesOnly: true });
  },
};

/** Every built-in strategy, in the order `kbot strategies` lists them. */
export const BUILT_IN_STRATEGIES: readonly StrategyDefinition<never>[] = [
  regimeDefinition,
  momentumDefinition,
  meanReversionDefinition,
  scalpingDefinition,
  microstructureDefinition,
] as unknown as readonly StrategyDefinition<never>[];
