// Unit tests: the sandbox's market side. Generated and replayed 5m data on the controllable clock,
// the still-forming candle, and Kraken's OHLC, Trades, Depth and Ticker shapes.
import { describe, expect, it } from 'vitest';
import { resample } from '../../functions/core/candles.js';
import { FIFTEEN_MINUTES_MS, FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { CandleGenerator } from '../../functions/sandbox/candleGenerator.js';
import { CandleSeries } from '../../functions/sandbox/candleSeries.js';
import { parseCandlesCsv } from '../../functions/sandbox/candlesCsv.js';
import { pathPrice, sliceCandle } from '../../functions/sandbox/intraCandlePath.js';
import { SandboxClock } from '../../functions/sandbox/sandboxClock.js';
import { SandboxMarketData } from '../../functions/sandbox/sandboxMarketData.js';
import { SANDBOX_MARKETS } from '../../functions/sandbox/sandboxMarkets.js';

const T0 = Date.UTC(2025, 5, 1);
const BTC = SANDBOX_MARKETS.find((m) => m.symbol === 'BTC/USD')!;
const GEN = { seed: 7, startOpenTimeMs: T0, startPrice: 60_000, volatility5m: 0.0015, baseVolume5m: 6, priceDecimals: 1 };

type OhlcRow = [number, string, string, string, string, string, string, number];

function market(nowMs: number, series = CandleSeries.generated(GEN)) {
  const clock = new SandboxClock(nowMs, 0);
  return { clock, series, data: new SandboxMarketData([{ market: BTC, series }], clock) };
}

function ohlc(data: SandboxMarketData, params: Record<string, string> = {}) {
  const result = data.call('OHLC', { pair: 'XBTUSD', interval: '5', ...params }) as Record<string, unknown>;
  return { rows: result.XXBTZUSD as OhlcRow[], last: result.last as number };
}

describe('Class: CandleGenerator', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const take = (seed: number) => {
      const g = new CandleGenerator({ ...GEN, seed });
      return Array.from({ length: 50 }, () => g.next());
    };
    expect(take(7)).toEqual(take(7));
    expect(take(8).map((c) => c.close)).not.toEqual(take(7).map((c) => c.close));
  });

  it('produces consistent, contiguous candles on the price grid with volume', () => {
    const g = new CandleGenerator(GEN);
    const candles = Array.from({ length: 3000 }, () => g.next());
    const bad = candles.filter(
      (c, i) =>
        c.openTimeMs !== T0 + i * FIVE_MINUTES_MS ||
        c.high < Math.max(c.open, c.close) ||
        c.low > Math.min(c.open, c.close) ||
        !(c.volume > 0) ||
        Math.round(c.close * 10) / 10 !== c.close ||
        (i > 0 && c.open !== candles[i - 1]!.close),
    );
    expect(bad).toEqual([]);
  });

  it('alternates calm and trending stretches (6-hour moves both above 2% and below 0.5%)', () => {
    const g = new CandleGenerator(GEN);
    const closes = Array.from({ length: 288 * 20 }, () => g.next().close);
    const moves: number[] = [];
    for (let i = 72; i < closes.length; i += 72) moves.push(Math.abs(closes[i]! / closes[i - 72]! - 1));
    expect(moves.some((m) => m > 0.02)).toBe(true);
    expect(moves.some((m) => m < 0.005)).toBe(true);
    // Typical 5m moves stay near the configured volatility.
    const rets = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
    const sd = Math.sqrt(rets.reduce((s, r) => s + r * r, 0) / rets.length);
    expect(sd).toBeGreaterThan(0.0008);
    expect(sd).toBeLessThan(0.004);
  });
});

describe('Function: pathPrice / sliceCandle', () => {
  const up: Candle = { openTimeMs: T0, open: 100, high: 110, low: 95, close: 105, volume: 9 };

  it('runs open → low → high → close on an up candle', () => {
    expect(pathPrice(up, 0)).toBe(100);
    expect(pathPrice(up, 1 / 3)).toBe(95);
    expect(pathPrice(up, 2 / 3)).toBe(110);
    expect(pathPrice(up, 1)).toBe(105);
    expect(sliceCandle(up, 0, 1)).toEqual(up);
  });

  it('slices a partial candle with the extremes reached so far and prorated volume', () => {
    const half = sliceCandle(up, 0, 0.5);
    expect(half).toMatchObject({ open: 100, low: 95, high: pathPrice(up, 0.5), close: pathPrice(up, 0.5) });
    expect(half.volume).toBeCloseTo(4.5, 12);
  });
});

describe('Class: CandleSeries', () => {
  it('commits a candle exactly at its close time and shows the forming one partially', () => {
    const series = CandleSeries.generated(GEN);
    const open = T0 + 100 * FIVE_MINUTES_MS;
    const before = series.committed(open + FIVE_MINUTES_MS - 1);
    expect(before.at(-1)!.openTimeMs).toBe(open - FIVE_MINUTES_MS);
    const at = series.committed(open + FIVE_MINUTES_MS);
    expect(at.at(-1)!.openTimeMs).toBe(open);
    const full = series.candleAt(open)!;
    const forming = series.forming(open + FIVE_MINUTES_MS / 2)!;
    expect(forming.openTimeMs).toBe(open);
    expect(forming.open).toBe(full.open);
    expect(forming.close).toBe(pathPrice(full, 0.5));
    expect(series.priceAt(open + FIVE_MINUTES_MS / 2)).toBe(forming.close);
    expect(series.forming(T0 - 1)).toBeUndefined();
    // Data is generated only as far as time has been asked about.
    const length = series.length;
    expect(series.firstOpenTimeMs).toBe(T0);
    series.committed(open + FIVE_MINUTES_MS);
    expect(series.length).toBe(length);
  });

  it('replays candles keeping gaps as gaps (priced at the last close) and continues with generated data', () => {
    const rows: Candle[] = [
      { openTimeMs: T0, open: 10, high: 11, low: 9, close: 10.5, volume: 3 },
      { openTimeMs: T0 + FIVE_MINUTES_MS, open: 10.5, high: 12, low: 10, close: 11, volume: 4 },
      { openTimeMs: T0 + 4 * FIVE_MINUTES_MS, open: 11, high: 11.5, low: 10.8, close: 11.2, volume: 2 },
    ];
    const series = CandleSeries.replay(rows, { seed: 1, volatility5m: 0.001, baseVolume5m: 1, priceDecimals: 2 });
    expect(series.candleAt(T0 + 2 * FIVE_MINUTES_MS)).toBeUndefined();
    expect(series.candleAt(T0 + 3 * FIVE_MINUTES_MS)).toBeUndefined();
    expect(series.candleAt(T0 + 4 * FIVE_MINUTES_MS)).toEqual(rows[2]);
    // Inside the gap nothing forms and nothing trades: the price is the last close.
    expect(series.forming(T0 + 3 * FIVE_MINUTES_MS + 60_000)).toBeUndefined();
    expect(series.priceAt(T0 + 3 * FIVE_MINUTES_MS + 60_000)).toBe(11);
    expect(series.priceAt(T0 - 1)).toBeUndefined();
    const next = series.candleAt(T0 + 5 * FIVE_MINUTES_MS)!;
    expect(next.open).toBe(11.2);
    // Ten slots have closed by then; the two missing ones are left out.
    expect(series.committed(T0 + 10 * FIVE_MINUTES_MS).map((c) => (c.openTimeMs - T0) / FIVE_MINUTES_MS)).toEqual([0, 1, 4, 5, 6, 7, 8, 9]);
    expect(() => CandleSeries.replay([rows[1]!, rows[0]!], { seed: 1, volatility5m: 0.001, baseVolume5m: 1, priceDecimals: 2 })).toThrow(/increasing time order/);
  });

  it('OHLC leaves a replay gap out (including a forming candle inside it) and Ticker prices at the last close', () => {
    const rows: Candle[] = Array.from({ length: 800 }, (_, i) => ({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open: 100 + i, high: 101 + i, low: 99 + i, close: 100.5 + i, volume: 1 }))
      .filter((_, i) => i < 750 || i > 755);
    const series = CandleSeries.replay(rows, { seed: 1, volatility5m: 0.001, baseVolume5m: 1, priceDecimals: 1 });
    const { data, clock } = market(T0 + 753 * FIVE_MINUTES_MS + 30_000, series);
    const during = ohlc(data);
    // 720 slots end at the forming one (753): 750..753 are missing, so 716 rows and no forming row.
    expect(during.rows).toHaveLength(716);
    expect(during.rows.at(-1)![0]).toBe((T0 + 749 * FIVE_MINUTES_MS) / 1000);
    expect(during.last).toBe((T0 + 752 * FIVE_MINUTES_MS) / 1000);
    const ticker = (data.call('Ticker', { pair: 'XBTUSD' }) as Record<string, { c: string[] }>).XXBTZUSD!;
    expect(Number(ticker.c[0])).toBe(100.5 + 749);
    clock.setTime(T0 + 760 * FIVE_MINUTES_MS);
    const times = ohlc(data).rows.map((r) => (r[0] * 1000 - T0) / FIVE_MINUTES_MS);
    expect(times.filter((i) => i >= 748)).toEqual([748, 749, 756, 757, 758, 759, 760]);
  });

  it('refuses replay data that is not 5-minute candles', () => {
    const rows = [0, 1, 2].map((i) => ({ openTimeMs: T0 + i * FIFTEEN_MINUTES_MS, open: 1, high: 1, low: 1, close: 1, volume: 1 }));
    expect(() => CandleSeries.replay(rows, { seed: 1, volatility5m: 0.001, baseVolume5m: 1, priceDecimals: 2 })).toThrow(/5m candles/);
  });
});

describe('Function: parseCandlesCsv', () => {
  it('reads the header format and Kraken’s headerless unix-seconds format', () => {
    const csv = 'timestamp_ms,open,high,low,close,volume\n1700000100000,1,2,0.5,1.5,10\n1700000400000,1.5,2,1,1.8,3\n';
    expect(parseCandlesCsv(csv)).toEqual([
      { openTimeMs: 1_700_000_100_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: 10 },
      { openTimeMs: 1_700_000_400_000, open: 1.5, high: 2, low: 1, close: 1.8, volume: 3 },
    ]);
    expect(parseCandlesCsv('1700000100,1,2,0.5,1.5,10,42\n')[0]!.openTimeMs).toBe(1_700_000_100_000);
  });

  it('names the line of bad data', () => {
    expect(() => parseCandlesCsv('t,o,h,l,c,v\n1700000100000,1,2,0.5,1.5,10\n1700000100000,1,2,0.5,1.5,10\n', 'x.csv')).toThrow(/x.csv:3.*increasing/);
    expect(() => parseCandlesCsv('t,o,h,l,c,v\n1700000100000,1,2,oops,1.5,10\n', 'x.csv')).toThrow(/x.csv:2/);
  });
});

describe('Class: SandboxMarketData (public endpoints)', () => {
  const now = T0 + 1000 * FIVE_MINUTES_MS + 123_000;
  const formingOpen = T0 + 1000 * FIVE_MINUTES_MS;

  it('OHLC: 720 rows, the forming candle last, `last` = the last committed candle', () => {
    const { data, series } = market(now);
    const { rows, last } = ohlc(data);
    expect(rows).toHaveLength(720);
    expect(rows.at(-1)![0]).toBe(formingOpen / 1000);
    expect(last).toBe(formingOpen / 1000 - 300);
    const committed = series.candleAt(formingOpen - FIVE_MINUTES_MS)!;
    expect(rows.at(-2)!.slice(0, 5)).toEqual([committed.openTimeMs / 1000, ...[committed.open, committed.high, committed.low, committed.close].map((p) => p.toFixed(1))]);
    const forming = series.forming(now)!;
    expect(rows.at(-1)![4]).toBe(forming.close.toFixed(1));
    expect(Number(rows.at(-1)![6])).toBeCloseTo(forming.volume, 6);
    // Strings as Kraken sends them, count as a number.
    expect(typeof rows[0]![1]).toBe('string');
    expect(typeof rows[0]![7]).toBe('number');
  });

  it('OHLC: `since` is exclusive and only trims the 720-row window', () => {
    const { data } = market(now);
    const sinceSec = formingOpen / 1000 - 3 * 300;
    const { rows } = ohlc(data, { since: String(sinceSec) });
    expect(rows.map((r) => r[0])).toEqual([sinceSec + 300, sinceSec + 600, sinceSec + 900]);
    expect(ohlc(data, { since: '0' }).rows).toHaveLength(720);
  });

  it('callJson: the JSON the server sends, identical to serializing call(), also as the clock moves', () => {
    const { data, clock } = market(now);
    const same = (params: Record<string, string>) => expect(data.callJson('OHLC', params)).toBe(JSON.stringify(data.call('OHLC', params)));
    for (let step = 0; step < 4; step++) {
      same({ pair: 'XBTUSD', interval: '5' });
      same({ pair: 'XXBTZUSD', interval: '5', since: String(formingOpen / 1000 - 720 * 300 + step * 300) });
      same({ pair: 'XBTUSD', interval: '5', since: String(formingOpen / 1000 - 2 * 300 + step * 300) });
      same({ pair: 'XBTUSD', interval: '15' });
      // Successive ticks reuse the committed rows; a jump past the window rebuilds them.
      clock.advance(step === 2 ? 800 * FIVE_MINUTES_MS : FIVE_MINUTES_MS + 7_000);
    }
    expect(data.callJson('Time', {})).toBe(JSON.stringify(data.call('Time', {})));
    expect(() => data.callJson('OHLC', { pair: 'XBTUSD', interval: '5', since: 'soon' })).toThrow('EGeneral:Invalid arguments:since');
  });

  it('OHLC: 15m rows aggregate the 5m candles; 1m rows follow the intra-candle path', () => {
    const { data, series } = market(now);
    const rows = (data.call('OHLC', { pair: 'XXBTZUSD', interval: '15' }) as Record<string, OhlcRow[]>).XXBTZUSD!;
    const fifteen = resample(series.committed(now).slice(-90), FIFTEEN_MINUTES_MS);
    const expected = fifteen.at(-1)!;
    const row = rows.find((r) => r[0] === expected.openTimeMs / 1000)!;
    expect(row.slice(1, 5)).toEqual([expected.open, expected.high, expected.low, expected.close].map((p) => p.toFixed(1)));
    const minute = (data.call('OHLC', { pair: 'XBTUSD', interval: '1' }) as Record<string, OhlcRow[]>).XXBTZUSD!;
    expect(minute).toHaveLength(720);
    expect(minute.at(-1)![0]).toBe(Math.floor(now / 60_000) * 60);
    expect(minute.at(-1)![4]).toBe(series.priceAt(now)!.toFixed(1));
  });

  it('moves with the clock: advancing 5 minutes commits the forming candle', () => {
    const { data, clock } = market(now);
    const before = ohlc(data);
    clock.advance(FIVE_MINUTES_MS);
    const after = ohlc(data);
    expect(after.last).toBe(before.last + 300);
    expect(after.rows.at(-2)![0]).toBe(before.rows.at(-1)![0]);
    // Rows kept from earlier calls match a fresh computation, forwards, far forwards and backwards.
    for (const move of [3 * FIVE_MINUTES_MS + 1_000, 2_000 * FIVE_MINUTES_MS, -500 * FIVE_MINUTES_MS]) {
      clock.setTime(clock.nowMs() + move);
      const fresh = market(clock.nowMs());
      expect(ohlc(data)).toEqual(ohlc(fresh.data));
    }
  });

  it('Trades: recent trades oldest first, and `last` works as a cursor', () => {
    const { data, clock } = market(now);
    const first = data.call('Trades', { pair: 'XBTUSD', count: '10' }) as { XXBTZUSD: unknown[][]; last: string };
    expect(first.XXBTZUSD).toHaveLength(10);
    const times = first.XXBTZUSD.map((t) => t[2] as number);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.at(-1)!).toBeLessThan(now / 1000);
    expect(BigInt(first.last)).toBe(BigInt(Math.round((times.at(-1)! * 1000))) * 1_000_000n);
    const none = data.call('Trades', { pair: 'XBTUSD', since: first.last }) as { XXBTZUSD: unknown[][]; last: string };
    expect(none.XXBTZUSD).toHaveLength(0);
    expect(none.last).toBe(first.last);
    clock.advance(FIVE_MINUTES_MS);
    const more = data.call('Trades', { pair: 'XBTUSD', since: first.last }) as { XXBTZUSD: unknown[][] };
    expect(more.XXBTZUSD.length).toBeGreaterThan(0);
    expect((more.XXBTZUSD[0]![2] as number) * 1000).toBeGreaterThan(times.at(-1)! * 1000);
  });

  it('Depth and Ticker agree with the current price', () => {
    const { data, series } = market(now);
    const price = series.priceAt(now)!;
    const depth = (data.call('Depth', { pair: 'XBTUSD', count: '5' }) as Record<string, { asks: string[][]; bids: string[][] }>).XXBTZUSD!;
    expect(depth.asks).toHaveLength(5);
    const asks = depth.asks.map((l) => Number(l[0]));
    const bids = depth.bids.map((l) => Number(l[0]));
    expect([...asks].sort((a, b) => a - b)).toEqual(asks);
    expect([...bids].sort((a, b) => b - a)).toEqual(bids);
    expect(asks[0]!).toBeGreaterThan(price);
    expect(bids[0]!).toBeLessThan(price);
    const ticker = (data.call('Ticker', { pair: 'BTC/USD' }) as Record<string, { a: string[]; b: string[]; c: string[] }>).XXBTZUSD!;
    expect(Number(ticker.c[0])).toBeCloseTo(price, 4);
    expect(Number(ticker.a[0])).toBe(asks[0]);
    expect(Number(ticker.b[0])).toBe(bids[0]);
  });

  it('lists assets and pairs in Kraken’s shapes and refuses unknown pairs', () => {
    const { data } = market(now);
    const pairs = data.call('AssetPairs', {}) as Record<string, Record<string, unknown>>;
    expect(pairs.XXBTZUSD).toMatchObject({ altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', lot_decimals: 8, pair_decimals: 1, ordermin: '0.00005', costmin: '0.5', status: 'online' });
    expect((pairs.XXBTZUSD!.fees as number[][])[0]).toEqual([0, 0.4]);
    expect((pairs.XXBTZUSD!.fees_maker as number[][])[0]).toEqual([0, 0.25]);
    const assets = data.call('Assets', {}) as Record<string, { altname: string; decimals: number }>;
    expect(assets.XXBT).toMatchObject({ altname: 'XBT', decimals: 10 });
    expect(assets.ZUSD).toMatchObject({ altname: 'USD', decimals: 4 });
    expect(() => data.call('OHLC', { pair: 'NOPEUSD' })).toThrow('EQuery:Unknown asset pair');
    expect(() => data.call('OHLC', { pair: 'XBTUSD', interval: '7' })).toThrow('EGeneral:Invalid arguments:interval');
    expect(() => data.call('Nope', {})).toThrow('EGeneral:Unknown method');
  });
});

describe('Class: SandboxClock', () => {
  it('stands still at speed 0, follows a (fake) wall clock at speed 1, runs faster at speed 60', () => {
    let wall = 1_000;
    const clock = new SandboxClock(T0, 0, () => wall);
    wall += 10_000;
    expect(clock.nowMs()).toBe(T0);
    clock.advance(5_000);
    expect(clock.nowMs()).toBe(T0 + 5_000);
    clock.setSpeed(1);
    wall += 2_000;
    expect(clock.nowMs()).toBe(T0 + 7_000);
    clock.setSpeed(60);
    wall += 1_000;
    expect(clock.nowMs()).toBe(T0 + 67_000);
    clock.setTime(T0);
    expect(clock.nowMs()).toBe(T0);
    expect(() => clock.advance(-1)).toThrow();
  });
});
