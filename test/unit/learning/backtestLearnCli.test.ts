// Learning: `kbot backtest --learn` from the command line: one JSON document with the plain run at
// the top (as kbot analyze and kbot learn read it) and the filtered run beside it; text side by side.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candlesFromColumns } from '../../../functions/core/engine/candleColumns.js';
import { runBacktestCli } from '../../../functions/cli/backtest.js';
import { generatedSeries, learningTestConfig } from './learningFixtures.js';

describe('kbot backtest --learn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kbot-bt-learn-'));
  const data = generatedSeries().map(({ pair, columns }) => {
    const file = join(dir, `${pair.replace('/', '-')}.csv`);
    writeFileSync(file, ['timestamp_ms,open,high,low,close,volume', ...candlesFromColumns(columns).map((c) => [c.openTimeMs, c.open, c.high, c.low, c.close, c.volume].join(','))].join('\n'));
    return `${pair}=${file}`;
  });
  const configFile = join(dir, 'config.json');
  const { pairs: _pairs, ...config } = learningTestConfig();
  writeFileSync(configFile, JSON.stringify(config));

  it('prints one JSON document: the plain run, and the filtered run with every retraining', async () => {
    const out: string[] = [];
    const code = await runBacktestCli({ data, config: configFile, balance: 'USD=10000', learn: true, retrainDays: '5', json: true }, { out: (t) => out.push(t), err: () => undefined, progress: false });
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const doc = JSON.parse(out[0]!) as { summary: { trades: number }; trades: unknown[]; learning: { retrainEveryDays: number; retrains: { appliedFromMs: number; trainLastExitMs: number | null }[]; refusedByFilter: number; filtered: { summary: { trades: number } } } };
    expect(doc.trades).toHaveLength(doc.summary.trades);
    expect(doc.learning.retrainEveryDays).toBe(5);
    expect(doc.learning.refusedByFilter).toBeGreaterThan(0);
    expect(doc.learning.filtered.summary.trades).toBeLessThan(doc.summary.trades);
    for (const r of doc.learning.retrains) if (r.trainLastExitMs !== null) expect(r.trainLastExitMs).toBeLessThan(r.appliedFromMs);
  });

  it('prints the two runs side by side, every retraining, and a plain verdict', async () => {
    const out: string[] = [];
    await runBacktestCli({ data, config: configFile, balance: 'USD=10000', learn: true, retrainDays: '5' }, { out: (t) => out.push(t), err: () => undefined, progress: false });
    const text = out.join('\n');
    expect(text).toMatch(/unfiltered +filtered/);
    expect(text).toMatch(/Refused by the filter: \d+ entry decisions/);
    expect(text).toMatch(/trained on \d+ trades/);
    expect(text).toMatch(/did NOT beat the plain one|more than the plain one/);
  });
});
