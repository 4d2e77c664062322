// Learning: the live filter in the tick. The promoted model is read once per promotion, checked
// against its hash and cached across ticks; without a usable model the bot trades unfiltered, says
// why in every TickResult and alerts once per incident.
import { describe, expect, it } from 'vitest';
import { closedTradesFromBacktest } from '../../../functions/analyzer/analyzerSources.js';
import { MemoryStore } from '../../../functions/adapters/memory/memoryStore.js';
import { parseConfig } from '../../../functions/core/config.js';
import type { EntryDecision, PortfolioView, PreparedSeries } from '../../../functions/core/engine/types.js';
import { TradeFilterLoader } from '../../../functions/core/learning/liveFilter.js';
import { LEARNED_FILTER_RULE } from '../../../functions/core/learning/tradeFilter.js';
import { silentLogger, type Alert } from '../../../functions/core/ports.js';
import { runTick } from '../../../functions/core/tick.js';
import { ONE_DAY_MS } from '../../../functions/core/types.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { randomForestRuntime } from '../../../functions/learning/randomForest.js';
import { learnFromTrades } from '../../../functions/learning/trainModel.js';
import { ScriptedEngine } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';
import { backtestInput, learningTestConfig } from './learningFixtures.js';

const trainConfig = learningTestConfig();
const trades = closedTradesFromBacktest(runBacktest(backtestInput(trainConfig)).trades);
const model = learnFromTrades(trades, trainConfig.learning, 'backtest generated').model!;
const features = trades.at(-1)!.entryFeatures!;

function setup(learning: Record<string, unknown> = {}) {
  const config = parseConfig({ learning: { enabled: true, minProbability: 0.5, ...learning } });
  const store = new MemoryStore();
  const alerts: Alert[] = [];
  const loader = new TradeFilterLoader(randomForestRuntime);
  const deps = { config, store, alerts: { send: async (a: Alert) => void alerts.push(a) }, logger: silentLogger };
  const promote = async (body = JSON.stringify(model), hash = model.contentHash) => {
    await store.putModel({ mode: 'paper', contentHash: hash, storedAtMs: 0, body });
    await store.promoteModel({ mode: 'paper', contentHash: hash, promotedAtMs: 0, reason: 'test' }, null);
  };
  return { config, store, alerts, loader, deps, promote };
}

const fresh = model.training.trainedThroughMs + ONE_DAY_MS;

describe('Learning: the live filter loader', () => {
  it('applies the promoted model, compiled once and reused while the promotion is the same', async () => {
    const { loader, deps, promote, alerts } = setup();
    await promote();
    const first = await loader.load(deps, fresh);
    const second = await loader.load(deps, fresh + 300_000);
    expect(first.status).toMatchObject({ status: 'active', model: model.contentHash, minProbability: 0.5, trainedThroughIso: model.training.toIso });
    expect(second.status.status).toBe('active');
    expect(loader.compiles).toBe(1);
    const check = first.filter.check(features);
    expect(check.rule).toBe(LEARNED_FILTER_RULE);
    expect(check.explanation).toMatchObject({ applied: true, minProbability: 0.5, probability: expect.any(Number) });
    expect(alerts).toEqual([]);
  });

  it.each([
    ['no model promoted', async () => undefined, fresh, {}, 'no-model', /no model is promoted/],
    ['expired (maxAgeDays)', async (p: () => Promise<void>) => p(), model.training.trainedThroughMs + 31 * ONE_DAY_MS, {}, 'expired', /more than learning.maxAgeDays \(30\)/],
    ['features that do not match', async (p: () => Promise<void>) => p(), fresh, { priceTierBounds: [1, 10] }, 'mismatch', /price tiers/],
    ['a file whose content does not match its hash', async (p: (body?: string) => Promise<void>) => p(JSON.stringify({ ...model, features: { ...model.features, recentTrades: 11 } })), fresh, {}, 'invalid', /content hash mismatch/],
    ['a model trained on trades after now (a simulated clock)', async (p: () => Promise<void>) => p(), model.training.trainedThroughMs - ONE_DAY_MS, {}, 'invalid', /after now/],
    ['a stored file of another model', async (p: (body?: string, hash?: string) => Promise<void>) => p(JSON.stringify(model), `sha256:${'0'.repeat(64)}`), fresh, {}, 'invalid', /not the promoted/],
  ] as const)('trades without the filter with %s, says so and alerts once', async (_name, arrange, nowMs, learning, status, detail) => {
    // Prepare
    const { loader, deps, promote, alerts } = setup(learning);
    await arrange(promote as never);
    // Act: three ticks of the same incident.
    const results = [await loader.load(deps, nowMs), await loader.load(deps, nowMs + 300_000), await loader.load(deps, nowMs + 600_000)];
    // Assess
    for (const r of results) {
      expect(r.status).toMatchObject({ status, detail: expect.stringMatching(detail) });
      expect(r.filter.check(features)).toMatchObject({ ok: true, rule: LEARNED_FILTER_RULE, explanation: { applied: false, status } });
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: 'learning', severity: 'warning', subject: expect.stringContaining(`(${status}): trading without it`) });
  });

  it('alerts again for a new incident: another promoted model with the same problem', async () => {
    const { loader, deps, promote, alerts, store } = setup({ priceTierBounds: [1, 10] });
    await promote();
    await loader.load(deps, fresh);
    const other = `sha256:${'1'.repeat(64)}`;
    await store.putModel({ mode: 'paper', contentHash: other, storedAtMs: 0, body: '{}' });
    await store.promoteModel({ mode: 'paper', contentHash: other, promotedAtMs: 1, reason: 'test' }, model.contentHash);
    expect((await loader.load(deps, fresh)).status.status).toBe('invalid');
    expect(alerts.map((a) => a.subject)).toEqual([expect.stringContaining('(mismatch)'), expect.stringContaining('(invalid)')]);
  });
});

describe('Learning: the filter in the tick', () => {
  class FilterSeeingEngine extends ScriptedEngine {
    seen: (PortfolioView['tradeFilter'] | undefined)[] = [];
    override checkEntry(series: PreparedSeries, i: number, p: PortfolioView): EntryDecision {
      this.seen.push(p.tradeFilter);
      return super.checkEntry(series, i, p);
    }
  }

  it('hands the engine the loaded filter and reports its status in the TickResult of a scheduled tick only', async () => {
    // Prepare
    const close = Date.UTC(2026, 0, 5, 12, 0);
    const f = tickFixture(close, { learning: { enabled: true } });
    const engine = new FilterSeeingEngine();
    const loader = new TradeFilterLoader(randomForestRuntime);
    const deps = { ...f.deps, engine, tradeFilter: loader };
    // Act
    const result = await runTick(deps, { invocationId: 'tick-1', scheduledTimeMs: close });
    // Assess: no model yet, so entries are decided with the pass-through filter that says so.
    expect(result.learning).toMatchObject({ status: 'no-model', minProbability: 0.6 });
    expect(engine.seen).toHaveLength(2);
    expect(engine.seen[0]!.check(features)).toMatchObject({ ok: true, explanation: { applied: false, status: 'no-model' } });
    expect(f.alerts.sent.filter((a) => a.kind === 'learning')).toHaveLength(1);
    const command = await runTick(deps, { invocationId: 'cmd-1', command: { command: 'flatten', requestId: 'r1' } });
    expect(command.learning).toBeUndefined();
  });
});
