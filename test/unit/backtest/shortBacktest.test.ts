// Unit tests of the short replay: a crafted fall is shorted and bought back at the target with
// rollover charged per 4 hours held; on real candles (the shared OKX BTC file, skipped when absent)
// every trade pays rollover and the wallet moves by exactly the net P&L.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtInMarkets } from '../../../functions/backtest/marketTable.js';
import { runShortBacktest } from '../../../functions/backtest/shortBacktest.js';
import { parseConfig } from '../../../functions/core/config.js';
import { rolloverCharges } from '../../../functions/core/shorts/shortPosition.js';
import { FIVE_MINUTES_MS, ONE_HOUR_MS, type Candle } from '../../../functions/core/types.js';
import { loadCandlesCsv } from '../../../functions/sandbox/candlesCsv.js';

const T0 = Date.UTC(2026, 0, 1);
const config = parseConfig({ pairs: ['BTC/USD'], shorts: { enabled: true, maxHoldMinutes: 1440 }, limits: { maxTradesPerDay: 1, maxTradesPerPairPerDay: 1, maxDailyLossQuote: 500 } });
const markets = builtInMarkets(['BTC/USD'], 0.004);

/** 400 candles falling gently, then a slow slide of 3.5% over 10 hours (the target, reached after two rollovers). */
function fall(): Candle[] {
  const out: Candle[] = [];
  let close = 30_000;
  for (let i = 0; i < 600; i++) {
    const open = close;
    close = i < 400 ? open * (1 - 0.0004) * (1 + (i % 2 ? 0.0003 : -0.0003)) : open * (1 - 0.0003);
    out.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, close) * 1.0001, low: Math.min(open, close) * 0.9999, close, volume: 5 });
  }
  return out;
}

describe('Function: runShortBacktest', () => {
  it('shorts the fall, buys back at the target and charges rollover for the hours held', () => {
    const r = runShortBacktest({ config, series: [{ pair: 'BTC/USD', candles: fall() }], markets, startingQuote: 1_000 });
    const t = r.trades[0]!;
    expect(t.exitReason).toBe('take-profit');
    expect(t.exitPrice).toBeLessThan(t.entryPrice);
    const heldMs = t.exitTimeMs - t.entryTimeMs;
    expect(heldMs).toBeGreaterThan(4 * ONE_HOUR_MS);
    expect(t.rolloverCharges).toBe(rolloverCharges(t.entryTimeMs, t.exitTimeMs));
    expect(t.rolloverCharges).toBeGreaterThanOrEqual(2);
    expect(t.rolloverQuote).toBeCloseTo(t.rolloverCharges * config.shorts.rolloverRatePer4h * t.proceedsQuote, 10);
    expect(t.netPnlQuote).toBeCloseTo(t.grossPnlQuote - t.feesQuote - t.rolloverQuote, 10);
    // One entry a day (the daily limit): the rest of the fall is refused by it.
    expect(r.summary.refused['daily-limits']).toBeGreaterThan(0);
    expect(r.summary.endEquityQuote).toBeCloseTo(1_000 + r.summary.netPnlQuote, 9);
  });

  it('caps the notional at the exposure cap and the position limit', () => {
    const r = runShortBacktest({ config: parseConfig({ pairs: ['BTC/USD'], shorts: { enabled: true, maxExposureFraction: 0.05, maxPositionQuote: 1_000 } }), series: [{ pair: 'BTC/USD', candles: fall() }], markets, startingQuote: 1_000 });
    for (const t of r.trades) expect(t.proceedsQuote).toBeLessThanOrEqual(0.05 * 1_000 * 1.01);
  });
});

const FILE = join(process.cwd(), '..', 'shared', 'data', 'okx-swap-2026', 'okx_swap_BTCUSDT_5m.csv');
const present = existsSync(FILE);
if (!present) console.log(`shortBacktest: real-data test skipped, ${FILE} not found (shared market data is optional)`);

describe.skipIf(!present)('Function: runShortBacktest on real candles (shared OKX BTC 5m)', () => {
  it('trades shorts, charges rollover on every one, and the wallet moves by exactly the net P&L', () => {
    const candles = loadCandlesCsv(FILE);
    const r = runShortBacktest({ config: parseConfig({ pairs: ['BTC/USD'], shorts: { enabled: true } }), series: [{ pair: 'BTC/USD', candles }], markets, startingQuote: 1_000 });
    console.log(`shorts on OKX BTC 5m: ${r.summary.trades} trades, gross ${r.summary.grossPnlQuote.toFixed(2)}, fees ${r.summary.feesQuote.toFixed(2)}, rollover ${r.summary.rolloverQuote.toFixed(2)}, net ${r.summary.netPnlQuote.toFixed(2)}`);
    expect(r.summary.trades).toBeGreaterThan(10);
    for (const t of r.trades) {
      expect(t.rolloverCharges).toBe(rolloverCharges(t.entryTimeMs, t.exitTimeMs));
      expect(t.rolloverQuote).toBeGreaterThan(0);
      expect(t.netPnlQuote).toBeCloseTo(t.grossPnlQuote - t.feesQuote - t.rolloverQuote, 9);
    }
    expect(r.summary.rolloverQuote).toBeCloseTo(r.trades.reduce((s, t) => s + t.rolloverQuote, 0), 9);
    expect(r.summary.endEquityQuote).toBeCloseTo(1_000 + r.summary.netPnlQuote, 6);
    // Trades never overlap on the pair: one short at a time.
    for (let k = 1; k < r.trades.length; k++) expect(r.trades[k]!.entryTimeMs).toBeGreaterThanOrEqual(r.trades[k - 1]!.exitTimeMs);
  });
});
