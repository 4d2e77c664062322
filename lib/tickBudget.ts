// Deployment: how long a tick of N pairs takes, from `npm run bench:tick` (docs/operations.md,
// "How long a tick takes"), so a deploy can refuse a pair count the function's timeout cannot hold.
import type { BotConfig } from '../functions/core/config.js';
import { recordsSnapshots } from '../functions/core/market/recorder.js';

/**
 * Measured 2026-12-02 with Kraken's limits on (ccxt's public throttle, an Intermediate key's private
 * counter): warm ticks of 4, 20 and 50 pairs took 6.0, 28.2 and 61.6 s. Every pair costs one OHLC call
 * at ccxt's 1.2 s spacing for Kraken's public endpoints; the rest (balances, fees, one Ticker call
 * for all pairs, DynamoDB) is about a second.
 */
export const TICK_SECONDS_BASE = 1.1;
export const TICK_SECONDS_PER_PAIR = 1.22;
/**
 * With the market recorder (`--record`: a Depth call per pair as well), measured the same day: 11.0 s
 * for 4 pairs and 52.5 s for 20, about 2.6 s per pair.
 */
export const TICK_SECONDS_PER_PAIR_RECORDING = 2.6;
/** A tick must fit this share of the timeout: the rest is for fills, retries and a slow Kraken. */
export const TICK_TIMEOUT_SHARE = 0.8;

/** The most pairs one tick may read: the list, or a universe's topN plus every position it may have dropped. */
export function tickPairCount(bot: Pick<BotConfig, 'pairs' | 'universe' | 'risk'>): number {
  return bot.universe ? bot.universe.topN + bot.risk.maxOpenPositions : bot.pairs.length;
}

/** The estimated wall time of a tick reading `pairs` pairs, in seconds (`recording`: the market recorder reads each pair's book too). */
export function estimatedTickSeconds(pairs: number, closeDelayMs = 0, recording = false): number {
  return TICK_SECONDS_BASE + (recording ? TICK_SECONDS_PER_PAIR_RECORDING : TICK_SECONDS_PER_PAIR) * pairs + closeDelayMs / 1000;
}

/** Why this pair count cannot fit `timeoutSeconds`, or undefined when it fits. */
export function tickBudgetProblem(bot: Pick<BotConfig, 'pairs' | 'universe' | 'risk' | 'tick' | 'strategies' | 'market'>, timeoutSeconds: number): string | undefined {
  const pairs = tickPairCount(bot);
  const recording = recordsSnapshots(bot);
  const perPairSeconds = recording ? TICK_SECONDS_PER_PAIR_RECORDING : TICK_SECONDS_PER_PAIR;
  const seconds = estimatedTickSeconds(pairs, bot.tick.closeDelayMs, recording);
  const budget = timeoutSeconds * TICK_TIMEOUT_SHARE;
  if (seconds <= budget) return undefined;
  const fits = Math.max(0, Math.floor((budget - TICK_SECONDS_BASE - bot.tick.closeDelayMs / 1000) / perPairSeconds));
  const what = bot.universe ? `topN ${bot.universe.topN} plus up to ${bot.risk.maxOpenPositions} held pairs outside the universe` : `${pairs} pairs`;
  const perPair = `${perPairSeconds} s per pair${recording ? ' with the market recorder' : ''}, measured by npm run bench:tick`;
  return `${what}: a tick would take about ${seconds.toFixed(0)} s (${perPair}), more than ${Math.round(TICK_TIMEOUT_SHARE * 100)}% of the ${timeoutSeconds} s timeout; at most ${fits} pairs fit, or raise timeoutSeconds`;
}
