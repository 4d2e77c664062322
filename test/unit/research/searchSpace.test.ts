// The search space: values expand from ranges, lists and `*`, and every value is checked against
// the configuration schema's own types and bounds.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { strategyRegistry } from '../../../functions/core/engine/strategies/registry.js';
import { gridSize, parseParamArgs, parseSearchSpace } from '../../../functions/research/searchSpace.js';
import { applySet, gridPoint, pickGridPoints, setConfig } from '../../../functions/research/paramSets.js';
import { momentumBase } from './researchFixtures.js';

describe('Search space', () => {
  it('expands ranges with steps, lists, every value of a choice, and fixed values, with short strategy paths', () => {
    const space = parseSearchSpace(`
      momentum.fastSma = 5..20:5      # four values
      exits.stopLossFraction = 0.01..0.03:0.01
      exits.mode = *
      exits.trailing.enabled = false
      strategies.use = momentum, momentum+meanReversion
    `);
    expect(space.map((p) => p.path)).toEqual(['strategies.momentum.fastSma', 'exits.stopLossFraction', 'exits.mode', 'exits.trailing.enabled', 'strategies.use']);
    expect(space[0]!.values).toEqual([5, 10, 15, 20]);
    // No binary noise: 0.03, not 0.030000000000000002.
    expect(space[1]!.values).toEqual([0.01, 0.02, 0.03]);
    expect(space[2]!.values).toEqual(['fixed', 'atr']);
    expect(space[3]!.values).toEqual([false]);
    expect(space[4]!.values).toEqual([['momentum'], ['momentum', 'meanReversion']]);
    expect(gridSize(space)).toBe(4 * 3 * 2 * 1 * 2);
  });

  it.each([
    ['momentum.fastSma=1..10', /Too small|>=2/],
    ['momentum.nope=1..3', /strategies\.momentum\.nope is not a configuration field/],
    ['exits.stopLossFraction=0.01..0.03', /give the step/],
    ['exits.stopLossFraction=0.9', /Too big|<=0\.5/],
    ['exits.mode=stop', /one of fixed, atr/],
    ['momentum.fastSma=5.5..9:1', /whole number/],
    ['risk', /expected "path = values"/],
    ['pairs=BTC/USD', /cannot be swept/],
  ])('refuses %s', (arg, message) => {
    expect(() => parseParamArgs([arg])).toThrow(message);
  });

  it('refuses a path given twice', () => {
    expect(() => parseParamArgs(['momentum.fastSma=5', 'strategies.momentum.fastSma=6'])).toThrow(/given twice/);
  });
});

describe('Parameter sets', () => {
  const space = parseParamArgs(['momentum.fastSma=5..20:5', 'momentum.slowSma=10,30,60']);

  it('numbers grid points with the last parameter fastest', () => {
    expect(gridPoint(space, 0)).toEqual([5, 10]);
    expect(gridPoint(space, 1)).toEqual([5, 30]);
    expect(gridPoint(space, 3)).toEqual([10, 10]);
    expect(gridPoint(space, 11)).toEqual([20, 60]);
  });

  it('draws random sets without repeats, the same for the same seed', () => {
    const a = pickGridPoints(space, 'random', 7, 42);
    expect(new Set(a).size).toBe(7);
    expect(a.every((g) => g >= 0 && g < 12)).toBe(true);
    expect(pickGridPoints(space, 'random', 7, 42)).toEqual(a);
    expect(pickGridPoints(space, 'random', 7, 43)).not.toEqual(a);
    expect(pickGridPoints(space, 'random', 50, 1)).toHaveLength(12);
  });

  it('writes values at their paths without touching the base, and leaves out combinations the schema refuses', () => {
    const base = momentumBase(['BTC/USD']);
    const applied = applySet(base, space, [15, 60]) as { strategies: { momentum: { fastSma: number; slowSma: number } } };
    expect(applied.strategies.momentum).toMatchObject({ fastSma: 15, slowSma: 60 });
    expect((base as { strategies: { momentum: { fastSma: number } } }).strategies.momentum.fastSma).toBe(10);
    const ok = setConfig(base, space, [15, 60]);
    expect(ok.ok && ok.config.strategies.momentum.slowSma).toBe(60);
    const bad = setConfig(base, space, [20, 10]);
    expect(bad).toEqual({ ok: false, reason: expect.stringMatching(/fastSma must be shorter than slowSma/) });
  });
});

describe('Search space: user strategies', () => {
  it("sweeps a registered user strategy's parameters, by full path or by its section name", () => {
    // Prepare
    strategyRegistry.register(
      {
        name: 'sweepDip',
        description: 'test strategy',
        parameters: z.strictObject({ period: z.number().int().min(2).max(50).default(10), fast: z.boolean().default(false) }),
        create: () => ({ entry: () => ({ ok: false, rule: 'none', reason: 'none', explanation: {} }) }),
      },
      'test',
    );
    // Act
    const space = parseParamArgs(['strategies.sweepDip.period=5..15:5', 'sweepDip.fast=true,false', 'strategies.use=sweepDip,momentum']);
    // Assess
    expect(space.map((p) => [p.path, p.kind, p.values])).toEqual([
      ['strategies.sweepDip.period', 'integer', [5, 10, 15]],
      ['strategies.sweepDip.fast', 'boolean', [true, false]],
      ['strategies.use', 'strategies', [['sweepDip'], ['momentum']]],
    ]);
    expect(() => parseParamArgs(['strategies.sweepDip.period=1,5'])).toThrow();
  });
});
