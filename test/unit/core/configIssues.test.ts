// Core: how configuration mistakes are reported — the nearest valid key, the path, non-objects.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  editDistance,
  formatIssue,
  formatUnlistedPair,
  issuesFromZod,
  keysAt,
  nearestName,
  notAnObject,
  unlistedPairs,
} from '../../../functions/core/configIssues.js';

describe('Function: nearestName', () => {
  it.each([
    ['maxDailyLoss', ['maxTradesPerDay', 'maxTradesPerPairPerDay', 'maxDailyLossQuote'], 'maxDailyLossQuote'],
    ['maxDailyLossQuot', ['maxTradesPerDay', 'maxTradesPerPairPerDay', 'maxDailyLossQuote'], 'maxDailyLossQuote'],
    ['stopLosFraction', ['stopLossFraction', 'takeProfitFraction'], 'stopLossFraction'],
    ['STOPLOSSFRACTION', ['stopLossFraction', 'takeProfitFraction'], 'stopLossFraction'],
    ['DOGE/USDD', ['DOGE/USDT', 'DOGE/USD', 'DOGE/EUR'], 'DOGE/USD'],
    ['XBT/USD', ['BTC/USD', 'ETH/USD'], 'BTC/USD'],
  ])('suggests for %s among %j: %s', (input, candidates, expected) => {
    expect(nearestName(input, candidates)).toBe(expected);
  });

  it('suggests nothing when no key is close', () => {
    expect(nearestName('colour', ['prefix', 'mode', 'pairs', 'alertEmail'])).toBeUndefined();
    expect(nearestName('zzzzqqq', ['sizing', 'positionFraction'])).toBeUndefined();
    expect(nearestName('x', [])).toBeUndefined();
  });

  it('counts a swap of two neighbours as one edit', () => {
    expect(editDistance('pairs', 'piars')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('Function: issuesFromZod', () => {
  const schema = z.strictObject({
    limits: z.strictObject({ maxDailyLossQuote: z.number().default(50) }).prefault({}),
    pairs: z.record(z.string(), z.strictObject({ use: z.array(z.string()).optional() })).default({}),
  });

  it('names the full path of an unknown key and the nearest key valid there', () => {
    const input = { limits: { maxDailyLoss: 5 }, pairs: { 'BTC/USD': { usee: [] } }, limts: {} };
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    const lines = issuesFromZod(result.error!.issues, schema, input).map((i) => formatIssue(i));
    expect(lines).toEqual(
      expect.arrayContaining([
        'limits.maxDailyLoss: unknown key; did you mean maxDailyLossQuote?',
        'pairs.BTC/USD.usee: unknown key; did you mean use?',
        'limts: unknown key; did you mean limits?',
      ]),
    );
    expect(lines).toHaveLength(3);
  });

  it('says what was given where an object belongs, and "required" for a missing value', () => {
    const s = z.strictObject({ name: z.string(), limits: z.strictObject({}).optional() });
    const input = { limits: null };
    const result = s.safeParse(input);
    expect(issuesFromZod(result.error!.issues, s, input).map((i) => formatIssue(i))).toEqual(['name: required', 'limits: expected a JSON object, got null']);
  });

  it('lists the keys valid at a path, through defaults, records and arrays', () => {
    expect(keysAt(schema, ['limits'])).toEqual(['maxDailyLossQuote']);
    expect(keysAt(schema, ['pairs', 'ETH/USD'])).toEqual(['use']);
    expect(keysAt(schema, ['nowhere'])).toBeUndefined();
  });
});

describe('Function: notAnObject', () => {
  it('refuses null, arrays and scalars by name and accepts objects', () => {
    expect(notAnObject(null)).toBe('expected a JSON object, got null');
    expect(notAnObject([])).toBe('expected a JSON object, got an array');
    expect(notAnObject('x')).toBe('expected a JSON object, got a string');
    expect(notAnObject(3)).toBe('expected a JSON object, got a number');
    expect(notAnObject({})).toBeUndefined();
  });
});

describe('Function: unlistedPairs', () => {
  it('names each pair the venue does not list with the nearest listed symbol', () => {
    const listed = ['BTC/USD', 'ETH/USD', 'DOGE/USD', 'DOGE/USDT'];
    const out = unlistedPairs(['BTC/USD', 'DOGE/USDD', 'QQQQ/ZZZ'], listed);
    expect(out).toEqual([{ pair: 'DOGE/USDD', suggestion: 'DOGE/USD' }, { pair: 'QQQQ/ZZZ' }]);
    expect(out.map((u) => formatUnlistedPair(u, 'Kraken'))).toEqual(['DOGE/USDD is not listed by Kraken; did you mean DOGE/USD?', 'QQQQ/ZZZ is not listed by Kraken']);
  });

  it('compares base and quote each, so a shared quote alone is no likeness', () => {
    expect(unlistedPairs(['FOO/USD', 'ETHH/USD', 'SOL/USDC'], ['DOT/USD', 'ETH/USD', 'SOL/USD'])).toEqual([
      { pair: 'FOO/USD' },
      { pair: 'ETHH/USD', suggestion: 'ETH/USD' },
      { pair: 'SOL/USDC', suggestion: 'SOL/USD' },
    ]);
  });

  it('prefers a rename the venue gives over the nearest spelling', () => {
    expect(unlistedPairs(['XBT/EUR'], ['BTC/EUR', 'XRP/EUR'], (p) => p.replace(/^XBT\//, 'BTC/'))).toEqual([{ pair: 'XBT/EUR', suggestion: 'BTC/EUR' }]);
  });
});
