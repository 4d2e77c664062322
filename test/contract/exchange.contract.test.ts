// Contract tests: one ExchangePort suite, run against (a) the ccxt Kraken adapter signed into the
// local Kraken sandbox through the real ccxt client, and (b) the paper exchange on the sandbox's
// public data with its wallet in the in-memory store. Then the sandbox-only failure modes the
// order protocol depends on (auth, nonces, injected errors, 5xx, lost replies, cl_ord_id reuse).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { PaperExchange } from '../../functions/adapters/paper/paperExchange.js';
import { closedCandles, lastClosedCandleCloseMs } from '../../functions/core/candles.js';
import { ExchangeError, type ExchangePort } from '../../functions/core/ports.js';
import { FIVE_MINUTES_MS } from '../../functions/core/types.js';
import { krakenSignature } from '../../functions/sandbox/krakenSignature.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const START_MS = Date.UTC(2026, 2, 2, 12, 2, 30);

/** What the shared suite needs from each implementation. */
interface Harness {
  exchange: ExchangePort;
  sandbox: SandboxHandle;
  /** Sets the balances the exchange under test trades with (asset code → amount). */
  fund(balances: Record<string, number>): Promise<void>;
  close(): Promise<void>;
}

async function ccxtHarness(): Promise<Harness> {
  const sandbox = await startSandbox({ startTimeMs: START_MS, balances: { USD: 0 } });
  const exchange = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false, fillPollDelayMs: 0 });
  return {
    exchange,
    sandbox,
    fund: async (balances) => sandbox.setBalances(balances),
    close: () => sandbox.close(),
  };
}

async function paperHarness(): Promise<Harness> {
  const sandbox = await startSandbox({ startTimeMs: START_MS });
  const store = new MemoryStore();
  const source = new KrakenExchangeAdapter({ baseUrl: sandbox.url, enableRateLimit: false });
  const exchange = new PaperExchange({
    source,
    store,
    startingBalances: { USD: 1000 },
    slippageBps: 5,
    takerFeeRate: 0.004,
    clock: { nowMs: () => sandbox.nowMs(), sleep: async () => undefined },
  });
  return {
    exchange,
    sandbox,
    fund: async (balances) => {
      await exchange.fetchBalances(); // funds the wallet on first use
      const wallet = (await store.getWallet())!;
      expect(await store.putWallet({ ...balances }, wallet.version)).toBe(true);
    },
    close: () => sandbox.close(),
  };
}

/** The sandbox's best ask and bid right now (what a small market order fills at). */
async function bestPrices(sandbox: SandboxHandle, krakenPair = 'XBTUSD'): Promise<{ ask: number; bid: number }> {
  const res = (await (await fetch(`${sandbox.url}/0/public/Depth?pair=${krakenPair}&count=1`)).json()) as {
    result: Record<string, { asks: string[][]; bids: string[][] }>;
  };
  const book = Object.values(res.result)[0]!;
  return { ask: Number(book.asks[0]![0]), bid: Number(book.bids[0]![0]) };
}

/** The ExchangeError a call throws (fails the test when it does not throw one). */
async function exchangeErrorOf(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected an ExchangeError, the call succeeded');
}

const cid = (n: number) => n.toString(16).padStart(32, '0');

/** The shared ExchangePort contract. */
function exchangeContract(name: string, makeHarness: () => Promise<Harness>): void {
  describe(`Contract: ExchangePort (${name})`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.close();
    });

    it('loads markets with Kraken’s minimums, precision and fees', async () => {
      const markets = await h.exchange.loadMarkets(['BTC/USD', 'ETH/USD', 'SOL/USD']);
      expect(markets['BTC/USD']).toEqual({
        pair: 'BTC/USD',
        base: 'BTC',
        quote: 'USD',
        amountDecimals: 8,
        priceDecimals: 1,
        minAmountBase: 0.00005,
        minCostQuote: 0.5,
        takerFeeRate: 0.004,
        makerFeeRate: 0.0025,
        active: true,
      });
      expect(markets['ETH/USD']).toMatchObject({ base: 'ETH', minAmountBase: 0.002, priceDecimals: 2, amountDecimals: 8 });
      expect(markets['SOL/USD']).toMatchObject({ base: 'SOL', minAmountBase: 0.06, priceDecimals: 2 });
      // An unlisted pair is left out and named, never a throw that would hide the others.
      const mixed = await h.exchange.loadMarkets(['DOGE/USD', 'BTC/USD']);
      expect(Object.keys(mixed)).toEqual(['BTC/USD']);
      expect(h.exchange.marketIssue?.('DOGE/USD')).toMatch(/DOGE\/USD/);
    });

    it('returns 720 candles with the still-forming one last', async () => {
      const candles = await h.exchange.fetchCandles5m('BTC/USD');
      const now = h.sandbox.nowMs();
      expect(candles).toHaveLength(720);
      expect(candles.at(-1)!.openTimeMs).toBe(Math.floor(now / FIVE_MINUTES_MS) * FIVE_MINUTES_MS);
      expect(candles.every((c, i) => i === 0 || c.openTimeMs - candles[i - 1]!.openTimeMs === FIVE_MINUTES_MS)).toBe(true);
      const committed = h.sandbox.candles('BTC/USD').at(-1)!;
      expect(candles.at(-2)).toEqual(committed);
      const closed = closedCandles(candles, lastClosedCandleCloseMs(now));
      expect(closed).toHaveLength(719);
      const since = committed.openTimeMs - 2 * FIVE_MINUTES_MS;
      expect((await h.exchange.fetchCandles5m('BTC/USD', since)).map((c) => c.openTimeMs)).toEqual([since, since + FIVE_MINUTES_MS, committed.openTimeMs, committed.openTimeMs + FIVE_MINUTES_MS]);
    });

    it('gives a ticker around the current price', async () => {
      const t = await h.exchange.fetchTicker('BTC/USD');
      const price = h.sandbox.priceNow('BTC/USD');
      expect(t.bid).toBeLessThan(t.ask);
      expect(t.last).toBeCloseTo(price, 4);
      expect(t.quoteVolume24h).toBeGreaterThan(0);
    });

    it('buys by cost at the ask and charges the 0.40% taker fee in quote', async () => {
      await h.fund({ USD: 1000 });
      const { ask } = await bestPrices(h.sandbox);
      const order = await h.exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(1), costQuote: 100 });
      expect(order).toMatchObject({ clientOrderId: cid(1), pair: 'BTC/USD', side: 'buy', status: 'closed' });
      expect(order.exchangeOrderId).not.toBe('');
      expect(order.averagePrice).toBeCloseTo(ask, 2);
      expect(order.filledBase).toBe(Math.floor((100 / ask) * 1e8) / 1e8);
      expect(order.costQuote).toBeCloseTo(order.filledBase * ask, 4);
      expect(order.costQuote).toBeLessThanOrEqual(100);
      expect(order.feeQuote).toBeCloseTo(order.costQuote * 0.004, 4);
      const balances = await h.exchange.fetchBalances();
      expect(balances.BTC!.total).toBeCloseTo(order.filledBase, 10);
      expect(balances.USD!.total).toBeCloseTo(1000 - order.costQuote - order.feeQuote, 3);
      expect(balances.USD!.free).toBe(balances.USD!.total);
    });

    it('sells by amount at the bid with the fee taken from the proceeds', async () => {
      await h.fund({ USD: 0, BTC: 0.01 });
      const { bid } = await bestPrices(h.sandbox);
      const order = await h.exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(2), amountBase: 0.004 });
      expect(order).toMatchObject({ side: 'sell', status: 'closed', filledBase: 0.004 });
      expect(order.averagePrice).toBeCloseTo(bid, 2);
      expect(order.costQuote).toBeCloseTo(0.004 * bid, 4);
      expect(order.feeQuote).toBeCloseTo(order.costQuote * 0.004, 4);
      const balances = await h.exchange.fetchBalances();
      expect(balances.BTC!.total).toBeCloseTo(0.006, 10);
      expect(balances.USD!.total).toBeCloseTo(order.costQuote - order.feeQuote, 3);
    });

    it('sells a whole balance: the fee is paid in quote, not out of the base being sold', async () => {
      await h.fund({ USD: 0, BTC: 0.0025 });
      const order = await h.exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(21), amountBase: 0.0025 });
      expect(order.filledBase).toBe(0.0025);
      const balances = await h.exchange.fetchBalances();
      expect(balances.BTC?.total ?? 0).toBe(0);
      expect(balances.USD!.total).toBeCloseTo(order.costQuote - order.feeQuote, 3);
    });

    it('rejects orders below Kraken’s minimums', async () => {
      await h.fund({ USD: 1000, BTC: 0.01 });
      const tooCheap = await exchangeErrorOf(h.exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(3), costQuote: 0.4 }));
      expect(tooCheap.kind).toBe('rejected');
      expect(tooCheap.exchangeMessage).toBe('EOrder:Order minimum not met');
      const tooSmall = await exchangeErrorOf(h.exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(4), amountBase: 0.00004 }));
      expect(tooSmall.kind).toBe('rejected');
      expect(tooSmall.exchangeMessage).toBe('EOrder:Order minimum not met');
      const balances = await h.exchange.fetchBalances();
      expect(balances.USD!.total).toBe(1000);
      expect(balances.BTC!.total).toBe(0.01);
    });

    it('rejects an order the balance cannot pay with EOrder:Insufficient funds', async () => {
      await h.fund({ USD: 50 });
      const buy = await exchangeErrorOf(h.exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(5), costQuote: 100 }));
      expect(buy.kind).toBe('rejected');
      expect(buy.exchangeMessage).toBe('EOrder:Insufficient funds');
      const sell = await exchangeErrorOf(h.exchange.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: cid(6), amountBase: 0.001 }));
      expect(sell.exchangeMessage).toBe('EOrder:Insufficient funds');
      expect((await h.exchange.fetchBalances()).USD!.total).toBe(50);
      expect(await h.exchange.findOrderByClientId('BTC/USD', cid(5), START_MS - 60_000)).toBeUndefined();
    });

    it('finds a filled order by client order id, and nothing for an unknown id', async () => {
      await h.fund({ USD: 1000 });
      const placed = await h.exchange.placeMarketOrder({ side: 'buy', pair: 'ETH/USD', clientOrderId: cid(7), costQuote: 50 });
      const found = await h.exchange.findOrderByClientId('ETH/USD', cid(7), START_MS - 60_000);
      expect(found).toBeDefined();
      expect(found).toMatchObject({
        exchangeOrderId: placed.exchangeOrderId,
        clientOrderId: cid(7),
        pair: 'ETH/USD',
        side: 'buy',
        status: 'closed',
        filledBase: placed.filledBase,
      });
      expect(found!.costQuote).toBeCloseTo(placed.costQuote, 6);
      expect(found!.feeQuote).toBeCloseTo(placed.feeQuote, 6);
      expect(await h.exchange.findOrderByClientId('ETH/USD', cid(8), START_MS - 60_000)).toBeUndefined();
    });

    it('validateOnly checks the order but executes nothing', async () => {
      await h.fund({ USD: 1000 });
      const order = await h.exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(9), costQuote: 100, validateOnly: true });
      expect(order.status).toBe('validated');
      expect(order.filledBase).toBe(0);
      expect((await h.exchange.fetchBalances()).USD!.total).toBe(1000);
      expect(await h.exchange.findOrderByClientId('BTC/USD', cid(9), START_MS - 60_000)).toBeUndefined();
      const tooSmall = await exchangeErrorOf(h.exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(10), costQuote: 0.1, validateOnly: true }));
      expect(tooSmall.kind).toBe('rejected');
    });

    it('states the taker fee rate it charges', async () => {
      expect(await h.exchange.fetchTakerFeeRate?.('BTC/USD')).toBe(0.004);
    });
  });
}

exchangeContract('ccxt Kraken adapter → sandbox', ccxtHarness);
exchangeContract('paper exchange on sandbox public data', paperHarness);

describe('Kraken adapter against the sandbox: failure modes', () => {
  let sandbox: SandboxHandle;
  let exchange: KrakenExchangeAdapter;
  beforeEach(async () => {
    sandbox = await startSandbox({ startTimeMs: START_MS, balances: { USD: 1000 } });
    exchange = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false, fillPollDelayMs: 0 });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const buy = (n: number, costQuote = 100) => exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(n), costQuote });

  it('maps a bad signature and an unknown key to auth errors, and executes nothing', async () => {
    const wrongSecret = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: Buffer.from('another secret of 32 bytes......').toString('base64'), enableRateLimit: false });
    const sig = await exchangeErrorOf(wrongSecret.fetchBalances());
    expect(sig.kind).toBe('auth');
    expect(sig.exchangeMessage).toBe('EAPI:Invalid signature');
    const order = await exchangeErrorOf(wrongSecret.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(11), costQuote: 10 }));
    expect(order.kind).toBe('auth');
    const wrongKey = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: 'not-the-key', secret: sandbox.apiSecret, enableRateLimit: false });
    const key = await exchangeErrorOf(wrongKey.fetchBalances());
    expect(key.kind).toBe('auth');
    expect(key.exchangeMessage).toBe('EAPI:Invalid key');
    expect(sig.message).not.toContain(sandbox.apiKey);
    expect(sandbox.orders()).toHaveLength(0);
  });

  it('maps a replayed or lower nonce to EAPI:Invalid nonce (unavailable), executing nothing', async () => {
    // Another client used a nonce far ahead of ccxt's Date.now() nonces.
    const nonce = String(Date.now() + 3_600_000);
    const body = `nonce=${nonce}`;
    const res = await fetch(`${sandbox.url}/0/private/Balance`, {
      method: 'POST',
      headers: { 'API-Key': sandbox.apiKey, 'API-Sign': krakenSignature('/0/private/Balance', nonce, body, sandbox.apiSecret), 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    expect(((await res.json()) as { error: string[] }).error).toEqual([]);
    const replay = await fetch(`${sandbox.url}/0/private/Balance`, {
      method: 'POST',
      headers: { 'API-Key': sandbox.apiKey, 'API-Sign': krakenSignature('/0/private/Balance', nonce, body, sandbox.apiSecret) },
      body,
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ error: ['EAPI:Invalid nonce'], result: {} });
    const read = await exchangeErrorOf(exchange.fetchBalances());
    expect(read.kind).toBe('unavailable');
    expect(read.exchangeMessage).toBe('EAPI:Invalid nonce');
    const order = await exchangeErrorOf(buy(12));
    expect(order.kind).toBe('unavailable');
    expect(sandbox.orders()).toHaveLength(0);
  });

  it('maps an injected EService:Unavailable to unavailable on reads (and ambiguous on AddOrder, which then finds nothing)', async () => {
    sandbox.faults.failNext('EService:Unavailable', { method: 'BalanceEx' });
    const read = await exchangeErrorOf(exchange.fetchBalances());
    expect(read.kind).toBe('unavailable');
    expect(read.exchangeMessage).toBe('EService:Unavailable');
    expect((await exchange.fetchBalances()).USD!.total).toBe(1000);

    sandbox.faults.failNext('EService:Unavailable', { method: 'AddOrder' });
    const order = await exchangeErrorOf(buy(13));
    expect(order.kind).toBe('ambiguous');
    expect(sandbox.orders()).toHaveLength(0);
    expect(await exchange.findOrderByClientId('BTC/USD', cid(13), START_MS)).toBeUndefined();
  });

  it('maps HTTP 5xx to unavailable on reads and ambiguous on AddOrder', async () => {
    sandbox.faults.httpErrorNext({ status: 502, method: 'OHLC' });
    expect((await exchangeErrorOf(exchange.fetchCandles5m('BTC/USD'))).kind).toBe('unavailable');
    sandbox.faults.httpErrorNext({ status: 503, method: 'AddOrder' });
    expect((await exchangeErrorOf(buy(14))).kind).toBe('ambiguous');
    expect(sandbox.orders()).toHaveLength(0);
    // A gateway error after Kraken processed the order: it executed; only the lookup can tell.
    sandbox.faults.httpErrorNext({ status: 504, method: 'AddOrder', afterProcessing: true });
    expect((await exchangeErrorOf(buy(15))).kind).toBe('ambiguous');
    expect(sandbox.orders()).toHaveLength(1);
    expect((await exchange.findOrderByClientId('BTC/USD', cid(15), START_MS))?.status).toBe('closed');
  });

  it('accept-but-drop-reply: the adapter says ambiguous, the order executed, and the lookup finds it', async () => {
    sandbox.faults.dropReplyNext();
    const err = await exchangeErrorOf(buy(16));
    expect(err.kind).toBe('ambiguous');
    const placed = sandbox.orders();
    expect(placed).toHaveLength(1);
    expect(placed[0]).toMatchObject({ clOrdId: cid(16), status: 'closed', side: 'buy' });
    const found = await exchange.findOrderByClientId('BTC/USD', cid(16), START_MS);
    expect(found).toMatchObject({ exchangeOrderId: placed[0]!.txid, status: 'closed', filledBase: placed[0]!.volumeBase });
    expect(found!.costQuote).toBeCloseTo(placed[0]!.costQuote, 5);
    expect(sandbox.getBalances().BTC).toBe(placed[0]!.volumeBase);
  });

  it('a request timeout on AddOrder is ambiguous while the order still executes', async () => {
    const impatient = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false, timeoutMs: 300 });
    // Loading markets may itself time out on a busy machine; the adapter retries a failed load.
    for (let i = 0; i < 10; i++) if (await impatient.loadMarkets(['BTC/USD']).then(() => true, () => false)) break;
    sandbox.faults.setLatency(900, 'AddOrder');
    const err = await exchangeErrorOf(impatient.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: cid(17), costQuote: 20 }));
    expect(err.kind).toBe('ambiguous');
    for (let i = 0; i < 200 && sandbox.orders().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sandbox.orders().map((o) => o.clOrdId)).toEqual([cid(17)]);
    sandbox.faults.clear();
    expect(await exchange.findOrderByClientId('BTC/USD', cid(17), START_MS)).toMatchObject({ status: 'closed' });
  });

  it('Kraken trades a closed order’s cl_ord_id again: a blind retry duplicates the fill (why the bot looks up first)', async () => {
    const first = await buy(18);
    const second = await buy(18);
    expect(second.exchangeOrderId).not.toBe(first.exchangeOrderId);
    expect(sandbox.orders().filter((o) => o.clOrdId === cid(18))).toHaveLength(2);
    expect(sandbox.getBalances().BTC).toBeCloseTo(first.filledBase + second.filledBase, 10);
    // The lookup reports the first fill.
    expect((await exchange.findOrderByClientId('BTC/USD', cid(18), START_MS))?.exchangeOrderId).toBe(first.exchangeOrderId);
  });

  it('when the fill cannot be read after AddOrder succeeded it never says rejected', async () => {
    sandbox.faults.failNext('EService:Unavailable', { method: 'QueryOrders', count: 5 });
    const viaLookup = await buy(19);
    expect(viaLookup).toMatchObject({ status: 'closed', clientOrderId: cid(19) });
    expect(viaLookup.filledBase).toBeGreaterThan(0);

    sandbox.faults.failNext('EService:Unavailable', { method: 'QueryOrders', count: 5 });
    sandbox.faults.failNext('EService:Unavailable', { method: 'OpenOrders', count: 5 });
    const err = await exchangeErrorOf(buy(20));
    expect(err.kind).toBe('ambiguous');
    expect(err.message).toContain(sandbox.orders().at(-1)!.txid);
    expect(sandbox.orders()).toHaveLength(2);
  });

  it('recovers after the markets failed to load once (ccxt would keep the failed load)', async () => {
    const fresh = new KrakenExchangeAdapter({ baseUrl: sandbox.url, enableRateLimit: false });
    sandbox.faults.httpErrorNext({ status: 503, method: 'AssetPairs' });
    expect((await exchangeErrorOf(fresh.loadMarkets(['BTC/USD']))).kind).toBe('unavailable');
    expect((await fresh.loadMarkets(['BTC/USD']))['BTC/USD']!.minAmountBase).toBe(0.00005);
  });

  it('queues private calls, so a slow call cannot let a later nonce reach Kraken first', async () => {
    await exchange.loadMarkets(['BTC/USD']);
    // Unqueued, BalanceEx (issued second, higher nonce) would be processed while TradeVolume waits,
    // and TradeVolume would then fail with EAPI:Invalid nonce.
    sandbox.faults.setLatency(150, 'TradeVolume');
    const [fee, balances] = await Promise.all([exchange.fetchTakerFeeRate('BTC/USD'), exchange.fetchBalances()]);
    expect(fee).toBe(0.004);
    expect(balances.USD!.total).toBe(1000);
  });

  it('reads the account’s taker fee from TradeVolume and sends strictly increasing nonces', async () => {
    expect(await exchange.fetchTakerFeeRate('BTC/USD')).toBe(0.004);
    // Concurrent private calls are queued, so their nonces arrive in order and all are accepted.
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => exchange.fetchBalances()));
    expect(results.every((b) => b.USD!.total === 1000)).toBe(true);
    expect(sandbox.callCounts().BalanceEx).toBe(5);
    const keyless = new KrakenExchangeAdapter({ baseUrl: sandbox.url, enableRateLimit: false });
    expect(await keyless.fetchTakerFeeRate('BTC/USD')).toBeUndefined();
  });

  it('answers fee lookups issued together (as a tick does, behind its balance read) with one TradeVolume call', async () => {
    await exchange.loadMarkets(['BTC/USD']);
    const [balances, ...fees] = await Promise.all([
      exchange.fetchBalances(),
      ...['BTC/USD', 'ETH/USD', 'SOL/USD', 'DOGE/USD'].map((pair) => exchange.fetchTakerFeeRate(pair)),
    ]);
    expect(balances.USD!.total).toBe(1000);
    // DOGE/USD is not listed: no rate, as a lookup of it alone would give.
    expect(fees).toEqual([0.004, 0.004, 0.004, undefined]);
    expect(sandbox.callCounts().TradeVolume).toBe(1);
    expect(await exchange.fetchTakerFeeRate('ETH/USD')).toBe(0.004);
    expect(sandbox.callCounts().TradeVolume).toBe(2);
  });
});
