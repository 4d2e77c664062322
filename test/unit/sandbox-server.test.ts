// Unit tests: the sandbox's HTTP surface. Kraken's envelope and routing, private-call signing over
// HTTP, fault injection (programmatic and through the /_sandbox control routes), start options.
import { afterEach, describe, expect, it } from 'vitest';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { krakenSignature } from '../../functions/sandbox/krakenSignature.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../functions/sandbox/sandboxServer.js';

const START = Date.UTC(2026, 3, 1, 8, 1, 0);
let sandbox: SandboxHandle | undefined;

async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  sandbox = await startSandbox({ startTimeMs: START, ...options });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

let nonce = Date.now() * 1000;
/** A signed private call, as Kraken clients send it. */
async function privateCall(s: SandboxHandle, method: string, params: Record<string, string> = {}, json = false): Promise<Response> {
  const n = String(++nonce);
  const path = `/0/private/${method}`;
  const body = json ? JSON.stringify({ nonce: n, ...params }) : new URLSearchParams({ nonce: n, ...params }).toString();
  return fetch(s.url + path, {
    method: 'POST',
    headers: {
      'API-Key': s.apiKey,
      'API-Sign': krakenSignature(path, n, body, s.apiSecret),
      'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded',
    },
    body,
  });
}

const control = async (s: SandboxHandle, method: string, route: string, body?: unknown) => {
  const res = await fetch(`${s.url}/_sandbox/${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const publicGet = async (s: SandboxHandle, path: string) => {
  const res = await fetch(`${s.url}/0/public/${path}`);
  return { status: res.status, body: (await res.json()) as { error: string[]; result: Record<string, unknown> } };
};

describe('Function: startSandbox (HTTP)', () => {
  it('listens on 127.0.0.1 and answers errors in Kraken’s envelope with HTTP 200', async () => {
    const s = await start();
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await publicGet(s, 'Ticker?pair=NOPEUSD')).toEqual({ status: 200, body: { error: ['EQuery:Unknown asset pair'], result: {} } });
    expect((await publicGet(s, 'Nothing')).body.error).toEqual(['EGeneral:Unknown method']);
    expect((await fetch(`${s.url}/elsewhere`)).status).toBe(404);
    const time = await publicGet(s, 'Time');
    expect(time.body).toEqual({ error: [], result: { unixtime: Math.floor(START / 1000), rfc1123: 'Wed, 01 Apr 26 08:01:00 +0000' } });
  });

  it('accepts signed form and JSON private calls and refuses an unsigned one', async () => {
    const s = await start({ balances: { USD: 250, BTC: 0.5 } });
    expect(await (await privateCall(s, 'Balance')).json()).toEqual({ error: [], result: { ZUSD: '250.0000', XXBT: '0.5000000000' } });
    expect(((await (await privateCall(s, 'BalanceEx', {}, true)).json()) as { result: unknown }).result).toEqual({
      ZUSD: { balance: '250.0000', credit: '0.0000', credit_used: '0.0000', hold_trade: '0.0000' },
      XXBT: { balance: '0.5000000000', credit: '0.0000000000', credit_used: '0.0000000000', hold_trade: '0.0000000000' },
    });
    const unsigned = await fetch(`${s.url}/0/private/Balance`, { method: 'POST', body: `nonce=${++nonce}` });
    expect(await unsigned.json()).toEqual({ error: ['EAPI:Invalid key'], result: {} });
  });

  it('injects a Kraken error for the next N calls of one method only', async () => {
    const s = await start();
    s.faults.failNext('EService:Busy', { method: 'Ticker', count: 2 });
    expect((await publicGet(s, 'Time')).body.error).toEqual([]);
    expect((await publicGet(s, 'Ticker?pair=XBTUSD')).body.error).toEqual(['EService:Busy']);
    expect((await publicGet(s, 'Ticker?pair=XBTUSD')).body.error).toEqual(['EService:Busy']);
    expect((await publicGet(s, 'Ticker?pair=XBTUSD')).body.error).toEqual([]);
    expect(() => s.faults.failNext('not an error string')).toThrow(/Kraken error/);
  });

  it('answers HTTP 5xx pages, and can process the call first', async () => {
    const s = await start({ balances: { USD: 100 } });
    s.faults.httpErrorNext({ status: 502 });
    const res = await fetch(`${s.url}/0/public/Time`);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('502');
    s.faults.httpErrorNext({ status: 503, method: 'AddOrder', afterProcessing: true });
    const order = await privateCall(s, 'AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: '10', oflags: 'viqc' });
    expect(order.status).toBe(503);
    expect(s.orders()).toHaveLength(1);
    expect(s.getBalances().USD).toBeLessThan(100);
  });

  it('drops the reply of an executed AddOrder (the client sees the connection die)', async () => {
    const s = await start({ balances: { USD: 100 } });
    s.faults.dropReplyNext();
    await expect(privateCall(s, 'AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: '10', oflags: 'viqc', cl_ord_id: 'drop-me' })).rejects.toThrow();
    expect(s.orders().map((o) => o.clOrdId)).toEqual(['drop-me']);
    // Only AddOrder is affected by default, and only once.
    expect((await (await privateCall(s, 'ClosedOrders', { cl_ord_id: 'drop-me' })).json()) as unknown).toMatchObject({ result: { count: 1 } });
  });

  it('adds latency without failing the call', async () => {
    const s = await start();
    s.faults.setLatency(30, 'Time');
    expect(s.faults.snapshot()).toMatchObject({ latencyMs: 30, latencyMethod: 'Time' });
    expect((await publicGet(s, 'Time')).body.error).toEqual([]);
    s.faults.clear();
    expect(s.faults.snapshot()).toEqual({ latencyMs: 0, errors: [], http: [], dropReplies: [] });
  });

  it('exposes the control routes: status, clock, faults, balances, orders, candles', async () => {
    const logged: string[] = [];
    const s = await start({ balances: { USD: 500 }, onRequest: (e) => logged.push(`${e.method}:${e.error ?? 'ok'}:${e.fault ?? ''}`) });
    expect((await control(s, 'GET', 'status')).body).toMatchObject({ nowMs: START, speed: 0, pairs: ['BTC/USD', 'ETH/USD', 'SOL/USD'], balances: { USD: 500 }, orders: 0 });
    expect((await control(s, 'POST', 'clock', { advanceMs: FIVE_MINUTES_MS })).body).toMatchObject({ nowMs: START + FIVE_MINUTES_MS });
    expect((await control(s, 'POST', 'clock', { setIso: '2026-04-02T00:00:00Z' })).body).toMatchObject({ nowIso: '2026-04-02T00:00:00.000Z' });
    expect(s.nowMs()).toBe(Date.UTC(2026, 3, 2));
    await control(s, 'POST', 'faults', { error: { error: 'EService:Unavailable', method: 'Time' } });
    expect((await publicGet(s, 'Time')).body.error).toEqual(['EService:Unavailable']);
    await control(s, 'POST', 'faults', { httpError: { status: 500, count: 1 } });
    expect((await fetch(`${s.url}/0/public/Time`)).status).toBe(500);
    await control(s, 'POST', 'faults', { dropReply: { count: 2 } });
    expect((await control(s, 'GET', 'faults')).body).toMatchObject({ dropReplies: [{ remaining: 2, method: 'AddOrder' }] });
    expect((await control(s, 'DELETE', 'faults')).body).toMatchObject({ dropReplies: [] });
    expect((await control(s, 'POST', 'balances', { BTC: 0.25 })).body).toEqual({ USD: 500, BTC: 0.25 });
    expect((await control(s, 'POST', 'balances', { NOPE: 1 })).status).toBe(400);
    expect((await control(s, 'POST', 'clock', { advanceMs: 'soon' })).status).toBe(400);
    const candles = (await fetch(`${s.url}/_sandbox/candles?pair=BTC/USD&limit=3`).then((r) => r.json())) as Candle[];
    expect(candles.map((c) => c.openTimeMs)).toEqual([3, 2, 1].map((k) => Date.UTC(2026, 3, 2) - k * FIVE_MINUTES_MS));
    expect((await control(s, 'GET', 'orders')).body).toEqual([]);
    expect((await control(s, 'GET', 'nothing')).status).toBe(404);
    expect(logged).toEqual(['Time:EService:Unavailable:error', 'Time:ok:http']);
    expect(s.callCounts()).toEqual({ Time: 2 });
  });

  it('lists only the requested pairs and replays given candles, starting once 720 of them are history', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const data: Candle[] = Array.from({ length: 1000 }, (_, i) => ({ openTimeMs: t0 + i * FIVE_MINUTES_MS, open: 10 + i, high: 11 + i, low: 9 + i, close: 10.5 + i, volume: 1 }));
    const s = await startSandbox({ pairs: ['SOL/USD'], data: { 'SOL/USD': data }, speed: 0 });
    sandbox = s;
    expect(s.pairs).toEqual(['SOL/USD']);
    expect(s.nowMs()).toBe(t0 + 720 * FIVE_MINUTES_MS);
    expect(s.candles('SOL/USD')).toEqual(data.slice(0, 720));
    expect(s.priceNow('SOL/USD')).toBe(data[720]!.open);
    expect((await publicGet(s, 'Ticker?pair=XBTUSD')).body.error).toEqual(['EQuery:Unknown asset pair']);
    await expect(startSandbox({ pairs: ['NOPE/USD'] })).rejects.toThrow(/does not list NOPE\/USD/);
    await expect(startSandbox({ pairs: ['BTC/USD'], data: { 'ETH/USD': data } })).rejects.toThrow(/not among the listed pairs/);
  });

  it('is deterministic for a seed: two sandboxes serve the same candles', async () => {
    const a = await startSandbox({ startTimeMs: START, seed: 5 });
    const b = await startSandbox({ startTimeMs: START, seed: 5 });
    const c = await startSandbox({ startTimeMs: START, seed: 6 });
    try {
      expect(a.candles('ETH/USD')).toEqual(b.candles('ETH/USD'));
      expect(a.candles('ETH/USD').map((x) => x.close)).not.toEqual(c.candles('ETH/USD').map((x) => x.close));
      expect(a.candles('ETH/USD')).toHaveLength(7 * 288);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
