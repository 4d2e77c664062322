// Primary adapter support (Telegram functions): their environment, validated once at cold start;
// a missing or bad variable fails the cold start naming it (the CDK construct sets them all).
import { z } from 'zod';
import { ConfigError } from '../core/config.js';
import type { AlertSeverity } from '../core/ports.js';
import type { Mode } from '../core/types.js';

const parameterName = z.string().regex(/^\/?[A-Za-z0-9_./-]+$/, 'must be an SSM parameter name');
const chatIds = z
  .string()
  .regex(/^-?\d+(,-?\d+)*$/, 'must be a comma-separated list of Telegram chat ids')
  .transform((text) => new Set(text.split(',').map(Number)))
  .refine((ids) => [...ids].every((id) => Number.isSafeInteger(id)), 'chat ids must be integers');
const apiRoot = z.url('must be a URL').refine((url) => !url.endsWith('/'), 'must not end with /').optional();

const common = {
  TELEGRAM_TOKEN_PARAMETER: parameterName,
  TELEGRAM_ALLOWED_CHAT_IDS: chatIds,
  /** The Bot API's root; tests point it at a fake server on 127.0.0.1. */
  TELEGRAM_API_ROOT: apiRoot,
};

const webhookSchema = z.object({
  ...common,
  TELEGRAM_SECRET_PARAMETER: parameterName,
  KBOT_TABLE_NAME: z.string().min(3, 'must name the DynamoDB table'),
  KBOT_MODE: z.enum(['paper', 'live']),
  KBOT_QUOTE: z.string().regex(/^[A-Z0-9]{2,10}$/, 'must be the quote currency, e.g. USD'),
  /** The configured pairs, comma-separated (the assistant's status tool names them). */
  KBOT_PAIRS: z.string().regex(/^[A-Z0-9]{2,10}\/[A-Z0-9]{2,10}(,[A-Z0-9]{2,10}\/[A-Z0-9]{2,10})*$/, 'must be pairs such as BTC/USD,ETH/USD').optional(),
  KBOT_STACK_NAME: z.string().min(1),
  KBOT_RULE_NAME: z.string().min(1, 'must name the schedule rule'),
  KBOT_FUNCTION_NAME: z.string().min(1, 'must name the tick function'),
  KBOT_EXIT_COMMANDS_ALIAS_ARN: z.string().regex(/^arn:aws[a-z-]*:lambda:/, 'must be the exit-commands alias ARN'),
  KBOT_ALERT_TOPIC_ARN: z.string().regex(/^arn:aws[a-z-]*:sns:/, 'must be an SNS topic ARN').optional(),
  KBOT_HEARTBEAT_ALARM_NAME: z.string().optional(),
  /** The Bedrock model of the assistant; without it free text gets the command list. */
  KBOT_ASSISTANT_MODEL_ID: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1, 'must be set (Lambda sets it)'),
});

const alertsSchema = z.object({
  ...common,
  /** The lowest severity that reaches Telegram. */
  TELEGRAM_ALERTS_MIN_SEVERITY: z.enum(['info', 'warning', 'critical']).default('warning'),
  KBOT_MODE: z.enum(['paper', 'live']).default('paper'),
});

export interface WebhookEnv {
  tokenParameter: string;
  secretParameter: string;
  allowedChatIds: ReadonlySet<number>;
  apiRoot?: string;
  tableName: string;
  mode: Mode;
  quote: string;
  pairs: string[];
  stackName: string;
  ruleName: string;
  functionName: string;
  exitCommandsAliasArn: string;
  alertTopicArn?: string;
  heartbeatAlarmName?: string;
  assistantModelId?: string;
  region: string;
}

export interface AlertsEnv {
  tokenParameter: string;
  allowedChatIds: ReadonlySet<number>;
  apiRoot?: string;
  minSeverity: AlertSeverity;
  mode: Mode;
}

function parse<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(`Invalid Lambda environment:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}

/** The webhook function's environment. */
export function loadWebhookEnv(env: Record<string, string | undefined>): WebhookEnv {
  const e = parse(webhookSchema, env);
  return {
    tokenParameter: e.TELEGRAM_TOKEN_PARAMETER,
    secretParameter: e.TELEGRAM_SECRET_PARAMETER,
    allowedChatIds: e.TELEGRAM_ALLOWED_CHAT_IDS,
    ...(e.TELEGRAM_API_ROOT ? { apiRoot: e.TELEGRAM_API_ROOT } : {}),
    tableName: e.KBOT_TABLE_NAME,
    mode: e.KBOT_MODE,
    quote: e.KBOT_QUOTE,
    pairs: e.KBOT_PAIRS ? e.KBOT_PAIRS.split(',') : [],
    stackName: e.KBOT_STACK_NAME,
    ruleName: e.KBOT_RULE_NAME,
    functionName: e.KBOT_FUNCTION_NAME,
    exitCommandsAliasArn: e.KBOT_EXIT_COMMANDS_ALIAS_ARN,
    ...(e.KBOT_ALERT_TOPIC_ARN ? { alertTopicArn: e.KBOT_ALERT_TOPIC_ARN } : {}),
    ...(e.KBOT_HEARTBEAT_ALARM_NAME ? { heartbeatAlarmName: e.KBOT_HEARTBEAT_ALARM_NAME } : {}),
    ...(e.KBOT_ASSISTANT_MODEL_ID ? { assistantModelId: e.KBOT_ASSISTANT_MODEL_ID } : {}),
    region: e.AWS_REGION,
  };
}

/** The alerts function's environment. */
export function loadAlertsEnv(env: Record<string, string | undefined>): AlertsEnv {
  const e = parse(alertsSchema, env);
  return {
    tokenParameter: e.TELEGRAM_TOKEN_PARAMETER,
    allowedChatIds: e.TELEGRAM_ALLOWED_CHAT_IDS,
    ...(e.TELEGRAM_API_ROOT ? { apiRoot: e.TELEGRAM_API_ROOT } : {}),
    minSeverity: e.TELEGRAM_ALERTS_MIN_SEVERITY,
    mode: e.KBOT_MODE,
  };
}
