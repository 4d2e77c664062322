// Unit tests: balances under Kraken's extension assets and fees taken in base, through the real ccxt
// client (and the bot's Kraken adapter on top of it): BalanceEx and Balance, sells drawing on spot
// then `.F`, staked balances that cannot be sold, Auto Earn sweeping buys into `.F`.
import { afterEach, describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { InsufficientFunds, kraken } from '../../functions/adapters/kraken/ccxtKraken.js';
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

/** ccxt's Kraken class pointed at the sandbox, with its own increasing nonces. */
function ccxtFor(s: SandboxHandle): kraken {
  const ex = new kraken({ apiKey: s.apiKey, secret: s.apiSecret, enableRateLimit: false });
  ex.urls.api = { ...(ex.urls.api as Record<string, string>), public: s.url, private: s.url };
  let n = Date.now() * 1000;
  ex.nonce = () => ++n;
  return ex;
}

const info = (o: { info: unknown }) => o.info as Record<string, string>;

describe('Sandbox behaviour: extension balances', () => {
  it('reports spot, Auto Earn (.F) and staked (.S) balances in BalanceEx and Balance; getBalances counts only the tradable ones', async () => {
    const s = await start({ balances: { USD: 100, BTC: 0.3, 'BTC.F': 0.5, 'XBT.S': 0.2 } });
    // The bot's adapter reads the reply as Kraken's: .F tradable, .S locked. (It goes first: its
    // millisecond nonces are below the helper's.)
    const adapter = new KrakenExchangeAdapter({ baseUrl: s.url, apiKey: s.apiKey, secret: s.apiSecret, enableRateLimit: false });
    expect((await adapter.fetchBalances()).BTC).toEqual({ free: 0.8, total: 0.8, parts: { spot: 0.3, F: 0.5 }, locked: { S: 0.2 } });
    const ex = ccxtFor(s);
    const zero = '0.0000000000';
    expect((await ex.privatePostBalanceEx()).result).toEqual({
      ZUSD: { balance: '100.0000', credit: '0.0000', credit_used: '0.0000', hold_trade: '0.0000' },
      XXBT: { balance: '0.3000000000', credit: zero, credit_used: zero, hold_trade: zero },
      'XBT.F': { balance: '0.5000000000', credit: zero, credit_used: zero, hold_trade: zero },
      'XBT.S': { balance: '0.2000000000', credit: zero, credit_used: zero, hold_trade: zero },
    });
    expect((await ex.privatePostBalance()).result).toEqual({ ZUSD: '100.0000', XXBT: '0.3000000000', 'XBT.F': '0.5000000000', 'XBT.S': '0.2000000000' });
    expect(s.getBalances()).toEqual({ USD: 100, BTC: 0.8 });
    expect(s.krakenBalances()).toEqual({ ZUSD: 100, XXBT: 0.3, 'XBT.F': 0.5, 'XBT.S': 0.2 });
  });

  it('sells draw on the spot balance, then on .F; staked coins cannot be sold; buys credit spot', async () => {
    const s = await start({ balances: { USD: 100, BTC: 0.3, 'BTC.F': 0.5, 'BTC.S': 0.2 } });
    const ex = ccxtFor(s);
    const sold = await ex.createOrder('BTC/USD', 'market', 'sell', 0.6, undefined, { oflags: 'fciq' });
    const sale = info(await ex.fetchOrder(sold.id!, 'BTC/USD'));
    expect(sale.vol_exec).toBe('0.60000000');
    expect(s.krakenBalances()).toEqual({ ZUSD: Math.round((100 + Number(sale.cost) - Number(sale.fee)) * 1e5) / 1e5, XXBT: 0, 'XBT.F': 0.2, 'XBT.S': 0.2 });
    // 0.2 BTC is tradable (on .F); the staked 0.2 is not.
    await expect(ex.createOrder('BTC/USD', 'market', 'sell', 0.3, undefined, { oflags: 'fciq' })).rejects.toBeInstanceOf(InsufficientFunds);
    const bought = await ex.createMarketBuyOrderWithCost('BTC/USD', 1000, {});
    const buy = info(await ex.fetchOrder(bought.id!, 'BTC/USD'));
    expect(s.krakenBalances()).toMatchObject({ XXBT: Number(buy.vol_exec), 'XBT.F': 0.2, 'XBT.S': 0.2 });
    expect(s.getBalances().BTC).toBeCloseTo(0.2 + Number(buy.vol_exec), 10);
    // The control route shows the same, by Kraken key.
    const account = (await fetch(`${s.url}/_sandbox/account`).then((r) => r.json())) as { balances: Record<string, number>; tradable: Record<string, number> };
    expect(account.balances).toEqual(s.krakenBalances());
    expect(account.tradable).toEqual(s.getBalances());
  });

  it('Auto Earn sweeps the armed share of a tradable balance into .F, and a sale draws it back', async () => {
    const s = await start({ balances: { USD: 1000, ETH: 2 } });
    s.setBehaviour({ autoEarn: { ETH: 0.75, BTC: 1 } });
    expect(s.krakenBalances()).toEqual({ ZUSD: 1000, XETH: 0.5, 'ETH.F': 1.5 });
    const ex = ccxtFor(s);
    const bought = await ex.createMarketBuyOrderWithCost('BTC/USD', 200, {});
    const vol = Number(info(await ex.fetchOrder(bought.id!, 'BTC/USD')).vol_exec);
    expect(s.krakenBalances()).toMatchObject({ XXBT: 0, 'XBT.F': vol });
    await ex.createOrder('ETH/USD', 'market', 'sell', 1.2, undefined, { oflags: 'fciq' });
    // 0.8 ETH left, three quarters of it under .F again.
    expect(s.krakenBalances()).toMatchObject({ XETH: 0.2, 'ETH.F': 0.6 });
    expect(s.behaviour().autoEarn).toEqual({ ETH: 0.75, BTC: 1 });
    // Turning Auto Earn off leaves the coins where they are.
    s.setBehaviour({ autoEarn: null });
    await ex.createMarketBuyOrderWithCost('ETH/USD', 100, {});
    expect(s.krakenBalances()['ETH.F']).toBe(0.6);
    expect(s.krakenBalances().XETH).toBeGreaterThan(0.2);
  });
});

describe('Sandbox behaviour: fees taken in base', () => {
  it('credits vol_exec − fee/price in base on buys although fciq was asked, and still reports the fee in quote', async () => {
    const s = await start({ balances: { USD: 1000 } });
    s.setBehaviour({ feeInBase: { buys: true } });
    const ex = ccxtFor(s);
    const placed = await ex.createMarketBuyOrderWithCost('BTC/USD', 100, { oflags: 'fciq' });
    const o = info(await ex.fetchOrder(placed.id!, 'BTC/USD'));
    expect(o.oflags).toBe('fciq,viqc');
    expect(Number(o.fee)).toBeCloseTo(Number(o.cost) * 0.004, 5);
    const volExec = Number(o.vol_exec);
    const feeBase = Math.round((Number(o.fee) / Number(o.price)) * 1e8) / 1e8;
    expect(feeBase).toBeGreaterThan(0);
    // The coins are short of vol_exec by the fee; the USD paid is the cost alone.
    expect(s.getBalances()).toEqual({ USD: Math.round((1000 - Number(o.cost)) * 1e5) / 1e5, BTC: Math.round((volExec - feeBase) * 1e8) / 1e8 });
    expect(s.orders()[0]).toMatchObject({ volumeBase: volExec, feeQuote: Number(o.fee) });
    // Sells are untouched by a buys-only switch: the fee comes out of the proceeds.
    const held = s.getBalances().BTC!;
    await ex.createOrder('BTC/USD', 'market', 'sell', held, undefined, { oflags: 'fciq' });
    expect(s.getBalances().BTC).toBe(0);
  });

  it('takes the fee in base on sells too when armed, so selling a whole balance cannot pay it', async () => {
    const s = await start({ balances: { USD: 0, BTC: 0.01 } });
    s.setBehaviour({ feeInBase: { sells: true } });
    const ex = ccxtFor(s);
    await expect(ex.createOrder('BTC/USD', 'market', 'sell', 0.01, undefined, { oflags: 'fciq' })).rejects.toBeInstanceOf(InsufficientFunds);
    await ex.createOrder('BTC/USD', 'market', 'sell', 0.005, undefined, { oflags: 'fciq' });
    const sale = s.orders()[0]!;
    // The proceeds arrive whole; the fee left the coins.
    expect(s.getBalances().USD).toBe(sale.costQuote);
    expect(s.getBalances().BTC).toBeCloseTo(0.005 - sale.feeQuote / sale.averagePrice, 8);
  });
});
