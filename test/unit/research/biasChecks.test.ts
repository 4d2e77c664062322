// Bias checks: every built-in strategy passes the look-ahead and the recursive check; a strategy
// that reads the next candle fails the first, one that remembers the whole history the second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedCandles } from '../../../functions/backtest/bench.js';
import { formatCandleCsv } from '../../../functions/backtest/candleFile.js';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { runCheckCli } from '../../../functions/cli/check.js';
import { parseConfig, type BotConfig } from '../../../functions/core/config.js';
import { createDecisionEngine } from '../../../functions/core/engine/index.js';
import type { DecisionEngine, EntryDecision, PreparedSeries } from '../../../functions/core/engine/types.js';
import type { Candle } from '../../../functions/core/types.js';
import { checkLookahead, checkRecursive, type BiasCheckInput } from '../../../functions/research/biasChecks.js';

const CANDLES = generatedCandles('BTC/USD', 1_500);
const MARKET = builtInMarkets(['BTC/USD'], 0.004)['BTC/USD']!;

function input(config: BotConfig, engine: DecisionEngine = createDecisionEngine(config)): BiasCheckInput {
  return { label: config.strategies.use.join('+'), config, engine, pair: 'BTC/USD', candles: CANDLES, market: MARKET };
}

const configFor = (use: string) => parseConfig({ pairs: ['BTC/USD'], strategies: { use: [use] }, fees: { requireEdge: false } });

/**
 * A test-only engine around the real one whose strategy buys when `wants(candles, i)`; the real
 * engine's exits stay. Test strategies, never shipped.
 */
function testStrategyEngine(config: BotConfig, wants: (candles: readonly Candle[], i: number) => boolean): DecisionEngine {
  const real = createDecisionEngine(config);
  const prepared = new WeakMap<PreparedSeries, readonly Candle[]>();
  return {
    warmupCandles: real.warmupCandles,
    prepare(pair, candles) {
      const s = real.prepare(pair, candles);
      prepared.set(s, candles);
      return s;
    },
    checkEntry(series, i): EntryDecision {
      const candles = prepared.get(series)!;
      return wants(candles, i)
        ? { action: 'none', pair: series.pair, stage: 'risk', rule: 'test', reason: 'test strategy signal', explanation: {}, signal: { strategy: 'momentum', confidence: 1, expectedEdge: 0.01, explanation: {} } }
        : { action: 'none', pair: series.pair, stage: 'signal', rule: 'test.no-signal', reason: 'no signal', explanation: {} };
    },
    checkExit: (position, series, i, nowMs, freeBase, market) => real.checkExit(position, series, i, nowMs, freeBase, market),
    checkForcedEntry: (series, i, pf) => real.checkForcedEntry(series, i, pf),
  };
}

/** Looks ahead: buys when the NEXT candle closes higher (on cut history there is no next candle). */
const peeksAtNextCandle = (candles: readonly Candle[], i: number) => i + 1 < candles.length && candles[i + 1]!.close > candles[i]!.close;

/** Counts from the first candle it was given: buys on every 97th (state started at the data's start). */
const everyNthSinceStart = (_candles: readonly Candle[], i: number) => i % 97 === 0;

describe('Bias checks', () => {
  it.each(['momentum', 'meanReversion', 'scalping', 'regime'])('%s: no look-ahead, and no dependence on the warm-up beyond the documented one', (use) => {
    const config = configFor(use);
    const ahead = checkLookahead(input(config), { maxChecks: 60 });
    expect(ahead.mismatches).toEqual([]);
    expect(ahead.ok).toBe(true);
    expect(ahead.checked).toBeGreaterThan(20);
    const recursive = checkRecursive(input(config), { evalCandles: 200 });
    expect(recursive.mismatches).toEqual([]);
    expect(recursive.indicators.filter((x) => !x.ok)).toEqual([]);
    expect(recursive.ok).toBe(true);
    // Window indicators agree to rounding with only the documented warm-up.
    for (const x of recursive.indicators.filter((i) => !i.recursive)) expect(x.atWarmup).toBeLessThan(1e-9);
  });

  it('catches a strategy that reads the next candle', () => {
    const config = configFor('momentum');
    const result = checkLookahead(input(config, testStrategyEngine(config, peeksAtNextCandle)), { maxChecks: 40 });
    expect(result.ok).toBe(false);
    expect(result.signals).toBeGreaterThan(100);
    expect(result.mismatchCount).toBeGreaterThanOrEqual(20);
    expect(result.mismatches[0]).toMatchObject({ what: 'entry decision', full: expect.objectContaining({ rule: 'test' }), other: expect.objectContaining({ rule: 'test.no-signal' }) });
    // The same strategy honest about time passes.
    const honest = checkLookahead(input(config, testStrategyEngine(config, (c, i) => i > 0 && c[i]!.close > c[i - 1]!.close)), { maxChecks: 40 });
    expect(honest.ok).toBe(true);
  });

  it('catches a strategy whose decisions depend on how much history it was given', () => {
    const config = configFor('momentum');
    const result = checkRecursive(input(config, testStrategyEngine(config, everyNthSinceStart)), { evalCandles: 400 });
    expect(result.ok).toBe(false);
    expect(result.decisionMismatches.atLiveWindow).toBeGreaterThan(0);
    expect(result.mismatches.some((m) => m.what.startsWith('with the live window: entry decision'))).toBe(true);
  });
});

describe('kbot check (runCheckCli)', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-check-'));
    file = join(dir, 'btc.csv');
    writeFileSync(file, formatCandleCsv(CANDLES));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
  };

  it('passes the built-in strategy and fails a look-ahead one, with one JSON document', async () => {
    const ok = capture();
    expect(await runCheckCli('lookahead', { data: [`BTC/USD=${file}`], strategy: 'momentum', maxChecks: '30', json: true }, ok.io)).toBe(0);
    expect(ok.out).toHaveLength(1);
    expect(JSON.parse(ok.out[0]!)).toMatchObject({ check: 'lookahead', ok: true, results: [{ label: 'BTC/USD momentum', ok: true }] });
    const bad = capture();
    const code = await runCheckCli('lookahead', { data: [`BTC/USD=${file}`], strategy: 'momentum', maxChecks: '30' }, bad.io, (c) => testStrategyEngine(c, peeksAtNextCandle));
    expect(code).toBe(1);
    expect(bad.out.join('\n')).toMatch(/BIAS lookahead BTC\/USD momentum/);
    const unknown = capture();
    expect(await runCheckCli('recursive', { data: [`BTC/USD=${file}`], strategy: 'rsi' }, unknown.io)).toBe(1);
    expect(unknown.err.join('\n')).toMatch(/--strategy: unknown strategy "rsi" \(known: regime, momentum, meanReversion, scalping, microstructure\)/);
  });
});
