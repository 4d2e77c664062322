// Learning: promotion. A candidate goes live only when it beats the baseline out of sample and the
// current model on trades out of sample for both; every promotion is stored, audited and alerted.
// The weekly job does the same from the ledger.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../functions/adapters/memory/memoryStore.js';
import { closedTradesFromBacktest } from '../../../functions/analyzer/analyzerSources.js';
import type { Alert } from '../../../functions/core/ports.js';
import type { TradeRecord } from '../../../functions/core/types.js';
import { ONE_DAY_MS } from '../../../functions/core/types.js';
import type { BacktestTrade } from '../../../functions/backtest/backtestResult.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { promoteIfBetter } from '../../../functions/learning/promotion.js';
import { randomForestRuntime } from '../../../functions/learning/randomForest.js';
import { retrainFromLedger } from '../../../functions/learning/retrainJob.js';
import { learnFromTrades, type LearnResult } from '../../../functions/learning/trainModel.js';
import { silentLogger } from '../../../functions/core/ports.js';
import { backtestInput, learningTestConfig } from './learningFixtures.js';

const config = learningTestConfig();
const backtestTrades = runBacktest(backtestInput(config)).trades;
const trades = closedTradesFromBacktest(backtestTrades);
const full = learnFromTrades(trades, config.learning, 'backtest generated');
const firstExit = Math.min(...trades.map((t) => t.exitTimeMs));
/** A model trained on the first 12 days only: the one to replace. */
const early = learnFromTrades(trades, config.learning, 'backtest generated, early', firstExit + 12 * ONE_DAY_MS).model!;

function withVerdict(result: LearnResult, beatsBaseline: boolean, take?: (win: boolean) => boolean): LearnResult {
  return {
    ...result,
    report: { ...result.report, beatsBaseline, edgeOverBaselineQuote: beatsBaseline ? 5 : -5 },
    predictions: take ? result.predictions.map((p) => ({ ...p, taken: take(p.example.win) })) : result.predictions,
  };
}

function setup() {
  const store = new MemoryStore();
  const alerts: Alert[] = [];
  const deps = { store, alerts: { send: async (a: Alert) => void alerts.push(a) }, runtime: randomForestRuntime, mode: 'paper' as const, nowMs: Date.UTC(2026, 5, 1), actor: 'test' };
  return { store, alerts, deps };
}

describe('Learning: promotion', () => {
  it('keeps a candidate that does not beat the baseline out of sample: nothing stored, nothing alerted', async () => {
    const { store, alerts, deps } = setup();
    const outcome = await promoteIfBetter(deps, withVerdict(full, false), config.learning);
    expect(outcome).toMatchObject({ promoted: false, reason: expect.stringMatching(/does not beat the baseline/) });
    expect(await store.getPromotedModel('paper')).toBeUndefined();
    expect(await store.listAudit('paper', 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    expect(alerts).toEqual([]);
  });

  it('promotes the first candidate that beats the baseline: stores the file, points at it, audits and alerts', async () => {
    const { store, alerts, deps } = setup();
    const outcome = await promoteIfBetter(deps, withVerdict(full, true), config.learning);
    const hash = full.model!.contentHash;
    expect(outcome).toMatchObject({ promoted: true, candidateHash: hash });
    expect(await store.getPromotedModel('paper')).toMatchObject({ contentHash: hash, promotedAtMs: deps.nowMs, reason: expect.stringMatching(/no model was promoted yet/) });
    expect(JSON.parse((await store.getModel('paper', hash))!.body)).toEqual(full.model);
    const audit = await store.listAudit('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(audit).toEqual([expect.objectContaining({ action: 'learning-promote', actor: 'test', details: expect.objectContaining({ contentHash: hash, previousHash: null }) })]);
    expect(alerts).toEqual([expect.objectContaining({ kind: 'learning', subject: expect.stringContaining('promoted') })]);
    // The same model again is not a promotion.
    expect(await promoteIfBetter(deps, withVerdict(full, true), config.learning)).toMatchObject({ promoted: false, reason: 'this very model is already promoted' });
  });

  it('replaces the current model only when it makes more on trades out of sample for both', async () => {
    const { store, alerts, deps } = setup();
    await store.putModel({ mode: 'paper', contentHash: early.contentHash, storedAtMs: 0, body: JSON.stringify(early) });
    await store.promoteModel({ mode: 'paper', contentHash: early.contentHash, promotedAtMs: 0, reason: 'earlier' }, null);
    // A candidate that takes only the losers cannot make more than the current model.
    const worse = await promoteIfBetter(deps, withVerdict(full, true, (win) => !win), config.learning);
    expect(worse).toMatchObject({ promoted: false, currentHash: early.contentHash, comparison: { trades: expect.any(Number), fromIso: early.training.toIso } });
    expect(worse.comparison!.trades).toBeGreaterThanOrEqual(config.learning.training.minTestTrades);
    expect(worse.comparison!.candidatePnlQuote).toBeLessThanOrEqual(worse.comparison!.currentPnlQuote);
    expect((await store.getPromotedModel('paper'))?.contentHash).toBe(early.contentHash);
    // One that takes only the winners does.
    const better = await promoteIfBetter(deps, withVerdict(full, true, (win) => win), config.learning);
    expect(better).toMatchObject({ promoted: true, currentHash: early.contentHash });
    expect(better.comparison!.candidatePnlQuote).toBeGreaterThan(better.comparison!.currentPnlQuote);
    expect(await store.getPromotedModel('paper')).toMatchObject({ contentHash: full.model!.contentHash, previousHash: early.contentHash });
    expect(alerts).toHaveLength(1);
  });
});

describe('Learning: the weekly retraining job', () => {
  it('retrains from the ledger, and promotes exactly when the out-of-sample verdict and the comparison allow', async () => {
    // Prepare: the backtest's trades written as the live ledger writes them (a buy, and the sell that closes it).
    const store = new MemoryStore();
    for (const row of ledgerRowsOf(backtestTrades)) await store.appendTrade(row);
    const alerts: Alert[] = [];
    // Act
    const summary = await retrainFromLedger({ config, store, alerts: { send: async (a) => void alerts.push(a) }, logger: silentLogger, nowMs: Math.max(...trades.map((t) => t.exitTimeMs)) + 1, source: 'memory paper ledger' });
    // Assess: the ledger gives the same walk-forward as the backtest's own trades.
    expect(summary.examples).toBe(trades.length);
    expect(summary.walkForward.testTrades).toBe(full.report.totals.testTrades);
    expect(summary.walkForward.filteredPnlQuote).toBeCloseTo(full.report.totals.filteredPnlQuote, 6);
    const promoted = summary.promotion.promoted;
    expect(promoted).toBe(summary.walkForward.beatsBaseline && summary.walkForward.testTrades >= config.learning.training.minTestTrades);
    expect(await store.listAudit('paper', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(promoted ? 1 : 0);
    expect(alerts).toHaveLength(promoted ? 1 : 0);
    expect((await store.getPromotedModel('paper'))?.contentHash).toBe(promoted ? summary.candidate! : undefined);
  });
});

/** Ledger rows as the order protocol writes them: the buy that opened the position and the sell that closed it. */
function ledgerRowsOf(trades: readonly BacktestTrade[]): TradeRecord[] {
  return trades.flatMap((t, k) => {
    const buyId = `b${String(k).padStart(31, '0')}`;
    const common = { mode: 'paper' as const, exchangeOrderId: `X${k}`, pair: t.pair, amountBase: t.amountBase, ...(t.entryFeatures ? { entryFeatures: t.entryFeatures } : {}) };
    return [
      { ...common, clientOrderId: buyId, side: 'buy' as const, reason: 'entry' as const, price: t.entryPrice, costQuote: t.entryCostQuote, feeQuote: t.entryFeeQuote, timestampMs: t.entryTimeMs, positionId: buyId },
      { ...common, clientOrderId: `s${String(k).padStart(31, '0')}`, side: 'sell' as const, reason: 'take-profit' as const, price: t.exitPrice, costQuote: t.exitProceedsQuote, feeQuote: t.exitFeeQuote, realizedPnlQuote: t.netPnlQuote, timestampMs: t.exitTimeMs, positionId: buyId },
    ];
  });
}
