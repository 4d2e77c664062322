// CLI support: the starter files `kbot strategy new NAME` writes: a strategy (a dip below a moving
// average while RSI is low, with a signal exit back at the average) and its test.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { STRATEGY_NAME } from '../core/engine/strategies/registry.js';
import { PROJECT_ROOT } from './userStrategies.js';

/** The two files written, by path. */
export interface StarterFiles {
  strategyFile: string;
  testFile: string;
}

/** Import specifier of `target` (a project file, .ts) from a file in `dir`. */
function specifierFrom(dir: string, target: string): string {
  let rel = relative(dir, join(PROJECT_ROOT, target)).split(sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel.replace(/\.ts$/, '.js');
}

/** Writes `<dir>/<name>.ts` and `<dir>/<name>.test.ts`; refuses a bad name or an existing file. */
export function writeStarterStrategy(name: string, dir: string): StarterFiles {
  if (!STRATEGY_NAME.test(name)) throw new Error(`strategy name "${name}": use letters, digits, - or _, starting with a letter`);
  const strategyFile = join(dir, `${name}.ts`);
  const testFile = join(dir, `${name}.test.ts`);
  for (const f of [strategyFile, testFile]) if (existsSync(f)) throw new Error(`${f} already exists`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(strategyFile, starterStrategy(name, specifierFrom(dir, 'functions/core/engine/strategies/definition.ts')));
  writeFileSync(testFile, starterTest(name, dir));
  return { strategyFile, testFile };
}

/** The starter strategy's source. */
export function starterStrategy(name: string, definitionModule: string): string {
  return `// Strategy "${name}": buy a dip below the moving average while RSI is low; sell when the close
// is back at the average (or at the stop, target or time limit of the exits section).
// Select it with "strategies": { "use": ["${name}"] } and set its parameters under
// "strategies": { "${name}": { ... } }. See docs/strategies.md.
import { z } from 'zod';
// A type-only import: nothing of the bot runs inside this file, it only describes the shape.
import type { PreparedPairSeries, StrategyDefinition, StrategyVerdict } from '${definitionModule}';

/** The parameters, each with a default (the section in the config may name any of them). */
const parameters = z.strictObject({
  /** Moving average length, in 5m candles. */
  smaPeriod: z.number().int().min(2).max(500).default(20),
  /** Buy when the close is at least this far below the average (0.01 = 1%). */
  dipFraction: z.number().positive().max(0.5).default(0.01),
  /** ... and RSI(14) is at most this. */
  rsiMax: z.number().min(0).max(100).default(35),
  /** Sell when the close is back at the average. */
  exitAtMean: z.boolean().default(true),
});

type Params = z.output<typeof parameters>;

const strategy: StrategyDefinition<Params> = {
  name: '${name}',
  description: 'Dip below the SMA while RSI is low (starter strategy)',
  parameters,
  create(params, { plan }) {
    // Ask for every indicator once, here; read it at series.ind[slot][i] below.
    const smaSlot = plan.sma(params.smaPeriod);
    const rsiSlot = plan.slot({ kind: 'rsi', timeframe: '5m', period: 14 });
    const buys = (s: PreparedPairSeries, i: number): boolean =>
      s.close[i]! <= s.ind[smaSlot]![i]! * (1 - params.dipFraction) && s.ind[rsiSlot]![i]! <= params.rsiMax;
    return {
      entry(s, i): StrategyVerdict {
        const close = s.close[i]!;
        const sma = s.ind[smaSlot]![i]!;
        const rsi = s.ind[rsiSlot]![i]!;
        if (!(close <= sma * (1 - params.dipFraction))) {
          return { ok: false, rule: '${name}.dip', reason: 'close is not far enough below the SMA', explanation: { close, sma, dipFraction: params.dipFraction } };
        }
        if (!(rsi <= params.rsiMax)) return { ok: false, rule: '${name}.rsi', reason: 'RSI is above rsiMax', explanation: { rsi, rsiMax: params.rsiMax } };
        // Confidence 0..1 picks between strategies that signal together; targetPrice lets the
        // fee-edge gate count this exit when it is nearer than the take-profit.
        return { ok: true, signal: { confidence: 0.6, targetPrice: sma, explanation: { close, sma, rsi } } };
      },
      // The same decision without building an answer: a backtest asks at every candle.
      signals: buys,
      signalExit: params.exitAtMean
        ? {
            reversal(s, i) {
              const close = s.close[i]!;
              const sma = s.ind[smaSlot]![i]!;
              return close >= sma ? { close, sma } : undefined;
            },
          }
        : undefined,
    };
  },
};

export default strategy;
`;
}

/** The starter test's source: the strategy's entry and signals agree and it buys a dip. */
export function starterTest(name: string, dir: string): string {
  const core = (target: string) => specifierFrom(dir, target);
  return `// Test of strategy "${name}": run with \`npx vitest run ${relative(PROJECT_ROOT, join(dir, `${name}.test.ts`)).split(sep).join('/')}\`.
import { describe, expect, it } from 'vitest';
import { IndicatorPlan } from '${core('functions/core/engine/indicatorPlan.ts')}';
import { PreparedPairSeries } from '${core('functions/core/engine/preparedPairSeries.ts')}';
import { FIVE_MINUTES_MS, type Candle } from '${core('functions/core/types.ts')}';
import strategy from './${name}.js';

/** 5m candles at these closes (open = previous close). */
function candles(closes: number[]): Candle[] {
  return closes.map((close, i) => {
    const open = closes[i - 1] ?? close;
    return { openTimeMs: Date.UTC(2024, 0, 1) + i * FIVE_MINUTES_MS, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1 };
  });
}

describe('strategy: ${name}', () => {
  const plan = new IndicatorPlan();
  const s = strategy.create(strategy.parameters.parse({}), { plan, strategy: () => { throw new Error('no routes'); } });
  // 40 flat candles, then a slide of 3% over 10 candles, then a recovery.
  const closes = [...Array(40).fill(100), ...Array.from({ length: 10 }, (_, k) => 100 - 0.3 * (k + 1)), ...Array(20).fill(100.5)];
  const series = new PreparedPairSeries('BTC/USD', candles(closes), plan);

  it('buys the dip and not the flat market', () => {
    // Assess
    expect(s.entry(series, 39).ok).toBe(false);
    expect(s.entry(series, 49).ok).toBe(true);
  });

  it('signals() agrees with entry() at every candle', () => {
    for (let i = plan.warmupCandles(); i < series.length; i++) expect(s.signals!(series, i), \`candle \${i}\`).toBe(s.entry(series, i).ok);
  });

  it('exits once the close is back at the average', () => {
    expect(s.signalExit?.reversal(series, 49)).toBeUndefined();
    expect(s.signalExit?.reversal(series, series.length - 1)).toBeDefined();
  });
});
`;
}
