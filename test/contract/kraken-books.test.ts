// Contract tests: what the Kraken adapter hands the books. Real ccxt against the project's sandbox;
// replies the sandbox is told to garble are replaced at ccxt's private-call seam.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { ExchangeError } from '../../functions/core/ports.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const START_MS = Date.UTC(2026, 2, 4, 10, 0, 0);
const cid = (n: number) => n.toString(16).padStart(32, '0');

let sandbox: SandboxHandle;
let exchange: KrakenExchangeAdapter;
/** The adapter's ccxt instance, to replace one private call's reply. */
let ccxt: Record<string, unknown>;

beforeEach(async () => {
  sandbox = await startSandbox({ startTimeMs: START_MS, balances: { USD: 1000 } });
  exchange = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false, fillPollDelayMs: 0 });
  ccxt = (exchange as unknown as { ex: Record<string, unknown> }).ex;
});
afterEach(async () => {
  await sandbox.close();
});

async function failure(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected a failure');
}

describe('Kraken adapter: balances as the books read them', () => {
  it('counts Auto Earn (.F) balances as tradable BTC and reports staked ones as locked', async () => {
    await exchange.loadMarkets(['BTC/USD']);
    ccxt.privatePostBalanceEx = async () => ({
      error: [],
      result: {
        ZUSD: { balance: '100.0000', hold_trade: '10.0000' },
        XXBT: { balance: '0.0100000000', hold_trade: '0.0000000000' },
        'XBT.F': { balance: '0.4000000000', hold_trade: '0.0000000000' },
        'XBT.B': { balance: '0.2000000000' },
        'ETH2.S': { balance: '1.5000000000' },
      },
    });
    const balances = await exchange.fetchBalances();
    expect(balances.BTC).toEqual({ free: 0.41, total: 0.41, parts: { spot: 0.01, F: 0.4 }, locked: { B: 0.2 } });
    expect(balances.USD).toEqual({ free: 90, total: 100, parts: { spot: 100 } });
    expect(balances.ETH2?.locked).toEqual({ S: 1.5 });
  });

  it('a BalanceEx reply with no assets, or a balance that is not a number, is unavailable, never an empty account', async () => {
    await exchange.loadMarkets(['BTC/USD']);
    ccxt.privatePostBalanceEx = async () => ({ error: [], result: {} });
    expect((await failure(exchange.fetchBalances())).kind).toBe('unavailable');
    ccxt.privatePostBalanceEx = async () => ({ error: [], result: { ZUSD: { balance: 'garbage' } } });
    const err = await failure(exchange.fetchBalances());
    expect(err.kind).toBe('unavailable');
    expect(err.message).toMatch(/ZUSD does not parse/);
  });

  it('reads Auto Earn balances the sandbox keeps under XBT.F as tradable, and sells them', async () => {
    sandbox.setBalances({ BTC: 0.004 });
    sandbox.setBehaviour({ autoEarn: { BTC: 1 } });
    expect(sandbox.krakenBalances()).toMatchObject({ 'XBT.F': 0.004 });
    const balances = await exchange.fetchBalances();
    expect(balances.BTC).toMatchObject({ free: 0.004, total: 0.004 });
    expect(balances.BTC!.parts?.F).toBe(0.004);
    const sold = await exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(9), amountBase: 0.004 });
    expect(sold).toMatchObject({ status: 'closed', filledBase: 0.004 });
    expect((await exchange.fetchBalances()).BTC?.total ?? 0).toBe(0);
  });

  it('reads the sandbox account through BalanceEx', async () => {
    expect((await exchange.fetchBalances()).USD).toMatchObject({ free: 1000, total: 1000 });
  });
});

describe('Kraken adapter: markets as the books read them', () => {
  it('a market without lot precision is left out and named; the other pairs load', async () => {
    await exchange.loadMarkets(['BTC/USD']);
    const markets = ccxt.markets as Record<string, { precision: { amount?: number } }>;
    markets['ETH/USD']!.precision.amount = undefined;
    (exchange as unknown as { marketCache: Map<string, unknown> }).marketCache.clear();
    const loaded = await exchange.loadMarkets(['BTC/USD', 'ETH/USD', 'NOPE/USD']);
    expect(Object.keys(loaded)).toEqual(['BTC/USD']);
    expect(exchange.marketIssue('ETH/USD')).toMatch(/precision missing/);
    expect(exchange.marketIssue('NOPE/USD')).toMatch(/lists no market NOPE\/USD/);
  });

  it('keeps the last good markets when a refresh fails', async () => {
    const clock = { now: START_MS, nowMs: () => clock.now, sleep: async () => undefined };
    const fresh = new KrakenExchangeAdapter({ baseUrl: sandbox.url, enableRateLimit: false, clock, marketsMaxAgeMs: 60_000 });
    expect(Object.keys(await fresh.loadMarkets(['BTC/USD']))).toEqual(['BTC/USD']);
    sandbox.faults.failNext('EService:Unavailable', { count: 5 });
    clock.now += 120_000;
    expect(Object.keys(await fresh.loadMarkets(['BTC/USD']))).toEqual(['BTC/USD']);
  });
});

describe('Kraken adapter: orders as the books send them', () => {
  it('sends the fee in quote (fciq) on buys and sells, and a deadline', async () => {
    const sent: Array<Record<string, unknown>> = [];
    const real = ccxt.privatePostAddOrder as (p: Record<string, unknown>) => Promise<unknown>;
    ccxt.privatePostAddOrder = async (p: Record<string, unknown>) => {
      sent.push({ ...p });
      delete p.deadline; // today's sandbox does not know the parameter; Kraken requires it within 60 s
      return real.call(ccxt, p);
    };
    const deadlineMs = Date.now() + 30_000;
    await exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(1), costQuote: 100, deadlineMs });
    const held = (await exchange.fetchBalances()).BTC!.free;
    await exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(2), amountBase: held, deadlineMs });
    expect(sent.map((p) => p.oflags)).toEqual(['fciq,viqc', 'fciq']);
    expect(sent[0]!.deadline).toBe(new Date(Math.floor(deadlineMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    expect(sandbox.orders().map((o) => o.oflags.split(',').includes('fciq'))).toEqual([true, true]);
  });

  it('validate-only: no txid means checked, not executed; a txid means it executed and is read like any order', async () => {
    const validated = await exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(3), costQuote: 50, validateOnly: true });
    expect(validated.status).toBe('validated');
    expect(sandbox.orders()).toHaveLength(0);
    // A reply that carries a txid although validate was asked: Kraken executed it.
    const real = ccxt.privatePostAddOrder as (p: Record<string, unknown>) => Promise<unknown>;
    ccxt.privatePostAddOrder = async (p: Record<string, unknown>) => real.call(ccxt, { ...p, validate: undefined });
    const executed = await exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(4), costQuote: 50, validateOnly: true });
    expect(executed).toMatchObject({ status: 'closed', clientOrderId: cid(4) });
    expect(executed.filledBase).toBeGreaterThan(0);
    expect(sandbox.orders()).toHaveLength(1);
  });
});

describe('Kraken adapter: reads that scale with the number of pairs', () => {
  it('reads every pair\'s ticker with one Ticker call, leaving out pairs Kraken does not list', async () => {
    const before = sandbox.callCounts().Ticker ?? 0;
    const tickers = await exchange.fetchTickers(['BTC/USD', 'ETH/USD', 'SOL/USD', 'NOPE/USD']);
    expect(Object.keys(tickers).sort()).toEqual(['BTC/USD', 'ETH/USD', 'SOL/USD']);
    expect((sandbox.callCounts().Ticker ?? 0) - before).toBe(1);
    for (const t of Object.values(tickers)) expect(t.ask).toBeGreaterThan(t.bid);
    expect(tickers['BTC/USD']!.last).toBeCloseTo(sandbox.priceNow('BTC/USD'), -1);
  });
});

describe('Kraken adapter: sub-cent markets', () => {
  it('loads PEPE/USD with whole-unit lots and buys it by cost', async () => {
    const s = await startSandbox({ startTimeMs: START_MS, pairs: ['BTC/USD', 'PEPE/USD', 'SHIB/USD'], balances: { USD: 100 } });
    try {
      const ex = new KrakenExchangeAdapter({ baseUrl: s.url, apiKey: s.apiKey, secret: s.apiSecret, enableRateLimit: false, fillPollDelayMs: 0 });
      const markets = await ex.loadMarkets(['PEPE/USD', 'SHIB/USD']);
      expect(markets['PEPE/USD']).toMatchObject({ base: 'PEPE', amountDecimals: 0, priceDecimals: 10, minAmountBase: 1_000_000 });
      expect(markets['SHIB/USD']).toMatchObject({ amountDecimals: 5, priceDecimals: 9 });
      const fill = await ex.placeMarketOrder({ side: 'buy', pair: 'PEPE/USD', clientOrderId: cid(21), costQuote: 20 });
      expect(fill.status).toBe('closed');
      expect(Number.isInteger(fill.filledBase)).toBe(true);
      expect(fill.averagePrice).toBeLessThan(0.0001);
      expect(fill.costQuote).toBeCloseTo(20, 0);
    } finally {
      await s.close();
    }
  });
});
