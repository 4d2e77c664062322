// CLI: `kbot backtest --learn`'s output: the plain replay and the replay with the learned filter
// side by side, and every retraining (when, on what, how many trades).
import type { BacktestSummary } from '../backtest/backtestResult.js';
import { runLearningBacktest, type LearningBacktest } from '../learning/backtestLearning.js';

export { runLearningBacktest };

/** The `learning` field of `kbot backtest --learn --json`. */
export function learningJson(l: LearningBacktest): Record<string, unknown> {
  return {
    retrainEveryDays: l.retrainEveryDays,
    minProbability: l.minProbability,
    refusedByFilter: l.refusedByFilter,
    retrains: l.retrains,
    filtered: { summary: l.filtered.summary, trades: l.filtered.trades, fills: l.filtered.fills },
  };
}

/** The two runs side by side. */
export function describeLearningBacktest(l: LearningBacktest): string[] {
  const u = l.unfiltered.summary;
  const f = l.filtered.summary;
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const money = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
  const row = (label: string, get: (s: BacktestSummary) => string) => `${label.padEnd(22)}${get(u).padStart(14)}${get(f).padStart(14)}`;
  const trained = l.retrains.filter((r) => r.trained).length;
  const better = f.netPnlQuote > u.netPnlQuote;
  return [
    `Backtest with the learned filter: ${Object.keys(u.pairs).join(', ')}, ${u.fromIso.slice(0, 16)} .. ${u.toIso.slice(0, 16)} UTC`,
    `Retrained every ${l.retrainEveryDays} days on the plain run's trades closed before each retraining day (${l.retrains.length} retrainings, ${trained} with enough trades); entries need p >= ${l.minProbability}`,
    '',
    `${''.padEnd(22)}${'unfiltered'.padStart(14)}${'filtered'.padStart(14)}`,
    row('trades', (s) => String(s.trades)),
    row('win rate', (s) => pct(s.winRate)),
    row(`net P&L (${u.quote})`, (s) => money(s.netPnlQuote)),
    row('fees', (s) => s.feesQuote.toFixed(2)),
    row('return', (s) => pct(s.returnFraction)),
    row('max drawdown', (s) => pct(s.maxDrawdownFraction)),
    row('profit factor', (s) => (s.performance.profitFactor === null ? 'n/a' : s.performance.profitFactor.toFixed(2))),
    row('exposure', (s) => pct(s.exposureFraction)),
    '',
    `Refused by the filter: ${l.refusedByFilter} entry decisions (a signal that stands for several candles is refused at each).`,
    ...l.retrains.map((r) => `  from ${r.appliedFromIso.slice(0, 10)}: ${r.trained ? `trained on ${r.trainTrades} trades (${r.trainWins} won) entered since ${r.trainFromIso.slice(0, 10)}, last exit ${new Date(r.trainLastExitMs!).toISOString().slice(0, 16)}` : `no filter (${r.trainTrades} trades, too few)`}`),
    '',
    better
      ? `The filtered run made ${money(f.netPnlQuote - u.netPnlQuote)} ${u.quote} more than the plain one on this data.`
      : `The filtered run did NOT beat the plain one (${money(f.netPnlQuote - u.netPnlQuote)} ${u.quote}): do not enable the filter for this strategy on this evidence.`,
    ...(better && f.netPnlQuote <= 0
      ? [`Both runs lose money: not trading at all beats both. The filter lost less mostly by trading less; that is not an edge, and it is no reason to enable it.`]
      : []),
  ];
}
