// The daily-loss kill switch halts entries at the engine level, and never stands in the way of exits.
import { describe, expect, it } from 'vitest';
import { simpleMomentumConfig } from '../../../functions/core/engine/presets.js';
import { candlesFromCloses, closeOf, engineFor, makeDay, makeMarket, makePortfolio, makePosition } from './engineFixtures.js';

const { engine } = engineFor({ pairs: ['BTC/USD', 'ETH/USD'], ...simpleMomentumConfig({ fastSma: 2, slowSma: 3 }) });
// A cross on the last candle (entry signal) whose low also breaks an open position's stop.
const candles = candlesFromCloses([10_000, 10_000, 10_000, 9_000, 11_000, 12_000], (i) => (i === 5 ? { low: 9_500 } : {}));
const series = engine.prepare('BTC/USD', candles);
const i = candles.length - 1;
const nowMs = closeOf(i) + 5_000;
const tripped = makeDay({ killSwitchTripped: true, realizedPnlQuote: -62.5 });

describe('Engine: daily-loss kill switch', () => {
  it('with the switch off the same candle is an entry', () => {
    expect(engine.checkEntry(series, i, makePortfolio(nowMs)).action).toBe('buy');
  });

  it('tripped: checkEntry refuses at the risk stage and names the day and its loss', () => {
    const d = engine.checkEntry(series, i, makePortfolio(nowMs, { day: tripped }));
    expect(d).toMatchObject({ action: 'none', stage: 'risk', rule: 'kill-switch', explanation: { day: '2026-01-01', realizedPnlQuote: -62.5 } });
  });

  it('tripped: the force-entry command is refused too', () => {
    expect(engine.checkForcedEntry(series, i, makePortfolio(nowMs, { day: tripped }), 50)).toMatchObject({ action: 'none', rule: 'kill-switch' });
  });

  it('tripped: exits are unaffected (checkExit takes no day state) and the stop still sells', () => {
    const position = makePosition({ entryPrice: 10_000, entryTimeMs: closeOf(3), amountBase: 0.01, stopPrice: 9_800, takeProfitPrice: 13_000 });
    const exit = engine.checkExit(position, series, i, nowMs, 0.01, makeMarket('BTC/USD'));
    expect(exit).toMatchObject({ action: 'sell', reason: 'stop-loss', triggerPrice: 9_800, amountBase: 0.01 });
  });

  it('a loss at the limit refuses entries before the store has tripped the switch', () => {
    const d = engine.checkEntry(series, i, makePortfolio(nowMs, { day: makeDay({ realizedPnlQuote: -50.01 }) }));
    expect(d).toMatchObject({ action: 'none', rule: 'daily-loss', explanation: { maxDailyLossQuote: 50 } });
    expect(engine.checkEntry(series, i, makePortfolio(nowMs, { day: makeDay({ realizedPnlQuote: -49.99 }) })).action).toBe('buy');
  });
});
