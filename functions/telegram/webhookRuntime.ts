// Primary adapter support (Telegram webhook): wires the function once per container from its
// environment (SSM for the token and the secret, the state table, EventBridge, the tick's
// exit-commands alias, SNS for command alerts, Bedrock when the assistant is on) and returns the
// function URL's handler. Tests replace the clients and point the Bot API root at a local server.
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Bot } from 'grammy';
import { ConsoleAlerts } from '../adapters/console/consoleAlerts.js';
import { createDynamoClient } from '../adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { createPowertoolsTelemetry } from '../adapters/powertools/telemetry.js';
import { SnsAlerts } from '../adapters/sns/snsAlerts.js';
import type { AssistantPort } from '../assistant/assistantTypes.js';
import { createBedrockAssistant } from '../assistant/bedrockAssistant.js';
import { storeDecisionReader, type DecisionReader } from '../assistant/decisionReader.js';
import type { AlertsPort, LoggerPort } from '../core/ports.js';
import { opsOperator } from './operator.js';
import { SsmSecret } from './secretParameter.js';
import { createTelegramBot } from './telegramBot.js';
import { loadWebhookEnv } from './telegramEnv.js';
import { createWebhookDoor, type WebhookHandler } from './webhookDoor.js';

/** What tests (or a local run) may replace; the rest comes from the environment. */
export interface WebhookOverrides {
  env?: Record<string, string | undefined>;
  ssm?: SSMClient;
  dynamoDb?: DynamoDBClient;
  eventBridge?: EventBridgeClient;
  lambda?: LambdaClient;
  bedrock?: BedrockRuntimeClient;
  alerts?: AlertsPort;
  logger?: LoggerPort;
  nowMs?: () => number;
  /** The decision journal reader, once the store keeps one (default: the last tick). */
  decisions?: DecisionReader;
  assistant?: AssistantPort;
  /** Delays between invokes while the tick is busy (tests: none). */
  busyRetryDelaysMs?: readonly number[];
  /** How long an update may run before Telegram is answered anyway (default 4.5 minutes, below the function's 5). */
  timeoutMs?: number;
}

/** The webhook function's handler, wired from the environment. Throws `ConfigError` at cold start on a bad one. */
export function createTelegramWebhookHandler(overrides: WebhookOverrides = {}): WebhookHandler {
  const env = loadWebhookEnv(overrides.env ?? process.env);
  const logger = overrides.logger ?? createPowertoolsTelemetry({ mode: env.mode, serviceName: `${env.stackName}-telegram` }).logger;
  const nowMs = overrides.nowMs ?? Date.now;
  const ssm = overrides.ssm ?? new SSMClient({});
  const token = new SsmSecret({ client: ssm, parameterName: env.tokenParameter, nowMs });
  const secret = new SsmSecret({ client: ssm, parameterName: env.secretParameter, nowMs });
  const dynamoDb = overrides.dynamoDb ?? createDynamoClient();
  const store = new DynamoStore({ client: dynamoDb, tableName: env.tableName });
  const alerts = overrides.alerts ?? (env.alertTopicArn ? new SnsAlerts({ client: new SNSClient({}), topicArn: env.alertTopicArn, logger }) : new ConsoleAlerts());
  const operator = opsOperator({
    eventBridge: overrides.eventBridge ?? new EventBridgeClient({}),
    lambda: overrides.lambda ?? new LambdaClient({}),
    dynamoDb,
    region: env.region,
    stackName: env.stackName,
    outputs: {
      RuleName: env.ruleName,
      FunctionName: env.functionName,
      ExitCommandsAliasArn: env.exitCommandsAliasArn,
      TableName: env.tableName,
      Mode: env.mode,
      ...(env.heartbeatAlarmName ? { HeartbeatAlarmName: env.heartbeatAlarmName } : {}),
      ...(env.alertTopicArn ? { TopicArn: env.alertTopicArn } : {}),
    },
    // The CLI opens the table the outputs name; here that is this function's own client and table.
    openStore: (_clients, tableName) => (tableName === env.tableName ? store : new DynamoStore({ client: dynamoDb, tableName })),
    nowMs,
    ...(overrides.busyRetryDelaysMs ? { busyRetryDelaysMs: overrides.busyRetryDelaysMs } : {}),
  });
  const decisions = overrides.decisions ?? storeDecisionReader(store, nowMs);
  const assistant =
    overrides.assistant ??
    (env.assistantModelId
      ? createBedrockAssistant({
          client: overrides.bedrock ?? new BedrockRuntimeClient({}),
          modelId: env.assistantModelId,
          logger,
          sources: { store, mode: env.mode, quote: env.quote, pairs: env.pairs, decisions, nowMs, status: () => operator.status().then((o) => o.report) },
        })
      : undefined);
  let bot: { token: string; secret: string; bot: Bot } | undefined;
  return createWebhookDoor({
    secret: () => secret.get(),
    bot: async () => {
      const [tokenValue, secretValue] = await Promise.all([token.get(), secret.get()]);
      if (!bot || bot.token !== tokenValue || bot.secret !== secretValue) {
        bot = {
          token: tokenValue,
          secret: secretValue,
          bot: createTelegramBot({
            token: tokenValue,
            ...(env.apiRoot ? { apiRoot: env.apiRoot } : {}),
            mode: env.mode,
            quote: env.quote,
            allowedChatIds: env.allowedChatIds,
            confirmKey: secretValue,
            store,
            operator,
            decisions,
            ...(assistant ? { assistant } : {}),
            alerts,
            logger,
            nowMs,
          }),
        };
      }
      return bot.bot;
    },
    logger,
    timeoutMs: overrides.timeoutMs ?? 270_000,
  });
}
