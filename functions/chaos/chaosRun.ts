// Chaos suite: one run. A fresh sandbox and table, a random schedule of ticks with faults armed in
// the sandbox, concurrent duplicate invocations, crashes (SIGKILL of the worker mid-tick), claims
// taken over after their lease, and operator commands, some repeated; then clean ticks; then the
// books are checked against the sandbox's own account.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { ensureTable } from '../adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../cli/localStack.js';
import { parseConfig, type BotConfig } from '../core/config.js';
import { simpleMomentumConfig } from '../core/engine/presets.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../core/types.js';
import { SeededRandom } from '../sandbox/seededRandom.js';
import type { BehaviourInput } from '../sandbox/sandboxBehaviour.js';
import { startSandbox, type SandboxHandle } from '../sandbox/sandboxServer.js';
import type { WorkerReply, WorkerRequest } from './chaosWorker.js';
import { checkBooks, ownerCoinsViolation, type Violation } from './invariants.js';
import type { WorkerPool } from './workerPool.js';

export const CHAOS_PAIRS: Pair[] = ['BTC/USD', 'ETH/USD'];
/** The owner's own coins on the account, which the bot must never sell. */
export const OWNER_COINS: Record<string, number> = { BTC: 0.02, ETH: 0.3 };
const LEASE_MS = 60_000;

/** What one run did and found. */
export interface RunReport {
  seed: number;
  steps: number;
  invocations: number;
  crashes: number;
  duplicates: number;
  takeovers: number;
  commands: number;
  faults: Record<string, number>;
  orders: number;
  /** The shorts-enabled variant (even seeds): a falling BTC market, the margin short book on. */
  shorts: boolean;
  /** Margin orders the sandbox executed (short entries and buy-backs). */
  marginOrders: number;
  violations: Violation[];
}

/** Runs with an even seed are the shorts variant (docs/shorts.md). */
export const isShortsVariant = (seed: number): boolean => seed % 2 === 0;

/** A configuration that trades often on generated data, so a short run exercises every path. */
export function chaosConfig(shorts = false): BotConfig {
  return parseConfig({
    // The shorts variant: small levels and short holds so entries and buy-backs happen every few steps.
    ...(shorts
      ? {
          shorts: {
            enabled: true,
            leverage: 2,
            positionFraction: 0.05,
            maxPositionQuote: 200,
            maxOpenShorts: 2,
            stopLossFraction: 0.003,
            takeProfitFraction: 0.004,
            trailing: { activationFraction: 0.002, distanceFraction: 0.0015 },
            maxHoldMinutes: 20,
          },
        }
      : {}),
    mode: 'live',
    allowLiveTrading: true,
    pairs: CHAOS_PAIRS,
    ...withEagerEntries(simpleMomentumConfig({ fastSma: 2, slowSma: 5, stopLossFraction: 0.003, takeProfitFraction: 0.004 })),
    tick: { closeDelayMs: 0, leaseMs: LEASE_MS },
    limits: { maxTradesPerDay: 12, maxTradesPerPairPerDay: 7, maxDailyLossQuote: 1_000 },
    risk: { positionFraction: 0.2, maxOrderQuote: 400, maxPositionQuote: 600 },
  });
}

/** Entries on any candle of the last three after a crossover: more orders per run. */
function withEagerEntries(c: ReturnType<typeof simpleMomentumConfig>): ReturnType<typeof simpleMomentumConfig> {
  const strategies = c.strategies as { momentum: Record<string, unknown> };
  return { ...c, strategies: { ...c.strategies, momentum: { ...strategies.momentum, crossWithinCandles: 3 } } };
}

export async function chaosRun(options: { seed: number; pool: WorkerPool; dynamo: DynamoDBClient; dynamoEndpoint: string; steps?: number; log?: (line: string) => void }): Promise<RunReport> {
  const log = options.log ?? (() => undefined);
  const { seed, pool } = options;
  const rng = new SeededRandom(seed);
  const shorts = isShortsVariant(seed);
  const config = chaosConfig(shorts);
  const report: RunReport = { seed, steps: 0, invocations: 0, crashes: 0, duplicates: 0, takeovers: 0, commands: 0, faults: {}, orders: 0, shorts, marginOrders: 0, violations: [] };
  const killTimers: ReturnType<typeof setTimeout>[] = [];
  const start = Math.floor(Date.UTC(2026, 5, 1) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS + (seed % 1000) * 3 * 3_600_000;
  const sandbox = await startSandbox({
    pairs: CHAOS_PAIRS,
    seed,
    startTimeMs: start,
    speed: 0,
    balances: { USD: 3_000, ...OWNER_COINS },
    ...(shorts ? { data: { 'BTC/USD': fallingMarket(start, rng) } } : {}),
  });
  const tableName = `chaos-${seed}`;
  await ensureTable(options.dynamo, tableName);
  const store = new DynamoStore({ client: options.dynamo, tableName });
  const runId = `run-${seed}-${Date.now()}`;
  const env: Record<string, string> = {
    KBOT_TABLE_NAME: tableName,
    KBOT_MODE: 'live',
    KBOT_CONFIG: JSON.stringify(config),
    KBOT_KEYS_PARAMETER: '/kbot/chaos',
    KRAKEN_API_URL: sandbox.url,
    AWS_ENDPOINT_URL_DYNAMODB: options.dynamoEndpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  const base = { runId, env, keys: { apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret }, orderTiming: { lookupDelayMs: 20, pendingGraceMs: 60_000 } };
  const invoke = (worker: number, event: unknown, nowMs: number, invocationId: string): Promise<WorkerReply | undefined> => {
    report.invocations++;
    const request: Omit<WorkerRequest, 'id'> = { ...base, event, nowMs, invocationId };
    return pool.invoke(worker, request).then((reply) => {
      log(`  ${invocationId} on worker ${worker}: ${reply ? (reply.ok ? `${reply.result!.status} orders=${reply.result!.orders} ${JSON.stringify(reply.result!.command ?? '')} alerts=${reply.alerts.join(',')}` : `error ${reply.error}`) : 'killed'}`);
      return reply;
    });
  };
  const requestIds = ['op-a', 'op-b', 'op-c'];
  let worker = Math.floor(rng.next() * pool.size);
  const next = () => worker++ % pool.size;
  try {
    const steps = options.steps ?? 12 + Math.floor(rng.next() * 18);
    for (let step = 0; step < steps; step++) {
      report.steps++;
      const close = start + step * FIVE_MINUTES_MS;
      const now = close + 1_000;
      sandbox.setTime(now);
      const armed: string[] = [];
      if (rng.next() < 0.6) for (let k = 1 + Math.floor(rng.next() * 3); k > 0; k--) armed.push(armFault(sandbox, rng));
      // Kraken's misbehaviours as the sandbox models them: orders not final yet, late or lost,
      // Auto Earn and fees in base, rate counters and lockouts, markets closed or delisted.
      const behaviour = rng.next() < 0.55 ? armBehaviour(sandbox, rng) : undefined;
      if (behaviour) armed.push(behaviour.kind);
      for (const kind of armed) count(report.faults, kind);
      log(`step ${step} ${new Date(close).toISOString()} faults=${JSON.stringify(sandbox.faults.snapshot())}`);
      const event = scheduledEvent(close);
      const jobs: Promise<unknown>[] = [];
      const scenario = rng.next();
      if (scenario < 0.2) {
        // EventBridge delivered it several times at once (or the operator invoked it by hand).
        const copies = 2 + Math.floor(rng.next() * 19);
        report.duplicates += copies;
        for (let c = 0; c < copies; c++) jobs.push(invoke(next(), event, now, `dup-${step}-${c}`));
      } else if (scenario < 0.45) {
        const w = next();
        const victim = invoke(w, event, now, `crash-${step}`);
        killTimers.push(setTimeout(() => pool.kill(w), 5 + rng.next() * 400));
        jobs.push(victim);
        report.crashes++;
      } else {
        jobs.push(invoke(next(), event, now, `tick-${step}`));
      }
      if (rng.next() < 0.25) {
        // An operator command beside the tick, its request id sometimes a repeat of an earlier one.
        report.commands++;
        const requestId = requestIds[Math.floor(rng.next() * requestIds.length)]!;
        const pair = CHAOS_PAIRS[Math.floor(rng.next() * CHAOS_PAIRS.length)]!;
        const pick = rng.next();
        const command =
          pick < 0.3 ? { command: 'flatten', requestId: `${requestId}-flatten` } : pick < 0.7 ? { command: 'force-exit', pair, requestId: `${requestId}-exit-${pair.replace('/', '-')}` } : { command: 'force-entry', pair, amountQuote: 50 + Math.floor(rng.next() * 100), requestId: `${requestId}-entry-${pair.replace('/', '-')}` };
        jobs.push(invoke(next(), { kbot: command }, now + 200, `cmd-${step}`));
      }
      await Promise.all(jobs);
      // Step-long behaviours end with the step (order rules run until their count is used).
      if (behaviour?.clear) sandbox.setBehaviour(behaviour.clear);
      if (scenario >= 0.2 && scenario < 0.45 && rng.next() < 0.6) {
        // The crashed tick's claim is taken over once its lease expired (a retry of the same candle).
        report.takeovers++;
        const later = now + LEASE_MS + 2_000;
        sandbox.setTime(later);
        await invoke(next(), event, later, `takeover-${step}`);
      }
      // The operator lifts a flatten's halt now and then.
      if ((await store.getControl('live')).halted && rng.next() < 0.7) await store.setControl('live', { halted: false, haltExits: false });
      if (options.log) {
        const intents = await store.listUnresolvedIntents('live', now + 2 * 86_400_000);
        const positions = await store.listPositions('live');
        log(`  unresolved intents: ${intents.map((i) => `${i.side} ${i.pair} ${i.reason} ${i.status} ${i.clientOrderId.slice(0, 6)} lookups=${i.lookups ?? 0}`).join('; ') || 'none'}; positions: ${positions.map((p) => `${p.pair} ${p.amountBase}`).join('; ') || 'none'}`);
      }
      log(`  orders so far: ${sandbox.orders().map((o) => `${o.side} ${o.pair} ${o.volumeBase} ${o.clOrdId?.slice(0, 6)}`).join('; ')} balances ${JSON.stringify(sandbox.getBalances())}`);
      const owner = ownerCoinsViolation(sandbox, OWNER_COINS, `step ${step}`);
      if (owner) report.violations.push(owner);
    }
    // Clean ticks: no faults, time for deadlines, write-offs and leases to play out (queued orders
    // already accepted still execute or expire as Kraken's would).
    // A crash timer of the last steps must not kill a worker in the middle of a clean tick.
    for (const timer of killTimers) clearTimeout(timer);
    sandbox.faults.clear();
    sandbox.clearBehaviour();
    await store.setControl('live', { halted: false, haltExits: false });
    for (let c = 0; c < 6; c++) {
      const close = start + (steps + c) * FIVE_MINUTES_MS;
      sandbox.setTime(close + 1_000);
      // Runs in other lanes share the worker pool, so one of their crashes can land on a clean
      // tick: it is invoked again (EventBridge's retry), on the next worker.
      let reply: WorkerReply | undefined;
      for (let attempt = 0; attempt < 5 && !reply; attempt++) reply = await invoke(next(), scheduledEvent(close), close + 1_000, `clean-${c}${attempt ? `-retry-${attempt}` : ''}`);
      if (!reply) report.violations.push({ kind: 'clean-tick-died', detail: `clean tick ${c}: its worker died five times (a broken worker bundle?)` });
    }
    report.orders = sandbox.orders().length;
    report.marginOrders = sandbox.orders().filter((o) => o.margin && o.volumeBase > 0).length;
    report.violations.push(...(await checkBooks({ sandbox, store, config, owner: OWNER_COINS })));
    return report;
  } finally {
    await sandbox.close();
  }
}

/**
 * BTC falling for days (so the 15m and 1h trends are down) in a sawtooth: a drop of about 0.6% every
 * few candles and a partial rebound, so shorts open, hit targets, stops and trailing stops within a run.
 */
function fallingMarket(startMs: number, rng: SeededRandom): Candle[] {
  const out: Candle[] = [];
  let close = 60_000;
  const first = startMs - 800 * FIVE_MINUTES_MS;
  for (let i = 0; i < 900; i++) {
    const open = close;
    const phase = i % (4 + Math.floor(rng.next() * 3));
    const move = phase === 0 ? -0.006 : phase === 1 ? 0.002 + rng.next() * 0.003 : -0.0008 + (rng.next() - 0.5) * 0.0016;
    close = open * (1 + move);
    const wick = 1 + rng.next() * 0.001;
    out.push({ openTimeMs: first + i * FIVE_MINUTES_MS, open, high: Math.max(open, close) * wick, low: Math.min(open, close) / wick, close, volume: 4 + rng.next() * 4 });
  }
  return out;
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

const READ_METHODS = ['OpenOrders', 'ClosedOrders', 'QueryOrders', 'BalanceEx', 'OHLC', 'Ticker', 'AssetPairs', 'TradeVolume'];
const REFUSALS = ['EService:Unavailable', 'EService:Busy', 'EAPI:Rate limit exceeded', 'EAPI:Invalid nonce', 'EGeneral:Temporary lockout'];

/**
 * Sets one of the sandbox's behaviours; returns its kind and, for the ones that last a step, the
 * body that ends it.
 */
function armBehaviour(sandbox: SandboxHandle, rng: SeededRandom): { kind: string; clear?: BehaviourInput } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const count = 1 + Math.floor(rng.next() * 2);
  const side = rng.next() < 0.5 ? undefined : pick(['buy', 'sell'] as const);
  const r = rng.next();
  if (r < 0.18) {
    sandbox.setBehaviour({ orders: { count, ...(side ? { side } : {}), pendingLookups: Math.floor(rng.next() * 3), openLookups: 1 + Math.floor(rng.next() * 4) } });
    return { kind: 'order-not-final' };
  }
  if (r < 0.32) {
    sandbox.setBehaviour({ orders: { count, ...(side ? { side } : {}), openLookups: 1 + Math.floor(rng.next() * 3), partialFill: { fraction: 0.2 + rng.next() * 0.6, rest: pick(['fill', 'cancel'] as const) } } });
    return { kind: 'partial-fill' };
  }
  if (r < 0.46) {
    sandbox.setBehaviour({ orders: { count: 1, ...(side ? { side } : {}), queue: { delayMs: Math.floor(rng.next() * 90_000), reply: pick(['lost', 'error', 'ok'] as const) } } });
    return { kind: 'queued-order' };
  }
  if (r < 0.54) {
    sandbox.setBehaviour({ orders: { count, closedOrdersLag: 1 + Math.floor(rng.next() * 3) } });
    return { kind: 'closed-orders-lag' };
  }
  if (r < 0.62) {
    sandbox.setBehaviour({ feeInBase: { buys: true, sells: false } });
    return { kind: 'fee-in-base', clear: { feeInBase: null } };
  }
  if (r < 0.7) {
    sandbox.setBehaviour({ autoEarn: { BTC: 0.3 + rng.next() * 0.7, ETH: rng.next() } });
    return { kind: 'auto-earn', clear: { autoEarn: null } };
  }
  if (r < 0.8) {
    sandbox.setBehaviour({ rateLimit: { tier: pick(['starter', 'intermediate', 'pro'] as const) }, limitsClock: 'wall' });
    return { kind: 'rate-limit', clear: { rateLimit: null } };
  }
  if (r < 0.86) {
    sandbox.setBehaviour({ nonceWindow: 0, lockout: { afterFailures: 2, windowMs: 60_000, durationMs: 30_000 } });
    return { kind: 'lockout-armed', clear: { lockout: null } };
  }
  if (r < 0.94) {
    const pair = pick(CHAOS_PAIRS);
    const delisted = rng.next() < 0.4;
    sandbox.setBehaviour({ markets: { [pair]: delisted ? { delisted: true } : { status: pick(['cancel_only', 'post_only', 'limit_only', 'reduce_only'] as const) } } });
    return { kind: delisted ? 'delisted' : 'market-mode', clear: { markets: null } };
  }
  sandbox.setBehaviour({ maintenance: true });
  return { kind: 'maintenance', clear: { maintenance: false } };
}

/** Arms one random fault in the sandbox; returns its kind (for the summary). */
function armFault(sandbox: SandboxHandle, rng: SeededRandom): string {
  const f = sandbox.faults;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng.next() * xs.length)]!;
  const count = 1 + Math.floor(rng.next() * 3);
  const r = rng.next();
  if (r < 0.2) {
    f.dropReplyNext({ method: 'AddOrder', count });
    return 'drop-reply';
  }
  if (r < 0.35) {
    f.httpErrorNext({ method: 'AddOrder', status: pick([502, 504]), afterProcessing: rng.next() < 0.5, count });
    return 'http-5xx-addorder';
  }
  if (r < 0.5) {
    f.httpErrorNext({ method: pick(READ_METHODS), status: pick([500, 502, 503]), count });
    return 'http-5xx-read';
  }
  if (r < 0.7) {
    f.failNext(pick(REFUSALS), { method: pick([...READ_METHODS, 'AddOrder']), count });
    return 'refusal';
  }
  if (r < 0.8) {
    f.failNext('EOrder:Insufficient funds', { method: 'AddOrder', count: 1 });
    return 'rejection';
  }
  if (r < 0.9) {
    f.setLatency(50 + Math.floor(rng.next() * 300), pick(['AddOrder', ...READ_METHODS]));
    return 'latency';
  }
  f.failNext(pick(REFUSALS), { count });
  return 'refusal-any';
}
