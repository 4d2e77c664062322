// Chaos suite: one worker process, a stand-in for a Lambda instance. It reads invocation requests
// (one JSON line each) on stdin, runs the real tick handler wired from the environment (DynamoDB on
// the runner's dynalite, ccxt against the runner's sandbox), and writes one JSON line per result on
// stdout. Requests may overlap. The runner kills this process with SIGKILL at random moments: a real
// crash, with whatever was in flight left half done.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createInterface } from 'node:readline';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import type { Alert, ClockPort } from '../core/ports.js';
import { silentLogger, noMetrics } from '../core/ports.js';
import type { TickResult } from '../core/tickResult.js';
import { createTickHandler, type TickHandler } from '../tick/runtime.js';

/** One invocation the runner asks for. */
export interface WorkerRequest {
  id: number;
  /** Handlers are built once per run (a run has its own table and sandbox). */
  runId: string;
  env: Record<string, string>;
  keys: { apiKey: string; apiSecret: string };
  event: unknown;
  invocationId: string;
  /** The simulated time at the start of the invocation; the clock runs on from it in real time. */
  nowMs: number;
  orderTiming?: { lookupDelayMs?: number; pendingGraceMs?: number };
}

/** The worker's answer. */
export interface WorkerReply {
  id: number;
  ok: boolean;
  result?: Pick<TickResult, 'status' | 'errors' | 'reconciled' | 'locks' | 'command'> & { orders: number };
  alerts: Alert['kind'][];
  error?: string;
}

// A deliberately broken build, for checking that the chaos suite catches one: the order intent is
// never written (the order protocol's step 2 skipped), so nothing stops a repeated decision.
if (process.env.KBOT_CHAOS_BREAK === 'skip-intent') {
  DynamoStore.prototype.createIntent = async () => true;
}
// Another, for the shorts variant: a closed short never gives its margin exposure back.
if (process.env.KBOT_CHAOS_BREAK === 'skip-margin-release') {
  DynamoStore.prototype.releaseMargin = async () => undefined;
}

const clockAnchor = new AsyncLocalStorage<{ baseMs: number; atWallMs: number }>();
/** Simulated time for the invocation being served: its start time plus the real time since. */
const clock: ClockPort = {
  nowMs: () => {
    const a = clockAnchor.getStore();
    return a ? a.baseMs + (Date.now() - a.atWallMs) : Date.now();
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 2_000))),
};

const alertsByInvocation = new AsyncLocalStorage<Alert['kind'][]>();
const handlers = new Map<string, TickHandler>();

function handlerFor(req: WorkerRequest): TickHandler {
  let handler = handlers.get(req.runId);
  if (!handler) {
    handlers.clear();
    // The AWS SDK reads its endpoint, region and credentials from the process environment.
    for (const [key, value] of Object.entries(req.env)) if (key.startsWith('AWS_')) process.env[key] = value;
    handler = createTickHandler({
      env: req.env,
      clock,
      logger: silentLogger,
      metrics: noMetrics,
      alerts: { send: async (alert) => void alertsByInvocation.getStore()?.push(alert.kind) },
      enableRateLimit: false,
      keyProvider: { get: async () => req.keys },
      ...(req.orderTiming ? { orderTiming: req.orderTiming } : {}),
    });
    handlers.set(req.runId, handler);
  }
  return handler;
}

async function serve(req: WorkerRequest): Promise<WorkerReply> {
  const alerts: Alert['kind'][] = [];
  try {
    const handler = handlerFor(req);
    const result = await alertsByInvocation.run(alerts, () =>
      clockAnchor.run({ baseMs: req.nowMs, atWallMs: Date.now() }, () => handler(req.event, { awsRequestId: req.invocationId })),
    );
    const orders = result.pairs.reduce((n, p) => n + p.orders.length, 0) + (result.command?.outcome.length ?? 0);
    return {
      id: req.id,
      ok: true,
      result: { status: result.status, errors: result.errors, reconciled: result.reconciled, locks: result.locks, ...(result.command ? { command: result.command } : {}), orders },
      alerts,
    };
  } catch (err) {
    return { id: req.id, ok: false, alerts, error: err instanceof Error ? err.message : String(err) };
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  const req = JSON.parse(line) as WorkerRequest;
  void serve(req).then((reply) => process.stdout.write(`${JSON.stringify(reply)}\n`));
});
lines.on('close', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
