import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestFill, BacktestSummary, BacktestTrade } from '../../../functions/backtest/backtestResult.js';
import { formatCandleCsv } from '../../../functions/backtest/candleFile.js';
import { runBacktestCli, type BacktestCliOptions } from '../../../functions/cli/backtest.js';
import { runCheckCli, runDownloadCli } from '../../../functions/cli/data.js';
import { FIVE_MINUTES_MS, type Candle } from '../../../functions/core/types.js';
import { CandleGenerator } from '../../../functions/sandbox/candleGenerator.js';
import { startSandbox } from '../../../functions/sandbox/sandboxServer.js';
import { stopTargetEngine } from './stopTargetEngine.js';

const START = Date.UTC(2024, 0, 1);
const units = (x: number) => Math.round(x * 1e8);

function generate(seed: number, price: number, count: number): Candle[] {
  const g = new CandleGenerator({ seed, startOpenTimeMs: START, startPrice: price, volatility5m: 0.002, baseVolume5m: 5, priceDecimals: 2 });
  return Array.from({ length: count }, () => g.next());
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), progress: false }, out, err };
}

describe('kbot backtest (runBacktestCli)', () => {
  let dir: string;
  let btcFile: string;
  let ethFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-bt-cli-'));
    // BTC as Kraken ships it: headerless unix seconds with a trades column, pair from the name.
    btcFile = join(dir, 'XBTUSD_5.csv');
    writeFileSync(btcFile, generate(1, 40_000, 600).map((c) => `${c.openTimeMs / 1000},${c.open},${c.high},${c.low},${c.close},${c.volume},7`).join('\n'));
    ethFile = join(dir, 'eth.csv');
    writeFileSync(ethFile, formatCandleCsv(generate(2, 2_000, 600)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const engine = () =>
    stopTargetEngine({ enterAt: (_p, i) => i % 40 === 5, costQuote: 150, stopFraction: 0.004, targetFraction: 0.004, warmupCandles: 3 });

  it('prints a reconciled JSON summary with per-pair figures and the trade list', async () => {
    // Prepare
    const { io, out, err } = capture();
    const opts: BacktestCliOptions = { data: [btcFile, `ETH/USD=${ethFile}`], json: true, balance: 'USD=2000' };
    // Act
    const code = await runBacktestCli(opts, io, engine);
    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('\n')) as { summary: BacktestSummary; trades: BacktestTrade[]; fills: BacktestFill[] };
    const s = parsed.summary;
    expect(Object.keys(s.pairs)).toEqual(['BTC/USD', 'ETH/USD']);
    expect(s.pairs['BTC/USD']!.candles).toBe(600);
    expect(s.candlesProcessed).toBe(1200);
    expect(s.startEquityQuote).toBe(2000);
    expect(parsed.trades.length).toBeGreaterThan(10);
    expect(units(s.endEquityQuote)).toBe(units(2000) + units(s.netPnlQuote));
    expect(parsed.trades.reduce((n, t) => n + units(t.netPnlQuote), 0)).toBe(units(s.netPnlQuote));
    expect(parsed.fills.reduce((n, f) => n + units(f.feeQuote), 0)).toBe(units(s.feesQuote));
    expect(s.sharpeMethod).toContain('sqrt(365)');
    expect(err.join('\n')).toContain('BTC/USD: 600 candles');
  });

  it('prints a readable summary whose equity line reconciles', async () => {
    const { io, out } = capture();
    expect(await runBacktestCli({ data: [btcFile], balance: 'USD=1000' }, io, engine)).toBe(0);
    const text = out.join('\n');
    const m = /Equity\s+([\d.]+) USD -> ([\d.]+) USD\s+\(net ([+-][\d.]+) USD/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeCloseTo(Number(m![1]) + Number(m![3]), 2);
    expect(text).toMatch(/BTC\/USD\s+600\s+0\s+\d+/);
  });

  it('prints buy and hold, the quality figures and the config hash; a report that cannot be written keeps the summary', async () => {
    const { io, out, err } = capture();
    const code = await runBacktestCli({ data: [btcFile], balance: 'USD=1000', report: join(dir, 'no-such-dir', 'r.html') }, io, engine);
    expect(code).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/^Market\s+buy and hold -?\d+\.\d+% \(BTC\/USD -?\d+\.\d+%\)/m);
    expect(text).toMatch(/^Quality\s+CAGR .*profit factor/m);
    expect(text).toMatch(/^Config\s+.*hash [0-9a-f]{12}$/m);
    expect(err.join('\n')).toMatch(/the report could not be written to .*r\.html .*the summary above is complete/);
    // Written atomically: nothing half-written is left behind.
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
  });

  it('restricts the replay to --from/--to and warms up on the candles before', async () => {
    const { io, out } = capture();
    const from = new Date(START + 100 * FIVE_MINUTES_MS).toISOString();
    const to = new Date(START + 400 * FIVE_MINUTES_MS).toISOString();
    expect(await runBacktestCli({ data: [btcFile], json: true, from, to }, io, engine)).toBe(0);
    const s = JSON.parse(out.join('\n')).summary;
    expect(s.candlesProcessed).toBe(300);
    expect(s.fromIso).toBe(from);
  });

  it('fails with file and line for a malformed row', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'timestamp_ms,open,high,low,close,volume\n1704067200000,1,1,1,1,1\n1704067500000,1,0.5,1,1,1\n');
    const { io, err } = capture();
    expect(await runBacktestCli({ data: [`BTC/USD=${bad}`] }, io, engine)).toBe(1);
    expect(err.join('\n')).toContain(`${bad}:3: high/low inconsistent`);
  });

  it.each([
    [{ data: ['nameless.csv'] }, 'say which pair it holds'],
    [{ data: ['XBTUSD_5.csv'], balance: 'BTC=1' }, 'starts from the quote currency only (USD)'],
    [{ data: ['XBTUSD_5.csv'], from: 'yesterday' }, '--from yesterday: not an ISO date'],
  ])('refuses bad arguments with a clear message: %#', async (opts, message) => {
    const { io, err } = capture();
    const withDir = { ...opts, data: opts.data.map((d) => d.replace('XBTUSD_5.csv', btcFile)) };
    expect(await runBacktestCli(withDir as BacktestCliOptions, io, engine)).toBe(1);
    expect(err.join('\n')).toContain(message);
  });
});

describe('kbot backtest: a pair the built-in market table does not know', () => {
  it('is refused before any file is read, as a configuration error (exit 2)', async () => {
    const { io } = capture();
    await expect(runBacktestCli({ data: ['FOO/USD=x.csv'] }, io)).rejects.toThrow(/^FOO\/USD is not listed by the built-in Kraken market table\nPass --markets/);
  });
});

describe('kbot data (runDownloadCli, runCheckCli)', () => {
  it('downloads from the sandbox to a CSV that check and backtest accept, reporting gaps', async () => {
    const now = Date.UTC(2024, 5, 3, 6, 0);
    const sandbox = await startSandbox({ pairs: ['ETH/USD'], startTimeMs: now, speed: 0, historyMs: 4 * 86_400_000 });
    const dir = mkdtempSync(join(tmpdir(), 'kbot-data-cli-'));
    try {
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
      const file = join(dir, 'eth.csv');
      const code = await runDownloadCli(
        { pair: 'ETH/USD', from: '2024-05-31', to: '2024-06-01', out: file, exchangeUrl: sandbox.url, cacheDir: join(dir, 'cache'), throttleMs: '0' },
        io,
      );
      expect(code).toBe(0);
      expect(out).toEqual([file]);
      expect(err.join('\n')).toContain('ETH/USD: 288 candles 2024-05-31T00:00:00.000Z .. 2024-05-31T23:55:00.000Z; no gaps');
      expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('timestamp_ms,open,high,low,close,volume');
      const checked: string[] = [];
      expect(runCheckCli([file], { out: (t) => checked.push(t), err: (t) => checked.push(t) })).toBe(0);
      expect(checked[0]).toContain('288 candles');
    } finally {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('check reports a malformed file and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbot-data-cli-'));
    try {
      const file = join(dir, 'XBTUSD_5.csv');
      writeFileSync(file, '1704067200,1,1,1,1,1,1\n1704067200,1,1,1,1,1,1\n');
      const lines: string[] = [];
      expect(runCheckCli([file], { out: (t) => lines.push(t), err: (t) => lines.push(t) })).toBe(1);
      expect(lines[0]).toBe(`${file}:2: duplicate candle time`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('kbot backtest --compare', () => {
  let dir: string;
  let ethFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-bt-compare-'));
    ethFile = join(dir, 'eth.csv');
    writeFileSync(ethFile, formatCandleCsv(generate(2, 2_000, 3_000)));
    writeFileSync(join(dir, 'momentum.json'), JSON.stringify({ strategies: { use: ['momentum'] }, risk: { minQuoteVolume24h: 0 } }));
    writeFileSync(join(dir, 'reversion.json'), JSON.stringify({ strategies: { use: ['meanReversion'] }, risk: { minQuoteVolume24h: 0 } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays each configuration on the same candles: one JSON document, one report naming both', async () => {
    // Prepare
    const { io, out, err } = capture();
    const files = [join(dir, 'momentum.json'), join(dir, 'reversion.json')];
    const report = join(dir, 'compare.html');
    // Act
    const code = await runBacktestCli({ data: [`ETH/USD=${ethFile}`], balance: 'USD=1000', json: true, compare: files, report }, io);
    // Assess
    expect(code).toBe(0);
    const parsed = JSON.parse(out.join('\n')) as { compare: { config: string; summary: BacktestSummary }[] };
    expect(parsed.compare.map((r) => [r.config, r.summary.strategies])).toEqual([
      [files[0], ['momentum']],
      [files[1], ['meanReversion']],
    ]);
    expect(parsed.compare[0]!.summary.candlesProcessed).toBe(parsed.compare[1]!.summary.candlesProcessed);
    expect(parsed.compare[0]!.summary.configHash).not.toBe(parsed.compare[1]!.summary.configHash);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain(`config ${parsed.compare[0]!.summary.configHash}`);
    expect(html).toContain(`config ${parsed.compare[1]!.summary.configHash}`);
    expect(err.at(-1)).toBe(`Report written to ${report}`);
  });

  it('prints one column per configuration', async () => {
    // Prepare
    const { io, out } = capture();
    // Act
    const code = await runBacktestCli({ data: [`ETH/USD=${ethFile}`], balance: 'USD=1000', compare: [join(dir, 'momentum.json'), join(dir, 'reversion.json')] }, io);
    // Assess
    expect(code).toBe(0);
    expect(out.find((l) => l.startsWith('strategies'))).toMatch(/^strategies\s+momentum\s+meanReversion$/);
  });

  it('refuses a single configuration', async () => {
    const { io, err } = capture();
    expect(await runBacktestCli({ data: [`ETH/USD=${ethFile}`], compare: [join(dir, 'momentum.json')] }, io)).toBe(1);
    expect(err.join('\n')).toMatch(/at least two configuration files/);
  });
});
