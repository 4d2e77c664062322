// `--json` means one JSON document on stdout: each command that has the option is run as a user
// runs it (the compiled CLI, bin/kbot.mjs, in a child process) and its whole stdout must parse.
// Logs, progress and metrics belong on stderr. The ops commands (status, reconcile, ask) need
// the deployed stack; their --json output is covered with mocked AWS in test/unit/cli-ops-* and cli-ask.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedCandles } from '../../functions/backtest/bench.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { PROJECT_ROOT } from '../../functions/projectRoot.js';

const run = promisify(execFile);
const KBOT = join(PROJECT_ROOT, 'bin', 'kbot.mjs');

let dir: string;
let sandbox: SandboxHandle;
let candles: string;
let backtestJson: string | undefined;

/** Runs the CLI; its exit code, stdout and stderr. */
async function kbot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [KBOT, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KBOT_STRATEGIES_DIR: join(dir, 'no-strategies') } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({ code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kbot-json-'));
  candles = join(dir, 'btc.csv');
  const rows = generatedCandles('BTC/USD', 4_000).map((c) => [c.openTimeMs, c.open, c.high, c.low, c.close, c.volume].join(','));
  writeFileSync(candles, `timestamp_ms,open,high,low,close,volume\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ pairs: ['BTC/USD'], strategies: { use: ['meanReversion'] } }));
  sandbox = await startSandbox({ pairs: ['BTC/USD'] });
  // The first run builds the bundle when the sources changed: let it happen outside the timed cases.
  await kbot('--version');
});
afterAll(async () => {
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cases: [string, () => string[]][] = [
  ['strategies', () => ['strategies', '--json']],
  ['config validate', () => ['config', 'validate', 'config.json', '--json']],
  ['backtest', () => ['backtest', '--data', `BTC/USD=${candles}`, '--config', 'config.json', '--balance', 'USD=1000', '--json']],
  ['check lookahead', () => ['check', 'lookahead', '--data', `BTC/USD=${candles}`, '--strategy', 'meanReversion', '--max-checks', '3', '--json']],
  ['check recursive', () => ['check', 'recursive', '--data', `BTC/USD=${candles}`, '--strategy', 'meanReversion', '--eval-candles', '20', '--json']],
  ['analyze --backtest', () => ['analyze', '--backtest', backtestJson!, '--json']],
  ['learn --backtest', () => ['learn', '--backtest', backtestJson!, '--json']],
  ['optimize', () => ['optimize', '--data', `BTC/USD=${candles}`, '--balance', 'USD=1000', '--strategy', 'momentum', '--param', 'strategies.momentum.fastSma=5,10', '--windows', '0', '--json']],
  ['demo', () => ['demo', '--hours', '1', '--pairs', 'BTC/USD', '--json']],
  ['paper --once', () => ['paper', '--once', '--memory', '--config', 'config.json', '--exchange-url', sandbox.url, '--json']],
];

describe('CLI: --json prints exactly one JSON document on stdout', () => {
  for (const [label, args] of cases) {
    it(label, async () => {
      // Prepare
      if (label.endsWith('--backtest') && backtestJson === undefined) {
        backtestJson = join(dir, 'backtest.json');
        writeFileSync(backtestJson, (await kbot('backtest', '--data', `BTC/USD=${candles}`, '--config', 'config.json', '--balance', 'USD=1000', '--json')).stdout);
      }
      // Act
      const { code, stdout, stderr } = await kbot(...args());
      // Assess
      expect([0, 1], `exit code (stderr: ${stderr.slice(0, 400)})`).toContain(code);
      expect(stdout.trim().length).toBeGreaterThan(1);
      expect(() => JSON.parse(stdout), `stdout: ${stdout.slice(0, 300)}`).not.toThrow();
      expect(typeof JSON.parse(stdout)).toBe('object');
    });
  }
});

describe('CLI: version and exit codes', () => {
  it('prints the package version', async () => {
    const { code, stdout } = await kbot('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 1 on an unknown command and 2 on a bad configuration', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ strategies: { use: ['momentun'] } }));
    expect((await kbot('nosuch')).code).toBe(1);
    const bad = await kbot('config', 'show', '--config', 'bad.json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/did you mean momentum\?/);
  });
});
