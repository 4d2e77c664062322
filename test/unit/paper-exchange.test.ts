// Unit tests: the paper exchange. Fill simulation (book walk, slippage fallback, fee, minimums,
// precision), the wallet in the store (funding, one conditional write per fill, retry on conflict)
// and order lookups across restarts, including through the DynamoDB store on dynalite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { PaperExchange, type PaperMarketSource } from '../../functions/adapters/paper/paperExchange.js';
import { PAPER_ORDER_PREFIX, decodePaperOrders, encodePaperOrder, paperAssetBalances } from '../../functions/adapters/paper/paperWalletCodec.js';
import { ExchangeError, type StorePort } from '../../functions/core/ports.js';
import type { ExchangeOrder, MarketInfo } from '../../functions/core/types.js';

const NOW = Date.UTC(2026, 0, 5, 10, 0, 0);
const BTC: MarketInfo = { pair: 'BTC/USD', base: 'BTC', quote: 'USD', amountDecimals: 8, priceDecimals: 1, minAmountBase: 0.00005, minCostQuote: 0.5, takerFeeRate: 0.004, makerFeeRate: 0.0025, active: true };

/** A market-data source with a fixed book: asks 100.0 (1 BTC), 101.0 (2 BTC); bids 99.0 (1), 98.0 (2). */
function source(options: { book?: boolean; bookFails?: boolean; market?: Partial<MarketInfo> } = {}): PaperMarketSource & { bookCalls: number } {
  const s = {
    bookCalls: 0,
    loadMarkets: async () => ({ 'BTC/USD': { ...BTC, ...options.market } }),
    fetchCandles5m: async () => [],
    fetchTicker: async () => ({ pair: 'BTC/USD', bid: 99, ask: 100, last: 99.5, timestampMs: NOW }),
  } as PaperMarketSource & { bookCalls: number };
  if (options.book !== false) {
    s.fetchOrderBook = async () => {
      s.bookCalls++;
      if (options.bookFails) throw new ExchangeError('unavailable', 'Depth failed');
      return { asks: [[100, 1], [101, 2]], bids: [[99, 1], [98, 2]] };
    };
  }
  return s;
}

function paper(store: StorePort, src: PaperMarketSource = source(), startingBalances: Record<string, number> = { USD: 1000 }) {
  return new PaperExchange({ source: src, store, startingBalances, slippageBps: 10, takerFeeRate: 0.005, clock: { nowMs: () => NOW, sleep: async () => undefined } });
}

async function rejection(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected a rejection');
}

describe('Module: paperWalletCodec', () => {
  const order: ExchangeOrder = {
    exchangeOrderId: 'PAPER-1|2',
    clientOrderId: 'weird|id%with/chars',
    pair: 'BTC/USD',
    side: 'sell',
    status: 'closed',
    filledBase: 0.00123456,
    costQuote: 123.456789,
    averagePrice: 100000.1,
    feeQuote: 0.49382716,
    timestampMs: NOW,
  };

  it('round-trips an order through one wallet entry, whatever characters its ids hold', () => {
    const [key, value] = encodePaperOrder(order);
    expect(key.startsWith(PAPER_ORDER_PREFIX)).toBe(true);
    expect(value).toBe(NOW);
    expect(decodePaperOrders({ USD: 5, [key]: value })).toEqual([order]);
  });

  it('keeps asset balances and order entries apart', () => {
    const [key, value] = encodePaperOrder(order);
    expect(paperAssetBalances({ USD: 5, BTC: 0.1, [key]: value })).toEqual({ USD: 5, BTC: 0.1 });
    expect(decodePaperOrders({ USD: 5, '~order|v9|x': 1 })).toEqual([]);
  });
});

describe('Class: PaperExchange', () => {
  it('funds the wallet from the starting balances on first use, once', async () => {
    const store = new MemoryStore();
    const ex = paper(store);
    expect(await ex.fetchBalances()).toEqual({ USD: { free: 1000, total: 1000 } });
    expect((await store.getWallet())!.version).toBe(0);
    await ex.fetchBalances();
    expect((await store.getWallet())!.version).toBe(0);
  });

  it('walks the book for a buy by cost, charges the market’s taker fee, and records balances and order in one write', async () => {
    const store = new MemoryStore();
    const ex = paper(store);
    await ex.fetchBalances();
    // 150 USD: 1 BTC at 100, then 50/101 BTC at 101 → 1.49504950 BTC (truncated), cost recomputed.
    const order = await ex.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'c1', costQuote: 150 });
    expect(order.filledBase).toBe(1.4950495);
    expect(order.costQuote).toBeCloseTo(100 + 0.4950495 * 101, 8);
    expect(order.averagePrice).toBeCloseTo(order.costQuote / 1.4950495, 8);
    expect(order.feeQuote).toBeCloseTo(order.costQuote * 0.004, 8);
    expect(order.exchangeOrderId).toMatch(/^PAPER-/);
    const wallet = (await store.getWallet())!;
    expect(wallet.version).toBe(1);
    const assets = paperAssetBalances(wallet.balances);
    expect(Object.keys(assets).sort()).toEqual(['BTC', 'USD']);
    expect(assets.BTC).toBe(1.4950495);
    expect(assets.USD).toBeCloseTo(1000 - order.costQuote - order.feeQuote, 9);
    expect(decodePaperOrders(wallet.balances)).toEqual([order]);
  });

  it('sells by amount at the bids; extra decimals are truncated like ccxt does before sending', async () => {
    const store = new MemoryStore();
    const ex = paper(store, source(), { USD: 0, BTC: 2 });
    const order = await ex.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: 's1', amountBase: 1.5000000049 });
    expect(order.filledBase).toBe(1.5);
    expect(order.costQuote).toBeCloseTo(99 + 0.5 * 98, 10);
    const balances = await ex.fetchBalances();
    expect(balances.BTC!.total).toBeCloseTo(0.5, 12);
    expect(balances.USD!.total).toBeCloseTo(148 - 148 * 0.004, 8);
  });

  it('without a book (or when it cannot be read) fills at the last price moved by the slippage', async () => {
    for (const src of [source({ book: false }), source({ bookFails: true })]) {
      const ex = paper(new MemoryStore(), src);
      const order = await ex.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'b', costQuote: 100 });
      // last 99.5 + 10 bps.
      expect(order.averagePrice).toBeCloseTo(99.5 * 1.001, 6);
      expect(order.filledBase).toBe(Math.floor((100 / (99.5 * 1.001)) * 1e8) / 1e8);
    }
  });

  it('uses the configured fee when the market states none', async () => {
    const ex = paper(new MemoryStore(), source({ market: { takerFeeRate: 0 } }));
    const order = await ex.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'f', costQuote: 50 });
    expect(order.feeQuote).toBeCloseTo(order.costQuote * 0.005, 10);
    expect(await ex.fetchTakerFeeRate('BTC/USD')).toBe(0.005);
  });

  it('rejects like Kraken: minimum, funds (fee included), precision; a disabled market is unavailable', async () => {
    const store = new MemoryStore();
    const ex = paper(store, source(), { USD: 100, BTC: 0.00004 });
    expect((await rejection(ex.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'm', costQuote: 0.45 }))).exchangeMessage).toBe('EOrder:Order minimum not met');
    expect((await rejection(ex.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: 'm2', amountBase: 0.00004 }))).exchangeMessage).toBe('EOrder:Order minimum not met');
    expect((await rejection(ex.placeMarketOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: 'p', amountBase: 0.000000001 }))).exchangeMessage).toBe('EGeneral:Invalid arguments:volume');
    // 100 USD of BTC needs 100.4 with the fee.
    const funds = await rejection(ex.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'x', costQuote: 100 }));
    expect(funds.kind).toBe('rejected');
    expect(funds.exchangeMessage).toBe('EOrder:Insufficient funds');
    expect((await store.getWallet())!.version).toBe(0);
    const off = paper(new MemoryStore(), source({ market: { active: false } }));
    expect((await rejection(off.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'o', costQuote: 10 }))).kind).toBe('unavailable');
  });

  it('finds its fills after a restart (a new instance on the same store), and nothing for unknown ids', async () => {
    const store = new MemoryStore();
    const placed = await paper(store).placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'restart-1', costQuote: 20 });
    const again = paper(store);
    expect(await again.findOrderByClientId('BTC/USD', 'restart-1', NOW - 1000)).toEqual(placed);
    expect(await again.findOrderByClientId('BTC/USD', 'unknown', NOW - 1000)).toBeUndefined();
    expect(await paper(new MemoryStore()).findOrderByClientId('BTC/USD', 'restart-1', 0)).toBeUndefined();
  });

  it('re-reads and re-applies when the wallet changed between its read and its write', async () => {
    const inner = new MemoryStore();
    let interfered = false;
    // Another invocation spends 10 USD right before this fill writes.
    const racing: StorePort = Object.create(inner, {
      putWallet: {
        value: async (balances: Record<string, number>, expected: number) => {
          if (!interfered && Object.keys(balances).some((k) => k.startsWith(PAPER_ORDER_PREFIX))) {
            interfered = true;
            const w = (await inner.getWallet())!;
            await inner.putWallet({ ...w.balances, USD: w.balances.USD! - 10 }, w.version);
          }
          return inner.putWallet(balances, expected);
        },
      },
    });
    const order = await paper(racing).placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'race', costQuote: 50 });
    expect(interfered).toBe(true);
    const wallet = (await inner.getWallet())!;
    expect(wallet.version).toBe(2);
    expect(wallet.balances.USD).toBeCloseTo(1000 - 10 - order.costQuote - order.feeQuote, 10);
    expect(decodePaperOrders(wallet.balances)).toHaveLength(1);
  });

  it('keeps the wallet item small by dropping fills older than the retention', async () => {
    const store = new MemoryStore();
    const old: ExchangeOrder = { exchangeOrderId: 'P-OLD', clientOrderId: 'old', pair: 'BTC/USD', side: 'buy', status: 'closed', filledBase: 1, costQuote: 1, averagePrice: 1, feeQuote: 0, timestampMs: NOW - 40 * 86_400_000 };
    const [key, value] = encodePaperOrder(old);
    await store.putWallet({ USD: 1000, [key]: value }, -1);
    await paper(store).placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'new', costQuote: 10 });
    expect(decodePaperOrders((await store.getWallet())!.balances).map((o) => o.clientOrderId)).toEqual(['new']);
  });
});

describe('Class: PaperExchange on the DynamoDB store (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: DynamoStore;
  let client: ReturnType<typeof createDynamoClient>;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    client = createDynamoClient({ endpoint: dynamo.endpoint });
    await ensureTable(client, 'kbot-paper-test');
    store = new DynamoStore({ client, tableName: 'kbot-paper-test' });
  });
  afterAll(async () => {
    client?.destroy();
    await dynamo?.close();
  });

  it('stores balances and fills so another instance finds them', async () => {
    const placed = await paper(store).placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: '0123456789abcdef0123456789abcdef', costQuote: 30 });
    const other = paper(store);
    expect(await other.findOrderByClientId('BTC/USD', '0123456789abcdef0123456789abcdef', NOW - 1000)).toEqual(placed);
    const balances = await other.fetchBalances();
    expect(Object.keys(balances).sort()).toEqual(['BTC', 'USD']);
    expect(balances.BTC!.total).toBe(placed.filledBase);
  });
});
