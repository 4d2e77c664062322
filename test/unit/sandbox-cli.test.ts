// Unit tests: `kbot sandbox` flag handling (files, repeatable flags, validation) and its banner.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCommand, runDemo } from '../../functions/cli/demo.js';
import { describeSandbox, readBehaviourFile, sandboxCommand, sandboxOptionsFromFlags, type SandboxFlags } from '../../functions/cli/sandbox.js';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET } from '../../functions/sandbox/sandboxCredentials.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const base: SandboxFlags = { port: '0', host: '127.0.0.1', data: [], balance: [], seed: '42', historyDays: '7' };
let running: SandboxHandle | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe('Function: sandboxOptionsFromFlags', () => {
  it('reads balances from a JSON file and from repeated --balance flags (flags win)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbot-sandbox-'));
    const file = join(dir, 'balances.json');
    writeFileSync(file, JSON.stringify({ usd: 1000, BTC: 0.5 }));
    const options = sandboxOptionsFromFlags({ ...base, balances: file, balance: ['USD=250', 'ETH=2'] });
    expect(options.balances).toEqual({ USD: 250, BTC: 0.5, ETH: 2 });
    expect(options.port).toBe(0);
    expect(options.speed).toBe(1);
    expect(options.historyMs).toBe(7 * 86_400_000);
    expect(options.startTimeMs).toBeUndefined();
  });

  it('turns margin off with --no-margin and sets the rollover rate', () => {
    expect(sandboxOptionsFromFlags({ ...base }).margin).toBeUndefined();
    expect(sandboxOptionsFromFlags({ ...base, margin: false }).margin).toEqual({ enabled: false });
    expect(sandboxOptionsFromFlags({ ...base, margin: true, rollover: '0.0002' }).margin).toEqual({ enabled: true, rolloverRatePer4h: 0.0002 });
    expect(() => sandboxOptionsFromFlags({ ...base, rollover: '0.5' })).toThrow(/--rollover/);
  });

  it('loads --data CSV files per pair and parses --start, --speed, --pairs and the keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kbot-sandbox-'));
    const csv = join(dir, 'btc.csv');
    writeFileSync(csv, 'timestamp_ms,open,high,low,close,volume\n1767225600000,1,2,0.5,1.5,3\n1767225900000,1.5,2,1,1.8,4\n');
    const options = sandboxOptionsFromFlags({
      ...base,
      data: [`btc/usd=${csv}`],
      start: '2026-01-01T01:00:00Z',
      speed: '60',
      pairs: 'btc/usd, eth/usd',
      apiKey: 'my-key',
      apiSecret: SANDBOX_API_SECRET,
    });
    expect(options.data!['BTC/USD']).toHaveLength(2);
    expect(options.startTimeMs).toBe(Date.UTC(2026, 0, 1, 1));
    expect(options.speed).toBe(60);
    expect(options.pairs).toEqual(['BTC/USD', 'ETH/USD']);
    expect(options.apiKey).toBe('my-key');
  });

  it('names the bad flag', () => {
    expect(() => sandboxOptionsFromFlags({ ...base, port: '70000' })).toThrow(/--port/);
    expect(() => sandboxOptionsFromFlags({ ...base, balance: ['USD'] })).toThrow(/--balance expects NAME=VALUE/);
    expect(() => sandboxOptionsFromFlags({ ...base, balance: ['USD=-5'] })).toThrow(/--balance USD/);
    expect(() => sandboxOptionsFromFlags({ ...base, start: 'yesterday' })).toThrow(/--start/);
    expect(() => sandboxOptionsFromFlags({ ...base, speed: '-1' })).toThrow(/--speed/);
    expect(() => sandboxOptionsFromFlags({ ...base, historyDays: '1' })).toThrow(/--history-days/);
  });
});

describe('Option: --behaviour <file.json>', () => {
  const file = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'kbot-sandbox-')), 'behaviour.json');
    writeFileSync(path, content);
    return path;
  };

  it('reads a control-API behaviour body for kbot sandbox, naming the file and the field when it is wrong', () => {
    const body = { orders: { pendingLookups: 2, partialFill: { fraction: 0.5, rest: 'cancel' } }, rateLimit: { tier: 'starter' }, markets: { 'BTC/USD': { status: 'cancel_only' } } };
    expect(sandboxOptionsFromFlags({ ...base, behaviour: file(JSON.stringify(body)) }).behaviour).toEqual(body);
    expect(sandboxOptionsFromFlags(base).behaviour).toBeUndefined();
    const notJson = file('{orders:');
    expect(() => readBehaviourFile(notJson)).toThrow(`--behaviour ${notJson} must hold JSON`);
    expect(() => readBehaviourFile(file('{"orders":{"pendingLookups":-1}}'))).toThrow(/--behaviour .*: orders\.pendingLookups: /);
    expect(() => readBehaviourFile(file('{"maintenence":true}'))).toThrow(/--behaviour .*maintenence/);
    expect(() => readBehaviourFile('/nonexistent/behaviour.json')).toThrow(/--behaviour \/nonexistent\/behaviour\.json: /);
  });

  it('is declared by kbot sandbox and kbot demo; the demo arms it in its sandbox and says so', async () => {
    expect(sandboxCommand().options.map((o) => o.long)).toContain('--behaviour');
    expect(demoCommand().options.map((o) => o.long)).toContain('--behaviour');
    const path = file(JSON.stringify({ orders: { pendingLookups: 1 }, autoEarn: { BTC: 1 } }));
    const lines: string[] = [];
    const demo = { hours: 0.25, seed: 7, pairs: ['BTC/USD'], startIso: '2026-03-02T00:00:00Z', balanceQuote: 1000, print: (l: string) => lines.push(l) };
    const summary = await runDemo({ ...demo, behaviourFile: path });
    expect(summary.ticks.run).toBe(3);
    expect(lines.join('\n')).toContain(`Sandbox behaviour (${path}): 1 order rule(s); Auto Earn BTC 1.`);
    // A name the sandbox does not know stops the demo before it starts.
    await expect(runDemo({ ...demo, behaviourFile: file(JSON.stringify({ markets: { 'DOGE/USD': { delisted: true } } })) })).rejects.toThrow(/behaviour\.markets\.DOGE\/USD/);
  });
});

describe('Function: sandboxCommand', () => {
  it('declares the documented flags', () => {
    const flags = sandboxCommand().options.map((o) => o.long);
    expect(flags).toEqual(expect.arrayContaining(['--port', '--data', '--api-key', '--api-secret', '--balances', '--balance', '--start', '--speed', '--seed', '--pairs']));
  });

  it('prints the URL, the clock and the fake credentials', async () => {
    running = await startSandbox({ startTimeMs: Date.UTC(2026, 0, 1), balances: { USD: 123 } });
    const text = describeSandbox(running).join('\n');
    expect(text).toContain(`listening on ${running.url}`);
    expect(text).toContain('2026-01-01T00:00:00.000Z (speed 0)');
    expect(text).toContain('USD 123');
    expect(text).toContain(SANDBOX_API_KEY);
    expect(text).toContain(`KRAKEN_API_URL=${running.url}`);
    expect(text).not.toContain('behaviour');
  });

  it('prints extension balances and what is armed', async () => {
    running = await startSandbox({
      startTimeMs: Date.UTC(2026, 0, 1),
      balances: { USD: 10, 'BTC.F': 0.5 },
      behaviour: { rateLimit: { tier: 'starter' }, markets: { 'SOL/USD': { delisted: true } }, maintenance: true },
    });
    const text = describeSandbox(running).join('\n');
    expect(text).toContain('USD 10, BTC 0.5 (extension balances: XBT.F 0.5)');
    expect(text).toContain('behaviour   rate limit starter (sandbox clock); SOL/USD delisted; maintenance');
  });
});
