// The docs stay true: the configuration reference is what the schema generates, every example
// configuration validates and builds an engine, and the pages name the commands a new user needs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../functions/core/config.js';
import { createDecisionEngine } from '../../functions/core/engine/index.js';
import { configReference, REFERENCE_END, REFERENCE_START, withReference } from '../../functions/docs/configReference.js';
import { PROJECT_ROOT } from '../../functions/projectRoot.js';
import { loadUserStrategies } from '../../functions/strategies/userStrategies.js';

const read = (file: string) => readFileSync(join(PROJECT_ROOT, file), 'utf8');

describe('docs/configuration.md', () => {
  it('holds the reference generated from the schema (run npm run docs:config after changing the schema)', () => {
    // Prepare
    const doc = read('docs/configuration.md');
    // Assess
    expect(doc).toContain(REFERENCE_START);
    expect(doc).toContain(REFERENCE_END);
    expect(withReference(doc)).toBe(doc);
  });

  it('lists every field with its default, nested ones included', () => {
    const reference = configReference();
    expect(reference).toContain('| `journal.ttlDays` | integer | `14` | ≥ 0, ≤ 400 |');
    expect(reference).toContain('| `strategies.momentum.fastSma` | integer | `10` | ≥ 2, ≤ 500 |');
    expect(reference).toContain('| `risk.sizing` | one of | `"fixed-fraction"` | `"fixed-fraction"`, `"risk-based"` |');
  });
});

describe('examples/', () => {
  beforeAll(async () => {
    await loadUserStrategies({ dir: join(PROJECT_ROOT, 'examples', 'strategies') });
  });
  const files = readdirSync(join(PROJECT_ROOT, 'examples')).filter((f) => f.endsWith('.json'));

  it('has example configurations', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  for (const file of files) {
    it(`${file} validates and builds the decision engine`, () => {
      // Act
      const result = validateConfig(JSON.parse(read(join('examples', file))));
      // Assess
      expect(result.ok ? [] : result.issues).toEqual([]);
      if (result.ok) expect(createDecisionEngine(result.config).warmupCandles).toBeGreaterThan(1);
    });
  }
});

describe('the docs name what a new user runs', () => {
  const docs = readdirSync(join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => read(join('docs', f))).join('\n');
  for (const needle of ['journal.ttlDays', 'kbot dashboard', 'kbot analyze', 'kbot strategy new', 'kbot strategies', 'kbot backtest --data', '--compare', 'buy and hold']) {
    it(`mentions ${needle}`, () => expect(docs).toContain(needle));
  }

  it('keeps the README short and pointing at the strategies page', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(80);
    expect(readme).toContain('docs/strategies.md');
  });
});
