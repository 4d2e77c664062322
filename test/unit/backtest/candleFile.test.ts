import { describe, expect, it } from 'vitest';
import { CandleFileError, formatCandleCsv, parseCandleCsv } from '../../../functions/backtest/candleFile.js';
import { gapReport } from '../../../functions/backtest/gapReport.js';
import { krakenAltname, pairFromKrakenName, parseKrakenFileName } from '../../../functions/backtest/krakenPairs.js';
import { builtInMarkets, marketsFromAssetPairs } from '../../../functions/backtest/marketTable.js';
import { SANDBOX_MARKETS } from '../../../functions/sandbox/sandboxMarkets.js';

const T = 1_704_067_200; // 2024-01-01T00:00:00Z in seconds

describe('parseCandleCsv', () => {
  it('reads the project format with its header', () => {
    const text = 'timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100.5,3\n1704067500000,100.5,102,100,101,4\n';
    const f = parseCandleCsv(text, 'btc.csv');
    expect(f.format).toBe('header');
    expect(f.candles).toEqual([
      { openTimeMs: 1_704_067_200_000, open: 100, high: 101, low: 99, close: 100.5, volume: 3 },
      { openTimeMs: 1_704_067_500_000, open: 100.5, high: 102, low: 100, close: 101, volume: 4 },
    ]);
  });

  it("reads Kraken's headerless OHLCVT rows (unix seconds, trades column) and names the pair from the file", () => {
    const text = `${T},42000.1,42010,41990.5,42005,1.5,12\r\n${T + 300},42005,42020,42000,42015,0.7,9\r\n`;
    const f = parseCandleCsv(text, '/data/XBTUSD_5.csv');
    expect(f.format).toBe('kraken-ohlcvt');
    expect(f.pair).toBe('BTC/USD');
    expect(f.candles.map((c) => c.openTimeMs)).toEqual([T * 1000, (T + 300) * 1000]);
    expect(f.candles[1]!.close).toBe(42015);
  });

  it('aggregates a Kraken 1-minute file into 5-minute candles without inventing missing minutes', () => {
    const rows = [
      [T, 10, 11, 9, 10.5, 1],
      [T + 60, 10.5, 12, 10, 11, 2],
      // minute 2 and 3 had no trades
      [T + 240, 11, 11.5, 8, 9, 1],
      [T + 600, 9, 9.5, 8.5, 9.2, 5],
    ];
    const f = parseCandleCsv(rows.map((r) => [...r, 3].join(',')).join('\n'), 'XDGUSD_1.csv');
    expect(f.pair).toBe('DOGE/USD');
    expect(f.sourceIntervalMinutes).toBe(1);
    expect(f.candles).toEqual([
      { openTimeMs: T * 1000, open: 10, high: 12, low: 8, close: 9, volume: 4 },
      { openTimeMs: (T + 600) * 1000, open: 9, high: 9.5, low: 8.5, close: 9.2, volume: 5 },
    ]);
    expect(gapReport(f.candles)).toMatchObject({ gaps: 1, missingCandles: 1 });
  });

  it.each([
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100,1\n1704067500000,100,99,101,100,1\n', 'x.csv:3: high/low inconsistent'],
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100,1\n1704067200000,100,101,99,100,1\n', 'x.csv:3: duplicate candle time'],
    ['timestamp_ms,open,high,low,close,volume\n1704067500000,100,101,99,100,1\n1704067200000,100,101,99,100,1\n', 'x.csv:3: candle time goes backwards'],
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,abc,1\n', 'x.csv:2: non-numeric value'],
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100,\n', 'x.csv:2: non-numeric value'],
    ['timestamp_ms,open,high,low,close,volume\n\n1704067200000,100,101,99\n', 'x.csv:3: expected at least 6 columns'],
    ['time,o,h,l,c,v\n', 'x.csv:1: unexpected header'],
    ['1704067200000,100,101,99,100,1,3\n', 'x.csv:1: time 1704067200000 looks like milliseconds'],
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100,1\n1704067500000,100,101,99,100,1\n1704067920000,100,101,99,100,1\n', 'x.csv:4: time is not on a 5-minute boundary'],
    ['timestamp_ms,open,high,low,close,volume\n1704067200000,100,101,99,100,1\n1704068100000,100,101,99,100,1\n', 'x.csv: holds 15-minute candles'],
    ['', 'x.csv: no candles'],
  ])('refuses a malformed file with its line: %#', (text, message) => {
    expect(() => parseCandleCsv(text, 'x.csv')).toThrow(CandleFileError);
    expect(() => parseCandleCsv(text, 'x.csv')).toThrow(message);
  });

  it('keeps only rows in the requested range but still validates the rest', () => {
    const text = formatCandleCsv([0, 1, 2, 3].map((k) => ({ openTimeMs: (T + k * 300) * 1000, open: 1, high: 1, low: 1, close: 1, volume: 1 })));
    const f = parseCandleCsv(text, 'y.csv', { fromMs: (T + 300) * 1000, toMs: (T + 900) * 1000 });
    expect(f.candles.map((c) => c.openTimeMs / 1000 - T)).toEqual([300, 600]);
    expect(() => parseCandleCsv(`${text}${(T - 300) * 1000},1,1,1,1,1\n`, 'y.csv', { toMs: 0 })).toThrow('y.csv:6: candle time goes backwards');
  });

  it('round-trips through formatCandleCsv', () => {
    const candles = [{ openTimeMs: T * 1000, open: 0.12345678, high: 0.2, low: 0.1, close: 0.15, volume: 123456.789 }];
    expect(parseCandleCsv(formatCandleCsv(candles), 'z.csv').candles).toEqual(candles);
  });
});

describe('Kraken names', () => {
  it.each([
    ['XBTUSD', 'BTC/USD'],
    ['XXBTZUSD', 'BTC/USD'],
    ['XETHZUSD', 'ETH/USD'],
    ['XDGUSD', 'DOGE/USD'],
    ['SOLUSD', 'SOL/USD'],
    ['XRPUSDT', 'XRP/USDT'],
    ['ETHXBT', 'ETH/BTC'],
    ['XBT/EUR', 'BTC/EUR'],
    ['LINKUSD', 'LINK/USD'],
  ])('%s is %s', (name, pair) => {
    expect(pairFromKrakenName(name)).toBe(pair);
  });

  it('maps file names and altnames both ways', () => {
    expect(parseKrakenFileName('/tmp/x/XBTUSD_5.csv')).toEqual({ pair: 'BTC/USD', intervalMinutes: 5 });
    expect(parseKrakenFileName('XETHZUSD_1440.csv')).toEqual({ pair: 'ETH/USD', intervalMinutes: 1440 });
    expect(parseKrakenFileName('btc.csv')).toBeUndefined();
    expect(krakenAltname('BTC/USD')).toBe('XBTUSD');
    expect(krakenAltname('DOGE/EUR')).toBe('XDGEUR');
  });
});

describe('market rules', () => {
  it('match the sandbox for the pairs it lists', () => {
    // Every real market the sandbox lists (the synthetic T01..T40 tokens are the sandbox's own).
    for (const m of SANDBOX_MARKETS.filter((x) => !/^T\d\d\//.test(x.symbol))) {
      const info = builtInMarkets([m.symbol], 0.004)[m.symbol]!;
      expect(info).toMatchObject({ amountDecimals: m.lotDecimals, priceDecimals: m.pairDecimals, minAmountBase: Number(m.ordermin), minCostQuote: Number(m.costmin) });
    }
  });

  it('refuses a pair it does not know, naming it', () => {
    expect(() => builtInMarkets(['FOO/USD'], 0.004)).toThrow('no built-in market rules for FOO/USD');
  });

  it("reads a Kraken AssetPairs reply, dropping dark-pool pairs", () => {
    const reply = {
      error: [],
      result: {
        XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, ordermin: '0.0002', status: 'online' },
        'XXBTZUSD.d': { altname: 'XBTUSD.d', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, ordermin: '9' },
        XDGUSD: { altname: 'XDGUSD', wsname: 'XDG/USD', base: 'XXDG', quote: 'ZUSD', pair_decimals: 7, lot_decimals: 8, ordermin: '50', costmin: '0.5', status: 'cancel_only' },
      },
    };
    const m = marketsFromAssetPairs(reply, 0.0026);
    expect(m['BTC/USD']).toMatchObject({ base: 'BTC', quote: 'USD', minAmountBase: 0.0002, minCostQuote: 0, priceDecimals: 1, takerFeeRate: 0.0026, active: true });
    expect(m['DOGE/USD']).toMatchObject({ base: 'DOGE', minAmountBase: 50, minCostQuote: 0.5, active: false });
  });
});
