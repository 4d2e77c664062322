// Research: the HTML report of `kbot optimize`, one self-contained file (inline SVG, no script,
// no network): warnings first, in-sample against out-of-sample per window (bars, and a scatter of
// every window's leaders), the heatmap of two parameters, the best sets, parameter stability.
import type { OptimizeReport, WindowEntry } from './optimizer.js';
import { formatValue } from './searchSpace.js';

/** Renders the report. */
export function renderOptimizeReport(r: OptimizeReport): string {
  const title = `kbot optimize: ${r.pairs.join(', ')}, ${r.method}, ${r.objective} (${r.setsEvaluated} sets, ${r.windows.length} window${r.windows.length === 1 ? '' : 's'})`;
  const short = (path: string) => path.replace(/^strategies\./, '');
  const paramsText = (p: Record<string, unknown>) =>
    Object.entries(p)
      .map(([k, v]) => `${short(k)}=${formatValue(v as never)}`)
      .join(' ');
  const cards: [string, string][] = [
    ['method', r.method],
    ['objective', `${r.objective}, ≥ ${r.minTrades} trades`],
    ['sets', `${r.setsEvaluated} of ${r.gridPoints} grid points${r.invalidSets.count ? `, ${r.invalidSets.count} invalid` : ''}`],
    ['backtests', `${r.backtests.toLocaleString('en-US')} (${(r.candleSteps / 1e6).toFixed(1)} M candle-steps)`],
    ['walk-forward efficiency', r.summary.walkForwardEfficiency === null ? 'n/a' : `${(r.summary.walkForwardEfficiency * 100).toFixed(0)}%`],
    ['out of sample', `${r.summary.outOfSampleProfitableWindows} of ${r.windows.filter((w) => w.outOfSample).length} windows profitable, net ${num(r.summary.outOfSampleNetPnlQuote)}`],
    ['ran on', `${r.timing.where}, ${(r.timing.wallMs / 1000).toFixed(1)} s, ${r.timing.setsPerSecond.toFixed(1)} sets/s`],
  ];
  const rows = r.windows
    .map((w) => {
      const b = w.best;
      return `<tr><td>${w.index + 1}</td><td>${range(w.inSample)}</td><td>${w.outOfSample ? range(w.outOfSample) : '—'}</td><td class="p">${b ? esc(paramsText(b.params)) : '—'}</td>` +
        `<td>${num(b?.inSampleScore ?? null)}</td><td>${num(b?.outOfSampleScore ?? null)}</td><td>${num(b?.inSample?.netPnlQuote ?? null)}</td><td>${num(b?.outOfSample?.netPnlQuote ?? null)}</td>` +
        `<td>${b?.inSample?.trades ?? '—'} / ${b?.outOfSample?.trades ?? '—'}</td><td>${w.efficiency === null ? 'n/a' : `${(w.efficiency * 100).toFixed(0)}%`}</td><td>${w.eligibleSets}</td></tr>`;
    })
    .join('');
  const best = r.best
    .map((b, k) => `<tr><td>${k + 1}</td><td class="p">${esc(paramsText(b.params))}</td><td>${num(b.meanInSampleScore)}</td><td>${b.inSampleScores.map(num).join(' / ')}</td></tr>`)
    .join('');
  const stability = r.stability
    .map((s) => `<tr class="${s.stable ? '' : 'bad'}"><td>${esc(short(s.path))}</td><td>${esc(s.winners.join(', '))}</td><td>${s.distinct}</td><td>${s.spreadFraction === null ? '—' : `${(s.spreadFraction * 100).toFixed(0)}%`}</td><td>${s.stable ? 'stable' : 'unstable'}</td></tr>`)
    .join('');
  const space = r.space.map((p) => `<tr><td>${esc(p.path)}</td><td>${esc(p.spec)}</td><td>${p.values.length}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>
<h1>${esc(title)}</h1>
${r.warnings.length ? `<section class="warn"><h2>Warnings</h2><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : '<p class="ok">No warnings: the winners held up out of sample and their parameters were stable.</p>'}
<section class="cards">${cards.map(([k, v]) => `<div><b>${esc(k)}</b><span>${esc(v)}</span></div>`).join('')}</section>
${r.recommended ? `<p>Latest window's winner: <code>${esc(paramsText(r.recommended.params))}</code></p>` : ''}
<h2>In sample against out of sample, per window</h2>
${barsSvg(r)}
<table><thead><tr><th>window</th><th>in sample</th><th>out of sample</th><th>winner</th><th>IS ${esc(r.objective)}</th><th>OOS ${esc(r.objective)}</th><th>IS net</th><th>OOS net</th><th>trades IS / OOS</th><th>efficiency</th><th>eligible sets</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Leaders of each window: in-sample against out-of-sample ${esc(r.objective)}</h2>
${scatterSvg(r)}
${r.heatmap ? `<h2>Heatmap: best mean in-sample ${esc(r.objective)} by ${esc(short(r.heatmap.y))} (rows) and ${esc(short(r.heatmap.x))} (columns)</h2>${heatmapSvg(r.heatmap)}` : ''}
<h2>Best sets (mean in-sample ${esc(r.objective)} over the windows)</h2>
<table><thead><tr><th>#</th><th>parameters</th><th>mean</th><th>per window</th></tr></thead><tbody>${best || '<tr><td colspan="4">no set was ranked in every window</td></tr>'}</tbody></table>
<h2>Parameter stability (the winners of each window)</h2>
<table><thead><tr><th>parameter</th><th>winners</th><th>distinct</th><th>spread of its range</th><th></th></tr></thead><tbody>${stability}</tbody></table>
<h2>Search space</h2>
<table><thead><tr><th>path</th><th>values</th><th>count</th></tr></thead><tbody>${space}</tbody></table>
<footer>Each backtest replays the live decision engine with the backtest's fills (see docs/backtests.md); windows warm their indicators up on all earlier candles. Seed ${r.seed}.</footer>
</body></html>
`;
}

/** Writes the report atomically (a reader never sees half a file). */
export { writeReportFile } from '../backtest/htmlReport.js';

function barsSvg(r: OptimizeReport): string {
  const ws = r.windows;
  const values = ws.flatMap((w) => [w.best?.inSampleScore ?? 0, w.best?.outOfSampleScore ?? 0]);
  const max = Math.max(1e-9, ...values.map(Math.abs));
  const W = 760;
  const H = 220;
  const mid = H / 2;
  const slot = (W - 60) / Math.max(1, ws.length);
  const bar = Math.min(40, slot / 3);
  const bars = ws
    .map((w, k) => {
      const x = 50 + k * slot + slot / 2;
      const one = (v: number | null | undefined, dx: number, cls: string) => {
        if (v === null || v === undefined) return '';
        const h = (Math.abs(v) / max) * (mid - 20);
        return `<rect class="${cls}" x="${(x + dx).toFixed(1)}" y="${(v >= 0 ? mid - h : mid).toFixed(1)}" width="${bar.toFixed(1)}" height="${h.toFixed(1)}"><title>${cls === 'is' ? 'in sample' : 'out of sample'} ${num(v)}</title></rect>`;
      };
      return `${one(w.best?.inSampleScore, -bar - 1, 'is')}${one(w.best?.outOfSampleScore, 1, 'oos')}<text x="${x.toFixed(1)}" y="${H - 4}" text-anchor="middle">w${k + 1}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" class="chart"><line x1="40" x2="${W}" y1="${mid}" y2="${mid}" class="axis"/><text x="4" y="14">${num(max)}</text><text x="4" y="${H - 20}">${num(-max)}</text>${bars}<g class="legend"><rect class="is" x="${W - 200}" y="6" width="10" height="10"/><text x="${W - 186}" y="15">in sample</text><rect class="oos" x="${W - 110}" y="6" width="10" height="10"/><text x="${W - 96}" y="15">out of sample</text></g></svg>`;
}

function scatterSvg(r: OptimizeReport): string {
  const points: { x: number; y: number; w: number; e: WindowEntry }[] = [];
  for (const w of r.windows) for (const e of w.top) if (e.inSampleScore !== null && e.outOfSampleScore !== null) points.push({ x: e.inSampleScore, y: e.outOfSampleScore, w: w.index, e });
  if (points.length === 0) return '<p>No out-of-sample figures to plot.</p>';
  const W = 420;
  const H = 320;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const lo = Math.min(0, ...xs, ...ys);
  const hi = Math.max(0, ...xs, ...ys);
  const span = hi - lo || 1;
  const sx = (v: number) => 40 + ((v - lo) / span) * (W - 60);
  const sy = (v: number) => H - 30 - ((v - lo) / span) * (H - 50);
  const dots = points
    .map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="4" class="w${p.w % 6}"><title>window ${p.w + 1}, set ${p.e.set}: IS ${num(p.x)}, OOS ${num(p.y)}</title></circle>`)
    .join('');
  return `<svg viewBox="0 0 ${W} ${H}" class="chart square"><line class="axis" x1="${sx(lo)}" y1="${sy(0)}" x2="${sx(hi)}" y2="${sy(0)}"/><line class="axis" x1="${sx(0)}" y1="${sy(lo)}" x2="${sx(0)}" y2="${sy(hi)}"/><line class="diag" x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}"/>${dots}<text x="${W / 2}" y="${H - 6}" text-anchor="middle">in sample</text><text x="12" y="${H / 2}" transform="rotate(-90 12 ${H / 2})" text-anchor="middle">out of sample</text></svg><p class="note">On the diagonal the out-of-sample score equals the in-sample one; far below it, the set was fitted to its window.</p>`;
}

function heatmapSvg(h: NonNullable<OptimizeReport['heatmap']>): string {
  const cell = Math.max(18, Math.min(48, Math.floor(640 / Math.max(h.xValues.length, 1))));
  const left = 70;
  const top = 10;
  const W = left + cell * h.xValues.length + 10;
  const H = top + cell * h.yValues.length + 40;
  const vals = h.cells.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const color = (v: number) => {
    const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
    // red (worst) → yellow → green (best)
    const r = Math.round(t < 0.5 ? 220 : 220 - (t - 0.5) * 2 * 180);
    const g = Math.round(t < 0.5 ? 60 + t * 2 * 160 : 220);
    return `rgb(${r},${g},70)`;
  };
  const rects = h.cells
    .flatMap((row, yi) =>
      row.map((v, xi) => {
        const x = left + xi * cell;
        const y = top + yi * cell;
        const fill = v === null ? '#eee' : color(v);
        return `<rect x="${x}" y="${y}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>${esc(h.y)}=${esc(h.yValues[yi]!)}, ${esc(h.x)}=${esc(h.xValues[xi]!)}: ${v === null ? 'no ranked set' : num(v)}</title></rect>${cell >= 34 && v !== null ? `<text class="cell" x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle">${num(v)}</text>` : ''}`;
      }),
    )
    .join('');
  const xl = h.xValues.map((v, xi) => `<text x="${left + xi * cell + cell / 2}" y="${top + cell * h.yValues.length + 14}" text-anchor="middle">${esc(v)}</text>`).join('');
  const yl = h.yValues.map((v, yi) => `<text x="${left - 6}" y="${top + yi * cell + cell / 2 + 4}" text-anchor="end">${esc(v)}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" class="chart heat" style="max-width:${W}px">${rects}${xl}${yl}<text x="${left + (cell * h.xValues.length) / 2}" y="${H - 4}" text-anchor="middle">${esc(h.x)}</text></svg><p class="note">Grey: no set with these two values made the minimum trades in every window. Colours run from the worst (red) to the best (green) cell.</p>`;
}

function range(r: { fromIso: string; toIso: string }): string {
  return `${r.fromIso.slice(0, 10)} – ${r.toIso.slice(0, 10)}`;
}

function num(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : x.toFixed(2);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}td.p,th:nth-child(4){text-align:left}
tr.bad td{background:#fff1f0}.warn{background:#fff7e6;border:1px solid #f0b429;padding:4px 16px;border-radius:6px}.ok{color:#2a7a2a}
.cards{display:flex;flex-wrap:wrap;gap:8px}.cards div{border:1px solid #ddd;border-radius:6px;padding:6px 10px}.cards b{display:block;font-size:12px;color:#666;font-weight:normal}
.chart{width:100%;max-width:760px;background:#fafafa;border:1px solid #eee}.chart.square{max-width:420px}.chart text{font-size:11px;fill:#444}.chart text.cell{font-size:9px;fill:#111}
.axis{stroke:#999}.diag{stroke:#bbb;stroke-dasharray:4 3}rect.is{fill:#3b82f6}rect.oos{fill:#f59e0b}
circle.w0{fill:#3b82f6}circle.w1{fill:#f59e0b}circle.w2{fill:#10b981}circle.w3{fill:#ef4444}circle.w4{fill:#8b5cf6}circle.w5{fill:#0ea5e9}.note{color:#666;font-size:12px}footer{margin-top:32px;color:#666;font-size:12px}`;
