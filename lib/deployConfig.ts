// Deployment: the typed settings of one deployed bot (names, mode, alerts, schedule, the bot config
// passed to the function). Bad settings fail `cdk synth` naming the field and the reason.
import { z } from 'zod';
import { botConfigSchema, validateConfig, type BotConfig } from '../functions/core/config.js';
import { formatIssues, issuesFromZod, notAnObject, prefixIssues, type ConfigIssue } from '../functions/core/configIssues.js';
import { tickBudgetProblem } from './tickBudget.js';

/** Log retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** Upper bound of the tick timeout: the schedule fires every 300 s and ticks must not overlap. */
export const MAX_TICK_TIMEOUT_SECONDS = 240;

export const deployConfigSchema = z.strictObject({
  /**
   * Name of the stack and prefix of every named resource (function, rule, alarms, dashboard).
   * Two bots (e.g. paper and live) can live side by side under different prefixes.
   */
  prefix: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,39}$/, 'must start with a letter and use only letters, digits and -, at most 40 characters')
    .default('KrakenBot'),
  /** Pairs to trade; overrides `bot.pairs` when given. */
  pairs: z.array(z.string()).min(1).optional(),
  /** `paper` (default) or `live`; overrides `bot.mode`. */
  mode: z.enum(['paper', 'live']).default('paper'),
  /** Second live-trading gate; overrides `bot.allowLiveTrading`. */
  allowLiveTrading: z.boolean().default(false),
  /** Live only: orders carry Kraken's validate flag (checked, never executed); overrides `bot.validateOnly`. */
  validateOnly: z.boolean().default(false),
  /** Email address subscribed to the alert topic (AWS sends a confirmation mail first). */
  alertEmail: z.email('must be an email address').optional(),
  /** Phone number subscribed to the alert topic for SMS, in E.164 form (+ country code, digits only). */
  alertPhone: z
    .string()
    .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number such as +15551234567')
    .optional(),
  /** Whether the 5-minute schedule is enabled at deploy time (`kbot pause` / `kbot resume` toggle it later). */
  scheduleEnabled: z.boolean().default(true),
  /** SSM parameter holding the Kraken keys as a SecureString, created by `kbot keys set`. */
  keysParameterName: z
    .string()
    .regex(/^\/?[A-Za-z0-9_.\-/]{1,1010}$/, 'must be an SSM parameter name such as /kbot/kraken/api-keys')
    .refine((name) => !/^\/?(aws|ssm)/i.test(name), 'must not start with aws or ssm (reserved by AWS)')
    .default('/kbot/kraken/api-keys'),
  /**
   * ARN of a customer managed KMS key, when the key parameter is encrypted with one instead of the
   * default `aws/ssm` key (which every IAM principal in the account may already use through SSM).
   */
  keysKmsKeyArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)')
    .optional(),
  /**
   * Whether the stack creates a customer managed KMS key for the key parameter (1 USD a month):
   * only the tick role may decrypt with it, and only through SSM for that parameter. Default: on
   * for `live`, off for `paper` (which never reads keys). Not with `keysKmsKeyArn` (your own key).
   */
  keysKmsKey: z.boolean().optional(),
  /**
   * Name of a table retained by an earlier deployment (`cdk destroy` keeps it) for this stack to
   * use instead of creating one: positions, order intents and the ledger carry over.
   */
  existingTableName: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name (3-255 letters, digits, _ . -)')
    .optional(),
  /** How long the function's logs are kept. */
  logRetentionDays: z
    .number()
    .int()
    .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)
    .default(30),
  /** Powertools log level of the function. */
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** Function memory; 256 MB measured to be ample (see docs/deploy.md). */
  memoryMb: z.number().int().min(128).max(3008).default(256),
  /** Function timeout; must stay below the tick lease and the 5-minute schedule. */
  timeoutSeconds: z.number().int().min(30).max(MAX_TICK_TIMEOUT_SECONDS).default(90),
  /**
   * Telegram commands and alerts (docs/telegram.md); no Telegram resource exists without it. The
   * bot token and the webhook's secret token live in two SecureString parameters (`kbot telegram setup`).
   */
  telegram: z
    .strictObject({
      /** The only chats the bot answers (a private chat's id is the user's id); at most 10. */
      allowedChatIds: z.array(z.number().int().refine(Number.isSafeInteger, 'must be a Telegram chat id')).min(1).max(10),
      tokenParameterName: z.string().regex(/^\/?[A-Za-z0-9_.\-/]{1,1010}$/, 'must be an SSM parameter name').refine((n) => !/^\/?(aws|ssm)/i.test(n), 'must not start with aws or ssm').default('/kbot/telegram/bot-token'),
      secretParameterName: z.string().regex(/^\/?[A-Za-z0-9_.\-/]{1,1010}$/, 'must be an SSM parameter name').refine((n) => !/^\/?(aws|ssm)/i.test(n), 'must not start with aws or ssm').default('/kbot/telegram/webhook-secret'),
      /** Alerts from this severity up also go to the chats; `off`: none (no forwarder function). */
      alertsMinSeverity: z.enum(['info', 'warning', 'critical', 'off']).default('warning'),
      /** A customer managed KMS key for the two parameters (1 USD a month). Default: as for the Kraken key (on for live). */
      kmsKey: z.boolean().optional(),
    })
    .optional(),
  /** The assistant on Amazon Bedrock (docs/assistant.md), answering Telegram free text; off without it. */
  assistant: z
    .strictObject({
      /** A model or cross-region inference profile id with tool use, e.g. amazon.nova-lite-v1:0 or eu.amazon.nova-lite-v1:0. */
      modelId: z.string().regex(/^(?:(?:us|eu|apac|us-gov|global)\.)?[a-z0-9-]+\.[A-Za-z0-9.:-]{1,100}$/, 'must be a Bedrock model id such as amazon.nova-lite-v1:0'),
    })
    .optional(),
  /** The bot configuration (functions/core/config.ts), validated here and passed as KBOT_CONFIG. */
  bot: z.record(z.string(), z.unknown()).default({}),
});

export type DeployConfigInput = z.input<typeof deployConfigSchema>;

/** Validated deployment settings, with the bot config parsed and merged. */
export type DeployConfig = Omit<z.output<typeof deployConfigSchema>, 'bot' | 'pairs'> & {
  /** The parsed bot config (mode, gates and pairs taken from the deployment settings). */
  bot: BotConfig;
  /**
   * KBOT_CONFIG: the bot config as written (plus the top-level mode, gates and pairs), not the
   * parsed one: the function applies the same defaults, and the expanded form would crowd
   * Lambda's 4 KB limit on environment variables.
   */
  botConfigJson: string;
};

/** Lambda allows 4 KB of environment variables in total; this leaves room for the others. */
export const MAX_BOT_CONFIG_JSON_BYTES = 3_000;

/** Thrown when deployment settings are invalid; the message lists `field: reason` lines, `issues` holds them as values. */
export class DeployConfigError extends Error {
  override readonly name = 'DeployConfigError';
  constructor(
    message: string,
    readonly issues: readonly ConfigIssue[] = [],
  ) {
    super(message);
  }

  /** `Invalid <source>:` followed by one `field: reason` line per issue. */
  static fromIssues(source: string, issues: readonly ConfigIssue[]): DeployConfigError {
    return new DeployConfigError(formatIssues(`Invalid ${source}`, issues), issues);
  }
}

/** Fields of the bot config that the deployment settings set at their top level. */
const TOP_LEVEL_BOT_FIELDS = ['mode', 'allowLiveTrading', 'validateOnly', 'pairs'] as const;

/**
 * Validates deployment settings and the bot config inside them. The top-level `mode`,
 * `allowLiveTrading`, `validateOnly` and `pairs` win over the same fields in `bot`, so the stack's
 * `Mode` output, KBOT_MODE and KBOT_CONFIG can never disagree. Refuses live mode without
 * `allowLiveTrading` (the function would refuse to start) and a timeout the tick lease does not cover.
 * `undefined` means no settings (all defaults); `null` and other non-objects are refused.
 */
export function parseDeployConfig(input: unknown, source = 'deployment config'): DeployConfig {
  if (input === undefined) input = {};
  const notObject = notAnObject(input);
  if (notObject) throw DeployConfigError.fromIssues(source, [{ path: [], message: notObject }]);
  const result = deployConfigSchema.safeParse(input);
  // The bot config is checked even when other fields are wrong, so one run names every mistake.
  const { settings, pairs, botInput } = result.success ? splitParsed(result.data) : bestEffortParts(input);
  const problems: ConfigIssue[] = result.success ? [] : issuesFromZod(result.error.issues, deployConfigSchema, input).map(misplacedBotKey);
  const misplaced = ['mode', 'allowLiveTrading', 'validateOnly', ...(pairs ? ['pairs'] : [])].filter((key) => key in botInput);
  for (const key of misplaced) problems.push({ path: ['bot', key], message: `set ${key} at the top level of the deployment config, not inside bot` });
  const merged = {
    ...botInput,
    mode: settings.mode,
    allowLiveTrading: settings.allowLiveTrading,
    validateOnly: settings.validateOnly,
    ...(pairs ? { pairs } : {}),
  };
  let bot: BotConfig | undefined;
  if (!misplaced.length) {
    const checked = validateConfig(merged);
    if (checked.ok) bot = checked.config;
    else {
      // Name fields as they are written in the file: `bot.tick.leaseMs`; the merged ones are top-level.
      for (const issue of checked.issues) {
        const first = issue.path[0];
        const topLevel = (TOP_LEVEL_BOT_FIELDS as readonly unknown[]).includes(first) && (first !== 'pairs' || pairs !== undefined);
        problems.push(topLevel ? issue : prefixIssues(['bot'], [issue])[0]!);
      }
    }
  }
  if (!result.success || !bot) throw DeployConfigError.fromIssues(source, problems);
  const parsed = result.data;
  if (settings.mode === 'live' && !settings.allowLiveTrading) {
    problems.push({ path: ['allowLiveTrading'], message: 'must be true to deploy mode "live" (the second live-trading gate)' });
  }
  if (bot.tick.leaseMs <= parsed.timeoutSeconds * 1000) {
    problems.push({
      path: ['bot', 'tick', 'leaseMs'],
      message: `${bot.tick.leaseMs} ms must exceed timeoutSeconds (${parsed.timeoutSeconds} s), or a slow tick could be taken over while it still runs`,
    });
  }
  if (parsed.keysKmsKey === true && parsed.keysKmsKeyArn) {
    problems.push({ path: ['keysKmsKey'], message: 'the stack cannot create a key when keysKmsKeyArn names your own; set one of them' });
  }
  if (bot.tick.closeDelayMs >= (parsed.timeoutSeconds * 1000) / 2) {
    problems.push({ path: ['bot', 'tick', 'closeDelayMs'], message: `${bot.tick.closeDelayMs} ms leaves too little of the ${parsed.timeoutSeconds} s timeout for the tick` });
  }
  const budget = tickBudgetProblem(bot, parsed.timeoutSeconds);
  if (budget) problems.push({ path: bot.universe ? ['bot', 'pairs', 'topN'] : parsed.pairs ? ['pairs'] : ['bot', 'pairs'], message: budget });
  const botConfigJson = JSON.stringify(merged);
  if (Buffer.byteLength(botConfigJson) > MAX_BOT_CONFIG_JSON_BYTES) {
    problems.push({ path: ['bot'], message: `${Buffer.byteLength(botConfigJson)} bytes as JSON, more than the ${MAX_BOT_CONFIG_JSON_BYTES} that fit in the function's environment` });
  }
  if (problems.length) throw DeployConfigError.fromIssues(source, problems);
  const { pairs: _pairs, bot: _bot, ...rest } = parsed;
  return { ...rest, bot, botConfigJson };
}

/** A bot setting written at the top level (`limits` instead of `bot.limits`) is named as such. */
function misplacedBotKey(issue: ConfigIssue): ConfigIssue {
  const [key] = issue.path;
  if (issue.path.length !== 1 || issue.message !== 'unknown key' || typeof key !== 'string' || !(key in botConfigSchema.shape)) return issue;
  return { path: issue.path, message: `unknown key; bot settings go inside "bot" (bot.${key})` };
}

type ParsedSettings = z.output<typeof deployConfigSchema>;
interface ConfigParts {
  settings: Pick<ParsedSettings, 'mode' | 'allowLiveTrading' | 'validateOnly'>;
  pairs: string[] | undefined;
  botInput: Record<string, unknown>;
}

function splitParsed(parsed: ParsedSettings): ConfigParts {
  return { settings: parsed, pairs: parsed.pairs, botInput: parsed.bot };
}

/** The parts the bot config needs, from input that failed validation elsewhere (defaults for bad values). */
function bestEffortParts(input: unknown): ConfigParts {
  const raw = isRecord(input) ? input : {};
  return {
    settings: {
      mode: raw.mode === 'live' ? 'live' : 'paper',
      allowLiveTrading: raw.allowLiveTrading === true,
      validateOnly: raw.validateOnly === true,
    },
    pairs: Array.isArray(raw.pairs) && raw.pairs.every((p) => typeof p === 'string') ? (raw.pairs as string[]) : undefined,
    botInput: isRecord(raw.bot) ? raw.bot : {},
  };
}

/** Whether the stack creates its own KMS key for the key parameter (see `keysKmsKey`). */
export function createsKeysKmsKey(config: Pick<DeployConfig, 'keysKmsKey' | 'keysKmsKeyArn' | 'mode'>): boolean {
  if (config.keysKmsKeyArn) return false;
  return config.keysKmsKey ?? config.mode === 'live';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
