// The tick refuses a pair whose candles are bad anywhere in the window the engine reads, not only
// in the last gapWindowCandles, and logs the pair with the candle's index and time.
import { describe, expect, it } from 'vitest';
import { runTick } from '../../../functions/core/tick.js';
import { FIVE_MINUTES_MS } from '../../../functions/core/types.js';
import { buyDecision, makeSeries } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0);

function setupWith720Candles() {
  const t = tickFixture(CLOSE);
  const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
  t.deps.logger = { debug() {}, info() {}, error() {}, warn: (message, fields) => void warnings.push({ message, ...(fields ? { fields } : {}) }) };
  // Kraken's 720 rows: 719 closed candles and the forming one.
  for (const pair of t.config.pairs) t.exchange.candles.set(pair, makeSeries(CLOSE, 720));
  t.engine.entries.set('BTC/USD', buyDecision(100));
  t.engine.entries.set('ETH/USD', buyDecision(100));
  return { t, warnings };
}

describe('runTick: candle checks over the whole series', () => {
  it('a NaN close 300 candles back means no trade for that pair, logged with the index and time', async () => {
    const { t, warnings } = setupWith720Candles();
    const candles = t.exchange.candles.get('BTC/USD')!;
    const index = 719 - 1 - 300; // in the closed series the engine would read
    const openIso = new Date(candles[index]!.openTimeMs).toISOString();
    candles[index] = { ...candles[index]!, close: Number.NaN };

    const result = await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-nan' });

    const detail = `candle ${index}: non-numeric value: close is NaN (opens ${openIso})`;
    const btc = result.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btc.data).toEqual({ ok: false, reason: 'malformed', detail });
    expect(btc.entry).toBeUndefined();
    expect(btc.orders).toEqual([]);
    expect(warnings).toContainEqual({ message: 'no trade for pair: market data unusable', fields: { pair: 'BTC/USD', reason: 'malformed', detail } });
    // The other pair, with clean data, still trades.
    expect(result.pairs.find((p) => p.pair === 'ETH/USD')!.orders.map((o) => o.side)).toEqual(['buy']);
  });

  it('a candle from the future 200 candles back is refused as such', async () => {
    const { t } = setupWith720Candles();
    const candles = t.exchange.candles.get('BTC/USD')!;
    const index = 719 - 1 - 200;
    candles[index] = { ...candles[index]!, openTimeMs: CLOSE + 12 * FIVE_MINUTES_MS };
    const result = await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-future' });
    expect(result.pairs[0]!.data).toEqual({
      ok: false,
      reason: 'malformed',
      detail: `candle ${index}: closes after ${new Date(CLOSE).toISOString()}, in the future (opens ${new Date(CLOSE + 12 * FIVE_MINUTES_MS).toISOString()})`,
    });
    expect(t.exchange.orders.filter((o) => o.pair === 'BTC/USD')).toEqual([]);
  });

  it('an old gap outside gapWindowCandles still lets the pair trade', async () => {
    const { t } = setupWith720Candles();
    const candles = t.exchange.candles.get('BTC/USD')!;
    candles.splice(200, 3);
    const result = await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-gap' });
    expect(result.pairs[0]!.data).toMatchObject({ ok: true, closedCandles: 716 });
    expect(result.pairs[0]!.orders.map((o) => o.side)).toEqual(['buy']);
  });
});
