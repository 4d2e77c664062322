// Kraken sandbox: the HTTP server. A local Kraken-compatible REST endpoint (`/0/public/*`,
// `/0/private/*`) for ccxt pointed at it, plus the `/_sandbox/*` control routes; `startSandbox` is
// the programmatic entry the CLI, the demo and the tests use. A call goes through, in order: the
// armed faults, maintenance, the lockout, authentication (nonce window), the rate counter, then
// the market or the account.
import { referenceBookTicker, wavePremium, type ReferencePremium } from './sandboxReference.js';
import type { SandboxClosedMargin, SandboxMarginOptions, SandboxMarginPosition } from './sandboxMargin.js';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type Pair } from '../core/types.js';
import { CandleSeries } from './candleSeries.js';
import { KrakenApiError, ReplyLost } from './krakenApiError.js';
import { SandboxAccount, type SandboxAccountView, type SandboxFill, type SandboxOrder } from './sandboxAccount.js';
import { SandboxAuth } from './sandboxAuth.js';
import { SandboxBehaviour, type BehaviourInput, type BehaviourSnapshot } from './sandboxBehaviour.js';
import { SandboxClock } from './sandboxClock.js';
import { handleControl } from './sandboxControlApi.js';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET } from './sandboxCredentials.js';
import { SandboxFaults } from './sandboxFaults.js';
import { SandboxLimits, type LimitsState } from './sandboxLimits.js';
import { SandboxMarketData, type KrakenParams, type PairData } from './sandboxMarketData.js';
import { DEFAULT_SANDBOX_PAIRS, SANDBOX_MARKETS, findSandboxAsset, findSandboxMarket } from './sandboxMarkets.js';
import { seedFor } from './seededRandom.js';

const MAX_BODY_BYTES = 1_000_000;
const OHLC_WINDOW_MS = 720 * FIVE_MINUTES_MS;

export interface SandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default `127.0.0.1` (keep it local: the control routes need no key). */
  host?: string;
  /** Accepted API key (default `SANDBOX_API_KEY`). */
  apiKey?: string;
  /** Accepted API secret, base64 (default `SANDBOX_API_SECRET`). */
  apiSecret?: string;
  /** Starting balances by asset code (default `{ USD: 10000 }`); extension balances as `BTC.F`, `BTC.S`. */
  balances?: Record<string, number>;
  /** Pairs to list (default BTC/USD, ETH/USD, SOL/USD). */
  pairs?: readonly Pair[];
  /** Replay data per pair (5m candles, oldest first); other pairs get generated data. */
  data?: Record<Pair, readonly Candle[]>;
  /** Seed of the generated data (default 42). */
  seed?: number;
  /** Books that move with the candles: lean to the side the price moved, tighter when calm (default off: a constant symmetric book). */
  bookDynamics?: boolean;
  /** The reference exchange's premium over the sandbox's prices (`/api/v3/ticker/bookTicker`); default a slow ±12 bps wave. */
  referencePremium?: ReferencePremium;
  /**
   * Sandbox time at start. Default: the wall clock, or with replay data the first moment that has
   * 720 replayed candles behind it.
   */
  startTimeMs?: number;
  /**
   * Clock speed: 1 follows the wall clock, 60 runs a minute per second, 0 stands still until
   * `setTime`/`advance`. Default: 0 when `startTimeMs` is given, else 1.
   */
  speed?: number;
  /** How much generated history exists before the start (default 7 days). */
  historyMs?: number;
  /** Called after every Kraken API call (for the CLI's request log). */
  onRequest?: (entry: { api: 'public' | 'private'; method: string; error?: string; status: number; fault?: string }) => void;
  /** The wall clock the sandbox clock (and a `wall` limits clock) runs on (tests). */
  wallNowMs?: () => number;
  /** Behaviours armed at start (the `POST /_sandbox/behaviour` body); default none. */
  behaviour?: BehaviourInput;
  /** Margin: whether the account has it (default yes) and its rollover rate (sandboxMargin.ts). */
  margin?: SandboxMarginOptions;
}

/** A running sandbox. */
export interface SandboxHandle {
  /** Base URL to give ccxt (`KRAKEN_API_URL`), e.g. `http://127.0.0.1:53124`. */
  url: string;
  port: number;
  apiKey: string;
  apiSecret: string;
  /** Listed pairs (unified symbols). */
  pairs: Pair[];
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
  nowMs(): number;
  setTime(ms: number): void;
  advance(ms: number): void;
  speed(): number;
  setSpeed(speed: number): void;
  faults: SandboxFaults;
  /** Tradable balances by asset code (`USD`, `BTC` = XXBT + XBT.F; staked `.B/.S/.M/.P` left out). */
  getBalances(): Record<string, number>;
  /** Sets the given balances by asset code (the spot balance) or extension (`BTC.F`, `BTC.S`); others are unchanged. */
  setBalances(balances: Record<string, number>): void;
  /** Every balance by Kraken key, extensions included (`ZUSD`, `XXBT`, `XBT.F`, `XBT.S`). */
  krakenBalances(): Record<string, number>;
  /** Every order that reached the engine (filled, or not final yet), oldest first. Queued ones appear once they execute. */
  orders(): SandboxOrder[];
  /** The account as `GET /_sandbox/account` shows it: balances by Kraken key, holds, orders, fills, the queue. */
  account(): SandboxAccountView;
  /** What is armed (the `GET /_sandbox/behaviour` reply). */
  behaviour(): BehaviourSnapshot;
  /**
   * Arms behaviours: each key given replaces that behaviour, `null` turns it off, absent keys stay.
   * Throws (changing nothing) when the body is invalid.
   */
  setBehaviour(input: BehaviourInput): BehaviourSnapshot;
  /** Turns every behaviour off. */
  clearBehaviour(): BehaviourSnapshot;
  /** Rate counters per key, lockout, and the limits clock's now. */
  limits(): LimitsState;
  /** Every fill, oldest first. */
  trades(): SandboxFill[];
  /** The pair's committed 5m candles up to now (oldest first). */
  candles(pair: Pair): Candle[];
  /** The pair's still-forming 5m candle at now. */
  formingCandle(pair: Pair): Candle | undefined;
  /** The pair's last price at now. */
  priceNow(pair: Pair): number;
  /** The taker fee rate the account pays now (0.004 at the lowest tier). */
  takerFeeRate(): number;
  /** How many Kraken API calls arrived, by method (`AddOrder`, `OHLC`, ...). */
  callCounts(): Record<string, number>;
  /** Turns the account's margin capability on or off (off: TradeBalance, OpenPositions and leverage orders are refused). */
  setMarginEnabled(enabled: boolean): void;
  /** Open margin positions, and closed ones (liquidations included). */
  marginPositions(): SandboxMarginPosition[];
  closedMarginPositions(): SandboxClosedMargin[];
}

/** Starts a sandbox and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const apiKey = options.apiKey ?? SANDBOX_API_KEY;
  const apiSecret = options.apiSecret ?? SANDBOX_API_SECRET;
  const auth = new SandboxAuth([{ apiKey, apiSecret }]);
  const seed = options.seed ?? 42;
  const pairNames = options.pairs ?? DEFAULT_SANDBOX_PAIRS;
  const markets = pairNames.map((name) => {
    const m = findSandboxMarket(SANDBOX_MARKETS, name);
    if (!m) throw new Error(`the sandbox does not list ${name}; it lists ${SANDBOX_MARKETS.map((x) => x.symbol).join(', ')}`);
    return m;
  });
  const replay = new Map<string, readonly Candle[]>();
  for (const [name, candles] of Object.entries(options.data ?? {})) {
    const m = markets.find((x) => x === findSandboxMarket(SANDBOX_MARKETS, name));
    if (!m) throw new Error(`replay data given for ${name}, which is not among the listed pairs`);
    if (candles.length === 0) throw new Error(`replay data for ${name} is empty`);
    replay.set(m.id, candles);
  }
  const startTimeMs = options.startTimeMs ?? defaultStart(replay, options.wallNowMs ?? Date.now);
  const clock = new SandboxClock(startTimeMs, options.speed ?? (options.startTimeMs === undefined ? 1 : 0), options.wallNowMs);
  const historyMs = options.historyMs ?? 7 * ONE_DAY_MS;
  const pairData: PairData[] = markets.map((market) => {
    const generator = {
      seed: seedFor(seed, market.symbol),
      volatility5m: market.volatility5m,
      baseVolume5m: market.baseVolume5m,
      priceDecimals: market.pairDecimals,
    };
    const candles = replay.get(market.id);
    const series = candles
      ? CandleSeries.replay(candles, { ...generator, seed: seedFor(seed, `${market.symbol}#after-replay`) })
      : CandleSeries.generated({ ...generator, startOpenTimeMs: startTimeMs - historyMs, startPrice: market.initialPrice });
    return { market, series };
  });
  const behaviour = new SandboxBehaviour({ market: (name) => findSandboxMarket(markets, name), asset: findSandboxAsset });
  const wallNowMs = options.wallNowMs ?? Date.now;
  // The limits clock is explicit: the sandbox clock (stops and speeds up with it) or the wall clock.
  const limits = new SandboxLimits(() => (behaviour.limitsClock === 'wall' ? wallNowMs() : clock.nowMs()));
  const marketData = new SandboxMarketData(pairData, clock, behaviour, options.bookDynamics ?? false);
  const account = new SandboxAccount(marketData, clock, options.balances ?? { USD: 10_000 }, behaviour, options.margin);
  const faults = new SandboxFaults();
  const snapshotBehaviour = () =>
    behaviour.snapshot(
      (id) => marketData.pairAny(id).market.symbol,
      (id) => findSandboxAsset(id)?.code ?? id,
    );
  const setBehaviour = (input: BehaviourInput): BehaviourSnapshot => {
    const change = behaviour.parse(input);
    const clockBefore = behaviour.limitsClock;
    behaviour.apply(change);
    const p = change.parsed;
    if (p.rateLimit !== undefined || behaviour.limitsClock !== clockBefore) limits.resetCounters();
    if (p.lockout !== undefined || behaviour.limitsClock !== clockBefore) limits.resetLockout();
    if (p.autoEarn !== undefined) account.sweepAutoEarn();
    return snapshotBehaviour();
  };
  if (options.behaviour !== undefined) setBehaviour(options.behaviour);
  const counts: Record<string, number> = {};
  const sockets = new Set<Socket>();

  // The control routes need the handle, which exists only once the server listens.
  const self: { handle?: SandboxHandle } = {};
  const referencePremium = options.referencePremium ?? wavePremium();
  const server = createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: [`EGeneral:Internal error`], result: {} });
      console.error('sandbox: request failed', err);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const rawBody = await readBody(req);
    if (url.pathname === '/api/v3/ticker/bookTicker') {
      counts.ReferenceBookTicker = (counts.ReferenceBookTicker ?? 0) + 1;
      const priceOf = (pair: Pair) => {
        try {
          return self.handle!.priceNow(pair);
        } catch {
          return undefined;
        }
      };
      const reply = referenceBookTicker(url.searchParams.get('symbols'), self.handle!.pairs, priceOf, referencePremium, clock.nowMs());
      sendJson(res, reply.status, reply.body);
      return;
    }
    if (url.pathname.startsWith('/_sandbox/')) {
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        sendJson(res, 400, { error: 'body must be JSON' });
        return;
      }
      const reply = handleControl(self.handle!, req.method ?? 'GET', url.pathname.slice('/_sandbox/'.length), url.searchParams, body);
      sendJson(res, reply.status, reply.body);
      return;
    }
    const match = /^\/0\/(public|private)\/([A-Za-z/]+)$/.exec(url.pathname);
    if (!match) {
      sendJson(res, 404, { error: ['EGeneral:Unknown method'], result: {} });
      return;
    }
    const api = match[1] as 'public' | 'private';
    const method = match[2]!;
    counts[method] = (counts[method] ?? 0) + 1;
    const fault = faults.take(method);
    if (fault.latencyMs > 0) await sleep(fault.latencyMs);
    // The queued order whose reply Kraken loses: processed, then the connection dies.
    let replyLost = false;
    const log = (status: number, error?: string, faultName?: string) =>
      options.onRequest?.({ api, method, status, ...(error ? { error } : {}), ...(faultName ? { fault: faultName } : {}) });

    if (fault.http && !fault.http.afterProcessing) {
      sendGatewayError(res, fault.http.status);
      log(fault.http.status, undefined, 'http');
      return;
    }
    if (fault.error) {
      sendJson(res, 200, { error: [fault.error], result: {} });
      log(200, fault.error, 'error');
      return;
    }
    // The reply envelope as JSON text (public results come pre-serialized: see callJson).
    let envelope: string;
    let error: string | undefined;
    try {
      // Maintenance: nothing is processed; SystemStatus says so.
      if (behaviour.maintenance && method !== 'SystemStatus') throw new KrakenApiError('EService:Unavailable');
      const params = parseParams(req, url, rawBody, api);
      let resultJson: string;
      if (api === 'public') {
        resultJson = marketData.callJson(method, params);
      } else {
        if (req.method !== 'POST') throw new KrakenApiError('EGeneral:Invalid arguments');
        limits.checkLockout();
        const apiKey = header(req, 'api-key');
        try {
          auth.verify(url.pathname, apiKey, header(req, 'api-sign'), rawBody, params.nonce, behaviour.nonceWindow);
        } catch (err) {
          if (err instanceof KrakenApiError && (err.message === 'EAPI:Invalid nonce' || err.message === 'EAPI:Invalid signature')) limits.recordFailure(behaviour.lockout);
          throw err;
        }
        limits.charge(apiKey!, method, behaviour.rateLimit);
        resultJson = JSON.stringify(account.call(method, params));
      }
      envelope = `{"error":[],"result":${resultJson}}`;
    } catch (err) {
      if (err instanceof ReplyLost) {
        replyLost = true;
        envelope = '';
      } else {
        if (!(err instanceof KrakenApiError)) throw err;
        error = err.message;
        envelope = JSON.stringify({ error: [error], result: {} });
      }
    }
    if (fault.http && !replyLost) {
      sendGatewayError(res, fault.http.status);
      log(fault.http.status, error, 'http-after-processing');
      return;
    }
    if (fault.dropReply || replyLost) {
      // The call was processed (an order executed or queued); the client only sees the connection die.
      req.socket.destroy();
      log(0, error, replyLost ? 'queued-reply-lost' : 'drop-reply');
      return;
    }
    sendJsonText(res, 200, envelope);
    log(200, error);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // The handle reads every pair it started with, delisted or not.
  const pairOf = (name: Pair) => marketData.pairAny(name);
  const handle: SandboxHandle = {
    url: `http://${host}:${address.port}`,
    port: address.port,
    apiKey,
    apiSecret,
    pairs: markets.map((m) => m.symbol),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
    nowMs: () => clock.nowMs(),
    setTime: (ms) => clock.setTime(ms),
    advance: (ms) => clock.advance(ms),
    speed: () => clock.speed,
    setSpeed: (speed) => clock.setSpeed(speed),
    faults,
    getBalances: () => account.balances(),
    setBalances: (balances) => account.setBalances(balances),
    krakenBalances: () => account.krakenBalances(),
    orders: () => account.orders(),
    account: () => account.view(),
    behaviour: snapshotBehaviour,
    setBehaviour,
    clearBehaviour: () => setBehaviour(SandboxBehaviour.CLEAR),
    limits: () => limits.snapshot(behaviour.rateLimit, behaviour.lockout),
    trades: () => account.trades(),
    candles: (pair) => pairOf(pair).series.committed(clock.nowMs()),
    formingCandle: (pair) => pairOf(pair).series.forming(clock.nowMs()),
    priceNow: (pair) => marketData.priceNow(pairOf(pair)),
    takerFeeRate: () => account.takerFeeRate(),
    callCounts: () => ({ ...counts }),
    setMarginEnabled: (enabled) => {
      account.margin.enabled = enabled;
    },
    marginPositions: () => {
      account.settle();
      return account.margin.open();
    },
    closedMarginPositions: () => {
      account.settle();
      return account.margin.closed();
    },
  };
  self.handle = handle;
  return handle;
}

/** With replay data: the first time at which every replayed pair has a full OHLC window behind it. */
function defaultStart(replay: Map<string, readonly Candle[]>, wallNowMs: () => number): number {
  if (replay.size === 0) return wallNowMs();
  let start = -Infinity;
  for (const candles of replay.values()) {
    const first = candles[0]!.openTimeMs;
    const last = candles[candles.length - 1]!.openTimeMs;
    start = Math.max(start, Math.min(first + OHLC_WINDOW_MS, last + FIVE_MINUTES_MS));
  }
  return start;
}

function parseParams(req: IncomingMessage, url: URL, rawBody: string, api: 'public' | 'private'): KrakenParams {
  const params: KrakenParams = {};
  if (api === 'public') for (const [k, v] of url.searchParams) params[k] = v;
  if (!rawBody) return params;
  const type = header(req, 'content-type') ?? '';
  if (type.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawBody);
    } catch {
      throw new KrakenApiError('EGeneral:Invalid arguments');
    }
    if (!parsed || typeof parsed !== 'object') throw new KrakenApiError('EGeneral:Invalid arguments');
    for (const [k, v] of Object.entries(parsed)) params[k] = typeof v === 'string' ? v : JSON.stringify(v);
  } else {
    for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
  }
  return params;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendGatewayError(res: ServerResponse, status: number): void {
  const text = `<html><body><h1>${status} Service Unavailable</h1><p>kbot sandbox: injected fault</p></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
