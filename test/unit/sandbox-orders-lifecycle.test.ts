// Unit tests: orders that are not final yet, through the real ccxt client. Pending and open over
// successive lookups, partial fills (filled later or canceled by price protection), queued orders
// whose reply is lost or refused, AddOrder's deadline, a lagging ClosedOrders, and holds.
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeNotAvailable, InsufficientFunds, kraken } from '../../functions/adapters/kraken/ccxtKraken.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../functions/sandbox/sandboxServer.js';

const START = Date.UTC(2026, 3, 1, 8, 1, 0);
const CID = 'c'.repeat(32);
let sandbox: SandboxHandle | undefined;

async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  sandbox = await startSandbox({ startTimeMs: START, balances: { USD: 1000 }, ...options });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** ccxt's Kraken class pointed at the sandbox, with its own increasing nonces. */
function ccxtFor(s: SandboxHandle): kraken {
  const ex = new kraken({ apiKey: s.apiKey, secret: s.apiSecret, enableRateLimit: false });
  ex.urls.api = { ...(ex.urls.api as Record<string, string>), public: s.url, private: s.url };
  let n = Date.now() * 1000;
  ex.nonce = () => ++n;
  return ex;
}

/** The Kraken error string inside a ccxt error. */
async function krakenError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const match = /"error":\["([^"]+)"/.exec(String((err as Error).message));
    return match ? match[1]! : `(${(err as Error).name}: ${(err as Error).message})`;
  }
  throw new Error('expected a Kraken error');
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const info = (o: { info: unknown }) => o.info as Record<string, string>;

describe('Sandbox behaviour: orders that are not final yet', () => {
  it('keeps a market order pending, then open, for its lookups through all three read methods; balances move when it fills', async () => {
    const s = await start();
    s.setBehaviour({ orders: { pendingLookups: 2, openLookups: 1, count: 1 } });
    const ex = ccxtFor(s);
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, { clientOrderId: CID });
    // Nothing has filled yet: the USD is held for the order, not spent.
    const held = await ex.privatePostBalanceEx();
    expect(s.getBalances().USD).toBe(1000);
    expect(Number(held.result.ZUSD.hold_trade)).toBeGreaterThan(100);
    const seen: string[] = [];
    const usd: number[] = [];
    const open1 = await ex.fetchOpenOrders(undefined, undefined, undefined, { clientOrderId: CID });
    seen.push(`OpenOrders ${open1.map((o) => info(o).status).join()}`);
    usd.push(s.getBalances().USD!);
    seen.push(`QueryOrders ${info(await ex.fetchOrder(placed.id!, 'BTC/USD')).status}`);
    usd.push(s.getBalances().USD!);
    const open3 = await ex.fetchOpenOrders(undefined, undefined, undefined, { clientOrderId: CID });
    seen.push(`OpenOrders ${open3.map((o) => `${info(o).status} ${info(o).vol_exec}`).join()}`);
    usd.push(s.getBalances().USD!);
    const closed = await ex.fetchClosedOrders(undefined, undefined, undefined, { clientOrderId: CID });
    seen.push(`ClosedOrders ${closed.map((o) => info(o).status).join()}`);
    expect(seen).toEqual(['OpenOrders pending', 'QueryOrders pending', 'OpenOrders open 0.00000000', 'ClosedOrders closed']);
    expect(usd).toEqual([1000, 1000, 1000]);
    const done = info(closed[0]!);
    expect(Number(done.vol_exec)).toBeGreaterThan(0.001);
    expect(s.getBalances()).toEqual({ USD: Math.round((1000 - Number(done.cost) - Number(done.fee)) * 1e5) / 1e5, BTC: Number(done.vol_exec) });
    expect(Number((await ex.privatePostBalanceEx()).result.ZUSD.hold_trade)).toBe(0);
    expect(s.account().orders[0]).toMatchObject({ status: 'closed', cl_ord_id: CID, lookups: 4 });
    // The rule was for one order: the next one fills at once.
    const next = await ex.createMarketBuyOrderWithCost('BTC/USD', 50, {});
    expect(info(await ex.fetchOrder(next.id!, 'BTC/USD')).status).toBe('closed');
  });

  it('fills a part when the order opens and the rest after its open lookups, one trade each', async () => {
    const s = await start({ balances: { USD: 0, BTC: 0.02 } });
    s.setBehaviour({ orders: { side: 'sell', partialFill: { fraction: 0.25 }, openLookups: 2 } });
    const ex = ccxtFor(s);
    const placed = await ex.createOrder('BTC/USD', 'market', 'sell', 0.01, undefined, { oflags: 'fciq' });
    // A quarter sold at once: balances moved for it already.
    expect(s.getBalances().BTC).toBe(0.0175);
    const usdAfterPart = s.getBalances().USD!;
    expect(usdAfterPart).toBeGreaterThan(0);
    const steps: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.advance(1_000);
      const o = info(await ex.fetchOrder(placed.id!, 'BTC/USD'));
      steps.push(`${o.status} ${o.vol_exec} BTC=${s.getBalances().BTC}`);
    }
    expect(steps).toEqual(['open 0.00250000 BTC=0.0175', 'open 0.00250000 BTC=0.0175', 'closed 0.01000000 BTC=0.01']);
    expect(s.getBalances().USD).toBeGreaterThan(usdAfterPart * 3.9);
    const trades = await ex.fetchMyTrades('BTC/USD');
    expect(trades.map((t) => [t.amount, t.timestamp])).toEqual([
      [0.0025, START],
      [0.0075, START + 3_000],
    ]);
    expect(trades.every((t) => t.order === placed.id)).toBe(true);
  });

  it('cancels the rest after a partial fill (market price protection): canceled is final with only the part executed', async () => {
    const s = await start();
    s.setBehaviour({ orders: { partialFill: { fraction: 0.4, rest: 'cancel' } } });
    const ex = ccxtFor(s);
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 200, { clientOrderId: CID });
    const o = await ex.fetchOrder(placed.id!, 'BTC/USD');
    expect(o.status).toBe('canceled');
    expect(info(o)).toMatchObject({ status: 'canceled', reason: 'Market price protection' });
    // 40 % of 200 USD was bought; only that was paid, and nothing stays held.
    expect(Number(info(o).cost)).toBeGreaterThan(79.9);
    expect(Number(info(o).cost)).toBeLessThanOrEqual(80);
    expect(s.getBalances().USD).toBeCloseTo(1000 - Number(info(o).cost) - Number(info(o).fee), 4);
    expect(s.getBalances().BTC).toBe(Number(info(o).vol_exec));
    expect(s.account().holds).toEqual({});
    expect(await ex.fetchOpenOrders()).toEqual([]);
  });

  it('holds the funds of an order not final yet: a second order the rest cannot pay is refused', async () => {
    const s = await start({ balances: { USD: 150 } });
    s.setBehaviour({ orders: { pendingLookups: 1, count: 1 } });
    const ex = ccxtFor(s);
    const first = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, {});
    expect(await krakenError(ex.createMarketBuyOrderWithCost('BTC/USD', 100, {}))).toBe('EOrder:Insufficient funds');
    await expect(ex.createMarketBuyOrderWithCost('BTC/USD', 100, {})).rejects.toBeInstanceOf(InsufficientFunds);
    expect(info(await ex.fetchOrder(first.id!, 'BTC/USD')).status).toBe('pending');
    expect(info(await ex.fetchOrder(first.id!, 'BTC/USD')).status).toBe('closed');
    // Filled: the hold became a payment; 49.6 USD are left and free.
    expect(s.getBalances().USD).toBeCloseTo(49.6, 2);
    await ex.createMarketBuyOrderWithCost('BTC/USD', 40, {});
    expect(s.orders().map((o) => o.status)).toEqual(['closed', 'closed']);
  });

  it('applies a rule only to its pair and side', async () => {
    const s = await start({ balances: { USD: 1000, ETH: 1 } });
    s.setBehaviour({ orders: [{ pair: 'ETH/USD', side: 'sell', pendingLookups: 1 }] });
    const ex = ccxtFor(s);
    const buyEth = await ex.createMarketBuyOrderWithCost('ETH/USD', 50, {});
    const sellEth = await ex.createOrder('ETH/USD', 'market', 'sell', 0.1, undefined, { oflags: 'fciq' });
    const buyBtc = await ex.createMarketBuyOrderWithCost('BTC/USD', 50, {});
    const read = async (id: string, pair: string) => info(await ex.fetchOrder(id, pair)).status;
    expect([await read(buyEth.id!, 'ETH/USD'), await read(sellEth.id!, 'ETH/USD'), await read(buyBtc.id!, 'BTC/USD')]).toEqual(['closed', 'pending', 'closed']);
    expect(s.behaviour().orders).toEqual([{ pair: 'ETH/USD', side: 'sell', pendingLookups: 1, openLookups: 0, closedOrdersLag: 0 }]);
  });
});

describe('Sandbox behaviour: queued orders and the deadline', () => {
  it('a queued order whose reply is lost is invisible until its delay has passed, then executes at that moment', async () => {
    const s = await start();
    s.setBehaviour({ orders: { queue: { delayMs: 10_000, reply: 'lost' }, count: 1 } });
    const ex = ccxtFor(s);
    await expect(ex.createMarketBuyOrderWithCost('BTC/USD', 100, { clientOrderId: CID, deadline: rfc3339(START + 30_000) })).rejects.toThrow();
    const lookup = async () => [
      ...(await ex.fetchOpenOrders(undefined, undefined, undefined, { clientOrderId: CID })),
      ...(await ex.fetchClosedOrders(undefined, undefined, undefined, { clientOrderId: CID })),
    ];
    expect(await lookup()).toEqual([]);
    expect(s.orders()).toEqual([]);
    expect(s.getBalances()).toEqual({ USD: 1000 });
    expect(s.account().queued).toMatchObject([{ clOrdId: CID, outcome: 'queued', executeAtMs: START + 10_000, deadlineMs: START + 30_000 }]);
    s.advance(9_999);
    expect(await lookup()).toEqual([]);
    s.advance(1);
    const found = await lookup();
    expect(found.map((o) => info(o).status)).toEqual(['closed']);
    expect(found[0]!.timestamp).toBe(START + 10_000);
    expect(s.getBalances().USD).toBeLessThan(900);
    expect(s.account().queued[0]!.outcome).toBe('executed');
  });

  it('a queued order whose deadline passes first never executes; without a deadline the same queue executes', async () => {
    const s = await start();
    s.setBehaviour({ orders: { queue: { delayMs: 40_000, reply: 'error' }, count: 2 } });
    const ex = ccxtFor(s);
    // Kraken is busy: the reply is an error although the order sits in the queue.
    const busy = ex.createMarketBuyOrderWithCost('BTC/USD', 100, { clientOrderId: CID, deadline: rfc3339(START + 30_000) });
    await expect(busy).rejects.toBeInstanceOf(ExchangeNotAvailable);
    expect(await krakenError(ex.createMarketBuyOrderWithCost('BTC/USD', 50, { clientOrderId: 'd'.repeat(32) }))).toBe('EService:Busy');
    s.advance(45_000);
    const byId = async (id: string) => (await ex.fetchClosedOrders(undefined, undefined, undefined, { clientOrderId: id })).map((o) => info(o).status);
    expect(await byId(CID)).toEqual([]);
    expect(await byId('d'.repeat(32))).toEqual(['closed']);
    expect(s.account().queued.map((q) => q.outcome)).toEqual(['deadline-elapsed', 'executed']);
    expect(s.orders().map((o) => o.clOrdId)).toEqual(['d'.repeat(32)]);
    expect(s.getBalances().USD).toBeGreaterThan(949);
  });

  it('a queued order acknowledged with its txid is unknown to QueryOrders until it leaves the queue', async () => {
    const s = await start();
    s.setBehaviour({ orders: { queue: { delayMs: 5_000, reply: 'ok' }, pendingLookups: 1 } });
    const ex = ccxtFor(s);
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, {});
    expect(placed.id).toMatch(/^O[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$/);
    expect(await krakenError(ex.fetchOrder(placed.id!, 'BTC/USD'))).toBe('EOrder:Invalid order');
    s.advance(5_000);
    // Out of the queue it follows the rest of its rule: one pending lookup, then filled.
    expect(info(await ex.fetchOrder(placed.id!, 'BTC/USD')).status).toBe('pending');
    expect(info(await ex.fetchOrder(placed.id!, 'BTC/USD')).status).toBe('closed');
  });

  it('validates AddOrder’s deadline: RFC 3339, 2 s to 60 s ahead; an elapsed one is refused by the engine', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    const buy = (deadline: string) => ex.createMarketBuyOrderWithCost('BTC/USD', 20, { deadline });
    expect(await krakenError(buy('tomorrow'))).toBe('EGeneral:Invalid arguments:deadline');
    expect(await krakenError(buy('2026-04-01 08:01:30'))).toBe('EGeneral:Invalid arguments:deadline');
    expect(await krakenError(buy(rfc3339(START + 61_000)))).toBe('EGeneral:Invalid arguments:deadline');
    expect(await krakenError(buy(rfc3339(START + 1_000)))).toBe('EGeneral:Invalid arguments:deadline');
    expect(await krakenError(buy(rfc3339(START - 1_000)))).toBe('EService:Deadline elapsed');
    expect(await krakenError(buy(rfc3339(START)))).toBe('EService:Deadline elapsed');
    expect(s.orders()).toEqual([]);
    await buy(rfc3339(START + 30_000));
    await buy('2026-04-01T10:01:45.500+02:00');
    expect(s.orders().map((o) => o.deadlineMs)).toEqual([START + 30_000, START + 45_500]);
    // ccxt's own validate flag goes through the same check.
    expect(await krakenError(ex.createMarketBuyOrderWithCost('BTC/USD', 20, { deadline: rfc3339(START + 90_000), validate: true }))).toBe('EGeneral:Invalid arguments:deadline');
  });
});

describe('Sandbox behaviour: ClosedOrders that lags', () => {
  it('leaves a closed order out of the next N ClosedOrders reads while QueryOrders already sees it closed', async () => {
    const s = await start();
    s.setBehaviour({ orders: { closedOrdersLag: 2 } });
    const ex = ccxtFor(s);
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, { clientOrderId: CID });
    const closed = async () => (await ex.fetchClosedOrders(undefined, undefined, undefined, { clientOrderId: CID })).length;
    const open = async () => (await ex.fetchOpenOrders(undefined, undefined, undefined, { clientOrderId: CID })).length;
    expect([await open(), await closed()]).toEqual([0, 0]);
    expect(info(await ex.fetchOrder(placed.id!, 'BTC/USD')).status).toBe('closed');
    expect(s.account().orders[0]!.closedOrdersLagLeft).toBe(1);
    expect(await closed()).toBe(0);
    expect(await closed()).toBe(1);
    expect(await closed()).toBe(1);
  });
});
