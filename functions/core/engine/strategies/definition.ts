// Core domain: what a strategy is, for the built-in ones and for users' own files alike. A
// definition names the strategy, declares its parameters as a zod schema and builds an instance
// from the parsed parameters; the instance reads a prepared series and returns advice.
// User strategy files import this module with `import type` only: nothing of it runs in them.
import type { z } from 'zod';
import type { IndicatorPlan } from '../indicatorPlan.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';
import type { SignalExit, Strategy, StrategyRefusal, StrategySignal, StrategyVerdict } from './strategy.js';

export type { Explanation, IndicatorPlan, PreparedPairSeries, SignalExit, Strategy, StrategyRefusal, StrategySignal, StrategyVerdict };

/** What `create` is given besides its parameters. */
export interface StrategyContext {
  /**
   * The engine's indicator registry: ask for every indicator the strategy reads here, once, and
   * keep the slot number (`plan.sma(20)`, `plan.slot({ kind: 'rsi', timeframe: '5m', period: 14 })`);
   * the prepared series then holds its values at `series.ind[slot][i]`. What is asked for counts
   * toward the warm-up: no decision is asked of the strategy before every slot has a value.
   */
  readonly plan: IndicatorPlan;
  /** Another registered strategy's instance, built with its configured parameters (an orchestrator routes to it). */
  strategy(name: string): Strategy;
}

/**
 * A strategy: its name (what `strategies.use` selects), a one-line description, its parameters
 * (a zod schema with defaults, read from the configuration section `strategies.<name>`) and
 * `create`, called once per engine with the parsed parameters.
 *
 * Rules every strategy keeps: decide at candle i from values at i and before (never i + 1);
 * return a refusal (`{ ok: false, rule, reason, explanation }`) rather than throw; never size or
 * place orders (the risk rules and the executor do).
 */
export interface StrategyDefinition<Params = unknown> {
  /** Letters, digits, `-` and `_`, starting with a letter. */
  readonly name: string;
  readonly description: string;
  /** The parameters' schema. An `exits` key in the section is the engine's (exit overrides), unless the schema declares it. */
  readonly parameters: z.ZodType<Params>;
  create(params: Params, context: StrategyContext): Strategy;
}
