// Primary adapter support: builds the tick's adapters once per process from the environment and
// returns the Lambda handler. The same wiring runs in Lambda, on a laptop and in the demo; only the
// clock, logger and alerts can be swapped (the demo runs on the sandbox's accelerated clock).
import type { Context } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConsoleAlerts } from '../adapters/console/consoleAlerts.js';
import { createDynamoClient } from '../adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { KrakenExchangeAdapter } from '../adapters/kraken/krakenExchange.js';
import { PaperExchange } from '../adapters/paper/paperExchange.js';
import { createPowertoolsTelemetry } from '../adapters/powertools/telemetry.js';
import { SnsAlerts } from '../adapters/sns/snsAlerts.js';
import { SsmKeyProvider, type KrakenKeys } from '../adapters/ssm/keyProvider.js';
import { formatErrorAlert } from '../core/alertText.js';
import { createDecisionEngine } from '../core/engine/index.js';
import { systemClock, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort } from '../core/ports.js';
import { runTick } from '../core/tick.js';
import type { TickResult } from '../core/tickResult.js';
import { loadTickEnv, type TickEnv } from './env.js';
import { parseTickEvent } from './event.js';

/** What a local runner may replace; everything else comes from the environment. */
export interface TickRuntimeOverrides {
  env?: Record<string, string | undefined>;
  clock?: ClockPort;
  alerts?: AlertsPort;
  logger?: LoggerPort;
  metrics?: MetricsPort;
  /** Turn ccxt's client-side throttle off (local sandbox only). */
  enableRateLimit?: boolean;
  /** Where API keys come from (default: the SSM parameter named by KBOT_KEYS_PARAMETER). */
  keyProvider?: { get(): Promise<KrakenKeys | undefined> };
  /** Order-protocol timing for accelerated clocks. */
  orderTiming?: { lookupDelayMs?: number; pendingGraceMs?: number };
}

export type TickHandler = (event: unknown, context?: Pick<Context, 'awsRequestId'>) => Promise<TickResult>;

/**
 * Wires adapters once (DynamoDB client, ccxt instance with its cached markets, SSM key cache) and
 * returns the handler. Throws `ConfigError` at once when the environment or config is invalid.
 */
export function createTickHandler(overrides: TickRuntimeOverrides = {}): TickHandler {
  const env: TickEnv = loadTickEnv(overrides.env ?? process.env);
  const { config } = env;
  const telemetry = createPowertoolsTelemetry({ mode: config.mode });
  const logger = overrides.logger ?? telemetry.logger;
  const metrics = overrides.metrics ?? telemetry.metrics;
  const clock = overrides.clock ?? systemClock;
  // AWS_ENDPOINT_URL_DYNAMODB (local runs) points the client at dynalite with dummy credentials.
  const store = new DynamoStore({ client: createDynamoClient(), tableName: env.tableName });
  const alerts =
    overrides.alerts ?? (env.alertTopicArn ? new SnsAlerts({ client: new SNSClient({}), topicArn: env.alertTopicArn, logger }) : new ConsoleAlerts());
  const keyProvider =
    overrides.keyProvider ?? (env.keysParameter ? new SsmKeyProvider({ client: new SSMClient({}), parameterName: env.keysParameter }) : undefined);
  const krakenOptions = { ...(env.krakenApiUrl ? { baseUrl: env.krakenApiUrl } : {}), enableRateLimit: overrides.enableRateLimit ?? true, clock };
  // The keyless adapter serves paper trading, and live mode only while no keys are configured; a
  // ccxt instance costs a few hundred ms to build, so live mode with keys never builds it.
  let publicData: KrakenExchangeAdapter | undefined;
  const publicExchange = (): KrakenExchangeAdapter => (publicData ??= new KrakenExchangeAdapter(krakenOptions));
  const engine = createDecisionEngine(config);
  const paper = config.mode === 'paper' ? new PaperExchange({ source: publicExchange(), store, ...config.paper, clock }) : undefined;
  let live: { keys: KrakenKeys; exchange: KrakenExchangeAdapter } | undefined;

  /** The signed exchange for the current keys (rebuilt only when the keys change). */
  const liveExchange = (keys: KrakenKeys): ExchangePort => {
    if (!live || live.keys.apiKey !== keys.apiKey || live.keys.apiSecret !== keys.apiSecret) {
      live = { keys, exchange: new KrakenExchangeAdapter({ ...krakenOptions, apiKey: keys.apiKey, secret: keys.apiSecret }) };
    }
    return live.exchange;
  };

  return async (event, context) => {
    const invocationId = context?.awsRequestId ?? `local-${clock.nowMs()}-${Math.random().toString(36).slice(2, 8)}`;
    const parsed = parseTickEvent(event);
    telemetry.startInvocation(invocationId, parsed.kind === 'schedule' ? new Date(parsed.scheduledTimeMs).toISOString() : parsed.command.command);
    try {
      const keys = config.mode === 'live' && keyProvider ? await keyProvider.get() : undefined;
      const exchange: ExchangePort = config.mode === 'live' ? (keys ? liveExchange(keys) : publicExchange()) : paper!;
      return await runTick(
        { config, exchange, store, engine, alerts, clock, logger, metrics, hasKeys: keys !== undefined, ...(overrides.orderTiming ? { orderTiming: overrides.orderTiming } : {}) },
        parsed.kind === 'schedule' ? { scheduledTimeMs: parsed.scheduledTimeMs, invocationId } : { invocationId, command: parsed.command },
      );
    } catch (err) {
      metrics.add('TickErrors', 'Count', 1);
      logger.error('tick failed', { error: (err as Error).message, stack: (err as Error).stack });
      await alerts.send(formatErrorAlert(config.mode, 'tick failed', (err as Error).message));
      throw err;
    } finally {
      telemetry.endInvocation();
    }
  };
}
