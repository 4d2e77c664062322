// Kraken sandbox: the local control endpoint (`/_sandbox/...`) the CLI and out-of-process tools use
// to move the clock, arm faults and behaviours, and read or set the account. Not part of Kraken's API.
import type { BehaviourInput } from './sandboxBehaviour.js';
import type { SandboxHandle } from './sandboxServer.js';

/** A control request's outcome: HTTP status and JSON body. */
export interface ControlReply {
  status: number;
  body: unknown;
}

/**
 * Handles one control request. Routes (JSON bodies):
 * - `GET /_sandbox/status`: clock, pairs, balances, order counts, armed faults and behaviours, limits
 * - `POST /_sandbox/clock` `{ setMs | setIso | advanceMs | speed }`
 * - `GET|POST|DELETE /_sandbox/faults`: POST `{ latencyMs, latencyMethod, error: { error, count, method },
 *   httpError: { status, count, method, afterProcessing }, dropReply: { count, method } }`
 * - `GET|POST|DELETE /_sandbox/behaviour`: POST a behaviour body (see sandboxBehaviour.ts); DELETE
 *   turns every behaviour off; each answers what is armed
 * - `GET|POST /_sandbox/balances`: POST `{ "USD": 1000, "BTC": 0.5, "BTC.F": 0.2 }` sets those
 *   balances; GET answers tradable totals by asset code
 * - `GET /_sandbox/account`: balances by Kraken key (extensions included), holds, orders with
 *   Kraken's field names, fills, the engine's queue
 * - `GET /_sandbox/limits`: rate counters, lockout
 * - `GET /_sandbox/orders`, `GET /_sandbox/trades`
 * - `GET /_sandbox/candles?pair=BTC/USD&limit=100`: committed 5m candles
 */
export function handleControl(sandbox: SandboxHandle, method: string, route: string, query: URLSearchParams, body: unknown): ControlReply {
  try {
    const input = (body ?? {}) as Record<string, unknown>;
    switch (`${method} ${route}`) {
      case 'GET status':
        return ok(status(sandbox));
      case 'POST clock':
        return ok(clock(sandbox, input));
      case 'GET faults':
        return ok(sandbox.faults.snapshot());
      case 'POST faults':
        return ok(faults(sandbox, input));
      case 'DELETE faults':
        sandbox.faults.clear();
        return ok(sandbox.faults.snapshot());
      case 'GET behaviour':
        return ok(sandbox.behaviour());
      case 'POST behaviour':
        return ok(sandbox.setBehaviour((body ?? {}) as BehaviourInput));
      case 'DELETE behaviour':
        return ok(sandbox.clearBehaviour());
      case 'GET account':
        return ok(sandbox.account());
      case 'GET limits':
        return ok(sandbox.limits());
      case 'GET balances':
        return ok(sandbox.getBalances());
      case 'POST balances':
        sandbox.setBalances(numbers(input));
        return ok(sandbox.getBalances());
      case 'GET orders':
        return ok(sandbox.orders());
      case 'GET trades':
        return ok(sandbox.trades());
      case 'GET candles': {
        const pair = query.get('pair');
        if (!pair) return bad('pair is required, e.g. ?pair=BTC/USD');
        const limit = Number(query.get('limit') ?? 720);
        return ok(sandbox.candles(pair).slice(-Math.max(1, limit)));
      }
      default:
        return { status: 404, body: { error: `no control route ${method} /_sandbox/${route}` } };
    }
  } catch (err) {
    return bad(err instanceof Error ? err.message : String(err));
  }
}

function status(sandbox: SandboxHandle): unknown {
  const nowMs = sandbox.nowMs();
  return {
    url: sandbox.url,
    nowMs,
    nowIso: new Date(nowMs).toISOString(),
    speed: sandbox.speed(),
    pairs: sandbox.pairs,
    balances: sandbox.getBalances(),
    krakenBalances: sandbox.krakenBalances(),
    orders: sandbox.orders().length,
    ordersNotFinal: sandbox.orders().filter((o) => o.status === 'pending' || o.status === 'open').length,
    queued: sandbox.account().queued.filter((q) => q.outcome === 'queued').length,
    faults: sandbox.faults.snapshot(),
    behaviour: sandbox.behaviour(),
    limits: sandbox.limits(),
  };
}

function clock(sandbox: SandboxHandle, input: Record<string, unknown>): unknown {
  if (input.setIso !== undefined) {
    const ms = Date.parse(String(input.setIso));
    if (!Number.isFinite(ms)) throw new Error('setIso must be an ISO date');
    sandbox.setTime(ms);
  }
  if (input.setMs !== undefined) sandbox.setTime(num(input.setMs, 'setMs'));
  if (input.advanceMs !== undefined) sandbox.advance(num(input.advanceMs, 'advanceMs'));
  if (input.speed !== undefined) sandbox.setSpeed(num(input.speed, 'speed'));
  const nowMs = sandbox.nowMs();
  return { nowMs, nowIso: new Date(nowMs).toISOString(), speed: sandbox.speed() };
}

function faults(sandbox: SandboxHandle, input: Record<string, unknown>): unknown {
  const f = sandbox.faults;
  if (input.latencyMs !== undefined) f.setLatency(num(input.latencyMs, 'latencyMs'), optString(input.latencyMethod));
  if (input.error !== undefined) {
    const e = input.error as Record<string, unknown>;
    const text = optString(e.error ?? e.message);
    if (!text) throw new Error('error.error must be a Kraken error string such as EService:Unavailable');
    f.failNext(text, counted(e));
  }
  if (input.httpError !== undefined) {
    const e = input.httpError as Record<string, unknown>;
    f.httpErrorNext({
      ...counted(e),
      ...(e.status !== undefined ? { status: num(e.status, 'httpError.status') } : {}),
      afterProcessing: e.afterProcessing === true,
    });
  }
  if (input.dropReply !== undefined) f.dropReplyNext(counted(input.dropReply as Record<string, unknown>));
  return f.snapshot();
}

function counted(e: Record<string, unknown>): { count?: number; method?: string } {
  const method = optString(e.method);
  return { ...(e.count !== undefined ? { count: num(e.count, 'count') } : {}), ...(method ? { method } : {}) };
}

function numbers(input: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(input)) out[k] = num(v, k);
  return out;
}

function num(value: unknown, field: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${field} must be a number`);
  return n;
}

function optString(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

function ok(body: unknown): ControlReply {
  return { status: 200, body };
}

function bad(message: string): ControlReply {
  return { status: 400, body: { error: message } };
}
