// Unit tests: replaying recorded market data (the shared OKX 5m files) through the sandbox and the
// real ccxt client. Skipped when ../shared/data is absent (a fresh clone has no such folder).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { loadCandlesCsv } from '../../functions/sandbox/candlesCsv.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const FILE = join(process.cwd(), '..', 'shared', 'data', 'okx-swap-2026', 'okx_swap_BTCUSDT_5m.csv');
const present = existsSync(FILE);
if (!present) console.log(`sandbox-replay: skipped, ${FILE} not found (shared market data is optional)`);

describe.skipIf(!present)('Sandbox replaying recorded candles (shared data)', () => {
  let candles: Candle[];
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    candles = loadCandlesCsv(FILE);
    sandbox = await startSandbox({ pairs: ['BTC/USD'], data: { 'BTC/USD': candles }, speed: 0, balances: { USD: 1000 } });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('serves the recorded candles through ccxt and fills near the recorded price', async () => {
    // Start: the first moment with 720 recorded candles behind it.
    expect(sandbox.nowMs()).toBe(candles[0]!.openTimeMs + 720 * FIVE_MINUTES_MS);
    const exchange = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false });
    const served = await exchange.fetchCandles5m('BTC/USD');
    // 720 rows: the last 719 committed candles and the forming one.
    expect(served.slice(0, -1)).toEqual(candles.slice(1, 720).map((c) => ({ ...c, volume: Number(c.volume.toFixed(8)) })));
    sandbox.advance(10 * FIVE_MINUTES_MS + 60_000);
    const order = await exchange.placeMarketOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'a'.repeat(32), costQuote: 200 });
    const recorded = candles[730]!;
    expect(order.averagePrice).toBeGreaterThan(recorded.low * 0.999);
    expect(order.averagePrice).toBeLessThan(recorded.high * 1.001);
  });
});
