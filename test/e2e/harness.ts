// Test support for end-to-end runs: the real tick handler wired from its environment, DynamoDB on
// dynalite, Kraken as the project's sandbox driven through the real ccxt client, SSM and SNS mocked
// (thin SDK wrappers), and a crafted market where the momentum strategy buys at a known candle.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable } from '../../functions/adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { parseConfig, type BotConfig } from '../../functions/core/config.js';
import { createDecisionEngine, simpleMomentumConfig } from '../../functions/core/engine/index.js';
import type { PortfolioView } from '../../functions/core/engine/types.js';
import type { LoggerPort, MetricsPort } from '../../functions/core/ports.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { createTickHandler, type TickHandler } from '../../functions/tick/runtime.js';

export const T0 = Date.UTC(2026, 2, 2, 0, 0, 0);
export const MOMENTUM = simpleMomentumConfig({ fastSma: 5, slowSma: 20, stopLossFraction: 0.02, takeProfitFraction: 0.03 });

export function e2eConfig(overrides: Record<string, unknown> = {}): BotConfig {
  return parseConfig({
    mode: 'live',
    allowLiveTrading: true,
    pairs: ['BTC/USD', 'ETH/USD'],
    ...MOMENTUM,
    limits: { maxTradesPerDay: 10, maxTradesPerPairPerDay: 5, maxDailyLossQuote: 500 },
    ...overrides,
  });
}

const candleAt = (i: number, open: number, close: number): Candle => ({
  openTimeMs: T0 + i * FIVE_MINUTES_MS,
  open,
  high: Math.max(open, close) * 1.0005,
  low: Math.min(open, close) * 0.9995,
  close,
  volume: 5 + (i % 7),
});

/**
 * A BTC market: gently falling for 760 candles, then rising, so the 5/20 SMA crossover fires at one
 * candle (`buyIndex`, found with the real engine); the candle after it drops 4% (a stop-loss at 2%).
 */
export function craftedMarket(config: BotConfig): { btc: Candle[]; eth: Candle[]; buyIndex: number } {
  const closes: number[] = [];
  for (let i = 0; i < 800; i++) closes.push(i < 760 ? 100 - i * 0.002 + (i % 2 ? 0.01 : -0.01) : closes[759]! * (1 + 0.002 * (i - 759)));
  let btc = closes.map((c, i) => candleAt(i, i ? closes[i - 1]! : c, c));
  const engine = createDecisionEngine(config);
  const portfolio = emptyPortfolio();
  let buyIndex = -1;
  for (let i = 740; i < btc.length && buyIndex < 0; i++) {
    const window = btc.slice(i - 719, i + 1);
    portfolio.lastPrice['BTC/USD'] = btc[i]!.close;
    portfolio.nowMs = closeOf(i) + 6_000;
    if (engine.checkEntry(engine.prepare('BTC/USD', window), window.length - 1, portfolio).action === 'buy') buyIndex = i;
  }
  if (buyIndex < 0) throw new Error('crafted market: the momentum strategy never buys; the engine or the data changed');
  const top = btc[buyIndex]!.close;
  btc = btc.slice(0, buyIndex + 1);
  btc.push(candleAt(buyIndex + 1, top, top * 0.96));
  for (let i = buyIndex + 2; i < buyIndex + 40; i++) btc.push(candleAt(i, top * 0.96, top * 0.96 * (1 + (i % 2 ? 0.0005 : -0.0005))));
  // ETH drifts down steadily: its fast SMA stays below the slow one, so it never trades.
  const eth = btc.map((_, i) => candleAt(i, 2000 - 0.05 * i, 2000 - 0.05 * (i + 1)));
  return { btc, eth, buyIndex };
}

function emptyPortfolio(): PortfolioView {
  return {
    nowMs: T0,
    quote: 'USD',
    equityQuote: 10_000,
    freeQuote: 10_000,
    freeBase: {},
    openPositions: [],
    lastPrice: {},
    day: { day: '2026-03-04', trades: 0, tradesByPair: {}, exits: 0, realizedPnlQuote: 0, killSwitchTripped: false, reservations: {} },
    recentTrades: [],
    markets: {
      'BTC/USD': { pair: 'BTC/USD', base: 'BTC', quote: 'USD', amountDecimals: 8, priceDecimals: 1, minAmountBase: 0.00005, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.0025, active: true },
    },
    takerFeeRate: { 'BTC/USD': 0.004 },
    quoteVolume24h: { 'BTC/USD': undefined },
  };
}

/** Close time of candle `i` (the boundary a tick for it runs at). */
export const closeOf = (i: number) => T0 + (i + 1) * FIVE_MINUTES_MS;

export interface Harness {
  sandbox: SandboxHandle;
  handler: TickHandler;
  store: DynamoStore;
  /** The candle on whose close the momentum strategy buys; the next candle falls through the stop. */
  buyIndex: number;
  published: () => { subject?: string; message: string; kind?: string; severity?: string }[];
  /** Runs the handler for the scheduled event of candle `i`'s close. */
  tickAt(i: number, requestId?: string): Promise<TickResult>;
  close(): Promise<void>;
}

/** Mocks for the thin SDK wrappers: SSM returns the sandbox keys; SNS records what was published. */
export function mockAws(apiKey: string, apiSecret: string) {
  const ssm = mockClient(SSMClient);
  ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/kbot/e2e/keys', Type: 'SecureString', Value: JSON.stringify({ apiKey, apiSecret }) } });
  const sns = mockClient(SNSClient);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  return { ssm, sns };
}

/**
 * The real tick handler (createTickHandler, as handler.ts builds it) wired by its environment to
 * the sandbox and dynalite, in live mode with the sandbox's keys, on the sandbox's clock.
 */
export function sandboxTickHandler(opts: {
  sandbox: SandboxHandle;
  dynamoEndpoint: string;
  tableName: string;
  config: BotConfig;
  lookupDelayMs?: number;
  logger?: LoggerPort;
  metrics?: MetricsPort;
}): TickHandler {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = opts.dynamoEndpoint;
  const { sandbox } = opts;
  return createTickHandler({
    env: {
      KBOT_TABLE_NAME: opts.tableName,
      KBOT_MODE: 'live',
      KBOT_CONFIG: JSON.stringify(opts.config),
      KBOT_KEYS_PARAMETER: '/kbot/e2e/keys',
      KBOT_ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:kbot-alerts',
      KRAKEN_API_URL: sandbox.url,
    },
    // The sandbox's clock, so simulated candles and the tick agree on "now".
    clock: { nowMs: () => sandbox.nowMs(), sleep: async (ms) => sandbox.advance(ms) },
    logger: opts.logger ?? { debug() {}, info() {}, warn() {}, error() {} },
    metrics: opts.metrics ?? { add() {} },
    enableRateLimit: false,
    orderTiming: { lookupDelayMs: opts.lookupDelayMs ?? 0, pendingGraceMs: 60_000 },
  });
}

/** Starts a sandbox with the crafted market and a handler on a fresh table. */
export async function startHarness(opts: {
  dynamoEndpoint: string;
  tableName: string;
  config?: BotConfig;
  balances?: Record<string, number>;
  logger?: LoggerPort;
  metrics?: MetricsPort;
}): Promise<Harness> {
  const config = opts.config ?? e2eConfig();
  const { btc, eth, buyIndex } = craftedMarket(config);
  const sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD'], data: { 'BTC/USD': btc, 'ETH/USD': eth }, startTimeMs: closeOf(buyIndex), speed: 0, balances: opts.balances ?? { USD: 10_000 } });
  const client = createDynamoClient({ endpoint: opts.dynamoEndpoint });
  await ensureTable(client, opts.tableName);
  const { sns } = mockAws(sandbox.apiKey, sandbox.apiSecret);
  const handler = sandboxTickHandler({
    sandbox,
    dynamoEndpoint: opts.dynamoEndpoint,
    tableName: opts.tableName,
    config,
    lookupDelayMs: 500,
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.metrics ? { metrics: opts.metrics } : {}),
  });
  const store = new DynamoStore({ client, tableName: opts.tableName });
  return {
    sandbox,
    handler,
    store,
    buyIndex,
    published: () =>
      sns.commandCalls(PublishCommand).map((c) => ({
        subject: c.args[0].input.Subject,
        message: String(c.args[0].input.Message),
        kind: c.args[0].input.MessageAttributes?.kind?.StringValue,
        severity: c.args[0].input.MessageAttributes?.severity?.StringValue,
      })),
    tickAt: async (i, requestId) => {
      sandbox.setTime(closeOf(i));
      return handler(scheduledEvent(closeOf(i)), { awsRequestId: requestId ?? `req-${i}-${Math.random().toString(36).slice(2, 8)}` });
    },
    close: async () => {
      sns.restore();
      client.destroy();
      await sandbox.close();
    },
  };
}

/** A pass-through proxy in front of dynalite (see `startDynamoProxy`). */
export interface DynamoProxy {
  endpoint: string;
  /** Drops requests matching the predicate (connection destroyed, no reply); undefined stops dropping. */
  failWhen(pred: ((target: string, body: string) => boolean) | undefined): void;
  /** Calls seen so far by operation (`GetItem`, `PutItem`, ...). */
  calls(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of dynalite that counts calls by operation and can drop
 * requests matching a predicate, to crash the tick at an exact point.
 */
export async function startDynamoProxy(target: string): Promise<DynamoProxy> {
  const upstream = new URL(target);
  let predicate: ((target: string, body: string) => boolean) | undefined;
  const counts: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const amzTarget = String(req.headers['x-amz-target'] ?? '');
      const operation = amzTarget.split('.').pop() || 'unknown';
      counts[operation] = (counts[operation] ?? 0) + 1;
      if (predicate?.(amzTarget, body.toString('utf8'))) {
        req.socket.destroy();
        return;
      }
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failWhen: (p) => {
      predicate = p;
    },
    calls: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
