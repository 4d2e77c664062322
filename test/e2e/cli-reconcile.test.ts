// `kbot reconcile --local`: the reconcile command through the real CLI, handler and dynalite on the
// state `kbot paper` left under its data directory, against the sandbox's market data.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../functions/cli/program.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

let sandbox: SandboxHandle;
let dataDir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ pairs: ['BTC/USD', 'ETH/USD'], seed: 5 });
  dataDir = await mkdtemp(join(tmpdir(), 'kbot-reconcile-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk).replace(/\n$/, '')), true));
  const writeErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk).replace(/\n$/, '')), true));
  const previous = process.exitCode;
  try {
    const code = await runCli(['node', 'kbot', ...args]);
    const exit = process.exitCode;
    process.exitCode = previous;
    return { code: code || (typeof exit === 'number' ? exit : 0), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
    writeErr.mockRestore();
  }
}

describe('kbot reconcile --local', () => {
  it('compares the paper wallet with the positions on the local state kbot paper uses', async () => {
    const shown = await run(['reconcile', '--local', '--json', '--data-dir', dataDir, '--exchange-url', sandbox.url]);
    expect(shown.code).toBe(0);
    const report = JSON.parse(shown.out) as { mode: string; action: string; holdings: Array<{ asset: string; status: string; botBase: number }> };
    expect(report).toMatchObject({ mode: 'paper', action: 'show' });
    expect(report.holdings.map((h) => [h.asset, h.status, h.botBase])).toEqual([
      ['BTC', 'ok', 0],
      ['ETH', 'ok', 0],
    ]);
    const refused = await run(['reconcile', '--local', '--yes', '--release', 'BTC/USD', '--data-dir', dataDir, '--exchange-url', sandbox.url]);
    expect(refused.code).toBe(1);
    expect(refused.out + refused.err).toMatch(/release refused: no position in BTC\/USD to release/);
  });
});
