// The Lambda bundle carries the user strategies: built with a strategies folder, its cold start
// registers them (a configuration selecting one starts; a misspelt name is refused with the
// nearest one), and a bad strategy file fails the build naming the file and the reason.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTickBundle, TICK_BUNDLE_FILE } from '../../functions/tick/bundle.js';

const run = promisify(execFile);

const STRATEGY = `import { z } from 'zod';
export default {
  name: 'lambdaDip',
  description: 'bundled user strategy',
  parameters: z.strictObject({ period: z.number().int().min(2).default(12) }),
  create(params, { plan }) {
    const sma = plan.sma(params.period);
    return { entry: (s, i) => ({ ok: false, rule: 'lambdaDip.none', reason: 'never', explanation: { sma: s.ind[sma][i] } }) };
  },
};
`;

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kbot-bundle-strategies-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Imports the bundle in a child node with `config` as KBOT_CONFIG; what it printed on failure, or 'started'. */
async function coldStart(dir: string, config: unknown): Promise<string> {
  writeFileSync(join(dir, 'start.mjs'), `const mod = await import('./${TICK_BUNDLE_FILE}'); console.log(typeof mod.handler === 'function' ? 'started' : 'no handler');`);
  return run(process.execPath, ['start.mjs'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', KBOT_TABLE_NAME: 'kbot-bundle-test', KBOT_CONFIG: JSON.stringify(config) },
  }).then(
    ({ stdout }) => stdout.trim(),
    (err: { stderr?: string }) => (err.stderr ?? String(err)).split('\n').filter((line) => line.length < 500).join('\n'),
  );
}

describe('Bundle: user strategies in the tick Lambda', () => {
  it('registers the bundled strategy at cold start, so a configuration can select it by name', async () => {
    // Prepare
    const strategies = join(root, 'good');
    mkdirSync(strategies);
    writeFileSync(join(strategies, 'lambdaDip.ts'), STRATEGY);
    const out = join(root, 'out-good');
    // Act
    await buildTickBundle(out, { strategiesDir: strategies });
    const started = await coldStart(out, { strategies: { use: ['lambdaDip'] } });
    const misspelt = await coldStart(out, { strategies: { use: ['lambdaDpi'] } });
    // Assess
    expect(started).toBe('started');
    expect(misspelt).toMatch(/unknown strategy "lambdaDpi".*did you mean lambdaDip\?/);
  });

  it('fails the build on a strategy that imports ccxt, naming the file', async () => {
    // Prepare
    const strategies = join(root, 'bad');
    mkdirSync(strategies);
    writeFileSync(join(strategies, 'greedy.ts'), `import ccxt from 'ccxt';\nconsole.log(ccxt);\n${STRATEGY.replace('lambdaDip', 'greedy')}`);
    // Act
    const error = await buildTickBundle(join(root, 'out-bad'), { strategiesDir: strategies }).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    // Assess
    expect(error?.message).toMatch(/greedy\.ts: a strategy may not import ccxt/);
  });
});
