// kbot optimize end to end on files: the candle cache (parsed once, read back by hash), one JSON
// document on stdout, the self-contained HTML report, and usage errors that name the option.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedCandles } from '../../../functions/backtest/bench.js';
import { decodeCandleColumns, encodeCandleColumns, loadCandleColumns } from '../../../functions/backtest/candleCache.js';
import { formatCandleCsv, loadCandleFile } from '../../../functions/backtest/candleFile.js';
import { runOptimizeCli } from '../../../functions/cli/optimize.js';
import { columnsFromCandles } from '../../../functions/core/engine/candleColumns.js';
import type { OptimizeReport } from '../../../functions/research/optimizer.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('Candle cache', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-cache-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips columns exactly and refuses a truncated entry', () => {
    const cols = columnsFromCandles(generatedCandles('ETH/USD', 500));
    const bytes = encodeCandleColumns(cols, { format: 'kraken-ohlcvt', sourceIntervalMinutes: 1, pair: 'ETH/USD' });
    const back = decodeCandleColumns(bytes, { shared: true });
    expect(back.meta).toEqual({ format: 'kraken-ohlcvt', sourceIntervalMinutes: 1, pair: 'ETH/USD' });
    expect(Array.from(back.columns.close)).toEqual(Array.from(cols.close));
    expect(Array.from(back.columns.openTimeMs)).toEqual(Array.from(cols.openTimeMs));
    expect(back.columns.close.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(() => decodeCandleColumns(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
  });

  it('parses a file once, then reads it back by the hash of its bytes; an edited file is parsed again', () => {
    const file = join(dir, 'btc.csv');
    const cacheDir = join(dir, 'cache');
    writeFileSync(file, formatCandleCsv(generatedCandles('BTC/USD', 800)));
    const first = loadCandleColumns(file, { cacheDir });
    const second = loadCandleColumns(file, { cacheDir, range: { fromMs: first.columns.openTimeMs[100]! } });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.fileHash).toBe(first.fileHash);
    expect(readdirSync(cacheDir)).toEqual([`${first.fileHash}.kbc`]);
    expect(second.columns.length).toBe(700);
    expect(Array.from(first.columns.close)).toEqual(loadCandleFile(file).candles.map((c) => c.close));
    writeFileSync(file, formatCandleCsv(generatedCandles('BTC/USD', 801)));
    const third = loadCandleColumns(file, { cacheDir });
    expect(third.cached).toBe(false);
    expect(third.columns.length).toBe(801);
  });
});

describe('kbot optimize (runOptimizeCli)', () => {
  let dir: string;
  let file: string;
  const cwd = process.cwd();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-opt-cli-'));
    file = join(dir, 'btc.csv');
    writeFileSync(file, formatCandleCsv(generatedCandles('BTC/USD', 9_000)));
    writeFileSync(join(dir, 'space.txt'), 'momentum.fastSma = 5..15:5\nmomentum.slowSma = 30, 60\n');
    // The candle cache goes under .kbot/ of the working directory.
    process.chdir(dir);
  });
  afterAll(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints exactly one JSON document and writes a self-contained report', async () => {
    const { io, out, err } = capture();
    const report = join(dir, 'opt.html');
    const code = await runOptimizeCli(
      { data: [`BTC/USD=${file}`], strategy: 'momentum', space: join(dir, 'space.txt'), param: ['exits.mode=fixed', 'momentum.exitOnReversal=true'], objective: 'net', minTrades: '1', windows: '2', top: '2', workers: '2', json: true, report },
      io,
    );
    expect(err.join('\n')).not.toMatch(/kbot optimize:/);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const parsed = JSON.parse(out[0]!) as OptimizeReport;
    expect(parsed.kind).toBe('kbot-optimize');
    expect(parsed.setsEvaluated).toBe(6);
    expect(parsed.windows).toHaveLength(2);
    expect(parsed.space.map((p) => p.path)).toEqual(['strategies.momentum.fastSma', 'strategies.momentum.slowSma', 'exits.mode', 'strategies.momentum.exitOnReversal']);
    expect(existsSync(join(dir, '.kbot', 'cache', 'candles'))).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/<svg[^>]*class="chart heat"/);
    expect(html).toContain('In sample against out of sample');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it.each([
    [{ param: ['momentum.fastSma=1..3'] }, /momentum\.fastSma/],
    [{ param: [] as string[] }, /search space is empty/],
    [{ param: ['momentum.fastSma=5'], method: 'bayes' }, /--method bayes/],
    [{ param: ['momentum.fastSma=5'], inSample: '3 months' }, /--in-sample 3 months/],
  ])('refuses bad input: %o', async (extra, message) => {
    const { io, err } = capture();
    const code = await runOptimizeCli({ data: [`BTC/USD=${file}`], ...extra }, io);
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(message);
  });
});
