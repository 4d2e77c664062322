// User strategies: a file in a folder of its own is bundled, registered, selected by name and
// trades in a backtest; a bad file fails naming itself and the reason; an unknown name is refused
// with the nearest registered one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generatedCandles, generatedColumns } from '../../../functions/backtest/bench.js';
import { PreparePool } from '../../../functions/backtest/parallelPrepare.js';
import { starterStrategy, starterTest, writeStarterStrategy } from '../../../functions/strategies/starter.js';
import { PROJECT_ROOT } from '../../../functions/projectRoot.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { ConfigError, parseConfig, validateConfig } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import { strategyRegistry, StrategyDefinitionError } from '../../../functions/core/engine/strategies/registry.js';
import { loadUserStrategies, loadUserStrategyFile } from '../../../functions/strategies/userStrategies.js';

/** Buys when the close is 0.4% under its 12-candle SMA; sells back at the SMA. */
const GOOD = `import { z } from 'zod';
const parameters = z.strictObject({ period: z.number().int().min(2).default(12), dip: z.number().default(0.004) });
export default {
  name: 'tmpDip',
  description: 'dip under the SMA',
  parameters,
  create(params, { plan }) {
    const sma = plan.sma(params.period);
    const buys = (s, i) => s.close[i] <= s.ind[sma][i] * (1 - params.dip);
    return {
      entry: (s, i) => (buys(s, i) ? { ok: true, signal: { confidence: 0.7, explanation: { close: s.close[i] } } } : { ok: false, rule: 'tmpDip.dip', reason: 'no dip', explanation: { close: s.close[i] } }),
      signals: buys,
      signalExit: { reversal: (s, i) => (s.close[i] >= s.ind[sma][i] ? { close: s.close[i] } : undefined) },
    };
  },
};
`;

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kbot-strategies-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('user strategies: loading', () => {
  it('loads a strategy file from its folder, selects it by name and trades with it in a backtest', async () => {
    // Prepare
    writeFileSync(join(dir, 'tmpDip.ts'), `${GOOD}\nconst unused: number = 1; void unused;\n`);
    writeFileSync(join(dir, 'tmpDip.test.ts'), 'this is not a strategy and is skipped');
    const loaded = await loadUserStrategies({ dir });
    const config = parseConfig({
      pairs: ['BTC/USD'],
      strategies: { use: ['tmpDip'], tmpDip: { dip: 0.003, exits: { mode: 'fixed', stopLossFraction: 0.02, takeProfitFraction: 0.03, maxHoldMinutes: 600 } } },
      risk: { minQuoteVolume24h: 0 },
    });
    // Act
    const result = runBacktest({
      config,
      engine: createDecisionEngine(config),
      series: [{ pair: 'BTC/USD', candles: generatedCandles('BTC/USD', 6_000) }],
      markets: builtInMarkets(['BTC/USD'], 0.0026),
      startingQuote: 1_000,
    });
    // Assess
    expect(loaded.map((l) => l.name)).toEqual(['tmpDip']);
    expect(strategyRegistry.list().find((s) => s.definition.name === 'tmpDip')?.source).toBe(join(dir, 'tmpDip.ts'));
    expect(result.trades.length).toBeGreaterThan(0);
    expect(new Set(result.trades.map((t) => t.strategy))).toEqual(new Set(['tmpDip']));
    // The section's exits applied: every exit is the stop, the target, the signal exit, the time limit or the end.
    expect(result.trades.some((t) => /signal/.test(String((t as { exitReason?: string }).exitReason)))).toBe(true);
  });

  it('runs the same on worker threads: a backtest whose series were prepared by the pool trades alike', async () => {
    // Prepare
    const config = parseConfig({ pairs: ['BTC/USD', 'ETH/USD'], strategies: { use: ['tmpDip'] }, risk: { minQuoteVolume24h: 0 } });
    const series = (['BTC/USD', 'ETH/USD'] as const).map((pair) => ({ pair, columns: generatedColumns(pair, 4_000) }));
    const input = { config, markets: builtInMarkets(['BTC/USD', 'ETH/USD'], 0.0026), startingQuote: 1_000 };
    const pool = await PreparePool.start(1);
    try {
      // Act
      const engine = createDecisionEngine(config);
      const pooled = runBacktest({ ...input, engine, series: await pool.prepare(config, engine, series) });
      const here = runBacktest({ ...input, engine: createDecisionEngine(config), series });
      // Assess
      expect(pooled.trades.length).toBeGreaterThan(0);
      expect(pooled.trades).toEqual(here.trades);
    } finally {
      await pool.close();
    }
  });

  it('refuses a parameter the strategy does not declare, and a value its schema refuses, with the field', () => {
    // Act
    const typo = validateConfig({ strategies: { use: ['tmpDip'], tmpDip: { dipp: 0.01 } } });
    const bad = validateConfig({ strategies: { use: ['tmpDip'], tmpDip: { period: 1 } } });
    // Assess
    expect(typo.ok ? [] : typo.issues).toEqual([{ path: ['strategies', 'tmpDip', 'dipp'], message: 'unknown key', suggestion: 'dip' }]);
    expect(bad.ok ? [] : bad.issues.map((i) => i.path.join('.'))).toEqual(['strategies.tmpDip.period']);
  });

  it('refuses an unknown strategy name with the nearest registered one', () => {
    // Act
    const attempt = () => parseConfig({ strategies: { use: ['momentum', 'tmpDpi'] } });
    // Assess
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/strategies\.use\.1: unknown strategy "tmpDpi".*did you mean tmpDip\?/);
    expect(() => parseConfig({ strategies: { tmpDpi: {} } })).toThrow(/strategies\.tmpDpi: unknown key; did you mean tmpDip\?/);
  });
});

describe('kbot strategy new', () => {
  it('writes a starter that loads, and its test, refusing to overwrite', async () => {
    // Act
    const files = writeStarterStrategy('starterDip', join(dir, 'new'));
    const loaded = await loadUserStrategyFile(files.strategyFile);
    // Assess
    expect(loaded.name).toBe('starterDip');
    expect(readFileSync(files.testFile, 'utf8')).toContain("import strategy from './starterDip.js';");
    expect(() => writeStarterStrategy('starterDip', join(dir, 'new'))).toThrow(/already exists/);
    expect(() => writeStarterStrategy('9lives', join(dir, 'new'))).toThrow(/letters, digits/);
  });

  it('is what examples/strategies holds (regenerate it when the starter changes)', () => {
    // Assess
    expect(readFileSync(join(PROJECT_ROOT, 'examples', 'strategies', 'dipRsi.ts'), 'utf8')).toBe(starterStrategy('dipRsi', '../../functions/core/engine/strategies/definition.js'));
    expect(readFileSync(join(PROJECT_ROOT, 'examples', 'strategies', 'dipRsi.test.ts'), 'utf8')).toBe(starterTest('dipRsi', join(PROJECT_ROOT, 'examples', 'strategies')));
  });
});

describe('user strategies: a bad file names itself and the reason', () => {
  const cases: [string, string, RegExp][] = [
    ['imports ccxt', `import ccxt from 'ccxt';\nvoid ccxt;\n${GOOD.replace('tmpDip', 'a1')}`, /may not import ccxt/],
    ['imports the AWS SDK', `import { S3Client } from '@aws-sdk/client-s3';\nvoid S3Client;\n${GOOD.replace('tmpDip', 'a2')}`, /may not import the AWS SDK/],
    ['has a syntax error', 'export default {\n  name: "x",,\n};\n', /line 2/],
    ['has no default export', 'export const strategy = 1;\n', /no default export/],
    ['exports something else', 'export default { name: "b1", description: "d", parameters: {}, create() {} };\n', /parameters must be a zod schema/],
    ['has a parameter without default', `import { z } from 'zod';\nexport default { name: 'b2', description: 'd', parameters: z.strictObject({ n: z.number() }), create: () => ({ entry: () => ({ ok: false }) }) };\n`, /parameters must all have defaults.*n:/],
    ['throws in create', `import { z } from 'zod';\nexport default { name: 'b3', description: 'd', parameters: z.strictObject({}), create() { throw new Error('boom'); } };\n`, /create\(\) with the default parameters threw: boom/],
    ['takes a built-in name', `import { z } from 'zod';\nexport default { name: 'momentum', description: 'd', parameters: z.strictObject({}), create: () => ({ entry: () => ({ ok: false }) }) };\n`, /"momentum" is already registered \(built-in\)/],
  ];
  for (const [label, source, reason] of cases) {
    it(`${label}`, async () => {
      // Prepare
      const file = join(dir, `bad-${label.replace(/\W+/g, '-')}.ts`);
      writeFileSync(file, source);
      // Act
      const error = await loadUserStrategyFile(file).then(
        () => undefined,
        (err: unknown) => err,
      );
      // Assess
      expect(error).toBeInstanceOf(StrategyDefinitionError);
      expect((error as StrategyDefinitionError).source).toBe(file);
      expect((error as Error).message).toMatch(reason);
    });
  }
});
