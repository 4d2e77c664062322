// Primary adapter: the weekly retraining Lambda (deployed only with learning.enabled). Wires the
// DynamoDB store and SNS alerts once from the environment, then runs retrainFromLedger.
import { SNSClient } from '@aws-sdk/client-sns';
import { ConsoleAlerts } from '../adapters/console/consoleAlerts.js';
import { createDynamoClient } from '../adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { createPowertoolsTelemetry } from '../adapters/powertools/telemetry.js';
import { SnsAlerts } from '../adapters/sns/snsAlerts.js';
import { ConfigError, parseConfig } from '../core/config.js';
import type { AlertsPort, ClockPort, LoggerPort } from '../core/ports.js';
import { systemClock } from '../core/ports.js';
import { retrainFromLedger, type RetrainSummary } from './retrainJob.js';

/** What a test or local run may replace. */
export interface RetrainOverrides {
  env?: Record<string, string | undefined>;
  alerts?: AlertsPort;
  logger?: LoggerPort;
  clock?: ClockPort;
}

/** Builds the handler; a bad environment fails the cold start naming the variable. */
export function createRetrainHandler(overrides: RetrainOverrides = {}): () => Promise<RetrainSummary> {
  const env = overrides.env ?? process.env;
  const tableName = env.KBOT_TABLE_NAME;
  if (!tableName) throw new ConfigError('Invalid Lambda environment:\n  KBOT_TABLE_NAME: must name the DynamoDB table');
  let raw: Record<string, unknown> = {};
  try {
    raw = env.KBOT_CONFIG ? (JSON.parse(env.KBOT_CONFIG) as Record<string, unknown>) : {};
  } catch (err) {
    throw new ConfigError(`Invalid Lambda environment:\n  KBOT_CONFIG: not valid JSON (${(err as Error).message})`);
  }
  const config = parseConfig({ ...raw, ...(env.KBOT_MODE ? { mode: env.KBOT_MODE } : {}) }, 'KBOT_CONFIG');
  const telemetry = createPowertoolsTelemetry({ mode: config.mode });
  const logger = overrides.logger ?? telemetry.logger;
  const store = new DynamoStore({ client: createDynamoClient(), tableName });
  const alerts = overrides.alerts ?? (env.KBOT_ALERT_TOPIC_ARN ? new SnsAlerts({ client: new SNSClient({}), topicArn: env.KBOT_ALERT_TOPIC_ARN, logger }) : new ConsoleAlerts());
  const clock = overrides.clock ?? systemClock;
  return () => retrainFromLedger({ config, store, alerts, logger, nowMs: clock.nowMs(), source: `table ${tableName} ${config.mode} ledger` });
}

/** The Lambda entry: EventBridge's weekly event carries nothing the job needs. */
export const handler = (): Promise<RetrainSummary> => (wired ??= createRetrainHandler())();
let wired: (() => Promise<RetrainSummary>) | undefined;
