// Unit tests: the sandbox's control routes for behaviours and the account, as a script or the chaos
// suite in another process drives them (plain HTTP and JSON), and the matching handle methods.
import { afterEach, describe, expect, it } from 'vitest';
import { kraken } from '../../functions/adapters/kraken/ccxtKraken.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const START = Date.UTC(2026, 3, 1, 8, 1, 0);
const CID = 'e'.repeat(32);
let sandbox: SandboxHandle | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const control = async (s: SandboxHandle, method: string, route: string, body?: unknown) => {
  const res = await fetch(`${s.url}/_sandbox/${route}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const NOTHING_ARMED = {
  orders: [],
  feeInBase: { buys: false, sells: false },
  autoEarn: {},
  rateLimit: null,
  nonceWindow: 0,
  lockout: null,
  limitsClock: 'sandbox',
  markets: {},
  maintenance: false,
};

describe('Control API: /_sandbox/behaviour and /_sandbox/account', () => {
  it('arms behaviours from a JSON body, reports them in status, refuses a bad body whole, and DELETE clears them', async () => {
    const s = (sandbox = await startSandbox({ startTimeMs: START, balances: { USD: 500 } }));
    expect((await control(s, 'GET', 'behaviour')).body).toEqual(NOTHING_ARMED);
    const armed = await control(s, 'POST', 'behaviour', {
      orders: [{ pair: 'XBTUSD', pendingLookups: 1, partialFill: { fraction: 0.5 }, count: 2 }, { queue: { delayMs: 3000 } }],
      feeInBase: { buys: true },
      autoEarn: { BTC: 0.5 },
      rateLimit: { tier: 'intermediate' },
      nonceWindow: 5000,
      lockout: { afterFailures: 5 },
      markets: { 'ETH/USD': { status: 'limit_only' }, SOLUSD: { delisted: true } },
    });
    const expected = {
      orders: [
        { pair: 'BTC/USD', remaining: 2, pendingLookups: 1, openLookups: 0, partialFill: { fraction: 0.5, rest: 'fill' }, closedOrdersLag: 0 },
        { pendingLookups: 0, openLookups: 0, queue: { delayMs: 3000, reply: 'lost', error: 'EService:Busy' }, closedOrdersLag: 0 },
      ],
      feeInBase: { buys: true, sells: false },
      autoEarn: { BTC: 0.5 },
      rateLimit: { tier: 'intermediate', max: 20, decayPerSecond: 0.5 },
      nonceWindow: 5000,
      lockout: { afterFailures: 5, windowMs: 60_000, durationMs: 900_000 },
      limitsClock: 'sandbox',
      markets: { 'ETH/USD': { status: 'limit_only', delisted: false }, 'SOL/USD': { status: 'online', delisted: true } },
      maintenance: false,
    };
    expect(armed).toEqual({ status: 200, body: expected });
    expect((await control(s, 'GET', 'status')).body).toMatchObject({ behaviour: expected, limits: { counters: {}, recentFailures: 0, nowMs: START }, ordersNotFinal: 0, queued: 0 });
    // A bad body changes nothing and names the field.
    expect(await control(s, 'POST', 'behaviour', { nonceWindow: 1, orders: { pendingLookups: -1 } })).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/^behaviour\.orders\.pendingLookups: /) },
    });
    expect((await control(s, 'POST', 'behaviour', { markets: { 'DOGE/USD': { status: 'cancel_only' } } })).body).toEqual({ error: 'behaviour.markets.DOGE/USD: the sandbox does not list that pair' });
    expect((await control(s, 'POST', 'behaviour', { surprise: true })).status).toBe(400);
    expect((await control(s, 'GET', 'behaviour')).body).toEqual(expected);
    // A key given replaces that behaviour; null turns it off; others stay.
    const partly = await control(s, 'POST', 'behaviour', { orders: null, rateLimit: { tier: 'pro' }, markets: null });
    expect(partly.body).toMatchObject({ orders: [], rateLimit: { tier: 'pro', max: 20, decayPerSecond: 1 }, markets: {}, nonceWindow: 5000, feeInBase: { buys: true } });
    expect(await control(s, 'DELETE', 'behaviour')).toEqual({ status: 200, body: NOTHING_ARMED });
    expect(s.behaviour()).toEqual(NOTHING_ARMED);
  });

  it('shows the account by Kraken key with orders in Kraken’s terms, holds and the queue; balances take extension keys', async () => {
    const s = (sandbox = await startSandbox({ startTimeMs: START, balances: { USD: 500 }, behaviour: { orders: { pendingLookups: 1, count: 1 } } }));
    const ex = new kraken({ apiKey: s.apiKey, secret: s.apiSecret, enableRateLimit: false });
    ex.urls.api = { ...(ex.urls.api as Record<string, string>), public: s.url, private: s.url };
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, { clientOrderId: CID });
    const pending = (await control(s, 'GET', 'account')).body as { orders: Array<Record<string, unknown>>; holds: Record<string, number>; queued: unknown[] };
    expect(pending.orders).toEqual([
      {
        txid: placed.id,
        status: 'pending',
        pair: 'BTC/USD',
        side: 'buy',
        cl_ord_id: CID,
        vol: 100,
        viqc: true,
        vol_exec: 0,
        cost: 0,
        fee: 0,
        price: 0,
        oflags: 'viqc,fciq',
        openedMs: START,
        lookups: 0,
        closedOrdersLagLeft: 0,
        trades: [],
      },
    ]);
    expect(pending.holds.ZUSD).toBeGreaterThan(100);
    expect(pending.queued).toEqual([]);
    expect((await control(s, 'GET', 'status')).body).toMatchObject({ orders: 1, ordersNotFinal: 1 });
    await ex.fetchOrder(placed.id!, 'BTC/USD');
    await ex.fetchOrder(placed.id!, 'BTC/USD');
    const filled = (await control(s, 'GET', 'account')).body as { orders: Array<Record<string, number | string>>; fills: Array<Record<string, unknown>>; holds: Record<string, number> };
    const order = filled.orders[0]!;
    expect(order).toMatchObject({ status: 'closed', lookups: 2, closedMs: START });
    expect(order.vol_exec).toBeGreaterThan(0);
    expect(order.fee).toBeCloseTo(Number(order.cost) * 0.004, 5);
    expect(filled.fills).toMatchObject([{ txid: placed.id, volumeBase: order.vol_exec, costQuote: order.cost, feeQuote: order.fee }]);
    expect(filled.holds).toEqual({});
    // The handle's SandboxOrder keeps its fields.
    expect(s.orders()[0]).toMatchObject({ clOrdId: CID, side: 'buy', pair: 'BTC/USD', volumeBase: order.vol_exec, costQuote: order.cost, feeQuote: order.fee, status: 'closed', txid: placed.id });
    expect((await control(s, 'POST', 'balances', { 'BTC.F': 0.25, 'ETH.S': 1 })).body).toEqual({ USD: s.getBalances().USD, BTC: Number(order.vol_exec) + 0.25 });
    expect(((await control(s, 'GET', 'account')).body as { balances: Record<string, number> }).balances).toMatchObject({ 'XBT.F': 0.25, 'ETH.S': 1 });
    expect((await control(s, 'POST', 'balances', { 'BTC.X': 1 })).status).toBe(400);
    expect((await control(s, 'GET', 'limits')).body).toEqual({ counters: {}, recentFailures: 0, nowMs: START });
  });
});
