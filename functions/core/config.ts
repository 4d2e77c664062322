// Core domain: the one configuration schema. Bad config refuses to start with the field and the
// reason; every object is strict, so a misspelt key is refused with the nearest valid one.
import { z } from 'zod';
import { formatIssues, issuesFromZod, notAnObject, type ConfigIssue } from './configIssues.js';
import { engineConfigShape } from './engine/config.js';
import { strategySelectionIssues } from './engine/strategies/selection.js';
import { learningConfigSchema } from './learning/learningConfig.js';
import { MAX_TICK_PAIRS, universeSchema, type UniverseConfig } from './universe/universeConfig.js';
import { shortsConfigSchema } from './shorts/shortsConfig.js';

const pairSymbol = z
  .string()
  .regex(/^[A-Z0-9]{2,10}\/[A-Z]{2,5}$/, 'must look like BASE/QUOTE, e.g. BTC/USD');

export const botConfigSchema = z
  .strictObject({
    /** `paper` (default) simulates fills on real market data; `live` sends real orders. */
    mode: z.enum(['paper', 'live']).default('paper'),
    /** Second gate for live trading: must be true as well as `mode: live`. */
    allowLiveTrading: z.boolean().default(false),
    /** Live only: send orders with Kraken's `validate` flag (checked, never executed). */
    validateOnly: z.boolean().default(false),
    /**
     * Pairs to trade: a list (all sharing one quote currency), or a universe definition the bot
     * rebuilds daily from Kraken's listings and tickers (docs/configuration.md, "A universe").
     */
    pairs: z.union([z.array(pairSymbol).min(1).max(MAX_TICK_PAIRS), universeSchema]).default(['BTC/USD', 'ETH/USD']),
    tick: z
      .strictObject({
        /**
         * An extra wait after the candle boundary before the tick reads anything. 0 by default: the
         * tick does not sleep, it reads the candles and checks that Kraken has committed the one it
         * decides on (a forming candle after it), re-reading a few times when it has not.
         */
        closeDelayMs: z.number().int().min(0).max(60_000).default(0),
        /** How long a tick claim is held before another invocation may take over a crashed tick. */
        leaseMs: z.number().int().min(10_000).max(900_000).default(240_000),
        /** No gaps allowed within this many latest candles. */
        gapWindowCandles: z.number().int().min(1).max(720).default(100),
        /** Lookback for protections that read the trade ledger. */
        tradeLookbackMs: z.number().int().min(0).default(7 * 24 * 3_600_000),
      })
      .prefault({}),
    limits: z
      .strictObject({
        /** Entries allowed per UTC day across all pairs (exits are never capped). */
        maxTradesPerDay: z.number().int().min(0).default(12),
        /** Entries allowed per UTC day per pair. */
        maxTradesPerPairPerDay: z.number().int().min(0).default(4),
        /** Realized loss (quote, net of fees) that halts entries for the rest of the UTC day. */
        maxDailyLossQuote: z.number().positive().default(50),
      })
      .prefault({}),
    paper: z
      .strictObject({
        /** Paper wallet funding on first run. */
        startingBalances: z.record(z.string().regex(/^[A-Z0-9]{2,10}$/, 'must be an asset code in capitals, e.g. USD'), z.number().min(0)).default({ USD: 1_000 }),
        /** Slippage applied when no order book is available, in basis points. */
        slippageBps: z.number().min(0).max(500).default(5),
        /** Taker fee used when the market does not say. */
        takerFeeRate: z.number().min(0).max(0.05).default(0.004),
      })
      .prefault({}),
    /** The decision journal: one compact record per scheduled tick (see docs/dashboard.md). */
    journal: z
      .strictObject({
        /** Days a tick's record is kept (DynamoDB TTL); 0 writes none. */
        ttlDays: z.number().int().min(0).max(400).default(14),
      })
      .prefault({}),
    ...engineConfigShape,
    /** The learned trade filter (docs/learning.md); off unless `learning.enabled`. */
    learning: learningConfigSchema.prefault({}),
    /** Margin shorts (docs/configuration.md#shorts); off unless `shorts.enabled` and the account has margin. */
    shorts: shortsConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (!Array.isArray(cfg.pairs)) return;
    const quotes = new Set(cfg.pairs.map((p) => p.split('/')[1]));
    if (quotes.size > 1) {
      ctx.addIssue({ code: 'custom', path: ['pairs'], message: `all pairs must share one quote currency, got ${[...quotes].join(', ')}` });
    }
    if (new Set(cfg.pairs).size !== cfg.pairs.length) {
      ctx.addIssue({ code: 'custom', path: ['pairs'], message: 'pairs must not repeat' });
    }
  })
  .superRefine((cfg, ctx) => {
    if (cfg.strategies.microstructure.filters.premium && !cfg.market.reference.enabled) {
      ctx.addIssue({ code: 'custom', path: ['strategies', 'microstructure', 'filters', 'premium'], message: 'the premium gap needs a reference exchange: set market.reference.enabled' });
    }
    if (cfg.validateOnly && cfg.mode !== 'live') {
      ctx.addIssue({ code: 'custom', path: ['validateOnly'], message: 'validateOnly only applies to mode "live"' });
    }
  });

type ParsedConfig = z.output<typeof botConfigSchema>;
/**
 * The parsed configuration. `pairs` is always a list: the fixed pairs, or with a universe its
 * include list (possibly empty), the universe itself in `universe`.
 */
export type BotConfig = Omit<ParsedConfig, 'pairs'> & { pairs: string[]; universe?: UniverseConfig };
/** What a configuration file holds. A parsed config (with `universe`) is accepted again as it is. */
export type BotConfigInput = z.input<typeof botConfigSchema> & { universe?: z.input<typeof universeSchema> };

/** Thrown when configuration is invalid; the message names every bad field and why, `issues` holds them as values. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }

  /** `Invalid <source>:` followed by one `field: reason` line per issue. */
  static fromIssues(source: string, issues: readonly ConfigIssue[]): ConfigError {
    return new ConfigError(formatIssues(`Invalid ${source}`, issues), issues);
  }
}

/** The outcome of validating a configuration: the parsed config, or every issue found. */
export type ConfigValidation = { ok: true; config: BotConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates configuration without throwing. `undefined` means "no configuration" (all defaults);
 * `null`, arrays and other non-objects are refused, as is any key the schema does not know.
 */
export function validateConfig(input: unknown): ConfigValidation {
  if (input === undefined) input = {};
  const notObject = notAnObject(input);
  if (notObject) return { ok: false, issues: [{ path: [], message: notObject }] };
  // A parsed configuration carries its universe beside `pairs` (its include list): read it back as
  // the universe it came from, so a config passed on (to the Lambda, to a worker) parses again.
  const raw = input as Record<string, unknown>;
  if ('universe' in raw) {
    const { universe, ...rest } = raw;
    const include = (universe as { include?: unknown } | null)?.include ?? [];
    if (rest.pairs !== undefined && JSON.stringify(rest.pairs) !== JSON.stringify(include)) {
      return { ok: false, issues: [{ path: ['universe'], message: 'unknown key; a universe is written as the value of pairs', suggestion: 'pairs' }] };
    }
    input = { ...rest, pairs: universe };
  }
  const result = botConfigSchema.safeParse(input);
  if (!result.success) return { ok: false, issues: issuesFromZod(result.error.issues, botConfigSchema, input) };
  // Strategy names and user strategies' sections are checked against the registry.
  const issues = strategySelectionIssues(result.data.strategies);
  if (issues.length) return { ok: false, issues };
  const { pairs, ...config } = result.data;
  return { ok: true, config: Array.isArray(pairs) ? { ...config, pairs } : { ...config, pairs: [...pairs.include], universe: pairs } };
}

/** Parses and validates configuration, or throws `ConfigError` listing `field: reason` lines. */
export function parseConfig(input: unknown, source = 'config'): BotConfig {
  const result = validateConfig(input);
  if (result.ok) return result.config;
  throw ConfigError.fromIssues(source, result.issues);
}

/** The quote currency shared by all configured pairs (a universe's own quote). */
export function quoteCurrency(cfg: Pick<BotConfig, 'pairs' | 'universe'>): string {
  return cfg.universe?.quote ?? cfg.pairs[0]!.split('/')[1]!;
}

/**
 * Live-trading gates. Returns the reason live trading is refused, or undefined when all three
 * gates are open (mode live, allowLiveTrading, keys present). Paper mode always passes.
 */
export function liveGateProblem(cfg: Pick<BotConfig, 'mode' | 'allowLiveTrading'>, hasKeys: boolean): string | undefined {
  if (cfg.mode !== 'live') return undefined;
  if (!cfg.allowLiveTrading) return 'mode is "live" but allowLiveTrading is not true';
  if (!hasKeys) return 'mode is "live" but no Kraken API keys are configured';
  return undefined;
}
