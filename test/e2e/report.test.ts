import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestFill, BacktestSummary, BacktestTrade } from '../../functions/backtest/backtestResult.js';
import { runAnalyze } from '../../functions/cli/analyze.js';
import { runBacktestCli } from '../../functions/cli/backtest.js';
import type { Analysis } from '../../functions/core/analyzer.js';
import type { Candle } from '../../functions/core/types.js';
import { CandleGenerator } from '../../functions/sandbox/candleGenerator.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`report.test.ts: ${CHROMIUM} not found, skipping the browser rendering checks (apt-get install chromium)`);

const START = Date.UTC(2024, 0, 1);
const DAYS = 30;
const units = (x: number) => Math.round(x * 1e8);

function generate(seed: number, price: number, decimals: number): Candle[] {
  const g = new CandleGenerator({ seed, startOpenTimeMs: START, startPrice: price, volatility5m: 0.003, baseVolume5m: 50, priceDecimals: decimals });
  return Array.from({ length: DAYS * 288 }, () => g.next());
}

/** `kbot backtest` end to end with the real decision engine on Kraken OHLCVT files. */
describe('kbot backtest on Kraken OHLCVT files: reconciled summary and an HTML report', () => {
  let dir: string;
  let reportFile: string;
  let summary: BacktestSummary;
  let trades: BacktestTrade[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kbot-report-'));
    const kraken = (candles: Candle[]) => candles.map((c) => `${c.openTimeMs / 1000},${c.open},${c.high},${c.low},${c.close},${c.volume},12`).join('\n') + '\n';
    writeFileSync(join(dir, 'XBTUSD_5.csv'), kraken(generate(11, 42_000, 1)));
    writeFileSync(join(dir, 'SOLUSD_5.csv'), kraken(generate(12, 100, 2)));
    reportFile = join(dir, 'report.html');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runBacktestCli(
      { data: [join(dir, 'XBTUSD_5.csv'), join(dir, 'SOLUSD_5.csv')], json: true, report: reportFile, balance: 'USD=5000' },
      { out: (t) => out.push(t), err: (t) => err.push(t), progress: false },
    );
    expect(code, err.join('\n')).toBe(0);
    ({ summary, trades } = JSON.parse(out.join('\n')) as { summary: BacktestSummary; trades: BacktestTrade[]; fills: BacktestFill[] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reconciles: end = start + net, net = Σ trades = gross − fees', () => {
    expect(summary.candlesProcessed).toBe(2 * DAYS * 288);
    expect(units(summary.endEquityQuote)).toBe(units(summary.startEquityQuote) + units(summary.netPnlQuote));
    expect(trades.reduce((n, t) => n + units(t.netPnlQuote), 0)).toBe(units(summary.netPnlQuote));
    expect(units(summary.grossPnlQuote) - units(summary.feesQuote)).toBe(units(summary.netPnlQuote));
    expect(summary.trades).toBe(trades.length);
    // Every trade carries what the engine saw at its entry (kbot analyze groups by it).
    expect(trades.every((t) => t.entryFeatures?.version === 2 && t.entryFeatures.strategy === t.strategy)).toBe(true);
  });

  it('kbot analyze on this output agrees with the backtest\'s own figures', async () => {
    // Prepare
    const file = join(dir, 'bt.json');
    writeFileSync(file, JSON.stringify({ summary, trades, fills: [] }));
    const out: string[] = [];
    // Act
    expect(await runAnalyze({ json: true, backtest: file, dataDir: '.kbot', stack: 'KrakenBot' }, { out: (l) => out.push(l), err: () => undefined })).toBe(0);
    const a = JSON.parse(out.join('\n')) as Analysis;
    // Assess: the same trades, and the figures performance.ts computes for the report, to the cent.
    const p = summary.performance;
    const cents = (x: number | null) => (x === null ? null : Math.round(x * 100));
    expect(a.overall.trades).toBe(summary.trades);
    expect(a.overall.trades).toBeGreaterThan(3);
    expect(cents(a.overall.netPnlQuote)).toBe(cents(summary.netPnlQuote));
    for (const k of ['profitFactor', 'expectancyQuote', 'averageWinQuote', 'averageLossQuote'] as const) expect(cents(a.overall[k]), k).toBe(cents(p[k]));
    expect(a.overall.expectancyFraction).toBeCloseTo(p.expectancyFraction!, 10);
    expect(a.overall.averageDurationMinutes).toBeCloseTo(p.averageDurationMinutes!, 6);
    for (const [group, mine, theirs] of [['exit reason', a.byExitReason, p.byExitReason], ['strategy', a.byStrategy, p.byStrategy]] as const) {
      expect(Object.keys(mine).sort(), group).toEqual(Object.keys(theirs).sort());
      for (const [key, g] of Object.entries(theirs)) expect([mine[key]!.trades, mine[key]!.wins, cents(mine[key]!.netPnlQuote)], `${group} ${key}`).toEqual([g.trades, g.wins, cents(g.netPnlQuote)]);
    }
    // Every trade has its regime at entry, hour and weekday.
    expect(a.byRegime.unknown).toBeUndefined();
    expect(Object.values(a.byHourUtc).reduce((n, g) => n + g.trades, 0)).toBe(summary.trades);
  });

  it('writes one self-contained file: library and data inlined, nothing fetched', () => {
    const html = readFileSync(reportFile, 'utf8');
    expect(html).toContain('TradingView Lightweight Charts');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+href=/i);
    expect(statSync(reportFile).size).toBeLessThan(2_000_000);
  });

  describe.skipIf(!hasChromium)('rendered in headless Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('draws the equity, drawdown and price charts and the trades table without console errors', async () => {
      // Prepare
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
      });
      // Act
      await page.goto(pathToFileURL(reportFile).href);
      await page.waitForSelector('body[data-rendered="true"]', { timeout: 20_000 });
      await page.waitForTimeout(300);
      // Assess: every chart container holds canvases with many distinct colours.
      const charts = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
          const colours = new Set<number>();
          let painted = 0;
          for (const canvas of el.querySelectorAll('canvas')) {
            const ctx = canvas.getContext('2d');
            if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            for (let k = 0; k < data.length; k += 4 * 7) {
              if (data[k + 3] === 0) continue;
              const rgb = (data[k]! << 16) | (data[k + 1]! << 8) | data[k + 2]!;
              colours.add(rgb);
              if (rgb !== 0xffffff) painted++;
            }
          }
          return { id: el.id || el.dataset.pair || '', colours: colours.size, painted };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(['equity', 'drawdown', 'BTC/USD', 'SOL/USD']);
      for (const c of charts) {
        expect(c.colours, `${c.id} colours`).toBeGreaterThan(20);
        expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(500);
      }
      const rows = await page.locator('#trades tr').count();
      expect(rows).toBe(trades.length ? trades.length + 1 : 0);
      const net = await page.locator('.card').nth(2).textContent();
      expect(net).toContain(summary.netPnlQuote.toFixed(2).replace(/^(-?)(\d+)/, (_m: string, s: string, d: string) => s + Number(d).toLocaleString('en-US')));
      const shot = await page.screenshot({ fullPage: true });
      expect(shot.length).toBeGreaterThan(30_000);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    });
  });
});
