// Backtest results: the HTML report, one self-contained file (charting library and data inlined):
// summary, equity and drawdown, price with entry/exit markers per pair, and the trades table.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../core/types.js';
import type { BacktestResult } from './backtestResult.js';
import { aggregateCandles } from './candleBuckets.js';

/** Most points per chart: more add file size without adding detail a screen can show. */
const MAX_POINTS = 4_000;
const BAR_INTERVALS_MS = [5, 15, 60, 240, 1_440].map((m) => m * 60_000);

let chartsScript: string | undefined;

/** The standalone production build of lightweight-charts, read once from node_modules. */
function lightweightChartsSource(): string {
  if (chartsScript === undefined) {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('lightweight-charts/package.json'));
    chartsScript = readFileSync(join(pkgDir, 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
  }
  return chartsScript;
}

/** Data the page script draws, embedded as JSON. Times are unix seconds (the library's unit). */
interface ReportData {
  title: string;
  summary: BacktestResult['summary'];
  equity: [number, number][];
  /** The pairs held in equal parts from the first replayed close, on the same scale as equity. */
  buyAndHold: [number, number][];
  drawdown: [number, number][];
  pairs: {
    pair: Pair;
    barMinutes: number;
    bars: [number, number, number, number, number][];
    /** One marker per bar and side; `count` trades fell in it. */
    markers: { time: number; side: 'buy' | 'sell'; text: string; count: number; win?: boolean }[];
  }[];
  trades: BacktestResult['trades'];
}

/**
 * Renders the report. `candles` are the replayed candles per pair (for the price charts); long
 * series are shown at a coarser bar size so the file stays small.
 */
export function renderHtmlReport(result: BacktestResult, candles: Record<Pair, readonly Candle[]>, label = 'kbot backtest'): string {
  const title = reportTitle(result, label);
  const data: ReportData = {
    title,
    summary: result.summary,
    ...equityAndDrawdown(result),
    buyAndHold: buyAndHoldCurve(result, candles),
    pairs: Object.keys(result.summary.pairs).map((pair) => pairChart(pair, candles[pair] ?? [], result)),
    trades: result.trades,
  };
  // JSON inside <script>: escape `<` so no string in the data can close the tag.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const library = lightweightChartsSource().replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<section id="summary"></section>
<h2>Equity <span class="legend"><i class="sw eq"></i>strategy <i class="sw bh"></i>buy and hold (pairs in equal parts)</span></h2>
<div class="chart" id="equity"></div>
<h2>Drawdown</h2>
<div class="chart small" id="drawdown"></div>
<div id="pairs"></div>
<h2>Trades</h2>
<div id="trades"></div>
<details><summary>Configuration (config <span id="config-hash"></span>)</summary><pre id="config"></pre></details>
<footer>Fill assumptions: <span id="assumptions"></span></footer>
<script>${library}</script>
<script id="report-data" type="application/json">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

function equityAndDrawdown(result: BacktestResult): Pick<ReportData, 'equity' | 'drawdown'> {
  const { closeTimeMs, equityQuote, length } = result.equity;
  const stride = Math.max(1, Math.ceil(length / MAX_POINTS));
  const equity: [number, number][] = [];
  const drawdown: [number, number][] = [];
  let peak = result.summary.startEquityQuote;
  let worst = 0;
  for (let k = 0; k < length; k++) {
    const e = equityQuote[k]!;
    if (e > peak) peak = e;
    const dd = peak > 0 ? e / peak - 1 : 0;
    if (dd < worst) worst = dd;
    // Each point stands for `stride` steps: the last equity, and the deepest drawdown among them.
    if ((k + 1) % stride === 0 || k === length - 1) {
      const t = Math.floor(closeTimeMs[k]! / 1000);
      equity.push([t, round(e, 8)]);
      drawdown.push([t, round(worst * 100, 4)]);
      worst = 0;
    }
  }
  return { equity, drawdown };
}

/** The report's title: the strategies, the pairs, the range and the configuration's hash. */
export function reportTitle(result: BacktestResult, label = 'kbot backtest'): string {
  const s = result.summary;
  const range = s.fromIso && s.toIso ? `${s.fromIso.slice(0, 10)} to ${s.toIso.slice(0, 10)}` : 'no data';
  return `${label}: ${s.strategies.join(' + ')} on ${Object.keys(s.pairs).join(', ')}, ${range} (config ${s.configHash})`;
}

/**
 * Writes a report atomically: to a temporary file beside it, then renamed over the target, so a
 * failure half-way never leaves a truncated report (and never loses the summary, printed before).
 */
export function writeReportFile(path: string, html: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
}

/** Equity of holding every pair in equal parts from the first replayed close, sampled like the equity curve. */
function buyAndHoldCurve(result: BacktestResult, candles: Record<Pair, readonly Candle[]>): [number, number][] {
  const { closeTimeMs, length } = result.equity;
  const start = result.summary.startEquityQuote;
  const series = Object.keys(result.summary.pairs)
    .map((pair) => ({ candles: candles[pair] ?? [], first: result.summary.performance.buyAndHold[pair]?.firstClose ?? 0, k: 0 }))
    .filter((x) => x.first > 0 && x.candles.length > 0);
  if (series.length === 0 || length === 0) return [];
  const stride = Math.max(1, Math.ceil(length / MAX_POINTS));
  const out: [number, number][] = [];
  for (let i = 0; i < length; i++) {
    if (!((i + 1) % stride === 0 || i === length - 1)) continue;
    const t = closeTimeMs[i]!;
    let sum = 0;
    for (const x of series) {
      // The last candle closed by t.
      while (x.k + 1 < x.candles.length && x.candles[x.k + 1]!.openTimeMs + FIVE_MINUTES_MS <= t) x.k++;
      sum += x.candles[x.k]!.close / x.first;
    }
    out.push([Math.floor(t / 1000), round((start * sum) / series.length, 8)]);
  }
  return out;
}

function pairChart(pair: Pair, candles: readonly Candle[], result: BacktestResult): ReportData['pairs'][number] {
  const barMs = BAR_INTERVALS_MS.find((ms) => candles.length / (ms / FIVE_MINUTES_MS) <= MAX_POINTS) ?? BAR_INTERVALS_MS[BAR_INTERVALS_MS.length - 1]!;
  const bars = barMs === FIVE_MINUTES_MS ? candles : aggregateCandles(candles, barMs);
  const barTime = (ms: number) => Math.floor(Math.floor(ms / barMs) * barMs / 1000);
  // One marker per bar and side, so trades close together do not print over each other.
  const byBar = new Map<string, ReportData['pairs'][number]['markers'][number]>();
  const add = (time: number, side: 'buy' | 'sell', text: string, win?: boolean) => {
    const key = `${time}${side}`;
    const m = byBar.get(key);
    if (!m) return void byBar.set(key, { time, side, text, count: 1, ...(win !== undefined ? { win } : {}) });
    m.count++;
    if (!m.text.split(', ').includes(text)) m.text = `${m.text}, ${text}`;
    if (win !== undefined) m.win = (m.win ?? true) && win;
  };
  for (const t of result.trades) {
    if (t.pair !== pair) continue;
    // Fills happen at a candle close (entries at the next open, the same instant): mark the bar they fall in.
    add(barTime(t.entryTimeMs), 'buy', 'buy');
    add(barTime(t.exitTimeMs - 1), 'sell', t.exitReason, t.netPnlQuote > 0);
  }
  const markers = [...byBar.values()].sort((a, b) => a.time - b.time);
  return {
    pair,
    barMinutes: barMs / 60_000,
    bars: bars.map((c) => [Math.floor(c.openTimeMs / 1000), c.open, c.high, c.low, c.close]),
    markers,
  };
}

const round = (x: number, decimals: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2933;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:16px;margin:24px 0 8px}
.chart{width:100%;height:320px}.chart.small{height:180px}
table{border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums}
td,th{padding:3px 8px;border-bottom:1px solid #e4e7eb;text-align:right}th{background:#f5f7fa}
td:first-child,th:first-child{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #e4e7eb;border-radius:6px;padding:8px 12px;min-width:120px}
.card b{display:block;font-size:18px}.card span{font-size:11px;color:#616e7c}
.legend{font-size:11px;font-weight:normal;color:#616e7c;margin-left:12px}.sw{display:inline-block;width:14px;height:3px;margin:0 4px 3px 8px;vertical-align:middle}.sw.eq{background:#2962ff}.sw.bh{background:#9aa5b1}
label.toggle{font-size:11px;color:#616e7c;margin-left:12px}pre{font-size:11px;background:#f5f7fa;padding:8px;overflow:auto;max-height:400px}
.pos{color:#0b7a3e}.neg{color:#c81e1e}footer{margin-top:24px;font-size:11px;color:#616e7c}
#trades{max-height:480px;overflow:auto}`;

/** Runs in the page: reads the embedded JSON and draws with the inlined library. */
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var LC = window.LightweightCharts;
  var s = data.summary;
  var P = s.performance;
  function dur(m) { return m === null ? 'n/a' : m < 120 ? Math.round(m) + ' min' : m < 2880 ? (m / 60).toFixed(1) + ' h' : (m / 1440).toFixed(1) + ' d'; }
  function fmt(x, d) { return x === null || x === undefined ? 'n/a' : Number(x).toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }); }
  function pct(x) { return x === null || x === undefined ? 'n/a' : fmt(x * 100, 2) + '%'; }
  function cls(x) { return x > 0 ? 'pos' : x < 0 ? 'neg' : ''; }
  function el(tag, attrs, text) { var e = document.createElement(tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }

  var cards = el('div', { 'class': 'cards' });
  [
    ['Start equity', fmt(s.startEquityQuote, 2) + ' ' + s.quote, ''],
    ['End equity', fmt(s.endEquityQuote, 2) + ' ' + s.quote, cls(s.netPnlQuote)],
    ['Net P&L', fmt(s.netPnlQuote, 2) + ' (' + pct(s.returnFraction) + ')', cls(s.netPnlQuote)],
    ['Gross P&L', fmt(s.grossPnlQuote, 2), cls(s.grossPnlQuote)],
    ['Fees', fmt(s.feesQuote, 2), ''],
    ['Trades', String(s.trades), ''],
    ['Win rate', pct(s.winRate), ''],
    ['Max drawdown', pct(s.maxDrawdownFraction) + ' (' + fmt(s.maxDrawdownQuote, 2) + ')', 'neg'],
    ['Buy and hold', pct(P.marketChangeFraction), cls(P.marketChangeFraction)],
    ['Vs buy and hold', pct(P.excessReturnFraction), cls(P.excessReturnFraction)],
    ['CAGR', pct(P.cagr), cls(P.cagr)],
    ['Sharpe', s.sharpe === null ? 'n/a' : fmt(s.sharpe, 2), ''],
    ['Sortino', P.sortino === null ? 'n/a' : fmt(P.sortino, 2), ''],
    ['Calmar', P.calmar === null ? 'n/a' : fmt(P.calmar, 2), ''],
    ['Profit factor', P.profitFactor === null ? 'n/a' : fmt(P.profitFactor, 2), ''],
    ['Expectancy', P.expectancyQuote === null ? 'n/a' : fmt(P.expectancyQuote, 2) + ' (' + pct(P.expectancyFraction) + ')', cls(P.expectancyQuote)],
    ['Avg / median hold', P.averageDurationMinutes === null ? 'n/a' : dur(P.averageDurationMinutes) + ' / ' + dur(P.medianDurationMinutes), ''],
    ['Exposure', pct(s.exposureFraction), ''],
    ['Range', s.fromIso.slice(0, 16) + ' .. ' + s.toIso.slice(0, 16), ''],
    ['Candles', String(s.candlesProcessed), '']
  ].forEach(function (c) { var d = el('div', { 'class': 'card' }); d.appendChild(el('span', {}, c[0])); d.appendChild(el('b', { 'class': c[2] }, c[1])); cards.appendChild(d); });
  var summary = document.getElementById('summary');
  summary.appendChild(cards);
  var pt = el('table', {}); var head = el('tr', {});
  ['Pair', 'Candles', 'Gaps', 'Trades', 'Win rate', 'Gross', 'Fees', 'Net', 'Exposure'].forEach(function (h) { head.appendChild(el('th', {}, h)); });
  pt.appendChild(head);
  Object.keys(s.pairs).forEach(function (k) {
    var p = s.pairs[k]; var tr = el('tr', {});
    [p.pair, p.candles, p.gaps.gaps, p.trades, pct(p.winRate), fmt(p.grossPnlQuote, 2), fmt(p.feesQuote, 2), fmt(p.netPnlQuote, 2), pct(p.exposureFraction)]
      .forEach(function (v, i) { tr.appendChild(el('td', i === 7 ? { 'class': cls(p.netPnlQuote) } : {}, String(v))); });
    pt.appendChild(tr);
  });
  summary.appendChild(el('h2', {}, 'Per pair'));
  summary.appendChild(pt);
  function groups(title, rows) {
    var t = el('table', {}); var h = el('tr', {});
    [title, 'Trades', 'Win rate', 'Net P&L'].forEach(function (x) { h.appendChild(el('th', {}, x)); });
    t.appendChild(h);
    Object.keys(rows).sort().forEach(function (k) {
      var g = rows[k]; var tr = el('tr', {});
      [k, g.trades, pct(g.winRate), fmt(g.netPnlQuote, 2)].forEach(function (v, i) { tr.appendChild(el('td', i === 3 ? { 'class': cls(g.netPnlQuote) } : {}, String(v))); });
      t.appendChild(tr);
    });
    return t;
  }
  var bh = el('table', {}); var bhh = el('tr', {});
  ['Pair', 'First close', 'Last close', 'Buy and hold'].forEach(function (x) { bhh.appendChild(el('th', {}, x)); });
  bh.appendChild(bhh);
  Object.keys(P.buyAndHold).forEach(function (k) {
    var b = P.buyAndHold[k]; var tr = el('tr', {});
    [k, fmt(b.firstClose, 4), fmt(b.lastClose, 4), pct(b.returnFraction)].forEach(function (v, i) { tr.appendChild(el('td', i === 3 ? { 'class': cls(b.returnFraction) } : {}, String(v))); });
    bh.appendChild(tr);
  });
  summary.appendChild(el('h2', {}, 'Buy and hold'));
  summary.appendChild(bh);
  summary.appendChild(el('h2', {}, 'Per strategy'));
  summary.appendChild(groups('Strategy', P.byStrategy));
  summary.appendChild(el('h2', {}, 'Exits by reason'));
  summary.appendChild(groups('Exit reason', P.byExitReason));
  var refusals = {};
  Object.keys(s.refusals).forEach(function (k) { refusals[k] = { trades: s.refusals[k], winRate: null, netPnlQuote: 0 }; });
  if (Object.keys(refusals).length) {
    var rt = el('table', {}); var rh = el('tr', {}); ['Entry not taken', 'Times'].forEach(function (x) { rh.appendChild(el('th', {}, x)); }); rt.appendChild(rh);
    Object.keys(s.refusals).sort(function (a, b) { return s.refusals[b] - s.refusals[a]; }).forEach(function (k) { var tr = el('tr', {}); tr.appendChild(el('td', {}, k)); tr.appendChild(el('td', {}, String(s.refusals[k]))); rt.appendChild(tr); });
    summary.appendChild(el('h2', {}, 'Entries refused, by rule'));
    summary.appendChild(rt);
  }
  function tradeLine(t) { return t ? t.pair + ' ' + new Date(t.entryTimeMs).toISOString().slice(0, 16).replace('T', ' ') + ', ' + t.exitReason + ': ' + fmt(t.netPnlQuote, 2) + ' (' + pct(t.returnFraction) + ')' : 'n/a'; }
  summary.appendChild(el('p', {}, 'Best trade: ' + tradeLine(P.best) + '. Worst trade: ' + tradeLine(P.worst) + '.'));
  document.getElementById('config-hash').textContent = s.configHash;
  document.getElementById('config').textContent = JSON.stringify(s.config, null, 2);
  document.getElementById('assumptions').textContent = 'slippage ' + s.assumptions.slippageBps + ' bps; entries: ' + s.assumptions.entryFill +
    '; stops: ' + s.assumptions.stopFill + '; targets: ' + s.assumptions.targetFill + '; other exits: ' + s.assumptions.otherExitFill + '; ' + s.assumptions.endOfData +
    '. Sharpe: ' + s.sharpeMethod + '.';

  function chart(container, height) {
    return LC.createChart(container, { autoSize: true, height: height, layout: { background: { color: '#ffffff' }, textColor: '#1f2933' },
      grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } }, timeScale: { timeVisible: true, secondsVisible: false, minBarSpacing: 0.001 } });
  }
  var eq = chart(document.getElementById('equity'), 320);
  eq.addSeries(LC.AreaSeries, { lineColor: '#2962ff', topColor: 'rgba(41,98,255,0.35)', bottomColor: 'rgba(41,98,255,0.04)', lineWidth: 2 })
    .setData(data.equity.map(function (p) { return { time: p[0], value: p[1] }; }));
  if (data.buyAndHold.length) eq.addSeries(LC.LineSeries, { color: '#9aa5b1', lineWidth: 1 }).setData(data.buyAndHold.map(function (p) { return { time: p[0], value: p[1] }; }));
  eq.timeScale().fitContent();
  var dd = chart(document.getElementById('drawdown'), 180);
  dd.addSeries(LC.AreaSeries, { lineColor: '#c81e1e', topColor: 'rgba(200,30,30,0.05)', bottomColor: 'rgba(200,30,30,0.4)', lineWidth: 1, invertFilledArea: false })
    .setData(data.drawdown.map(function (p) { return { time: p[0], value: p[1] }; }));
  dd.timeScale().fitContent();

  var pairs = document.getElementById('pairs');
  data.pairs.forEach(function (p) {
    var h = el('h2', {}, p.pair + ' (' + p.barMinutes + '-minute bars)');
    var toggle = el('label', { 'class': 'toggle' }); var box = el('input', { type: 'checkbox' }); toggle.appendChild(box); toggle.appendChild(document.createTextNode(' labels'));
    h.appendChild(toggle);
    pairs.appendChild(h);
    var div = el('div', { 'class': 'chart', 'data-pair': p.pair });
    pairs.appendChild(div);
    var c = chart(div, 320);
    var series = c.addSeries(LC.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    series.setData(p.bars.map(function (b) { return { time: b[0], open: b[1], high: b[2], low: b[3], close: b[4] }; }));
    // Arrows only by default (blue buy, green or red sell); labels on demand, so they never pile up.
    function markersOf(labels) {
      return p.markers.map(function (m) {
        var text = labels ? (m.count > 1 ? m.count + '× ' : '') + m.text : (m.count > 1 ? String(m.count) : '');
        return m.side === 'buy'
          ? { time: m.time, position: 'belowBar', color: '#2962ff', shape: 'arrowUp', text: text }
          : { time: m.time, position: 'aboveBar', color: m.win ? '#0b7a3e' : '#c81e1e', shape: 'arrowDown', text: text };
      });
    }
    var markerSet = LC.createSeriesMarkers(series, markersOf(false));
    box.addEventListener('change', function () { markerSet.setMarkers(markersOf(box.checked)); });
    c.timeScale().fitContent();
  });

  var tt = el('table', {}); var th = el('tr', {});
  ['#', 'Pair', 'Entry', 'Entry price', 'Exit', 'Exit price', 'Amount', 'Reason', 'Fees', 'Net P&L', 'Return'].forEach(function (h) { th.appendChild(el('th', {}, h)); });
  tt.appendChild(th);
  data.trades.forEach(function (t, i) {
    var tr = el('tr', {});
    [i + 1, t.pair, new Date(t.entryTimeMs).toISOString().slice(0, 16).replace('T', ' '), fmt(t.entryPrice, 4),
      new Date(t.exitTimeMs).toISOString().slice(0, 16).replace('T', ' '), fmt(t.exitPrice, 4), fmt(t.amountBase, 8), t.exitReason,
      fmt(t.entryFeeQuote + t.exitFeeQuote, 4), fmt(t.netPnlQuote, 4), pct(t.returnFraction)]
      .forEach(function (v, k) { tr.appendChild(el('td', k >= 9 ? { 'class': cls(t.netPnlQuote) } : {}, String(v))); });
    tt.appendChild(tr);
  });
  document.getElementById('trades').appendChild(data.trades.length ? tt : el('p', {}, 'No trades.'));
  document.body.setAttribute('data-rendered', 'true');
})();
`;
