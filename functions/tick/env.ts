// Primary adapter support: the Lambda's environment, validated once at cold start.
import { z } from 'zod';
import { ConfigError, parseConfig, type BotConfig } from '../core/config.js';
import { issuesFromZod, notAnObject } from '../core/configIssues.js';

const envSchema = z.object({
  /** DynamoDB table holding claims, positions, intents, counters, the paper wallet and the ledger. */
  KBOT_TABLE_NAME: z.string().min(3, 'must name the DynamoDB table'),
  /** SNS topic for alerts; without it alerts go to the log. */
  KBOT_ALERT_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN').optional(),
  /** SSM SecureString parameter holding `{"apiKey","apiSecret"}`; optional in paper mode. */
  KBOT_KEYS_PARAMETER: z.string().regex(/^\/?[A-Za-z0-9_./-]+$/, 'must be an SSM parameter name').optional(),
  /** `paper` or `live`; overrides the config's mode. */
  KBOT_MODE: z.enum(['paper', 'live']).optional(),
  /** The bot configuration as JSON (see the README's configuration section). */
  KBOT_CONFIG: z.string().optional(),
  /** Send Kraken calls elsewhere (the local sandbox). */
  KRAKEN_API_URL: z.url('must be a URL').optional(),
});

export interface TickEnv {
  tableName: string;
  alertTopicArn?: string;
  keysParameter?: string;
  krakenApiUrl?: string;
  config: BotConfig;
}

/** Reads and validates the environment; throws `ConfigError` naming every bad variable. */
export function loadTickEnv(env: Record<string, string | undefined>): TickEnv {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  if (!parsed.success) throw ConfigError.fromIssues('Lambda environment', issuesFromZod(parsed.error.issues, envSchema, blanksRemoved));
  const e = parsed.data;
  let raw: unknown = {};
  if (e.KBOT_CONFIG) {
    try {
      raw = JSON.parse(e.KBOT_CONFIG);
    } catch (err) {
      throw ConfigError.fromIssues('Lambda environment', [{ path: ['KBOT_CONFIG'], message: `not valid JSON (${(err as Error).message})` }]);
    }
    // `null` would otherwise read as "no configuration": refuse it like any other non-object.
    const notObject = notAnObject(raw);
    if (notObject) throw ConfigError.fromIssues('Lambda environment', [{ path: ['KBOT_CONFIG'], message: notObject }]);
  }
  if (e.KBOT_MODE) {
    const configured = (raw as { mode?: unknown }).mode;
    if (configured !== undefined && configured !== e.KBOT_MODE) {
      throw ConfigError.fromIssues('Lambda environment', [{ path: ['KBOT_MODE'], message: `"${e.KBOT_MODE}" contradicts KBOT_CONFIG.mode "${String(configured)}"` }]);
    }
    raw = { ...(raw as object), mode: e.KBOT_MODE };
  }
  const config = parseConfig(raw, 'KBOT_CONFIG');
  if (config.mode === 'live' && !config.allowLiveTrading) {
    throw ConfigError.fromIssues('KBOT_CONFIG', [{ path: ['allowLiveTrading'], message: 'must be true for mode "live" (the second live-trading gate)' }]);
  }
  if (config.mode === 'live' && !e.KBOT_KEYS_PARAMETER) {
    throw ConfigError.fromIssues('Lambda environment', [{ path: ['KBOT_KEYS_PARAMETER'], message: 'required for mode "live" (the API keys are the third gate)' }]);
  }
  return {
    tableName: e.KBOT_TABLE_NAME,
    ...(e.KBOT_ALERT_TOPIC_ARN ? { alertTopicArn: e.KBOT_ALERT_TOPIC_ARN } : {}),
    ...(e.KBOT_KEYS_PARAMETER ? { keysParameter: e.KBOT_KEYS_PARAMETER } : {}),
    ...(e.KRAKEN_API_URL ? { krakenApiUrl: e.KRAKEN_API_URL } : {}),
    config,
  };
}
