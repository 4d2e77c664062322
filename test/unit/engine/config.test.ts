// Engine configuration: every default (the documented table), the validation messages, and the
// deterministic simple-momentum preset.
import { describe, expect, it } from 'vitest';
import { botConfigSchema, ConfigError, parseConfig, validateConfig } from '../../../functions/core/config.js';
import { keysAt } from '../../../functions/core/configIssues.js';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';

describe('Engine configuration', () => {
  it('parses {} to the documented defaults (the README configuration tables list the same values)', () => {
    const c = parseConfig({});
    expect({ strategies: c.strategies, exits: c.exits, risk: c.risk, protections: c.protections, fees: c.fees }).toEqual(EXPECTED_DEFAULTS);
  });

  it.each([
    [{ strategies: { momentum: { fastSma: 30, slowSma: 30 } } }, 'strategies.momentum.fastSma: fastSma must be shorter than slowSma'],
    [{ strategies: { use: ['martingale'] } }, 'strategies.use.0'],
    [{ strategies: { use: [] } }, 'strategies.use'],
    [{ exits: { stopLossFraction: 0.9 } }, 'exits.stopLossFraction'],
    [{ exits: { atrTimeframe: '4h' } }, 'exits.atrTimeframe'],
    [{ risk: { positionFraction: 1.5 } }, 'risk.positionFraction'],
    [{ risk: { sizing: 'kelly' } }, 'risk.sizing'],
    [{ strategies: { regime: { trend1h: { fastSma: 40, slowSma: 30 } } } }, 'strategies.regime.trend1h.fastSma'],
    [{ protections: { stopLossGuard: { scope: 'everything' } } }, 'protections.stopLossGuard.scope'],
    [{ fees: { takerFeeRate: 0.2 } }, 'fees.takerFeeRate'],
  ])('rejects %j naming %s', (input, field) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(field);
  });

  it('a per-pair entry overrides the strategies and the allocation of that pair only', () => {
    const c = parseConfig({ strategies: { pairs: { 'ETH/USD': { use: ['momentum', 'scalping'], allocationFraction: 0.1 } } } });
    expect(c.strategies.pairs['ETH/USD']).toEqual({ use: ['momentum', 'scalping'], allocationFraction: 0.1 });
    expect(c.strategies.use).toEqual(['regime']);
  });

  it('simpleMomentumConfig is pure crossover entries with fixed exits and nothing else in the way', () => {
    const c = parseConfig({ pairs: ['BTC/USD'], ...simpleMomentumConfig({ fastSma: 5, slowSma: 20, stopLossFraction: 0.02, takeProfitFraction: 0.03 }) });
    expect(c.strategies.use).toEqual(['momentum']);
    expect(c.strategies.momentum).toMatchObject({ fastSma: 5, slowSma: 20, crossWithinCandles: 1, exitOnReversal: false });
    expect(c.exits).toMatchObject({ mode: 'fixed', stopLossFraction: 0.02, takeProfitFraction: 0.03, trailing: { enabled: false }, maxHoldMinutes: 0 });
    expect(c.protections.enabled).toBe(false);
    expect(c.fees.requireEdge).toBe(false);
    expect(c.risk).toMatchObject({ minQuoteVolume24h: 0, maxSpreadFraction: 0 });
  });
});

describe('Strict configuration: a misspelt key is refused, never ignored', () => {
  it('refuses maxDailyLossQuot naming the path and the key it meant, instead of running with the default 50', () => {
    expect(messageOf(() => parseConfig({ limits: { maxDailyLossQuot: 5 } }))).toBe('Invalid config:\n  limits.maxDailyLossQuot: unknown key; did you mean maxDailyLossQuote?');
  });

  // Every object of the schema, found by walking the parsed defaults: a typo of its first key is
  // refused at its full path with that key suggested. Records (pairs, balances) take any key.
  const objectPaths: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    if (keysAt(botConfigSchema, path)?.length) objectPaths.push(path);
    for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
  };
  walk(parseConfig({}), []);

  it('finds the nested objects to check', () => {
    expect(objectPaths.map((p) => p.join('.'))).toEqual(
      expect.arrayContaining(['', 'tick', 'limits', 'paper', 'exits.trailing', 'strategies.regime.thresholds', 'strategies.scalping.exits.trailing', 'protections.lowProfitPair']),
    );
    expect(objectPaths.length).toBeGreaterThan(20);
  });

  it.each(objectPaths.map((p) => [p.join('.') || '(root)', p] as const))('refuses a misspelt key in %s', (_name, path) => {
    const key = keysAt(botConfigSchema, path)![0]!;
    const typo = `${key}x`;
    const input: Record<string, unknown> = {};
    let node = input;
    for (const segment of path) node = (node[segment] = {}) as Record<string, unknown>;
    node[typo] = 1;
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues).toEqual([{ path: [...path, typo], message: 'unknown key', suggestion: key }]);
  });

  it('refuses a misspelt key in a strategy\'s exit override and in a per-pair entry', () => {
    expect(() => parseConfig({ strategies: { momentum: { exits: { stopLosFraction: 0.01 } } } })).toThrow(
      'strategies.momentum.exits.stopLosFraction: unknown key; did you mean stopLossFraction?',
    );
    expect(() => parseConfig({ strategies: { pairs: { 'BTC/USD': { allocation: 0.2 } } } })).toThrow(
      'strategies.pairs.BTC/USD.allocation: unknown key; did you mean allocationFraction?',
    );
  });

  it('makes no suggestion when nothing is close', () => {
    expect(() => parseConfig({ risk: { colour: 'red' } })).toThrow(/risk\.colour: unknown key$/);
  });

  it.each([
    [null, 'null'],
    [[], 'an array'],
    ['{}', 'a string'],
    [42, 'a number'],
  ])('refuses %j as a whole configuration', (input, what) => {
    expect(messageOf(() => parseConfig(input, 'KBOT_CONFIG'))).toBe(`Invalid KBOT_CONFIG:\n  (root): expected a JSON object, got ${what}`);
  });

  it('refuses null where a section belongs instead of reading it as the defaults', () => {
    expect(() => parseConfig({ limits: null })).toThrow('limits: expected a JSON object, got null');
  });

  it('still reads nothing (undefined) as every default, and keeps the issues as values', () => {
    expect(parseConfig(undefined).limits.maxDailyLossQuote).toBe(50);
    const result = validateConfig({ limits: { maxDailyLossQuote: -1, maxTrades: 2 } });
    expect(result.ok ? [] : result.issues.map((i) => i.path.join('.'))).toEqual(['limits.maxDailyLossQuote', 'limits.maxTrades']);
  });
});

const EXPECTED_DEFAULTS = {
  strategies: {
    use: ['regime'],
    pairs: {},
    momentum: {
      fastSma: 10,
      slowSma: 30,
      crossWithinCandles: 1,
      exitOnReversal: false,
      exits: {},
    },
    meanReversion: {
      period: 20,
      stdDevMultiplier: 2,
      exitAt: 'mean',
      exitOnReversal: true,
      exits: {},
    },
    scalping: {
      smaPeriod: 10,
      dipFraction: 0.005,
      exits: {
        mode: 'fixed',
        stopLossFraction: 0.005,
        takeProfitFraction: 0.01,
        trailing: {
          enabled: false,
        },
        maxHoldMinutes: 120,
      },
    },
    microstructure: {
      bookLevels: 10,
      minImbalance: 0.1,
      spreadWindow: 12,
      minSpreadHistory: 6,
      maxSpreadRatio: 1,
      minDiscountFraction: 0.0005,
      momentumLookback: 3,
      volatilityWindow: 48,
      momentumVolMultiplier: 1,
      filters: { imbalance: true, spreadCompression: true, premium: false, adaptiveMomentum: true },
      exits: { mode: 'fixed', stopLossFraction: 0.006, takeProfitFraction: 0.012, trailing: { enabled: false }, maxHoldMinutes: 120 },
    },
    regime: {
      aggressive: false,
      trendStrategy: 'momentum',
      rangeStrategy: 'meanReversion',
      trendEntry: 'trend',
      adxPeriod: 14,
      atrPeriod: 14,
      rsiPeriod: 14,
      chopPeriod: 14,
      volumePeriod: 20,
      trend15m: {
        fastSma: 10,
        slowSma: 30,
      },
      trend1h: {
        fastSma: 10,
        slowSma: 30,
      },
      filters: {
        higherTimeframes: true,
        rsi: true,
        volume: true,
        chop: true,
      },
      thresholds: {
        trendAdxMin: 25,
        rangeAdxMax: 20,
        maxAtrFraction: 0.01,
        rsiMaxTrend: 70,
        rsiMaxRange: 35,
        minVolumeRatio: 1,
        maxChopTrend: 50,
        minConfidence: 0.5,
      },
      aggressiveThresholds: {
        trendAdxMin: 20,
        rangeAdxMax: 25,
        maxAtrFraction: 0.02,
        rsiMaxTrend: 78,
        rsiMaxRange: 45,
        minVolumeRatio: 0.7,
        maxChopTrend: 61.8,
        minConfidence: 0.35,
      },
    },
  },
  exits: {
    mode: 'atr',
    stopLossFraction: 0.02,
    takeProfitFraction: 0.03,
    atrTimeframe: '1h',
    atrPeriod: 14,
    atrStopMultiplier: 2,
    atrTakeProfitMultiplier: 3,
    maxStopLossFraction: 0.03,
    trailing: {
      enabled: true,
      activationFraction: 0.02,
      distanceFraction: 0.01,
    },
    maxHoldMinutes: 1440,
  },
  risk: {
    sizing: 'fixed-fraction',
    positionFraction: 0.1,
    riskPerTradeFraction: 0.005,
    pairAllocationFraction: 0.25,
    maxPositionQuote: 250,
    maxOrderQuote: 100,
    maxOpenPositions: 3,
    maxAssetExposureFraction: 0.3,
    maxTotalExposureFraction: 0.6,
    minimumBufferFraction: 0.1,
    minQuoteVolume24h: 250_000,
    maxSpreadFraction: 0.005,
    maxDataAgeMs: 300_000,
  },
  protections: {
    enabled: true,
    cooldownMinutes: 30,
    stopLossGuard: {
      enabled: true,
      maxStopLosses: 3,
      lookbackMinutes: 360,
      lockMinutes: 360,
      scope: 'all',
    },
    maxDrawdown: {
      enabled: true,
      maxDrawdownFraction: 0.08,
      minTrades: 3,
      lookbackMinutes: 2880,
      lockMinutes: 720,
    },
    lowProfitPair: {
      enabled: true,
      minTrades: 3,
      minProfitFraction: 0,
      lookbackMinutes: 2880,
      lockMinutes: 720,
    },
  },
  fees: {
    takerFeeRate: 0.004,
    slippageFraction: 0.0005,
    edgeBufferFraction: 0.002,
    requireEdge: true,
  },
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
