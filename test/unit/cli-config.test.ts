// `kbot config validate` and `kbot config show`: every problem with its path and the key meant,
// exit codes, exactly one JSON document with --json, and the effective configuration.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runShowCli, runValidateCli, type ValidationReport } from '../../functions/cli/configCommand.js';
import { runCli } from '../../functions/cli/program.js';
import { parseConfig } from '../../functions/core/config.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kbot-config-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function sink() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe('kbot config validate', () => {
  it('prints OK and a one-line summary for a valid file, exit 0', () => {
    const { io, out, err } = sink();
    const path = file('good.json', { pairs: ['SOL/USD'], limits: { maxDailyLossQuote: 20 } });
    expect(runValidateCli(path, {}, io)).toBe(0);
    expect(out).toEqual([`OK ${path}: paper, pairs SOL/USD, strategies regime, at most 12 entries a day (4 per pair), daily loss limit 20 USD`]);
    expect(err).toEqual([]);
  });

  it('prints every problem with its path and the key meant, exit 1', () => {
    const { io, out } = sink();
    const path = file('bad.json', { limits: { maxDailyLoss: 5 }, risk: { positionFraction: 2 }, exits: null, colour: 'red' });
    expect(runValidateCli(path, {}, io)).toBe(1);
    expect(out[0]).toBe(`${path}: 4 problems`);
    expect(out.slice(1).sort()).toEqual([
      '  colour: unknown key',
      '  exits: expected a JSON object, got null',
      '  limits.maxDailyLoss: unknown key; did you mean maxDailyLossQuote?',
      '  risk.positionFraction: Too big: expected number to be <=1',
    ]);
  });

  it('--json prints exactly one JSON document with the problems as values', () => {
    const { io, out } = sink();
    const path = file('bad-json.json', { limits: { maxDailyLoss: 5 } });
    expect(runValidateCli(path, { json: true }, io)).toBe(1);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!) as ValidationReport).toEqual({
      file: path,
      kind: 'bot-config',
      ok: false,
      problems: [{ field: 'limits.maxDailyLoss', path: ['limits', 'maxDailyLoss'], message: 'unknown key', suggestion: 'maxDailyLossQuote' }],
    });
    const good = sink();
    expect(runValidateCli(file('good-json.json', {}), { json: true }, good.io)).toBe(0);
    expect(JSON.parse(good.out.join('\n'))).toMatchObject({ ok: true, kind: 'bot-config', summary: expect.stringMatching(/^paper, pairs BTC\/USD, ETH\/USD/) });
  });

  it.each([
    ['null.json', 'null', 'expected a JSON object, got null'],
    ['broken.json', '{ limits: ', /^not valid JSON \(/],
  ])('refuses %s in one line', (name, content, message) => {
    const { io, out } = sink();
    const path = file(name, content);
    expect(runValidateCli(path, {}, io)).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.slice(`${path}: `.length)).toMatch(message);
  });

  it('says when the file cannot be read', () => {
    const { io, out } = sink();
    expect(runValidateCli(join(dir, 'absent.json'), {}, io)).toBe(1);
    expect(out).toEqual([`${join(dir, 'absent.json')}: cannot be read (ENOENT)`]);
  });

  it('validates a *.deploy.json file as deployment settings, the bot section included', () => {
    const { io, out } = sink();
    const path = file('live.deploy.json', { alertMail: 'me@example.com', bot: { limits: { maxDailyLoss: 5 } } });
    expect(runValidateCli(path, {}, io, dir)).toBe(1);
    expect(out).toEqual([
      `${path}: 2 problems`,
      '  alertMail: unknown key; did you mean alertEmail?',
      '  bot.limits.maxDailyLoss: unknown key; did you mean maxDailyLossQuote?',
    ]);
    const ok = sink();
    expect(runValidateCli(file('paper.deploy.json', { prefix: 'KbPaper', pairs: ['ETH/USD'] }), {}, ok.io, dir)).toBe(0);
    expect(ok.out[0]).toMatch(/: deployment settings for stack KbPaper: paper, pairs ETH\/USD, .*; schedule on, alerts to the log only$/);
    // Offline, as in cdk synth: without a saved AssetPairs snapshot the pair check says it was skipped, on stderr.
    expect(ok.err).toEqual([expect.stringMatching(/^Pairs not checked against Kraken's listing: no \.kbot\/kraken-asset-pairs\.json/)]);
  });

  it('exits 1 through the CLI and keeps stdout to the one JSON document', async () => {
    const path = file('cli.json', { tick: { leasMs: 100_000 } });
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    try {
      expect(await runCli(['node', 'kbot', 'config', 'validate', path, '--json'])).toBe(1);
    } finally {
      write.mockRestore();
    }
    expect(JSON.parse(out.join(''))).toMatchObject({ ok: false, problems: [{ field: 'tick.leasMs', suggestion: 'leaseMs' }] });
  });
});

describe('kbot config show', () => {
  it('prints the effective configuration with every default filled in', async () => {
    const { io, out } = sink();
    const path = file('show.json', { pairs: ['SOL/USD'], risk: { maxOrderQuote: 40 } });
    expect(await runShowCli({ config: path }, io)).toBe(0);
    expect(out).toHaveLength(1);
    const shown = JSON.parse(out[0]!) as ReturnType<typeof parseConfig>;
    expect(shown).toEqual(parseConfig({ pairs: ['SOL/USD'], risk: { maxOrderQuote: 40 } }));
    expect(shown.risk).toMatchObject({ maxOrderQuote: 40, maxPositionQuote: 250 });
    expect(shown.limits.maxDailyLossQuote).toBe(50);
  });

  it('prints the defaults without --config, and refuses an invalid file with exit 2', async () => {
    const { io, out } = sink();
    await runShowCli({}, io);
    expect(JSON.parse(out[0]!)).toEqual(parseConfig({}));
    const path = file('show-bad.json', { limits: { maxDailyLoss: 5 } });
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await runCli(['node', 'kbot', 'config', 'show', '--config', path])).toBe(2);
      expect(error).toHaveBeenCalledWith(`Invalid config file ${path}:\n  limits.maxDailyLoss: unknown key; did you mean maxDailyLossQuote?`);
    } finally {
      error.mockRestore();
    }
  });
});
