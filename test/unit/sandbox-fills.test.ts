// Unit tests: the sandbox's account side. Fill math against the synthetic book (prices, fees,
// rounding, balances), Kraken's refusals, validate, cl_ord_id reuse and the fee tiers.
import { beforeEach, describe, expect, it } from 'vitest';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { CandleSeries } from '../../functions/sandbox/candleSeries.js';
import { KrakenApiError } from '../../functions/sandbox/krakenApiError.js';
import { SandboxAccount } from '../../functions/sandbox/sandboxAccount.js';
import { SandboxClock } from '../../functions/sandbox/sandboxClock.js';
import { SandboxMarketData, type KrakenParams } from '../../functions/sandbox/sandboxMarketData.js';
import { SANDBOX_MARKETS } from '../../functions/sandbox/sandboxMarkets.js';
import { syntheticBook, walkByBase, walkByQuote } from '../../functions/sandbox/syntheticBook.js';

const T0 = Date.UTC(2025, 0, 1);
const PRICE = 40_000;
const NOW = T0 + 800 * FIVE_MINUTES_MS + 150_000;

/** A flat BTC market at 40,000 and ETH at 2,000: the book is then known exactly. */
function flat(price: number): Candle[] {
  return Array.from({ length: 1000 }, (_, i) => ({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open: price, high: price, low: price, close: price, volume: 5 }));
}

function setup(balances: Record<string, number> = { USD: 1000 }) {
  const clock = new SandboxClock(NOW, 0);
  const gen = { seed: 1, volatility5m: 0.001, baseVolume5m: 5 };
  const markets = SANDBOX_MARKETS.filter((m) => m.symbol === 'BTC/USD' || m.symbol === 'ETH/USD');
  const data = new SandboxMarketData(
    markets.map((market) => ({
      market,
      series: CandleSeries.replay(flat(market.symbol === 'BTC/USD' ? PRICE : 2_000), { ...gen, priceDecimals: market.pairDecimals }),
    })),
    clock,
  );
  const account = new SandboxAccount(data, clock, balances);
  const call = (method: string, params: KrakenParams = {}) => account.call(method, params) as Record<string, unknown>;
  const fail = (method: string, params: KrakenParams): string => {
    try {
      account.call(method, params);
    } catch (err) {
      expect(err).toBeInstanceOf(KrakenApiError);
      return (err as Error).message;
    }
    throw new Error(`${method} unexpectedly succeeded`);
  };
  return { clock, data, account, call, fail };
}

const buyCost = (usd: string, extra: KrakenParams = {}): KrakenParams => ({ pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: usd, oflags: 'viqc', ...extra });
const sell = (btc: string, extra: KrakenParams = {}): KrakenParams => ({ pair: 'XXBTZUSD', type: 'sell', ordertype: 'market', volume: btc, ...extra });

describe('Function: syntheticBook', () => {
  it('puts the spread around the mid and deepens away from it', () => {
    const btc = SANDBOX_MARKETS[0]!;
    const book = syntheticBook(PRICE, { spreadBps: btc.spreadBps, levelQuote: btc.levelQuote, priceDecimals: 1, lotDecimals: 8 }, 3);
    // 1 bp spread: half a bp (2.0) each side; 1 bp (4.0) between levels.
    expect(book.asks.map((l) => l.price)).toEqual([40_002, 40_006, 40_010]);
    expect(book.bids.map((l) => l.price)).toEqual([39_998, 39_994, 39_990]);
    expect(book.asks[0]!.volume).toBe(0.99995);
    expect(book.asks[1]!.volume).toBe(1.34979753);
  });

  it('walks levels by base and by quote', () => {
    const levels = [
      { price: 10, volume: 1 },
      { price: 11, volume: 2 },
    ];
    expect(walkByBase(levels, 2)).toEqual({ amountBase: 2, costQuote: 21, exhausted: false });
    expect(walkByBase(levels, 4).exhausted).toBe(true);
    const byQuote = walkByQuote(levels, 21);
    expect(byQuote.amountBase).toBeCloseTo(2, 12);
    expect(byQuote.exhausted).toBe(false);
  });
});

describe('Class: SandboxAccount (AddOrder fills)', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('buys by quote (viqc): base truncated to lot decimals, cost recomputed, 0.40% taker fee in quote', () => {
    const reply = s.call('AddOrder', buyCost('100', { cl_ord_id: 'a'.repeat(32) }));
    expect(reply.descr).toEqual({ order: 'buy 100.00000000 XBTUSD @ market' });
    const [txid] = reply.txid as string[];
    const order = (s.call('QueryOrders', { txid: txid!, trades: 'true' }) as Record<string, Record<string, unknown>>)[txid!]!;
    // 100 / 40002 = 0.0024998750… → 0.00249987; × 40002 = 99.99979974 → 99.99980; fee 0.39999920 → 0.40000.
    expect(order).toMatchObject({ status: 'closed', vol_exec: '0.00249987', cost: '99.99980', fee: '0.40000', cl_ord_id: 'a'.repeat(32), oflags: 'viqc,fciq' });
    expect(order.descr).toMatchObject({ pair: 'XBTUSD', type: 'buy', ordertype: 'market' });
    expect(order.trades).toHaveLength(1);
    // The average is the reported cost over the reported volume.
    expect(Number(order.price)).toBeCloseTo(99.9998 / 0.00249987, 5);
    expect(s.account.balances()).toEqual({ USD: 899.6002, BTC: 0.00249987 });
    expect(s.call('BalanceEx')).toEqual({
      ZUSD: { balance: '899.6002', credit: '0.0000', credit_used: '0.0000', hold_trade: '0.0000' },
      XXBT: { balance: '0.0024998700', credit: '0.0000000000', credit_used: '0.0000000000', hold_trade: '0.0000000000' },
    });
  });

  it('buys by base across two book levels at their volume-weighted price', () => {
    s.account.setBalances({ USD: 100_000 });
    const { txid } = s.call('AddOrder', { pair: 'XBTUSD', type: 'buy', ordertype: 'market', volume: '1.5' }) as { txid: string[] };
    const order = s.account.orders().find((o) => o.txid === txid[0])!;
    // 0.99995 @ 40002 + 0.50005 @ 40006.
    expect(order.volumeBase).toBe(1.5);
    expect(order.costQuote).toBe(60_005.0002);
    expect(order.averagePrice).toBeCloseTo(60_005.0002 / 1.5, 9);
    expect(order.feeQuote).toBe(240.02);
    expect(s.account.balances().USD).toBeCloseTo(100_000 - 60_005.0002 - 240.02, 8);
  });

  it('sells by base at the bid with the fee (fciq) taken from the proceeds', () => {
    s.account.setBalances({ USD: 0, BTC: 0.01 });
    s.call('AddOrder', sell('0.004', { oflags: 'fciq' }));
    const [order] = s.account.orders();
    // 0.004 × 39998 = 159.992; fee 0.639968 → 0.63997.
    expect(order).toMatchObject({ side: 'sell', volumeBase: 0.004, costQuote: 159.992, feeQuote: 0.63997, status: 'closed' });
    expect(s.account.balances()).toEqual({ USD: 159.35203, BTC: 0.006 });
    const history = s.call('TradesHistory') as { trades: Record<string, Record<string, unknown>>; count: number };
    expect(history.count).toBe(1);
    expect(Object.values(history.trades)[0]).toMatchObject({ ordertxid: order!.txid, pair: 'XXBTZUSD', type: 'sell', cost: '159.99200', fee: '0.63997', vol: '0.00400000' });
  });

  it('charges the fee in base with fcib, which is Kraken’s default when selling', () => {
    s.account.setBalances({ USD: 0, BTC: 0.01 });
    s.call('AddOrder', sell('0.004', { oflags: 'fcib' }));
    // Fee 0.63997 USD at 39998 = 0.000016 BTC; the proceeds arrive whole.
    expect(s.account.balances()).toEqual({ USD: 159.992, BTC: 0.005984 });
    s.call('AddOrder', sell('0.004'));
    expect(s.account.orders().at(-1)!.oflags).toBe('fcib');
    expect(s.account.balances()).toEqual({ USD: 319.984, BTC: 0.001968 });
    // So selling a whole balance without fciq cannot pay the fee.
    expect(s.fail('AddOrder', sell('0.001968'))).toBe('EOrder:Insufficient funds');
    s.call('AddOrder', sell('0.001968', { oflags: 'fciq' }));
    expect(s.account.balances().BTC).toBe(0);
  });

  it('refuses minimums, precision, unknown pairs and limit orders with Kraken’s error strings, executing nothing', () => {
    expect(s.fail('AddOrder', buyCost('0.4'))).toBe('EOrder:Order minimum not met');
    s.account.setBalances({ BTC: 1 });
    expect(s.fail('AddOrder', sell('0.00004'))).toBe('EOrder:Order minimum not met');
    expect(s.fail('AddOrder', sell('0.000050001'))).toBe('EGeneral:Invalid arguments:volume');
    expect(s.fail('AddOrder', sell('-1'))).toBe('EGeneral:Invalid arguments:volume');
    expect(s.fail('AddOrder', { ...sell('0.001'), pair: 'DOGEUSD' })).toBe('EQuery:Unknown asset pair');
    expect(s.fail('AddOrder', { ...sell('0.001'), ordertype: 'limit', price: '40000' })).toBe('EGeneral:Invalid arguments');
    expect(s.fail('AddOrder', sell('0.001', { oflags: 'viqc' }))).toBe('EGeneral:Invalid arguments:viqc');
    expect(s.fail('AddOrder', sell('0.001', { cl_ord_id: 'x', userref: '5' }))).toBe('EGeneral:Invalid arguments:cl_ord_id');
    expect(s.fail('AddOrder', sell('0.001', { cl_ord_id: 'this-is-longer-than-18-characters' }))).toBe('EGeneral:Invalid arguments:cl_ord_id');
    const { volume: _omit, ...noVolume } = sell('0.001');
    expect(s.fail('AddOrder', noVolume)).toBe('EGeneral:Invalid arguments:volume');
    expect(s.account.orders()).toEqual([]);
    expect(s.account.balances()).toEqual({ USD: 1000, BTC: 1 });
  });

  it('refuses an order the balance cannot pay, fee included', () => {
    // 997 USD of BTC costs 997 + 3.99 fee > 1000.
    expect(s.fail('AddOrder', buyCost('997'))).toBe('EOrder:Insufficient funds');
    expect(s.fail('AddOrder', sell('0.001'))).toBe('EOrder:Insufficient funds');
    expect(s.account.orders()).toHaveLength(0);
    expect(s.account.balances()).toEqual({ USD: 1000 });
    // 995 + 3.98 fits.
    s.call('AddOrder', buyCost('995'));
    expect(s.account.orders()).toHaveLength(1);
  });

  it('validate=true checks the order but executes nothing and does not check funds', () => {
    const reply = s.call('AddOrder', buyCost('5000', { validate: 'true' }));
    expect(reply).toEqual({ descr: { order: 'buy 5000.00000000 XBTUSD @ market' } });
    expect(s.account.orders()).toHaveLength(0);
    expect(s.account.balances()).toEqual({ USD: 1000 });
    expect(s.fail('AddOrder', buyCost('0.1', { validate: 'true' }))).toBe('EOrder:Order minimum not met');
  });

  it('lets a closed order’s cl_ord_id trade again, as Kraken does, and finds both by cl_ord_id', () => {
    const id = '0123456789abcdef0123456789abcdef';
    s.call('AddOrder', buyCost('100', { cl_ord_id: id }));
    s.call('AddOrder', buyCost('100', { cl_ord_id: id }));
    s.call('AddOrder', buyCost('50', { cl_ord_id: 'f'.repeat(32) }));
    expect(s.account.orders().filter((o) => o.clOrdId === id)).toHaveLength(2);
    const closed = s.call('ClosedOrders', { cl_ord_id: id }) as { closed: Record<string, { cl_ord_id: string }>; count: number };
    expect(closed.count).toBe(2);
    expect(Object.values(closed.closed).every((o) => o.cl_ord_id === id)).toBe(true);
    expect(s.call('OpenOrders', { cl_ord_id: id })).toEqual({ open: {} });
    expect((s.call('ClosedOrders', { cl_ord_id: 'e'.repeat(32) }) as { count: number }).count).toBe(0);
  });

  it('filters ClosedOrders by userref and by start (exclusive, unix seconds)', () => {
    s.call('AddOrder', buyCost('100', { userref: '7' }));
    s.clock.advance(60_000);
    s.call('AddOrder', buyCost('100', { userref: '8' }));
    const byRef = s.call('ClosedOrders', { userref: '7' }) as { closed: Record<string, { userref: number }> };
    expect(Object.values(byRef.closed).map((o) => o.userref)).toEqual([7]);
    const after = s.call('ClosedOrders', { start: String((NOW + 30_000) / 1000) }) as { count: number };
    expect(after.count).toBe(1);
    expect((s.call('ClosedOrders', { start: String(NOW / 1000) }) as { count: number }).count).toBe(1);
  });

  it('answers QueryOrders for unknown ids and CancelOrder for filled orders like Kraken', () => {
    expect(s.fail('QueryOrders', { txid: 'OAAAAA-BBBBB-CCCCCC' })).toBe('EOrder:Invalid order');
    const { txid } = s.call('AddOrder', buyCost('100')) as { txid: string[] };
    expect(s.fail('CancelOrder', { txid: txid[0]! })).toBe('EOrder:Unknown order');
  });

  it('moves to the next fee tier after 10,000 USD of 30-day volume', () => {
    s.account.setBalances({ USD: 100_000 });
    const fees = () => (s.call('TradeVolume', { pair: 'XBTUSD' }) as { fees: Record<string, { fee: string }> }).fees.XXBTZUSD!.fee;
    expect(fees()).toBe('0.4000');
    s.call('AddOrder', buyCost('9990'));
    expect(fees()).toBe('0.4000');
    s.call('AddOrder', buyCost('20'));
    expect(fees()).toBe('0.3500');
    s.call('AddOrder', buyCost('1000'));
    const last = s.account.orders().at(-1)!;
    expect(last.feeQuote).toBeCloseTo(last.costQuote * 0.0035, 5);
    // Volume older than 30 days stops counting.
    s.clock.advance(31 * 24 * 3_600_000);
    expect(fees()).toBe('0.4000');
  });

  it('reports TradeBalance equity at the current price', () => {
    s.account.setBalances({ USD: 1000, BTC: 0.5 });
    expect(s.call('TradeBalance')).toMatchObject({ eb: '21000.0000', e: '21000.0000' });
  });
});
