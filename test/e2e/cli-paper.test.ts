// `kbot paper`: one tick against a Kraken-compatible server through the real CLI, and the offline message.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../functions/cli/program.js';
import { probeExchange } from '../../functions/cli/paper.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

let sandbox: SandboxHandle;
beforeAll(async () => {
  // Wall-clock sandbox: generated data up to now, as `kbot sandbox` serves it.
  sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD'], seed: 3 });
});
afterAll(async () => {
  await sandbox.close();
});

async function captureStdout(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await run();
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('kbot paper', () => {
  it('--once --json runs one paper tick on the exchange URL and prints the TickResult', async () => {
    const { code, out } = await captureStdout(() =>
      runCli(['node', 'kbot', 'paper', '--once', '--json', '--memory', '--exchange-url', sandbox.url]),
    );
    expect(code).toBe(0);
    const result = JSON.parse(out) as TickResult;
    expect(result.mode).toBe('paper');
    expect(result.status).toBe('completed');
    expect(result.pairs.map((p) => p.pair)).toEqual(['BTC/USD', 'ETH/USD']);
    for (const p of result.pairs) expect(p.data).toMatchObject({ ok: true, droppedForming: 1 });
    expect(result.equityQuote).toBe(1000); // the paper wallet's default funding, nothing traded yet
    expect(sandbox.orders()).toHaveLength(0); // paper mode never sends orders to the exchange
  });

  it('says clearly when Kraken cannot be reached and points at the demo', async () => {
    const port = await closedPort();
    const problem = await probeExchange(`http://127.0.0.1:${port}`, 2_000);
    expect(problem).toMatch(/^Kraken cannot be reached at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\.$/);
    const { code, err } = await captureStdout(() => runCli(['node', 'kbot', 'paper', '--once', '--memory', '--exchange-url', `http://127.0.0.1:${port}`]));
    expect(code).toBe(3);
    expect(err).toContain('npm run demo');
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
