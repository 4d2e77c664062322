// Unit tests: market modes, delistings, maintenance and replay gaps in the sandbox, through the real ccxt client.
import { afterEach, describe, expect, it } from 'vitest';
import { ExchangeNotAvailable, OnMaintenance, kraken } from '../../functions/adapters/kraken/ccxtKraken.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../functions/sandbox/sandboxServer.js';

const START = Date.UTC(2026, 3, 1, 8, 1, 0);
let sandbox: SandboxHandle | undefined;

async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  sandbox = await startSandbox({ startTimeMs: START, balances: { USD: 1000, SOL: 10 }, ...options });
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

/** The Kraken error string inside a ccxt error, or 'ok'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    const match = /"error":\["([^"]+)"/.exec(String((err as Error).message));
    return match ? match[1]! : `(${(err as Error).name})`;
  }
}

describe('Sandbox behaviour: market modes', () => {
  it('reports each mode in AssetPairs and refuses market orders with Kraken’s text until the pair is online again', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    await ex.loadMarkets();
    const statusOf = async (pair: string) => (((await ex.publicGetAssetPairs({ pair })) as { result: Record<string, { status: string }> }).result[pair === 'XBTUSD' ? 'XXBTZUSD' : pair]!.status);
    const refusals: string[] = [];
    for (const status of ['cancel_only', 'post_only', 'limit_only', 'reduce_only'] as const) {
      s.setBehaviour({ markets: { 'BTC/USD': { status } } });
      expect(await statusOf('XBTUSD')).toBe(status);
      refusals.push(await outcome(ex.createMarketBuyOrderWithCost('BTC/USD', 50, {})));
      refusals.push(await outcome(ex.createMarketBuyOrderWithCost('BTC/USD', 50, { validate: true })));
    }
    expect(refusals).toEqual([
      'EService:Market in cancel_only mode',
      'EService:Market in cancel_only mode',
      'EService:Market in post_only mode',
      'EService:Market in post_only mode',
      'EService:Market in limit_only mode',
      'EService:Market in limit_only mode',
      'EService:Market in reduce_only mode',
      'EService:Market in reduce_only mode',
    ]);
    // ccxt knows two of these texts (OnMaintenance); the other two arrive as plain ExchangeErrors.
    s.setBehaviour({ markets: { 'BTC/USD': { status: 'post_only' } } });
    await expect(ex.createMarketBuyOrderWithCost('BTC/USD', 50, {})).rejects.toBeInstanceOf(OnMaintenance);
    s.setBehaviour({ markets: { 'BTC/USD': { status: 'reduce_only' } } });
    // Other pairs trade on.
    expect(await statusOf('SOLUSD')).toBe('online');
    await ex.createOrder('SOL/USD', 'market', 'sell', 1, undefined, { oflags: 'fciq' });
    expect(s.orders().map((o) => o.pair)).toEqual(['SOL/USD']);
    expect(s.behaviour().markets).toEqual({ 'BTC/USD': { status: 'reduce_only', delisted: false } });
    s.setBehaviour({ markets: { XBTUSD: { status: 'online' } } });
    expect(s.behaviour().markets).toEqual({});
    await ex.createMarketBuyOrderWithCost('BTC/USD', 50, {});
    expect(s.orders()).toHaveLength(2);
  });

  it('a delisted pair leaves AssetPairs and is an unknown pair to Ticker, OHLC, Depth and AddOrder; its old orders stay readable', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    const before = await ex.createOrder('SOL/USD', 'market', 'sell', 1, undefined, { oflags: 'fciq' });
    s.setBehaviour({ markets: { 'SOL/USD': { delisted: true } } });
    const pairs = ((await ex.publicGetAssetPairs()) as { result: Record<string, unknown> }).result;
    expect(Object.keys(pairs)).toEqual(['XXBTZUSD', 'XETHZUSD']);
    const markets = await ex.loadMarkets(true);
    expect(markets['SOL/USD']).toBeUndefined();
    expect(await outcome(ex.publicGetTicker({ pair: 'SOLUSD' }))).toBe('EQuery:Unknown asset pair');
    expect(await outcome(ex.publicGetOHLC({ pair: 'SOLUSD', interval: 5 }))).toBe('EQuery:Unknown asset pair');
    expect(await outcome(ex.publicGetDepth({ pair: 'SOLUSD' }))).toBe('EQuery:Unknown asset pair');
    expect(await outcome(ex.publicGetAssetPairs({ pair: 'SOLUSD' }))).toBe('EQuery:Unknown asset pair');
    expect(await outcome(ex.privatePostAddOrder({ pair: 'SOLUSD', type: 'sell', ordertype: 'market', volume: '1', oflags: 'fciq' }))).toBe('EQuery:Unknown asset pair');
    // Ticker without a pair lists the pairs still trading.
    expect(Object.keys(((await ex.publicGetTicker()) as { result: Record<string, unknown> }).result)).toEqual(['XXBTZUSD', 'XETHZUSD']);
    expect((await ex.fetchOrder(before.id!)).status).toBe('closed');
    expect(s.priceNow('SOL/USD')).toBeGreaterThan(0);
    s.setBehaviour({ markets: { 'SOL/USD': { delisted: false } } });
    expect(Object.keys((await ex.loadMarkets(true)))).toContain('SOL/USD');
  });
});

describe('Sandbox behaviour: maintenance', () => {
  it('answers EService:Unavailable to every call, public and private, and SystemStatus says maintenance', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    await ex.loadMarkets();
    s.setBehaviour({ maintenance: true });
    await expect(ex.fetchTicker('BTC/USD')).rejects.toBeInstanceOf(ExchangeNotAvailable);
    expect(await outcome(ex.publicGetTime())).toBe('EService:Unavailable');
    expect(await outcome(ex.privatePostBalanceEx())).toBe('EService:Unavailable');
    expect(await outcome(ex.createMarketBuyOrderWithCost('BTC/USD', 50, {}))).toBe('EService:Unavailable');
    expect(s.orders()).toEqual([]);
    expect(((await ex.publicGetSystemStatus()) as { result: { status: string } }).result.status).toBe('maintenance');
    s.setBehaviour({ maintenance: false });
    expect(((await ex.publicGetSystemStatus()) as { result: { status: string } }).result.status).toBe('online');
    expect(await outcome(ex.privatePostBalanceEx())).toBe('ok');
  });
});

describe('Sandbox behaviour: replayed data keeps its gaps', () => {
  it('fetchOHLCV shows no candle for missing rows (nor a forming one inside the gap) and a buy in the gap fills at the last close', async () => {
    const FIVE_MINUTES_MS = 300_000;
    const t0 = Date.UTC(2026, 0, 1);
    const all = Array.from({ length: 800 }, (_, i) => ({ openTimeMs: t0 + i * FIVE_MINUTES_MS, open: 50_000 + 10 * i, high: 50_005 + 10 * i, low: 49_995 + 10 * i, close: 50_002 + 10 * i, volume: 2 }));
    const data = all.filter((_, i) => i < 750 || i > 755);
    const s = await start({ pairs: ['BTC/USD'], data: { 'BTC/USD': data }, startTimeMs: t0 + 753 * FIVE_MINUTES_MS + 30_000, speed: 0 });
    const ex = ccxtFor(s);
    const index = (ms: number) => (ms - t0) / FIVE_MINUTES_MS;

    const during = (await ex.fetchOHLCV('BTC/USD', '5m')).map((r) => index(r[0]!));
    expect(during.at(-1)).toBe(749);
    expect(during.filter((i) => i >= 745)).toEqual([745, 746, 747, 748, 749]);

    // Nothing trades in the gap: the book sits around candle 749's close, 57,492.
    const { id } = await ex.createOrder('BTC/USD', 'market', 'buy', 0.001);
    const order = await ex.fetchOrder(id!);
    expect(order.status).toBe('closed');
    expect(order.average).toBeGreaterThan(57_492);
    expect(order.average).toBeLessThan(57_492 * 1.0002);

    s.setTime(t0 + 758 * FIVE_MINUTES_MS + 1_000);
    const after = (await ex.fetchOHLCV('BTC/USD', '5m')).map((r) => index(r[0]!));
    expect(after.filter((i) => i >= 748)).toEqual([748, 749, 756, 757, 758]);
  });
});
