// End to end: the live filter on the sandbox. A model trained by kbot learn's code on a replay of
// generated markets is promoted in the demo's table; the real handler, through ccxt into the
// Kraken sandbox, then decides every entry with it as the learned-filter rule.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedTradesFromBacktest } from '../../functions/analyzer/analyzerSources.js';
import { runDemo } from '../../functions/cli/demo.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS } from '../../functions/core/types.js';
import { runBacktest } from '../../functions/backtest/runBacktest.js';
import { learnFromTrades } from '../../functions/learning/trainModel.js';
import { backtestInput, learningTestConfig } from '../unit/learning/learningFixtures.js';

describe('kbot demo --model', () => {
  it('applies the promoted model to every entry the handler decides in the sandbox', async () => {
    // Prepare: a model file, as kbot learn writes it.
    const config = learningTestConfig();
    const model = learnFromTrades(closedTradesFromBacktest(runBacktest(backtestInput(config)).trades), config.learning, 'backtest generated').model!;
    const file = join(mkdtempSync(join(tmpdir(), 'kbot-demo-model-')), 'model.json');
    writeFileSync(file, JSON.stringify(model));
    // The demo's simulated clock starts a day after the model's last training trade (it is not expired).
    const startMs = Math.ceil((model.training.trainedThroughMs + ONE_DAY_MS) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    // Act
    const summary = await runDemo({ hours: 4, seed: 7, pairs: ['BTC/USD', 'ETH/USD', 'SOL/USD'], startIso: new Date(startMs).toISOString(), balanceQuote: 10_000, modelFile: file });
    // Assess
    const f = summary.learnedFilter!;
    expect(f).toMatchObject({ model: model.contentHash, status: 'active' });
    expect(f.ticksActive).toBe(summary.ticks.completed);
    expect(f.passed + f.refused).toBeGreaterThan(0);
    // Every buy the handler placed went through the filter and was let through by it.
    expect(f.passed).toBe(summary.orders.buys);
    expect(summary.orders.placedInSandbox).toBe(summary.orders.filled);
  });
});
