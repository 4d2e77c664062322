/* kbot dashboard: the page script (plain JavaScript, no build step). Hash routes, JSON from the
   dashboard's own API, charts with lightweight-charts. Every value from the API is escaped before
   it reaches the page; state-changing requests carry the session's CSRF token. */
/* global LightweightCharts, document, window, fetch, location, URLSearchParams, setTimeout, clearTimeout */
'use strict';
(function () {
  var PAGES = ['overview', 'positions', 'trades', 'decisions', 'analyzer', 'controls'];
  /** Pages that refresh themselves while open, and how often. */
  var POLL_MS = { overview: 10000, positions: 15000, decisions: 30000 };
  var state = { session: null, charts: [], timer: null, page: '', generation: 0 };
  var main = document.getElementById('main');

  function esc(value) {
    if (value === null || value === undefined) return '';
    return String(value).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function num(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '-';
    return Number(x).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function money(x, signed) {
    if (x === null || x === undefined || !isFinite(x)) return '-';
    return (signed && x >= 0 ? '+' : '') + num(x, 2);
  }
  function price(x) {
    if (x === null || x === undefined || !isFinite(x)) return '-';
    return Number(Number(x).toPrecision(8)).toString();
  }
  function pct(x) {
    return x === null || x === undefined || !isFinite(x) ? '-' : (x * 100).toFixed(1) + '%';
  }
  function pnlClass(x) {
    return x === null || x === undefined ? '' : x > 0 ? 'good' : x < 0 ? 'bad' : '';
  }
  function time(ms) {
    return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  }
  function isoTime(iso) {
    return iso ? iso.slice(0, 19).replace('T', ' ') : '-';
  }
  function values(obj) {
    if (!obj) return '';
    return Object.keys(obj)
      .map(function (k) {
        // A value the rule could not compute (or that does not apply) is null: shown as "-", not blank.
        return esc(k) + '=' + (obj[k] === null ? '-' : esc(obj[k]));
      })
      .join(', ');
  }
  function duration(minutes) {
    if (minutes === null || minutes === undefined) return '-';
    return minutes < 120 ? Math.round(minutes) + 'm' : (minutes / 60).toFixed(1) + 'h';
  }

  function api(path) {
    return fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body && body.error ? body.error : 'HTTP ' + r.status);
        return body;
      });
    });
  }
  function postControl(body) {
    return fetch('/api/controls', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Kbot-Csrf': state.session.csrfToken, Accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json();
    });
  }

  function clearCharts() {
    state.charts.forEach(function (c) {
      c.remove();
    });
    state.charts = [];
  }
  function chart(el, height) {
    var c = LightweightCharts.createChart(el, {
      autoSize: true,
      height: height || 320,
      layout: { background: { color: '#ffffff' }, textColor: '#1f2933' },
      grid: { vertLines: { color: '#eef1f4' }, horzLines: { color: '#eef1f4' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    state.charts.push(c);
    return c;
  }

  function parseHash() {
    var hash = location.hash.replace(/^#\/?/, '');
    var q = hash.indexOf('?');
    var page = (q >= 0 ? hash.slice(0, q) : hash) || 'overview';
    var params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
    return { page: PAGES.indexOf(page) >= 0 ? page : 'overview', params: params };
  }
  function setHash(page, params) {
    var query = params.toString();
    location.hash = '#/' + page + (query ? '?' + query : '');
  }

  function render() {
    var route = parseHash();
    var generation = ++state.generation;
    if (state.timer) clearTimeout(state.timer);
    document.body.setAttribute('data-loaded', 'false');
    document.body.removeAttribute('data-control');
    document.body.setAttribute('data-page', route.page);
    document.querySelectorAll('header nav a').forEach(function (a) {
      a.classList.toggle('active', a.getAttribute('data-page') === route.page);
    });
    var renderer = { overview: overview, positions: positions, trades: trades, decisions: decisions, analyzer: analyzer, controls: controls }[route.page];
    var samePage = state.page === route.page;
    state.page = route.page;
    renderer(route.params, samePage)
      .catch(function (err) {
        clearCharts();
        main.innerHTML = '<div class="error">' + esc(err.message) + '</div>';
      })
      .then(function () {
        if (generation !== state.generation) return;
        document.body.setAttribute('data-loaded', 'true');
        document.getElementById('status-line').textContent = 'updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
        var every = POLL_MS[route.page];
        if (every) {
          state.timer = setTimeout(function () {
            // Never re-render under someone typing in a filter.
            if (document.activeElement && /INPUT|SELECT/.test(document.activeElement.tagName)) state.timer = setTimeout(render, every);
            else if (generation === state.generation) render();
          }, every);
        }
      });
  }

  // ---- overview -------------------------------------------------------------------------
  function overview() {
    return api('/api/overview').then(function (d) {
      var s = d.status;
      var sched = d.schedule;
      var scheduleText = sched.error ? '<span class="badge warn">unknown</span> <span class="sub">' + esc(sched.error) + '</span>' : sched.running ? '<span class="badge on">running</span>' : '<span class="badge off">' + esc(sched.state === 'DISABLED' ? 'PAUSED' : sched.state) + '</span>';
      var halt = s.halt.halted ? '<span class="badge off">HALTED</span><div class="sub">' + esc(s.halt.haltExits ? 'entries and exits' : 'entries only') + (s.halt.reason ? ': ' + esc(s.halt.reason) : '') + '</div>' : '<span class="badge on">off</span>';
      var ks = s.killSwitch;
      var kill = ks.tripped ? '<span class="badge off">TRIPPED</span>' : '<span class="badge on">off</span>';
      var limits = s.limits;
      var lossUsed = ks.maxDailyLossQuote ? Math.max(0, -s.today.realizedPnlQuote) / ks.maxDailyLossQuote : null;
      var last = s.lastTick;
      var html =
        '<h1>Overview <span class="muted">' + esc(d.label) + '</span></h1>' +
        '<div class="cards">' +
        card('mode', '<span id="mode">' + esc(d.mode) + '</span>', d.kind === 'local' ? 'local paper bot' : 'deployed') +
        card('schedule', '<span id="schedule">' + scheduleText + '</span>', sched.name ? esc(sched.name) : '') +
        card('halt flag', '<span id="halt">' + halt + '</span>', '') +
        card('kill switch', '<span id="kill-switch">' + kill + '</span>', ks.maxDailyLossQuote ? 'trips at a loss of ' + money(ks.maxDailyLossQuote) + (lossUsed !== null ? ' (' + pct(lossUsed) + ' used)' : '') : 'loss limit unknown') +
        card("today's P&L", '<span id="today-pnl" class="' + pnlClass(s.today.realizedPnlQuote) + '">' + money(s.today.realizedPnlQuote, true) + '</span>', s.today.exits + ' exits, ' + s.tradesToday.length + ' fills') +
        card('entries today', '<span id="entries">' + s.today.trades + (limits ? ' / ' + limits.maxTradesPerDay : '') + '</span>', limits ? 'at most ' + limits.maxTradesPerPairPerDay + ' per pair' : 'limits unknown') +
        card('open positions', String(s.positions.length), s.positions.map(function (p) { return esc(p.pair); }).join(', ')) +
        card('last tick', last ? isoTime(last.candleCloseIso) : 'none yet', last ? Math.round(last.ageSeconds / 60) + ' min ago' : '') +
        holdingsCard(d.holdings) +
        '</div>' +
        holdingsTable(d.holdings) +
        '<h2>Alarms</h2><div id="alarms">' + alarmsHtml(d.alarms) + '</div>' +
        '<h2>Equity <span class="muted">(end of each tick, from the decision journal)</span></h2>' +
        (d.equity.length ? '<div class="chart" id="equity-chart"></div>' : '<p class="muted">No journaled ticks yet.</p>') +
        '<h2>Today\'s trades</h2>' + tradesTable(s.tradesToday, false);
      clearCharts();
      main.innerHTML = html;
      if (d.equity.length) {
        var c = chart(document.getElementById('equity-chart'));
        c.addSeries(LightweightCharts.AreaSeries, { lineColor: '#2962ff', topColor: 'rgba(41,98,255,0.3)', bottomColor: 'rgba(41,98,255,0.03)', lineWidth: 2 }).setData(
          d.equity.map(function (p) {
            return { time: p[0], value: p[1] };
          }),
        );
        c.timeScale().fitContent();
      }
    });
  }
  function card(label, value, sub) {
    return '<div class="card"><div class="label">' + esc(label) + '</div><div class="value">' + value + '</div><div class="sub">' + (sub || '') + '</div></div>';
  }
  function signedAmount(x) {
    return x === null || x === undefined ? '?' : (x > 0 ? '+' : '') + price(x);
  }
  /** The last tick's holdings check: Kraken's balances against the bot's positions. */
  function holdingsCard(h) {
    if (!h.candleCloseIso) return card('holdings', '<span id="holdings">-</span>', 'no tick yet');
    if (h.mismatches.length) {
      return card('holdings', '<span id="holdings"><span class="badge off">MISMATCH</span></span>', h.mismatches.map(function (m) { return esc(m.asset) + ' ' + esc(signedAmount(m.diffBase)); }).join(', ') + ': entries locked, see kbot reconcile');
    }
    var skipped = h.others.filter(function (o) { return o.status === 'skipped'; }).length;
    return card('holdings', '<span id="holdings"><span class="badge on">agree</span></span>', h.agreed === null ? 'with the positions' : h.agreed + ' asset(s) agree' + (skipped ? ', ' + skipped + ' not compared' : ''));
  }
  function holdingsTable(h) {
    if (!h.others.length && !h.mismatches.length) return '';
    var rows = h.others.length ? h.others : h.mismatches.map(function (m) { return { asset: m.asset, status: 'mismatch', diffBase: m.diffBase }; });
    return '<h2>Holdings check <span class="muted">(tick ' + esc(isoTime(h.candleCloseIso)) + ')</span></h2><table id="holdings-table"><tr><th>asset</th><th>status</th><th class="num">bot</th><th class="num">Kraken</th><th class="num">difference</th><th>detail</th></tr>' +
      rows.map(function (o) {
        return '<tr class="holding"><td>' + esc(o.asset) + '</td><td class="' + (o.status === 'mismatch' ? 'bad' : 'warn') + '">' + esc(o.status) + '</td><td class="num">' + price(o.botBase) + '</td><td class="num">' + price(o.krakenBase) + '</td><td class="num">' + esc(o.diffBase === undefined ? '-' : signedAmount(o.diffBase)) + '</td><td>' + esc(o.detail || '') + '</td></tr>';
      }).join('') + '</table>';
  }
  function alarmsHtml(alarms) {
    if (alarms === null) return '<p class="muted">The local bot has no CloudWatch alarms.</p>';
    if (!alarms.length) return '<p class="good">No alarm is in ALARM.</p>';
    return '<table><tr><th>alarm</th><th>since</th><th>reason</th></tr>' + alarms.map(function (a) {
      return '<tr class="alarm"><td class="bad">' + esc(a.name) + '</td><td>' + esc(isoTime(a.sinceIso)) + '</td><td>' + esc(a.reason) + '</td></tr>';
    }).join('') + '</table>';
  }

  // ---- positions ------------------------------------------------------------------------
  function positions() {
    return api('/api/positions').then(function (d) {
      clearCharts();
      if (!d.positions.length) {
        main.innerHTML = '<h1>Positions</h1><p class="muted" id="no-positions">No open ' + esc(d.mode) + ' position.</p>';
        return;
      }
      main.innerHTML = '<h1>Positions</h1>' + d.positions.map(function (v, k) {
        var p = v.position;
        return '<section class="position" data-pair="' + esc(p.pair) + '"><h2>' + esc(p.pair) + ' <span class="muted">' + esc(p.strategy) + (p.entryFeatures && p.entryFeatures.regime ? ', entered in ' + esc(p.entryFeatures.regime) : '') + '</span></h2>' +
          '<div class="cards">' +
          card('amount', price(p.amountBase), 'cost ' + money(p.costQuote) + ', fee ' + money(p.entryFeeQuote)) +
          card('entry', price(p.entryPrice), time(p.entryTimeMs)) +
          card('price now', price(v.price), 'last closed 5m candle') +
          card('unrealized P&L', '<span class="' + pnlClass(v.unrealizedPnlQuote) + '">' + money(v.unrealizedPnlQuote, true) + '</span>', pct(v.unrealizedFraction) + ' after the entry fee') +
          card('stop', price(p.stopPrice), p.stopPrice ? pct(p.stopPrice / p.entryPrice - 1) + ' from entry' : 'none') +
          card('target', price(p.takeProfitPrice), p.takeProfitPrice ? pct(p.takeProfitPrice / p.entryPrice - 1) + ' from entry' : 'none') +
          card('trailing', v.trailing ? price(v.trailing.level) : '-', v.trailing ? (v.trailing.armed ? 'armed, ' + pct(p.trailing.distanceFraction) + ' below ' + price(p.trailing.highestPrice) : 'arms at this price') : 'none') +
          card('time limit', p.maxHoldUntilMs ? time(p.maxHoldUntilMs) : '-', '') +
          '</div><div class="chart small position-chart" id="position-chart-' + k + '"></div></section>';
      }).join('');
      return Promise.all(d.positions.map(function (v, k) {
        return api('/api/candles?pair=' + encodeURIComponent(v.position.pair)).then(function (cd) {
          drawPosition(document.getElementById('position-chart-' + k), v, cd.candles);
        }, function (err) {
          document.getElementById('position-chart-' + k).innerHTML = '<div class="error">price chart: ' + esc(err.message) + '</div>';
        });
      }));
    });
  }
  function drawPosition(el, v, candles) {
    var p = v.position;
    var c = chart(el, 260);
    var series = c.addSeries(LightweightCharts.CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    series.setData(candles.slice(-288).map(function (b) {
      return { time: b[0], open: b[1], high: b[2], low: b[3], close: b[4] };
    }));
    var line = function (value, color, title, style) {
      if (value === undefined || value === null) return;
      series.createPriceLine({ price: value, color: color, lineWidth: 2, lineStyle: style, axisLabelVisible: true, title: title });
    };
    // Keep every level on screen, not just the candles.
    var levels = [p.entryPrice, p.stopPrice, p.takeProfitPrice, v.trailing ? v.trailing.level : undefined].filter(function (x) { return typeof x === 'number' && isFinite(x); });
    series.applyOptions({
      autoscaleInfoProvider: function (original) {
        var res = original();
        if (!res || !res.priceRange) return res;
        return { priceRange: { minValue: Math.min.apply(null, [res.priceRange.minValue].concat(levels)), maxValue: Math.max.apply(null, [res.priceRange.maxValue].concat(levels)) }, margins: res.margins };
      },
    });
    line(p.entryPrice, '#2962ff', 'entry', 0);
    line(p.stopPrice, '#c81e1e', 'stop', 2);
    line(p.takeProfitPrice, '#0e7c66', 'target', 2);
    if (v.trailing) line(v.trailing.level, '#b45309', v.trailing.armed ? 'trailing' : 'trail arms', 1);
    c.timeScale().fitContent();
  }

  // ---- trades ---------------------------------------------------------------------------
  function filterForm(id, fields) {
    return '<form class="filters" id="' + id + '">' + fields.map(function (f) {
      if (f.options) {
        return '<label>' + esc(f.label) + '<select name="' + f.name + '">' + f.options.map(function (o) {
          return '<option value="' + esc(o) + '"' + (o === f.value ? ' selected' : '') + '>' + esc(o || 'all') + '</option>';
        }).join('') + '</select></label>';
      }
      return '<label>' + esc(f.label) + '<input name="' + f.name + '" type="' + (f.type || 'text') + '" value="' + esc(f.value || '') + '" placeholder="' + esc(f.placeholder || '') + '"></label>';
    }).join('') + '<button class="primary" type="submit">Apply</button></form>';
  }
  function bindFilters(id, page) {
    document.getElementById(id).addEventListener('submit', function (e) {
      e.preventDefault();
      var params = new URLSearchParams();
      new window.FormData(e.target).forEach(function (value, key) {
        if (value) params.set(key, String(value));
      });
      setHash(page, params);
    });
  }
  function decisionLink(t) {
    if (!t.candleCloseIso) return '';
    if (/^cmd:/.test(t.candleCloseIso) || ['flatten', 'force-exit', 'force-entry', 'adopt', 'release', 'dust', 'fee-in-base'].indexOf(t.reason) >= 0) {
      return '<a class="decision-link" href="#/decisions?pair=' + encodeURIComponent(t.pair) + '&at=' + encodeURIComponent(t.candleCloseIso) + '">tick ' + esc(isoTime(t.candleCloseIso).slice(11, 16)) + '</a> <span class="muted">(' + esc(t.reason) + ')</span>';
    }
    return '<a class="decision-link" href="#/decisions?pair=' + encodeURIComponent(t.pair) + '&at=' + encodeURIComponent(t.candleCloseIso) + '">decision ' + esc(isoTime(t.candleCloseIso).slice(5, 16)) + '</a>';
  }
  function tradesTable(rows, withLinks) {
    if (!rows.length) return '<p class="muted">No trades.</p>';
    return '<table id="trades-table"><tr><th>time (UTC)</th><th>pair</th><th>side</th><th>reason</th><th class="num">amount</th><th class="num">price</th><th class="num">cost</th><th class="num">fee</th><th class="num">P&amp;L</th><th>strategy</th><th>regime</th>' + (withLinks ? '<th>decided by</th><th>client order id</th>' : '') + '</tr>' +
      rows.map(function (t) {
        var f = t.entryFeatures || {};
        return '<tr class="trade"><td>' + esc(time(t.timestampMs)) + '</td><td>' + esc(t.pair) + '</td><td>' + esc(t.side) + '</td><td>' + esc(t.reason) + '</td><td class="num">' + price(t.amountBase) + '</td><td class="num">' + price(t.price) + '</td><td class="num">' + money(t.costQuote) + '</td><td class="num">' + num(t.feeQuote, 4) + '</td><td class="num ' + pnlClass(t.realizedPnlQuote) + '">' + (t.realizedPnlQuote === undefined ? '' : money(t.realizedPnlQuote, true)) + '</td><td>' + esc(f.strategy || '') + '</td><td>' + esc(f.regime || '') + '</td>' +
          (withLinks ? '<td>' + decisionLink(t) + '</td><td class="mono">' + esc(t.clientOrderId) + '</td>' : '') + '</tr>';
      }).join('') + '</table>';
  }
  function trades(params) {
    var query = new URLSearchParams();
    ['from', 'to', 'pair', 'side', 'reason'].forEach(function (k) {
      if (params.get(k)) query.set(k, params.get(k));
    });
    return api('/api/trades?' + query.toString()).then(function (d) {
      var pairs = [''].concat(Array.from(new Set(d.trades.map(function (t) { return t.pair; }))).sort());
      if (params.get('pair') && pairs.indexOf(params.get('pair')) < 0) pairs.push(params.get('pair'));
      clearCharts();
      main.innerHTML = '<h1>Trades <span class="muted">' + esc(d.mode) + ' ledger</span></h1>' +
        filterForm('trade-filters', [
          { name: 'pair', label: 'pair', value: params.get('pair') || '', options: pairs },
          { name: 'side', label: 'side', value: params.get('side') || '', options: ['', 'buy', 'sell'] },
          { name: 'reason', label: 'reason', value: params.get('reason') || '', placeholder: 'stop-loss' },
          { name: 'from', label: 'from (ISO)', value: params.get('from') || '', placeholder: '2026-03-01' },
          { name: 'to', label: 'to (ISO)', value: params.get('to') || '', placeholder: 'now' },
        ]) +
        '<p><a id="csv-link" href="/api/trades.csv?' + esc(query.toString()) + '" download>Export CSV</a> · <span id="trade-count">' + d.trades.length + '</span> rows, fees ' + money(d.totals.feesQuote) + ', realized P&amp;L <span class="' + pnlClass(d.totals.realizedPnlQuote) + '">' + money(d.totals.realizedPnlQuote, true) + '</span></p>' +
        tradesTable(d.trades.slice().reverse(), true);
      bindFilters('trade-filters', 'trades');
    });
  }

  // ---- decisions ------------------------------------------------------------------------
  function verdict(p) {
    var e = p.entry;
    var x = p.exit;
    if (x) {
      if (x.decision === 'sell') return ['<b class="bad">sell</b>', esc(x.reason) + ' at ' + price(x.triggerPrice) + ' (' + esc(x.priceSource) + ')', values(x.values)];
      if (x.decision === 'hold') return ['hold', x.blocked ? '<span class="bad">blocked: ' + esc(x.blocked) + '</span>' : 'no exit fired', values(x.values)];
      if (x.decision === 'skipped') return ['exit skipped', esc(x.reason), ''];
      return ['dust', 'closed below the minimum', 'amount=' + price(x.amountBase) + ', pnl=' + money(x.realizedPnlQuote, true)];
    }
    if (e && e.decision === 'buy') return ['<b class="good">buy</b>', esc(e.strategy) + ' for ' + money(e.costQuote) + ' at ' + price(e.referencePrice) + ' (confidence ' + num(e.confidence, 2) + ', edge ' + pct(e.expectedEdge) + ')', values(e.signal) + (Object.keys(e.sizing).length ? '; sizing: ' + values(e.sizing) : '')];
    if (e) return ['no entry', '<b>' + esc(e.stage) + ': ' + esc(e.rule) + '</b> ' + esc(e.reason) + (e.strategy ? ' <span class="muted">(' + esc(e.strategy) + ')</span>' : ''), values(e.values)];
    return ['-', p.data.ok ? '' : 'no decision: market data', ''];
  }
  function decisions(params) {
    var query = new URLSearchParams();
    var at = params.get('at');
    if (at && !params.get('from')) {
      var t = Date.parse(at);
      query.set('from', new Date(t - 3600000).toISOString());
      query.set('to', new Date(t + 3600000).toISOString());
    }
    ['from', 'to', 'pair', 'q'].forEach(function (k) {
      if (params.get(k)) query.set(k, params.get(k));
    });
    return api('/api/decisions?' + query.toString()).then(function (d) {
      var pairs = [''].concat(d.pairs);
      clearCharts();
      main.innerHTML = '<h1>Decisions <span class="muted">' + esc(d.mode) + ' journal, newest first</span></h1>' +
        filterForm('decision-filters', [
          { name: 'pair', label: 'pair', value: params.get('pair') || '', options: pairs },
          { name: 'q', label: 'search (rule, reason, status)', value: params.get('q') || '', placeholder: 'regime.unclear' },
          { name: 'from', label: 'from (ISO)', value: params.get('from') || '', placeholder: 'a day ago' },
          { name: 'to', label: 'to (ISO)', value: params.get('to') || '', placeholder: 'now' },
        ]) +
        (d.ticks.length ? d.ticks.map(function (t) {
          var head = '<div class="head"><b>' + esc(isoTime(t.candleCloseIso)) + '</b><span>equity ' + money(t.equityQuote) + '</span><span class="muted">' + t.durationMs + ' ms</span>' +
            (t.halt.entries || t.halt.exits ? '<span class="bad">halted: ' + esc(t.halt.reasons.join('; ')) + '</span>' : '') +
            t.locks.map(function (l) { return '<span class="warn">lock ' + esc(l.pair) + ': ' + esc(l.reason) + '</span>'; }).join('') +
            t.errors.map(function (e) { return '<span class="bad">' + esc(e) + '</span>'; }).join('') +
            t.reconciled.map(function (r) { return '<span>reconciled ' + esc(r.side) + ' ' + esc(r.pair) + ': ' + esc(r.result) + '</span>'; }).join('') +
            (t.holdings.agreed ? '<span class="muted">holdings: ' + t.holdings.agreed + ' agree</span>' : '') +
            t.holdings.others.map(function (o) { return '<span class="' + (o.status === 'mismatch' ? 'bad' : 'warn') + '">holdings ' + esc(o.asset) + ': ' + esc(o.status) + (o.diffBase !== undefined ? ' ' + esc(signedAmount(o.diffBase)) : '') + (o.detail ? ' (' + esc(o.detail) + ')' : '') + '</span>'; }).join('') + '</div>';
          var rows = t.pairs.map(function (p) {
            var v = verdict(p);
            var hl = at && at === t.candleCloseIso && (!params.get('pair') || params.get('pair') === p.pair);
            return '<tr class="decision' + (hl ? ' highlight' : '') + '" data-pair="' + esc(p.pair) + '" data-candle="' + esc(t.candleCloseIso) + '"><td>' + esc(p.pair) + '</td><td class="num">' + price(p.price) + '</td><td>' + (p.data.ok ? 'ok' : '<span class="warn">' + esc(p.data.reason) + '</span> <span class="values">' + esc(p.data.detail) + '</span>') + '</td><td>' + v[0] + '</td><td>' + v[1] + '<div class="values">' + v[2] + '</div></td><td>' +
              p.orders.map(function (o) { return esc(o.side) + ' ' + esc(o.reason) + ' <b>' + esc(o.status) + '</b>' + (o.price ? ' @ ' + price(o.price) : '') + (o.error ? ' <span class="bad">' + esc(o.error) + '</span>' : '') + '<div class="mono">' + esc(o.clientOrderId) + '</div>'; }).join('') + '</td></tr>';
          }).join('');
          return '<div class="tick">' + head + (rows ? '<table><tr><th>pair</th><th class="num">price</th><th>data</th><th>verdict</th><th>rule and values</th><th>orders</th></tr>' + rows + '</table>' : '') + '</div>';
        }).join('') : '<p class="muted" id="no-decisions">No journaled tick in this range.</p>');
      bindFilters('decision-filters', 'decisions');
      var hl = document.querySelector('tr.highlight');
      if (hl) hl.scrollIntoView({ block: 'center' });
    });
  }

  // ---- analyzer -------------------------------------------------------------------------
  function statsTable(title, group) {
    var keys = Object.keys(group);
    if (!keys.length) return '';
    return '<h2>By ' + esc(title) + '</h2><table class="stats"><tr><th>' + esc(title) + '</th><th class="num">trades</th><th class="num">win rate</th><th class="num">net P&amp;L</th><th class="num">expectancy</th><th class="num">profit factor</th><th class="num">avg win</th><th class="num">avg loss</th><th class="num">avg duration</th></tr>' +
      keys.map(function (k) {
        var s = group[k];
        return '<tr><td>' + esc(k) + '</td><td class="num">' + s.trades + '</td><td class="num">' + pct(s.winRate) + '</td><td class="num ' + pnlClass(s.netPnlQuote) + '">' + money(s.netPnlQuote, true) + '</td><td class="num">' + money(s.expectancyQuote, true) + '</td><td class="num">' + num(s.profitFactor, 2) + '</td><td class="num">' + money(s.averageWinQuote, true) + '</td><td class="num">' + money(s.averageLossQuote, true) + '</td><td class="num">' + duration(s.averageDurationMinutes) + '</td></tr>';
      }).join('') + '</table>';
  }
  function analyzer(params) {
    var query = new URLSearchParams();
    ['from', 'to'].forEach(function (k) {
      if (params.get(k)) query.set(k, params.get(k));
    });
    return api('/api/analyzer?' + query.toString()).then(function (a) {
      var o = a.overall;
      clearCharts();
      main.innerHTML = '<h1>Analyzer <span class="muted">' + esc(a.source) + '</span></h1>' +
        filterForm('analyzer-filters', [
          { name: 'from', label: 'closed from (ISO)', value: params.get('from') || '', placeholder: 'a year ago' },
          { name: 'to', label: 'to (ISO)', value: params.get('to') || '', placeholder: 'now' },
        ]) +
        '<div class="cards">' +
        card('closed trades', '<span id="analyzer-trades">' + o.trades + '</span>', a.fromIso ? esc(isoTime(a.fromIso)) + ' to ' + esc(isoTime(a.toIso)) : '') +
        card('win rate', pct(o.winRate), o.wins + ' won, ' + o.losses + ' lost') +
        card('net P&L', '<span class="' + pnlClass(o.netPnlQuote) + '">' + money(o.netPnlQuote, true) + '</span>', '') +
        card('expectancy', money(o.expectancyQuote, true), pct(o.expectancyFraction) + ' per trade') +
        card('profit factor', num(o.profitFactor, 2), '') +
        card('average win / loss', money(o.averageWinQuote, true) + ' / ' + money(o.averageLossQuote, true), '') +
        card('average duration', duration(o.averageDurationMinutes), '') +
        '</div>' +
        (o.trades ? '<div class="grid2"><div>' + statsTable('strategy', a.byStrategy) + statsTable('regime at entry', a.byRegime) + statsTable('exit reason', a.byExitReason) + '</div><div>' + statsTable('pair', a.byPair) + statsTable('weekday (UTC)', a.byWeekdayUtc) + statsTable('hour (UTC)', a.byHourUtc) + '</div></div>' : '<p class="muted">No closed trade yet.</p>');
      bindFilters('analyzer-filters', 'analyzer');
    });
  }

  // ---- controls -------------------------------------------------------------------------
  function confirmDialog(title, text) {
    var dialog = document.getElementById('confirm');
    document.getElementById('confirm-title').textContent = title;
    document.getElementById('confirm-text').textContent = text;
    return new Promise(function (resolve) {
      dialog.addEventListener('close', function onClose() {
        dialog.removeEventListener('close', onClose);
        resolve(dialog.returnValue === 'ok');
      });
      dialog.returnValue = '';
      dialog.showModal();
    });
  }
  function controls() {
    return Promise.all([api('/api/overview'), api('/api/positions')]).then(function (r) {
      var d = r[0];
      var pos = r[1].positions;
      var m = esc(d.mode.toUpperCase());
      var where = d.kind === 'local' ? 'the local paper bot' : esc(d.label);
      var sched = d.schedule;
      clearCharts();
      main.innerHTML = '<h1>Controls <span class="muted">' + where + ', ' + m + '</span></h1>' +
        '<p class="muted">Each control asks first, then runs exactly what the kbot command runs' + (d.kind === 'local' ? ' (the local handler and the same command events)' : ' (the same AWS calls, through your credentials)') + '.</p>' +
        '<div class="controls">' +
        '<div class="card"><div class="label">schedule</div><p>Pausing stops all ticks: open positions are NOT watched for stop-loss or take-profit until you resume. Now: <b id="control-schedule">' + esc(sched.error ? 'unknown' : sched.running ? 'running' : 'paused') + '</b></p><div class="row"><button id="btn-pause">Pause</button><button id="btn-resume">Resume</button></div></div>' +
        '<div class="card"><div class="label">halt flag</div><p>A halt stops new entries; exits keep running unless you also halt exits. Now: <b id="control-halt">' + (d.status.halt.halted ? 'halted' : 'off') + '</b></p><div class="row"><input id="halt-reason" placeholder="reason" maxlength="200"><label><input type="checkbox" id="halt-exits"> exits too</label></div><div class="row"><button id="btn-halt">Halt</button><button id="btn-unhalt">Unhalt</button></div></div>' +
        '<div class="card"><div class="label">flatten</div><p>Sell every open position at market now and halt entries (' + pos.length + ' open).</p><div class="row"><button id="btn-flatten" class="danger">Flatten</button></div></div>' +
        '<div class="card"><div class="label">force-exit</div><p>Sell one position at market now.</p><div class="row"><select id="force-exit-pair">' + pos.map(function (v) { return '<option>' + esc(v.position.pair) + '</option>'; }).join('') + '</select><button id="btn-force-exit" class="danger"' + (pos.length ? '' : ' disabled') + '>Force-exit</button></div></div>' +
        '</div><h2>Output</h2><pre class="output" id="control-output"></pre>';
      var out = document.getElementById('control-output');
      var act = function (body, title, text) {
        return confirmDialog(title, text).then(function (ok) {
          if (!ok) {
            out.textContent = 'cancelled: nothing was sent';
            return;
          }
          out.textContent = 'running ' + body.action + ' ...';
          document.body.setAttribute('data-control', 'running');
          return postControl(body).then(function (res) {
            out.textContent = (res.ok ? 'done' : 'FAILED') + '\n' + (res.lines || [res.error || '']).join('\n');
            out.className = 'output ' + (res.ok ? 'ok' : 'failed');
            document.body.setAttribute('data-control', res.ok ? 'ok' : 'failed');
          });
        });
      };
      document.getElementById('btn-pause').onclick = function () { act({ action: 'pause' }, 'Pause the schedule?', 'No tick will run for ' + d.mode + ' until you resume: open positions are not watched by their stop-loss or take-profit.'); };
      document.getElementById('btn-resume').onclick = function () { act({ action: 'resume' }, 'Resume the schedule?', 'Ticks run every 5 minutes again.'); };
      document.getElementById('btn-halt').onclick = function () {
        var exits = document.getElementById('halt-exits').checked;
        act({ action: 'halt', reason: document.getElementById('halt-reason').value || undefined, exits: exits }, 'Halt ' + d.mode + '?', exits ? 'No new entries AND no exits: open positions lose their stop-loss until you unhalt.' : 'No new entries; exits keep running.');
      };
      document.getElementById('btn-unhalt').onclick = function () { act({ action: 'unhalt' }, 'Unhalt ' + d.mode + '?', 'Entries are allowed again from the next tick.'); };
      document.getElementById('btn-flatten').onclick = function () { act({ action: 'flatten' }, 'Flatten ' + d.mode + '?', 'Sell every open ' + d.mode.toUpperCase() + ' position at market now and halt entries.'); };
      document.getElementById('btn-force-exit').onclick = function () {
        var pair = document.getElementById('force-exit-pair').value;
        act({ action: 'force-exit', pair: pair }, 'Force-exit ' + pair + '?', 'Sell the whole ' + d.mode.toUpperCase() + ' ' + pair + ' position at market now.');
      };
    });
  }

  api('/api/session')
    .then(function (s) {
      state.session = s;
      document.getElementById('who').textContent = s.label + ' · ' + s.mode;
      window.addEventListener('hashchange', render);
      render();
    })
    .catch(function (err) {
      main.innerHTML = '<div class="error">' + esc(err.message) + '</div>';
    });
})();
