// Primary adapter support: builds the tick's adapters once per process from the environment and
// returns the Lambda handler. The same wiring runs in Lambda, on a laptop and in the demo; only the
// clock, logger and alerts can be swapped (the demo runs on the sandbox's accelerated clock).
// The handler is the door: it refuses events that fail to parse, scheduled events stamped far from
// now and events that arrived through the wrong alias, and audits every operator command.
import type { Context } from 'aws-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConsoleAlerts } from '../adapters/console/consoleAlerts.js';
import { createDynamoClient } from '../adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { KrakenExchangeAdapter } from '../adapters/kraken/krakenExchange.js';
import { PaperExchange } from '../adapters/paper/paperExchange.js';
import { CcxtReferencePrices } from '../adapters/reference/ccxtReferencePrices.js';
import { createPowertoolsTelemetry } from '../adapters/powertools/telemetry.js';
import { SnsAlerts } from '../adapters/sns/snsAlerts.js';
import { SsmKeyProvider, type KrakenKeys } from '../adapters/ssm/keyProvider.js';
import { formatErrorAlert } from '../core/alertText.js';
import type { TickCommand } from '../core/commands.js';
import { createDecisionEngine } from '../core/engine/index.js';
import { TradeFilterLoader } from '../core/learning/liveFilter.js';
import { randomForestRuntime } from '../learning/randomForest.js';
import { systemClock, type Alert, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort } from '../core/ports.js';
import { runTick } from '../core/tick.js';
import type { OrderOutcome, TickResult } from '../core/tickResult.js';
import type { Mode } from '../core/types.js';
import { loadTickEnv, type TickEnv } from './env.js';
import {
  BadEventError,
  checkInvocationPath,
  checkScheduledTime,
  CommandRefusedError,
  describePath,
  describeValue,
  invocationPath,
  parseTickEvent,
  type InvocationPath,
  type ParsedEvent,
} from './event.js';

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

/**
 * The Lambda context as the handler reads it. Lambda passes all of it (the invoked ARN names the
 * alias, the rest goes to the logger); local runners pass only a request id.
 */
export type TickContext = Pick<Context, 'awsRequestId'> & Partial<Omit<Context, 'awsRequestId'>>;

export type TickHandler = (event: unknown, context?: TickContext) => Promise<TickResult>;

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
  // The learned filter's compiled model is cached here, across warm invocations.
  const tradeFilter = config.learning.enabled ? new TradeFilterLoader(randomForestRuntime) : undefined;
  const ref = config.market.reference;
  const reference = ref.enabled
    ? new CcxtReferencePrices({ exchange: ref.exchange, symbols: ref.symbols, enableRateLimit: overrides.enableRateLimit ?? true, ...(ref.url ? { url: ref.url } : {}) })
    : undefined;
  const paper = config.mode === 'paper' ? new PaperExchange({ source: publicExchange(), store, ...config.paper, clock }) : undefined;
  let live: { keys: KrakenKeys; exchange: KrakenExchangeAdapter } | undefined;

  /** The signed exchange for the current keys (rebuilt only when the keys change). */
  const liveExchange = (keys: KrakenKeys): ExchangePort => {
    if (!live || live.keys.apiKey !== keys.apiKey || live.keys.apiSecret !== keys.apiSecret) {
      live = { keys, exchange: new KrakenExchangeAdapter({ ...krakenOptions, apiKey: keys.apiKey, secret: keys.apiSecret }) };
    }
    return live.exchange;
  };

  /** Logs, counts and alerts one operator command, whatever became of it. */
  const auditCommand = async (command: TickCommand, path: InvocationPath, invocationId: string, outcome: { result: TickResult } | { error: unknown }) => {
    const audit = commandAudit(command, path, invocationId, outcome);
    metrics.add('CommandsRun', 'Count', 1);
    logger.warn('operator command', { ...audit });
    await alerts.send(formatCommandAlert(config.mode, audit));
  };

  /** Every thrown invocation: TickErrors, plus BadEvents and its own alert for a refused event. */
  const reportFailure = async (err: unknown, event: unknown, command: TickCommand | undefined, path: InvocationPath, invocationId: string) => {
    const message = err instanceof Error ? err.message : String(err);
    metrics.add('TickErrors', 'Count', 1);
    if (err instanceof BadEventError) metrics.add('BadEvents', 'Count', 1);
    if (command) {
      if (!(err instanceof CommandRefusedError)) logger.error('command failed', { error: message, stack: (err as Error).stack });
      await auditCommand(command, path, invocationId, { error: err });
    } else if (err instanceof BadEventError) {
      logger.error('event refused', { error: message, path: describePath(path), event: describeValue(event, 1_000) });
      await alerts.send(formatBadEventAlert(config.mode, message, path));
    } else {
      logger.error('tick failed', { error: message, stack: (err as Error).stack });
      await alerts.send(formatErrorAlert(config.mode, 'tick failed', message));
    }
  };

  return async (event, context) => {
    const invocationId = context?.awsRequestId ?? `local-${clock.nowMs()}-${Math.random().toString(36).slice(2, 8)}`;
    const path = invocationPath(context);
    let parsed: ParsedEvent | undefined;
    let parseError: unknown;
    try {
      parsed = parseTickEvent(event);
    } catch (err) {
      parseError = err;
    }
    const label = !parsed ? 'bad-event' : parsed.kind === 'schedule' ? new Date(parsed.scheduledTimeMs).toISOString() : parsed.command.command;
    telemetry.startInvocation(invocationId, label, context?.functionName ? (context as Context) : undefined);
    const command = parsed?.kind === 'command' ? parsed.command : undefined;
    try {
      if (!parsed) throw parseError;
      // Refused before anything is read: no claim, no keys, no order.
      checkInvocationPath(parsed, path);
      if (parsed.kind === 'schedule') checkScheduledTime(parsed.scheduledTimeMs, clock.nowMs());
      const keys = config.mode === 'live' && keyProvider ? await keyProvider.get() : undefined;
      const exchange: ExchangePort = config.mode === 'live' ? (keys ? liveExchange(keys) : publicExchange()) : paper!;
      const result = await runTick(
        { config, exchange, store, engine, alerts, clock, logger, metrics, hasKeys: keys !== undefined, ...(overrides.orderTiming ? { orderTiming: overrides.orderTiming } : {}), ...(tradeFilter ? { tradeFilter } : {}), ...(reference ? { reference } : {}), ...(config.shorts.enabled && keys && exchange instanceof KrakenExchangeAdapter ? { shorts: { margin: exchange, store } } : {}) },
        parsed.kind === 'schedule' ? { scheduledTimeMs: parsed.scheduledTimeMs, invocationId } : { invocationId, command: parsed.command },
      );
      if (command) await auditCommand(command, path, invocationId, { result });
      return result;
    } catch (err) {
      await reportFailure(err, event, command, path, invocationId);
      throw err;
    } finally {
      telemetry.endInvocation();
    }
  };
}

/** What the audit log line and the command alert say about one command. */
export interface CommandAudit {
  requestId: string;
  command: TickCommand['command'];
  pair?: string;
  amountQuote?: number;
  amountBase?: number;
  /** The alias (or `local`) it came through. */
  path: string;
  invocationId: string;
  /** Orders placed for it, with their statuses. */
  orders: Pick<OrderOutcome, 'pair' | 'side' | 'status' | 'clientOrderId' | 'amountBase' | 'price' | 'costQuote' | 'error'>[];
  /** Why the command did nothing (wrong path, no such position, a risk rule, ...). */
  refused?: string;
  /** The error that failed the invocation. */
  error?: string;
  /** Errors the tick reported while running it. */
  tickErrors?: string[];
}

/** Order statuses that mean the command's order did what was asked. */
const DONE: ReadonlySet<OrderOutcome['status']> = new Set(['filled', 'validated']);

export function commandAudit(command: TickCommand, path: InvocationPath, invocationId: string, outcome: { result: TickResult } | { error: unknown }): CommandAudit {
  const result = 'result' in outcome ? outcome.result : undefined;
  const error = 'error' in outcome ? outcome.error : undefined;
  const reported = result?.command;
  return {
    requestId: command.requestId,
    command: command.command,
    ...('pair' in command ? { pair: command.pair } : {}),
    ...('amountQuote' in command && command.amountQuote !== undefined ? { amountQuote: command.amountQuote } : {}),
    ...('amountBase' in command && command.amountBase !== undefined ? { amountBase: command.amountBase } : {}),
    path: describePath(path),
    invocationId,
    orders: (reported?.outcome ?? []).map((o) => ({
      pair: o.pair,
      side: o.side,
      status: o.status,
      clientOrderId: o.clientOrderId,
      ...(o.amountBase !== undefined ? { amountBase: o.amountBase } : {}),
      ...(o.price !== undefined ? { price: o.price } : {}),
      ...(o.costQuote !== undefined ? { costQuote: o.costQuote } : {}),
      ...(o.error !== undefined ? { error: o.error } : {}),
    })),
    ...(reported?.refused ? { refused: reported.refused } : error instanceof CommandRefusedError ? { refused: error.message } : {}),
    ...(error !== undefined && !(error instanceof CommandRefusedError) ? { error: error instanceof Error ? error.message : String(error) } : {}),
    ...(result && result.errors.length > 0 ? { tickErrors: result.errors } : {}),
  };
}

/**
 * The alert for a command: warning when it did what was asked (SMS gets it: an operator action,
 * or someone else's, is worth knowing about at once), critical when it was refused, failed or
 * left an order unfinished.
 */
export function formatCommandAlert(mode: Mode, audit: CommandAudit): Alert {
  const m = mode.toUpperCase();
  const unfinished = audit.orders.filter((o) => !DONE.has(o.status));
  const verdict = audit.error ? 'FAILED' : audit.refused ? 'REFUSED' : unfinished.length ? `${unfinished.length} order(s) not done` : `${audit.orders.length} order(s) done`;
  const target = [audit.pair, audit.amountQuote !== undefined ? `${audit.amountQuote} quote` : undefined, audit.amountBase !== undefined ? `${audit.amountBase} base` : undefined]
    .filter(Boolean)
    .join(' ');
  return {
    severity: audit.error || audit.refused || unfinished.length ? 'critical' : 'warning',
    kind: 'command',
    subject: `[${m}] command ${audit.command}${target ? ` ${target}` : ''}: ${verdict}`.slice(0, 100),
    message: [
      `operator command ${audit.command}${target ? ` (${target})` : ''}, request id ${audit.requestId}`,
      `arrived through ${audit.path}; invocation ${audit.invocationId}`,
      ...audit.orders.map(
        (o) =>
          `order: ${o.side} ${o.pair} ${o.status}${o.amountBase !== undefined ? ` ${o.amountBase}` : ''}${o.price !== undefined ? ` @ ${o.price}` : ''}` +
          `${o.error ? ` (${o.error})` : ''}, client order id ${o.clientOrderId}`,
      ),
      ...(audit.orders.length === 0 && !audit.refused && !audit.error ? ['no order was placed'] : []),
      ...(audit.refused ? [`refused: ${audit.refused}`] : []),
      ...(audit.error ? [`failed: ${audit.error}`] : []),
      ...(audit.tickErrors ?? []).map((e) => `tick error: ${e}`),
    ].join('\n'),
    sms: `${m} cmd ${audit.command}${audit.pair ? ` ${audit.pair}` : ''}: ${verdict}`.slice(0, 140),
  };
}

/** The alert for a refused event (unparseable, stamped far from now, or through the wrong alias). */
export function formatBadEventAlert(mode: Mode, reason: string, path: InvocationPath): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'bad-event',
    subject: `[${m}] event refused: nothing was traded`,
    message: [`The function refused an event (it arrived through ${describePath(path)}); nothing was claimed or traded.`, `reason: ${reason}`].join('\n'),
    sms: `${m} event refused: ${reason}`.slice(0, 140),
  };
}
