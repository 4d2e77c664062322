// Unknown pairs are refused at start, naming the nearest listed symbol: `kbot paper` (Kraken's
// listing through the adapter), `kbot demo` (the sandbox's), `kbot backtest` (the market table),
// and `kbot data markets`, which saves the AssetPairs reply those offline checks read.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatCandleCsv } from '../../functions/backtest/candleFile.js';
import { runBacktestCli } from '../../functions/cli/backtest.js';
import { runMarketsCli } from '../../functions/cli/data.js';
import { runDemo } from '../../functions/cli/demo.js';
import { builtInSymbols, UnlistedPairError } from '../../functions/cli/pairCheck.js';
import { runCli } from '../../functions/cli/program.js';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

let sandbox: SandboxHandle;
let dir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD', 'SOL/USD'], seed: 5 });
  dir = mkdtempSync(join(tmpdir(), 'kbot-pairs-'));
});
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function capture(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk).replace(/\n$/, '')), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk).replace(/\n$/, '')), true));
  try {
    const code = await run();
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('kbot data markets', () => {
  it('saves the AssetPairs reply of --exchange-url and prints only the file on stdout', async () => {
    const file = join(dir, 'nested', 'pairs.json');
    const { code, out, err } = await capture(() => runCli(['node', 'kbot', 'data', 'markets', '--out', file, '--exchange-url', sandbox.url]));
    expect(code).toBe(0);
    expect(out).toBe(file);
    expect(err).toBe(`Saved 3 asset pairs from ${sandbox.url} to ${file}`);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { error: string[]; result: Record<string, { wsname: string }> };
    expect(saved.error).toEqual([]);
    expect(Object.keys(saved.result).sort()).toEqual(['SOLUSD', 'XETHZUSD', 'XXBTZUSD']);
    expect(saved.result.XXBTZUSD!.wsname).toBe('XBT/USD');
  });

  it('reads KRAKEN_API_URL when no --exchange-url is given', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const file = join(dir, 'from-env.json');
    const code = await runMarketsCli({ out: file }, { out: (t) => out.push(t), err: (t) => err.push(t) }, { KRAKEN_API_URL: sandbox.url });
    expect(code).toBe(0);
    expect(err).toEqual([`Saved 3 asset pairs from ${sandbox.url} to ${file}`]);
  });

  it('exits 1 naming the URL when the server cannot be reached', async () => {
    const port = await closedPort();
    const err: string[] = [];
    const code = await runMarketsCli({ out: join(dir, 'never.json'), exchangeUrl: `http://127.0.0.1:${port}` }, { out: () => undefined, err: (t) => err.push(t) });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(new RegExp(`^kbot data markets: http://127\\.0\\.0\\.1:${port}/0/public/AssetPairs cannot be read \\(ECONNREFUSED\\)$`));
  });
});

describe('kbot paper refuses a pair Kraken does not list', () => {
  it('names the pair and the nearest listed symbol, exits 2, and runs no tick', async () => {
    const config = join(dir, 'paper-config.json');
    writeFileSync(config, JSON.stringify({ pairs: ['BTC/USD', 'ETHH/USD'] }));
    const before = sandbox.callCounts().OHLC ?? 0;
    const { code, out, err } = await capture(() => runCli(['node', 'kbot', 'paper', '--once', '--json', '--memory', '--config', config, '--exchange-url', sandbox.url]));
    expect(code).toBe(2);
    expect(err).toBe('ETHH/USD is not listed by Kraken; did you mean ETH/USD?');
    expect(out).toBe('');
    expect(sandbox.callCounts().OHLC ?? 0).toBe(before);
  });

  it('makes no suggestion when nothing listed is close', async () => {
    const config = join(dir, 'paper-far.json');
    writeFileSync(config, JSON.stringify({ pairs: ['QQQQQ/USD'] }));
    const { code, err } = await capture(() => runCli(['node', 'kbot', 'paper', '--once', '--memory', '--config', config, '--exchange-url', sandbox.url]));
    expect(code).toBe(2);
    expect(err).toBe('QQQQQ/USD is not listed by Kraken');
  });
});

describe('kbot demo refuses a pair the sandbox does not list', () => {
  it('names the pair, the nearest symbol and what the sandbox lists', async () => {
    const run = runDemo({ hours: 1, seed: 1, pairs: ['BTC/USD', 'SOL/USDD'], startIso: '2026-03-02T00:00:00Z', balanceQuote: 1_000 });
    await expect(run).rejects.toThrow(UnlistedPairError);
    await expect(run).rejects.toThrow(/^SOL\/USDD is not listed by the sandbox; did you mean SOL\/USD\?\nThe sandbox lists BTC\/USD, ETH\/USD, SOL\/USD, XRP\/USD, .*, FLOKI\/USD, and T01\/USD to T40\/USD \(synthetic\)\.$/);
  });

  it('exits 2 through the CLI', async () => {
    const { code, err } = await capture(() => runCli(['node', 'kbot', 'demo', '--hours', '1', '--pairs', 'BTC/USD,ETH/USDT']));
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toBe('ETH/USDT is not listed by the sandbox; did you mean ETH/USD?');
  });
});

describe('kbot backtest refuses a pair its market table does not list', () => {
  let candles: string;
  beforeAll(() => {
    candles = join(dir, 'candles.csv');
    const start = Date.UTC(2024, 0, 1);
    const rows: Candle[] = Array.from({ length: 50 }, (_, i) => ({ openTimeMs: start + i * FIVE_MINUTES_MS, open: 10, high: 11, low: 9, close: 10, volume: 1 }));
    writeFileSync(candles, formatCandleCsv(rows));
  });
  const io = () => {
    const err: string[] = [];
    return { io: { out: () => undefined, err: (t: string) => err.push(t), progress: false }, err };
  };

  it('against the built-in table: the nearest symbol, and where to get a fuller table', async () => {
    const { io: sink } = io();
    await expect(runBacktestCli({ data: [`DOGE/USDD=${candles}`] }, sink)).rejects.toThrow(
      'DOGE/USDD is not listed by the built-in Kraken market table; did you mean DOGE/USD?\nPass --markets with a saved Kraken AssetPairs reply (kbot data markets) for pairs the built-in table does not know.',
    );
  });

  it('against a --markets snapshot saved from the sandbox, exiting 2 through the CLI', async () => {
    const snapshot = join(dir, 'bt-pairs.json');
    expect(await runMarketsCli({ out: snapshot, exchangeUrl: sandbox.url }, { out: () => undefined, err: () => undefined })).toBe(0);
    const { code, err } = await capture(() => runCli(['node', 'kbot', 'backtest', '--data', `SOL/USDC=${candles}`, '--markets', snapshot]));
    expect(code).toBe(2);
    expect(err).toBe(`SOL/USDC is not listed by the --markets file ${snapshot}; did you mean SOL/USD?`);
  });

  it('the built-in table lists its bases against Kraken\'s quote currencies, crypto quotes included', () => {
    const symbols = builtInSymbols();
    expect(symbols).toEqual(expect.arrayContaining(['BTC/USD', 'DOGE/EUR', 'ETH/BTC', 'SOL/ETH', 'XRP/USDT']));
    expect(symbols).not.toContain('BTC/BTC');
    expect(symbols).not.toContain('DOGE/USDD');
  });

  it('when the pair contradicts the Kraken file name', async () => {
    const named = join(dir, 'XDGUSD_5.csv');
    writeFileSync(named, readFileSync(candles, 'utf8'));
    const { io: sink } = io();
    await expect(runBacktestCli({ data: [`DOGE/EUR=${named}`] }, sink)).rejects.toThrow(`DOGE/EUR does not match ${named}, which holds DOGE/USD`);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
