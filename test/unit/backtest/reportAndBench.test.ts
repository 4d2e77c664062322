import { describe, expect, it } from 'vitest';
import { benchReplay, generatedCandles } from '../../../functions/backtest/bench.js';
import { renderHtmlReport } from '../../../functions/backtest/htmlReport.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { parseConfig } from '../../../functions/core/config.js';
import { stopTargetEngine } from './stopTargetEngine.js';

describe('renderHtmlReport', () => {
  const candles = generatedCandles('BTC/USD', 30_000);
  const config = parseConfig({ pairs: ['BTC/USD'], paper: { slippageBps: 0 } });
  const result = runBacktest({
    config,
    engine: stopTargetEngine({ enterAt: (_p, i) => i % 500 === 0, costQuote: 100, stopFraction: 0.01, targetFraction: 0.01 }),
    series: [{ pair: 'BTC/USD', candles }],
    markets: builtInMarkets(['BTC/USD'], 0.004),
    startingQuote: 1_000,
  });
  const html = renderHtmlReport(result, { 'BTC/USD': candles }, 'test </script><b>report</b>');
  const data = JSON.parse(/<script id="report-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as {
    equity: [number, number][];
    drawdown: [number, number][];
    pairs: { barMinutes: number; bars: unknown[]; markers: { side: string; count: number; text: string }[] }[];
    trades: unknown[];
    buyAndHold: [number, number][];
  };

  it('draws buy and hold on the equity scale, from the start equity to the last close\'s change', () => {
    const bh = result.summary.performance.buyAndHold['BTC/USD']!;
    expect(bh.firstClose).toBe(candles[0]!.close);
    expect(bh.lastClose).toBe(candles[candles.length - 1]!.close);
    expect(data.buyAndHold[data.buyAndHold.length - 1]![1]).toBeCloseTo(1_000 * (1 + bh.returnFraction), 6);
    expect(data.buyAndHold.length).toBe(data.equity.length);
  });

  it('puts one marker per bar and side, counting the trades in it, so labels never pile up', () => {
    const markers = data.pairs[0]!.markers;
    const keys = markers.map((m) => `${(m as unknown as { time: number }).time}${m.side}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(markers.reduce((n, m) => n + m.count, 0)).toBe(result.trades.length * 2);
  });

  it('embeds the data as JSON that cannot close its script tag, and escapes the title', () => {
    expect(html).toContain(`<title>test &lt;/script&gt;&lt;b&gt;report&lt;/b&gt;: regime on BTC/USD, ${result.summary.fromIso.slice(0, 10)} to ${result.summary.toIso.slice(0, 10)} (config ${result.summary.configHash})</title>`);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(data.trades).toHaveLength(result.trades.length);
  });

  it('keeps long series small: at most 4,000 points per chart, coarser bars for long histories', () => {
    expect(data.equity.length).toBeLessThanOrEqual(4_000);
    expect(data.equity.length).toBeGreaterThan(3_000);
    expect(data.pairs[0]!.barMinutes).toBe(60);
    expect(data.pairs[0]!.bars.length).toBe(2_500);
    expect(data.equity[data.equity.length - 1]![1]).toBeCloseTo(result.summary.endEquityQuote, 6);
    // The drawdown series keeps the deepest point: its minimum is the summary's max drawdown.
    expect(Math.min(...data.drawdown.map((d) => d[1]))).toBeCloseTo(-result.summary.maxDrawdownFraction * 100, 3);
  });

  it('marks every entry and exit on the price chart', () => {
    const markers = data.pairs[0]!.markers;
    expect(markers.filter((m) => m.side === 'buy')).toHaveLength(result.trades.length);
    expect(markers.filter((m) => m.side === 'sell')).toHaveLength(result.trades.length);
    expect(result.trades.length).toBeGreaterThan(20);
  });
});

describe('bench', () => {
  it('generates the same seeded candles every time', () => {
    const a = generatedCandles('ETH/USD', 500);
    expect(generatedCandles('ETH/USD', 500)).toEqual(a);
    expect(generatedCandles('SOL/USD', 500)).not.toEqual(a);
  });

  it('replays with the default strategy set and counts every candle-step', () => {
    const r = benchReplay('small', [
      { pair: 'BTC/USD', candles: generatedCandles('BTC/USD', 3_000) },
      { pair: 'ETH/USD', candles: generatedCandles('ETH/USD', 2_000) },
    ]);
    expect(r.candleSteps).toBe(5_000);
    expect(r.pairs).toBe(2);
    expect(r.prepareMs).toBeGreaterThan(0);
    expect(r.stepsPerSecond).toBeGreaterThan(0);
  });
});
