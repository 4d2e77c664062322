// Learning: the walk-forward and `kbot backtest --learn` never look ahead. Each window's model is
// trained only on trades that closed before its test window; a retraining inside the replay only on
// trades closed before the day it decides; and a future that changes leaves every earlier decision
// exactly as it was.
import { describe, expect, it } from 'vitest';
import { closedTradesFromBacktest } from '../../../functions/analyzer/analyzerSources.js';
import { columnsFromCandles, candlesFromColumns } from '../../../functions/core/engine/candleColumns.js';
import { ONE_DAY_MS } from '../../../functions/core/types.js';
import { runBacktest } from '../../../functions/backtest/runBacktest.js';
import { runLearningBacktest } from '../../../functions/learning/backtestLearning.js';
import { datasetOf, type Example } from '../../../functions/learning/dataset.js';
import { walkForward, forestTrainer, type Trainer } from '../../../functions/learning/walkForward.js';
import { backtestInput, generatedSeries, learningTestConfig } from './learningFixtures.js';

const DAY0 = Date.UTC(2026, 0, 1);

/** Examples whose first two columns are their own entry and exit times, so a spy can see what it was given. */
function timedExamples(): Example[] {
  const out: Example[] = [];
  for (let k = 0; k < 120; k++) {
    const entry = DAY0 + k * 0.3 * ONE_DAY_MS + 3_600_000;
    // Every third trade is held for four days: across several window boundaries.
    const exit = entry + (k % 3 === 0 ? 4 * ONE_DAY_MS : 7_200_000);
    out.push({ pair: 'BTC/USD', entryTimeMs: entry, exitTimeMs: exit, vector: [entry, exit, k % 2 ? null : k], win: k % 5 < 2, netPnlQuote: k % 5 < 2 ? 1 : -1, returnFraction: null });
  }
  return out;
}

describe('Learning: walk-forward', () => {
  const config = learningTestConfig();
  const training = config.learning.training;

  it('trains each window only on trades closed before its test window, and judges only trades entered inside it', () => {
    // Prepare: a spy trainer records what each window trains on and is asked about.
    const calls: { trained: number[][]; judged: number[][] }[] = [];
    const spy: Trainer = (rows) => {
      const call = { trained: rows.map((r) => [...r]), judged: [] as number[][] };
      calls.push(call);
      return { probability: (v) => (call.judged.push([...v]), 0.7) };
    };
    // Act
    const { report } = walkForward(timedExamples(), training, 0.5, spy);
    // Assess
    const trainedWindows = report.windows.filter((w) => w.trained && w.testTrades > 0);
    expect(trainedWindows.length).toBeGreaterThan(4);
    expect(calls).toHaveLength(trainedWindows.length);
    trainedWindows.forEach((w, k) => {
      const testFrom = Date.parse(w.testFromIso);
      const testTo = Date.parse(w.testToIso);
      const { trained, judged } = calls[k]!;
      expect(trained.length).toBe(w.trainTrades);
      for (const [entry, exit] of trained) {
        expect(exit!, `window ${w.index}: a training trade closed at or after the test window opened`).toBeLessThan(testFrom);
        expect(entry!).toBeGreaterThanOrEqual(testFrom - training.trainDays * ONE_DAY_MS);
      }
      expect(judged.length).toBe(w.testTrades);
      for (const [entry] of judged) expect(entry! >= testFrom && entry! < testTo).toBe(true);
      expect(Date.parse(w.trainLastExitIso!)).toBeLessThan(testFrom);
    });
    // The trades held across a boundary were left out of training until they closed.
    expect(calls.some((c) => c.trained.length < timedExamples().filter((e) => e.entryTimeMs < Date.parse(trainedWindows[0]!.testFromIso)).length)).toBe(true);
  });

  it('gives the same out-of-sample judgements whatever the later trades turned out to be', () => {
    // Prepare: flip the outcome of every trade that closed in or after the fourth window.
    const examples = timedExamples();
    const cut = Date.parse(walkForward(examples, training, 0.5).report.windows[3]!.testFromIso);
    const flipped = examples.map((e) => (e.exitTimeMs >= cut ? { ...e, win: !e.win, netPnlQuote: -e.netPnlQuote } : e));
    // Act
    const before = walkForward(examples, training, 0.5, forestTrainer).predictions.filter((p) => p.example.entryTimeMs < cut + training.testDays * ONE_DAY_MS);
    const after = walkForward(flipped, training, 0.5, forestTrainer).predictions.filter((p) => p.example.entryTimeMs < cut + training.testDays * ONE_DAY_MS);
    // Assess: every judgement up to and including the window that starts at the cut is unchanged.
    expect(after.map((p) => p.probability)).toEqual(before.map((p) => p.probability));
    expect(before.filter((p) => p.probability !== null).length).toBeGreaterThan(5);
  });

  it('reports precision, recall, filtered and unfiltered P&L and both baselines per window, and their totals', () => {
    const examples = datasetOf(closedTradesFromBacktest(runBacktest(backtestInput(config)).trades)).examples;
    const { report, predictions } = walkForward(examples, training, 0.5);
    expect(report.windows.length).toBeGreaterThan(3);
    for (const w of report.windows) {
      const judged = predictions.filter((p) => p.example.entryTimeMs >= Date.parse(w.testFromIso) && p.example.entryTimeMs < Date.parse(w.testToIso));
      const taken = judged.filter((p) => p.taken);
      expect(w.testTrades).toBe(judged.length);
      expect(w.taken).toBe(taken.length);
      expect(w.filteredPnlQuote).toBeCloseTo(taken.reduce((s, p) => s + p.example.netPnlQuote, 0), 9);
      expect(w.unfilteredPnlQuote).toBeCloseTo(judged.reduce((s, p) => s + p.example.netPnlQuote, 0), 9);
      expect(w.majorityPnlQuote).toBe(w.trainWins * 2 > w.trainTrades ? w.unfilteredPnlQuote : 0);
      if (w.taken) expect(w.precision).toBeCloseTo(taken.filter((p) => p.example.win).length / w.taken, 12);
      if (w.testWins) expect(w.recall).toBeCloseTo(taken.filter((p) => p.example.win).length / w.testWins, 12);
    }
    const t = report.totals;
    expect(t.alwaysTakePrecision).toBeCloseTo(t.testWins / t.testTrades, 12);
    expect(report.edgeOverBaselineQuote).toBeCloseTo(t.filteredPnlQuote - Math.max(t.unfilteredPnlQuote, t.majorityPnlQuote), 9);
    expect(report.verdict).toMatch(report.beatsBaseline ? /beat both baselines/ : /did NOT beat the baseline; do not enable it/);
  });
});

describe('Learning: kbot backtest --learn', () => {
  const config = learningTestConfig();

  it('retrains on trades closed before each retraining day only, and reports both runs', () => {
    // Act
    const l = runLearningBacktest(backtestInput(config), config.learning, 5);
    // Assess
    expect(l.retrains.length).toBeGreaterThan(5);
    expect(l.retrains.filter((r) => r.trained).length).toBeGreaterThan(3);
    for (const r of l.retrains) {
      if (r.trainLastExitMs !== null) expect(r.trainLastExitMs).toBeLessThan(r.appliedFromMs);
      expect(r.appliedFromMs % ONE_DAY_MS).toBe(0);
    }
    expect(l.retrains.map((r) => r.appliedFromMs)).toEqual(l.retrains.map((_, k) => l.retrains[0]!.appliedFromMs + k * 5 * ONE_DAY_MS));
    expect(l.refusedByFilter).toBeGreaterThan(0);
    expect(l.filtered.summary.trades).not.toBe(l.unfiltered.summary.trades);
    expect(l.unfiltered.summary).toEqual(runBacktest(backtestInput(config)).summary);
  });

  it('decides every entry before a day exactly alike whatever the market does from that day on', () => {
    // Prepare: the same candles, but from day 25 on the prices fall away (another future).
    const cutMs = Date.parse(runLearningBacktest(backtestInput(config), config.learning, 5).retrains[5]!.appliedFromIso);
    const altered = generatedSeries().map(({ pair, columns }) => {
      const candles = candlesFromColumns(columns).map((c) => (c.openTimeMs >= cutMs ? { ...c, open: c.open * 0.5, high: c.high * 0.5, low: c.low * 0.5, close: c.close * 0.5 } : c));
      return { pair, columns: columnsFromCandles(candles) };
    });
    // Act
    const original = runLearningBacktest(backtestInput(config), config.learning, 5);
    const other = runLearningBacktest(backtestInput(config, altered), config.learning, 5);
    // Assess: the retrainings up to the cut, and every entry decided before it, are identical.
    const upTo = (l: typeof original) => l.retrains.filter((r) => r.appliedFromMs <= cutMs);
    expect(upTo(other)).toEqual(upTo(original));
    const entriesBefore = (l: typeof original) => l.filtered.fills.filter((f) => f.side === 'buy' && f.timeMs < cutMs).map((f) => [f.pair, f.timeMs, f.price, f.amountBase]);
    expect(entriesBefore(other)).toEqual(entriesBefore(original));
    expect(entriesBefore(original).length).toBeGreaterThan(10);
    // The future did change: the runs differ after the cut.
    expect(other.filtered.summary.netPnlQuote).not.toBe(original.filtered.summary.netPnlQuote);
  });
});
