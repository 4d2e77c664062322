// Unit tests: the Kraken adapter's order lookup rules with ccxt stubbed out (no network). A lookup
// may say "no such order" only when Kraken positively returned nothing for that cl_ord_id.
import { ExchangeNotAvailable, type Order } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { ExchangeError } from '../../functions/core/ports.js';

const CID = '0123456789abcdef0123456789abcdef';

function order(id: string, clOrdId: string, status: string, timestamp: number, volExec = '0.001'): Order {
  return {
    id,
    clientOrderId: clOrdId,
    symbol: 'BTC/USD',
    side: 'buy',
    status,
    timestamp,
    info: { cl_ord_id: clOrdId, vol_exec: volExec, cost: '50.0', fee: '0.2', price: '50000.0', status, opentm: timestamp / 1000 },
  } as unknown as Order;
}

/** An adapter whose ccxt calls are replaced by the given stubs (markets count as loaded). */
function stubbed(stubs: { open?: () => Promise<Order[]>; closed?: () => Promise<Order[]> }) {
  const adapter = new KrakenExchangeAdapter({ apiKey: 'k', secret: 's' });
  const internals = adapter as unknown as { marketsLoadedAtMs: number; ex: Record<string, unknown> };
  internals.marketsLoadedAtMs = Date.now();
  const calls: Array<{ method: string; params: unknown; since: unknown }> = [];
  internals.ex.fetchOpenOrders = async (_s: unknown, since: unknown, _l: unknown, params: unknown) => {
    calls.push({ method: 'open', params, since });
    return stubs.open ? stubs.open() : [];
  };
  internals.ex.fetchClosedOrders = async (_s: unknown, since: unknown, _l: unknown, params: unknown) => {
    calls.push({ method: 'closed', params, since });
    return stubs.closed ? stubs.closed() : [];
  };
  return { adapter, calls };
}

async function failure(promise: Promise<unknown>): Promise<ExchangeError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected a failure');
}

describe('Method: KrakenExchangeAdapter.findOrderByClientId', () => {
  const SINCE = Date.UTC(2026, 0, 2);

  it('asks OpenOrders and ClosedOrders by cl_ord_id, searching a day before `since`', async () => {
    const { adapter, calls } = stubbed({});
    expect(await adapter.findOrderByClientId('BTC/USD', CID, SINCE)).toBeUndefined();
    expect(calls).toEqual([
      { method: 'open', params: { clientOrderId: CID }, since: undefined },
      { method: 'closed', params: { clientOrderId: CID }, since: SINCE - 86_400_000 },
    ]);
  });

  it('prefers a still-open order, else reports the first of several closed ones', async () => {
    const closed = [order('O-NEW', CID, 'closed', SINCE + 2000, '0.002'), order('O-OLD', CID, 'closed', SINCE + 1000)];
    const withOpen = stubbed({ open: async () => [order('O-OPEN', CID, 'open', SINCE + 3000, '0')], closed: async () => closed });
    expect(await withOpen.adapter.findOrderByClientId('BTC/USD', CID, SINCE)).toMatchObject({ exchangeOrderId: 'O-OPEN', status: 'open', filledBase: 0 });
    const onlyClosed = stubbed({ closed: async () => closed });
    expect(await onlyClosed.adapter.findOrderByClientId('BTC/USD', CID, SINCE)).toEqual({
      exchangeOrderId: 'O-OLD',
      clientOrderId: CID,
      pair: 'BTC/USD',
      side: 'buy',
      status: 'closed',
      filledBase: 0.001,
      costQuote: 50,
      averagePrice: 50_000,
      feeQuote: 0.2,
      timestampMs: SINCE + 1000,
    });
  });

  it('refuses to answer when Kraken returned orders with other ids (the filter was ignored)', async () => {
    const { adapter } = stubbed({ closed: async () => [order('O-1', 'f'.repeat(32), 'closed', SINCE)] });
    const err = await failure(adapter.findOrderByClientId('BTC/USD', CID, SINCE));
    expect(err.kind).toBe('unavailable');
  });

  it('throws, never answers "not found", when a lookup call fails', async () => {
    const { adapter } = stubbed({ closed: async () => Promise.reject(new ExchangeNotAvailable('kraken {"error":["EService:Unavailable"]}')) });
    const err = await failure(adapter.findOrderByClientId('BTC/USD', CID, SINCE));
    expect(err.kind).toBe('unavailable');
    expect(err.exchangeMessage).toBe('EService:Unavailable');
  });
});
