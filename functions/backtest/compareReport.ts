// Backtest output: two or more configurations replayed on the same candles, side by side: a
// table of what a trader compares first (one column per configuration) and an HTML page holding
// that table above each configuration's own full report.
import type { BacktestResult } from './backtestResult.js';

/** One compared run: its configuration file and result. */
export interface ComparedRun {
  label: string;
  result: BacktestResult;
}

/** The rows of the comparison, each `[metric, value per run]`. */
export function comparisonRows(runs: readonly ComparedRun[]): [string, string[]][] {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
  const num = (x: number | null, digits = 2) => (x === null ? 'n/a' : x.toFixed(digits));
  const row = (name: string, f: (r: BacktestResult) => string): [string, string[]] => [name, runs.map((run) => f(run.result))];
  return [
    row('strategies', (r) => r.summary.strategies.join(' + ')),
    row('config hash', (r) => r.summary.configHash),
    row('net P&L', (r) => `${num(r.summary.netPnlQuote)} ${r.summary.quote}`),
    row('return', (r) => pct(r.summary.returnFraction)),
    row('buy and hold', (r) => pct(r.summary.performance.marketChangeFraction)),
    row('against buy and hold', (r) => pct(r.summary.performance.excessReturnFraction)),
    row('CAGR', (r) => pct(r.summary.performance.cagr)),
    row('max drawdown', (r) => pct(r.summary.maxDrawdownFraction)),
    row('Sharpe', (r) => num(r.summary.sharpe)),
    row('Sortino', (r) => num(r.summary.performance.sortino)),
    row('Calmar', (r) => num(r.summary.performance.calmar)),
    row('trades', (r) => String(r.summary.trades)),
    row('win rate', (r) => pct(r.summary.winRate)),
    row('profit factor', (r) => num(r.summary.performance.profitFactor)),
    row('expectancy per trade', (r) => num(r.summary.performance.expectancyQuote)),
    row('fees', (r) => num(r.summary.feesQuote)),
    row('exposure', (r) => pct(r.summary.exposureFraction)),
  ];
}

/** The comparison as text, one column per configuration. */
export function describeComparison(runs: readonly ComparedRun[]): string[] {
  const rows = comparisonRows(runs);
  const first = Math.max(...rows.map(([name]) => name.length), 6) + 2;
  const widths = runs.map((run, k) => Math.max(run.label.length, ...rows.map(([, v]) => v[k]!.length)) + 2);
  const line = (name: string, values: string[]) => `${name.padEnd(first)}${values.map((v, k) => v.padStart(widths[k]!)).join('')}`;
  const s = runs[0]!.result.summary;
  return [`Compare on ${Object.keys(s.pairs).join(', ')}: ${s.fromIso.slice(0, 16)} .. ${s.toIso.slice(0, 16)} UTC`, '', line('', runs.map((r) => r.label)), ...rows.map(([name, values]) => line(name, values))];
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One self-contained page: the comparison table, then each run's full report (`reports[k]`, a whole HTML document) side by side. */
export function renderComparisonHtml(runs: readonly ComparedRun[], reports: readonly string[]): string {
  const rows = comparisonRows(runs);
  const title = `kbot backtest compare: ${runs.map((r) => `${r.label} (${r.result.summary.strategies.join(' + ')}, config ${r.result.summary.configHash})`).join(' vs ')}`;
  const head = `<tr><th></th>${runs.map((r) => `<th>${escape(r.label)}</th>`).join('')}</tr>`;
  const body = rows.map(([name, values]) => `<tr><td>${escape(name)}</td>${values.map((v) => `<td>${escape(v)}</td>`).join('')}</tr>`).join('\n');
  const frames = reports.map((html, k) => `<iframe title="${escape(runs[k]!.label)}" srcdoc="${escape(html)}"></iframe>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:16px;color:#1f2933}table{border-collapse:collapse;margin-bottom:16px}td,th{padding:4px 12px;border-bottom:1px solid #e4e7eb;text-align:right}td:first-child{text-align:left;color:#616e7c}
.runs{display:flex;gap:8px}iframe{flex:1;height:2400px;border:1px solid #e4e7eb}</style></head>
<body><h1>${escape(title)}</h1>
<table>${head}
${body}</table>
<div class="runs">${frames}</div>
</body></html>
`;
}
