import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gapReport } from '../../../functions/backtest/gapReport.js';
import { downloadKrakenCandles, KrakenHistoryError } from '../../../functions/backtest/krakenHistory.js';
import { startSandbox, type SandboxHandle } from '../../../functions/sandbox/sandboxServer.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS } from '../../../functions/core/types.js';

const NOW = Date.UTC(2024, 2, 10, 12, 0, 0);
const DAY0 = Date.UTC(2024, 2, 6);

describe('downloadKrakenCandles against the Kraken sandbox', () => {
  let sandbox: SandboxHandle;
  let dir: string;
  beforeAll(async () => {
    sandbox = await startSandbox({ pairs: ['BTC/USD'], startTimeMs: NOW, speed: 0, historyMs: 6 * ONE_DAY_MS });
    dir = mkdtempSync(join(tmpdir(), 'kbot-history-'));
  });
  afterAll(async () => {
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds candles older than 720 rows from trade history, matching the exchange candles, and caches whole days', async () => {
    // Prepare
    const fromMs = DAY0;
    const toMs = DAY0 + 2 * ONE_DAY_MS;
    const expected = sandbox.candles('BTC/USD').filter((c) => c.openTimeMs >= fromMs && c.openTimeMs < toMs);
    // Act
    const first = await downloadKrakenCandles({ pair: 'BTC/USD', fromMs, toMs, baseUrl: sandbox.url, cacheDir: dir, throttleMs: 0 });
    // Assess
    expect(first.source).toBe('trades');
    expect(first.candles).toHaveLength(2 * 288);
    expect(first.candles.map((c) => c.openTimeMs)).toEqual(expected.map((c) => c.openTimeMs));
    for (let k = 0; k < expected.length; k++) {
      expect(first.candles[k]!.high).toBeCloseTo(expected[k]!.high, 6);
      expect(first.candles[k]!.low).toBeCloseTo(expected[k]!.low, 6);
      expect(first.candles[k]!.close).toBeCloseTo(expected[k]!.close, 6);
      expect(first.candles[k]!.volume).toBeCloseTo(expected[k]!.volume, 6);
    }
    expect(first.fetchedDays).toBe(2);
    expect(readdirSync(join(dir, 'kraken', 'XBTUSD', '5m')).sort()).toEqual(['2024-03-06.csv', '2024-03-07.csv']);

    const again = await downloadKrakenCandles({ pair: 'BTC/USD', fromMs, toMs, baseUrl: sandbox.url, cacheDir: dir, throttleMs: 0 });
    expect(again.cachedDays).toBe(2);
    expect(again.fetchedDays).toBe(0);
    // Only the OHLC probe: every day came from the cache.
    expect(again.requests).toBe(1);
    expect(again.candles).toEqual(first.candles);
  });

  it('uses the OHLC endpoint when its latest 720 candles cover the range, without the forming candle', async () => {
    const fromMs = NOW - 10 * FIVE_MINUTES_MS;
    const r = await downloadKrakenCandles({ pair: 'BTC/USD', fromMs, toMs: NOW + FIVE_MINUTES_MS, baseUrl: sandbox.url, cacheDir: dir, throttleMs: 0 });
    expect(r.source).toBe('ohlc');
    expect(r.requests).toBe(1);
    expect(r.candles.map((c) => c.openTimeMs)).toEqual(Array.from({ length: 10 }, (_, k) => fromMs + k * FIVE_MINUTES_MS));
  });

  it('names the problem when Kraken refuses the pair', async () => {
    await expect(
      downloadKrakenCandles({ pair: 'DOGE/USD', fromMs: DAY0, toMs: DAY0 + ONE_DAY_MS, baseUrl: sandbox.url, cacheDir: dir, throttleMs: 0 }),
    ).rejects.toThrow(/Kraken OHLC failed: EQuery:Unknown asset pair/);
  });
});

describe('downloadKrakenCandles: throttling, back-off and gaps', () => {
  /** A scripted Kraken: OHLC far in the future (so trades are used), then the given trade pages. */
  function scripted(pages: unknown[]): { fetchFn: typeof fetch; urls: string[] } {
    const urls: string[] = [];
    let page = 0;
    const fetchFn = (async (input: string | URL | Request) => {
      const url = String(input);
      urls.push(url);
      const body = url.includes('/OHLC?')
        ? { error: [], result: { XXBTZUSD: [[DAY0 / 1000 + 10 * 86_400, '1', '1', '1', '1', '1', '1', 1]], last: 0 } }
        : pages[page++] ?? { error: [], result: { XXBTZUSD: [], last: '0' } };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    return { fetchFn, urls };
  }
  const s = DAY0 / 1000;
  const trade = (timeS: number, price: string) => [price, '0.5', timeS, 'b', 'm', '', 1];

  it('waits between calls, backs off on rate limits, and leaves minutes without trades as gaps', async () => {
    const { fetchFn, urls } = scripted([
      { error: ['EGeneral:Too many requests'], result: {} },
      { error: [], result: { XXBTZUSD: [trade(s + 10, '100'), trade(s + 20, '102'), trade(s + 299, '101')], last: `${(s + 299) * 1e9}` } },
      { error: [], result: { XXBTZUSD: [trade(s + 910, '99'), trade(s + 86_400 + 5, '98')], last: `${(s + 86_405) * 1e9}` } },
    ]);
    const sleeps: number[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'kbot-history-'));
    try {
      const r = await downloadKrakenCandles({
        pair: 'BTC/USD',
        fromMs: DAY0,
        toMs: DAY0 + ONE_DAY_MS,
        cacheDir: dir,
        throttleMs: 1_000,
        fetchFn,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      expect(urls[1]).toContain(`/0/public/Trades?pair=XBTUSD&since=${s - 1}&count=1000`);
      expect(urls[3]).toContain(`since=${(s + 299) * 1e9}`);
      // The rate-limit error waited at least 2 s before the retry.
      expect(Math.max(...sleeps)).toBeGreaterThanOrEqual(2_000);
      expect(r.candles).toEqual([
        { openTimeMs: DAY0, open: 100, high: 102, low: 100, close: 101, volume: 1.5 },
        { openTimeMs: DAY0 + 3 * FIVE_MINUTES_MS, open: 99, high: 99, low: 99, close: 99, volume: 0.5 },
      ]);
      expect(gapReport(r.candles)).toMatchObject({ gaps: 1, missingCandles: 2 });
      // The day is complete (a later trade was seen): cached.
      expect(r.fetchedDays).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up after repeated failures with a clear error', async () => {
    const failing = (async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:9');
    }) as typeof fetch;
    await expect(
      downloadKrakenCandles({ pair: 'BTC/USD', fromMs: DAY0, toMs: DAY0 + ONE_DAY_MS, cacheDir: tmpdir(), throttleMs: 0, fetchFn: failing, sleep: async () => undefined }),
    ).rejects.toThrow(KrakenHistoryError);
    await expect(
      downloadKrakenCandles({ pair: 'BTC/USD', fromMs: DAY0, toMs: DAY0 + ONE_DAY_MS, cacheDir: tmpdir(), throttleMs: 0, fetchFn: failing, sleep: async () => undefined }),
    ).rejects.toThrow('Kraken OHLC failed: cannot reach https://api.kraken.com: connect ECONNREFUSED');
  });
});
