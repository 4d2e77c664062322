import { beforeEach, describe, expect, it } from 'vitest';
import { clientOrderIdFor } from '../../../functions/core/clientOrderId.js';
import type { BotConfigInput } from '../../../functions/core/config.js';
import { ExchangeError, silentLogger } from '../../../functions/core/ports.js';
import { runTick, type TickDeps } from '../../../functions/core/tick.js';
import { FIVE_MINUTES_MS } from '../../../functions/core/types.js';
import { buyDecision, makeSeries } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0); // the candle 11:55-12:00 has just closed
const CLOSE_ISO = new Date(CLOSE).toISOString();

const setup = (configInput: BotConfigInput = {}) => tickFixture(CLOSE, configInput);

const tick = (deps: TickDeps, id = 'inv-1') => runTick(deps, { scheduledTimeMs: CLOSE, invocationId: id });

describe('runTick', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('does not sleep at the boundary, drops the forming candle and reports per pair', async () => {
    const result = await tick(t.deps);
    expect(t.clock.now).toBe(CLOSE + 2_000); // the fixture starts 2 s after the boundary and the forming candle proves the decision candle committed: no sleep
    expect(result.status).toBe('completed');
    expect(result.candleCloseIso).toBe(CLOSE_ISO);
    expect(result.pairs.map((p) => p.pair)).toEqual(['BTC/USD', 'ETH/USD']);
    expect(result.pairs[0]!.data).toEqual({ ok: true, lastCandleOpenIso: new Date(CLOSE - FIVE_MINUTES_MS).toISOString(), lastClose: 100, closedCandles: 100, droppedForming: 1 });
    expect(result.pairs[0]!.entry).toMatchObject({ decision: 'none', stage: 'signal', rule: 'scripted' });
    expect(t.metrics.total('TickCompleted')).toBe(1);
    expect((await t.store.getLastTick('paper'))?.candleCloseIso).toBe(CLOSE_ISO);
    // Nothing traded: the balances read at the start give the equity, no second balance call.
    expect(result.equityQuote).toBe(1000);
    expect(t.exchange.calls.filter((c) => c === 'balances')).toHaveLength(1);
  });

  it('buys on an entry decision, records the position with its levels and the ledger', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const result = await tick(t.deps);
    const btc = result.pairs.find((p) => p.pair === 'BTC/USD')!;
    expect(btc.entry).toMatchObject({ decision: 'buy', costQuote: 100 });
    expect(btc.orders).toHaveLength(1);
    expect(btc.orders[0]).toMatchObject({ side: 'buy', status: 'filled', reason: 'entry', amountBase: 1, price: 100, feeQuote: 0.4 });
    const position = await t.store.getPosition('paper', 'BTC/USD');
    expect(position).toMatchObject({ amountBase: 1, entryPrice: 100, stopPrice: 98, takeProfitPrice: 103, strategy: 'momentum', version: 1 });
    expect((await t.store.getDay('paper', '2026-01-05')).trades).toBe(1);
    const trades = await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(trades).toHaveLength(1);
    expect(t.alerts.sent.map((a) => a.kind)).toEqual(['fill']);
    expect(t.exchange.balances.USD).toBeCloseTo(1000 - 100.4, 9);
    // Equity after the fill: 899.6 USD plus 1 BTC at the last close (100); balances re-read after trading.
    expect(result.equityQuote).toBeCloseTo(999.6, 9);
    expect(t.exchange.calls.filter((c) => c === 'balances')).toHaveLength(2);
  });

  it('checks exits before entries and sells on an exit decision with realized P&L', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tick(t.deps);
    // next candle: price drops to 97, stop-loss decided
    t.exchange.candles.set('BTC/USD', makeSeries(CLOSE + FIVE_MINUTES_MS, 101, (i) => (i === 99 ? 97 : i === 100 ? 97 : 100)));
    t.exchange.candles.set('ETH/USD', makeSeries(CLOSE + FIVE_MINUTES_MS, 101));
    t.engine.exits.set('BTC/USD', 'sell');
    t.engine.entries.set('ETH/USD', buyDecision(50));
    t.engine.log.length = 0;
    t.clock.now = CLOSE + FIVE_MINUTES_MS + 1_000;
    const result = await runTick(t.deps, { scheduledTimeMs: CLOSE + FIVE_MINUTES_MS, invocationId: 'inv-2' });
    expect(t.engine.log[0]).toBe('exit:BTC/USD');
    expect(t.engine.log.indexOf('entry:ETH/USD')).toBeGreaterThan(0);
    expect(t.engine.log).not.toContain('entry:BTC/USD'); // no re-entry in the tick that exited
    const sell = result.pairs.find((p) => p.pair === 'BTC/USD')!.orders[0]!;
    expect(sell).toMatchObject({ side: 'sell', reason: 'stop-loss', status: 'filled', price: 97 });
    // bought 1 at 100 (+0.4 fee), sold 1 at 97 (-0.388 fee): -3.788
    expect(sell.realizedPnlQuote).toBeCloseTo(-3.788, 9);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect((await t.store.getDay('paper', '2026-01-05')).realizedPnlQuote).toBeCloseTo(-3.788, 9);
    expect(t.alerts.sent.map((a) => a.kind)).toContain('exit');
  });

  it('a second invocation for the same candle is skipped and places nothing', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const [a, b] = await Promise.all([tick(t.deps, 'inv-a'), tick(t.deps, 'inv-b')]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual(['completed', 'skipped']);
    expect(t.exchange.orders).toHaveLength(1);
  });

  it('enforces the daily trade cap through the store reservation', async () => {
    t = setup({ limits: { maxTradesPerDay: 1 } });
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.engine.entries.set('ETH/USD', buyDecision(100));
    const result = await tick(t.deps);
    expect(result.pairs[0]!.entry).toMatchObject({ decision: 'buy' });
    expect(result.pairs[1]!.entry).toMatchObject({ decision: 'none', stage: 'limits', rule: 'daily-trade-cap' });
    expect(t.exchange.orders).toHaveLength(1);
  });

  it('the kill switch halts entries but not exits', async () => {
    t = setup({ limits: { maxDailyLossQuote: 1 } });
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tick(t.deps);
    t.exchange.candles.set('BTC/USD', makeSeries(CLOSE + FIVE_MINUTES_MS, 101, (i) => (i >= 99 ? 97 : 100)));
    t.engine.exits.set('BTC/USD', 'sell');
    t.clock.now = CLOSE + FIVE_MINUTES_MS + 1_000;
    const second = await runTick(t.deps, { scheduledTimeMs: CLOSE + FIVE_MINUTES_MS, invocationId: 'inv-2' });
    expect(second.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', side: 'sell' });
    expect(t.alerts.sent.filter((a) => a.kind === 'kill-switch')).toHaveLength(1);
    expect(t.metrics.total('KillSwitchTripped')).toBe(1);

    // a new position opened by hand (e.g. before the loss) still gets its exit while entries are halted
    t.engine.entries.set('ETH/USD', buyDecision(50));
    t.clock.now = CLOSE + 2 * FIVE_MINUTES_MS + 1_000;
    t.exchange.candles.set('BTC/USD', makeSeries(CLOSE + 2 * FIVE_MINUTES_MS, 101));
    t.exchange.candles.set('ETH/USD', makeSeries(CLOSE + 2 * FIVE_MINUTES_MS, 101));
    const third = await runTick(t.deps, { scheduledTimeMs: CLOSE + 2 * FIVE_MINUTES_MS, invocationId: 'inv-3' });
    expect(third.halt.entries).toBe(true);
    expect(third.halt.exits).toBe(false);
    expect(third.pairs[1]!.entry).toMatchObject({ decision: 'none', stage: 'halt' });
    expect(t.exchange.orders).toHaveLength(2);
  });

  it('manual halt blocks entries; haltExits also blocks exits', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await t.store.setControl('paper', { halted: true, haltExits: true, reason: 'maintenance' });
    const result = await tick(t.deps);
    expect(result.halt).toEqual({ entries: true, exits: true, reasons: ['manual halt: maintenance'] });
    expect(t.exchange.orders).toHaveLength(0);
  });

  it('refuses to trade a stale series and says why', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.candles.set('BTC/USD', makeSeries(CLOSE - 2 * FIVE_MINUTES_MS, 100)); // last candle opens 11:50; the 11:55 one is missing
    const result = await tick(t.deps);
    expect(result.pairs[0]!.data).toMatchObject({ ok: false, reason: 'stale' });
    expect(result.pairs[0]!.entry).toBeUndefined();
    expect(t.exchange.orders).toHaveLength(0);
  });

  it('refuses entries on a series with a recent gap', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const candles = makeSeries(CLOSE, 101);
    candles.splice(80, 2);
    t.exchange.candles.set('BTC/USD', candles);
    const result = await tick(t.deps);
    expect(result.pairs[0]!.data).toMatchObject({ ok: false, reason: 'gap' });
    expect(t.exchange.orders).toHaveLength(0);
  });

  it('a failing candle fetch skips only that pair', async () => {
    t.engine.entries.set('ETH/USD', buyDecision(100));
    t.exchange.fetchCandles5m = async (pair) => {
      if (pair === 'BTC/USD') throw new ExchangeError('unavailable', 'EService:Unavailable');
      return makeSeries(CLOSE, 101);
    };
    const result = await tick(t.deps);
    expect(result.pairs[0]!.data).toMatchObject({ ok: false, reason: 'fetch-failed' });
    expect(result.pairs[1]!.orders[0]).toMatchObject({ status: 'filled' });
  });

  it('records a definite rejection, alerts, releases the reservation and does not retry', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.placeFaults.push(new ExchangeError('rejected', 'insufficient funds', 'EOrder:Insufficient funds'));
    const result = await tick(t.deps);
    expect(result.pairs[0]!.orders[0]).toMatchObject({ status: 'rejected', error: 'EOrder:Insufficient funds' });
    expect(t.exchange.calls.filter((c) => c.startsWith('place')).length).toBe(1);
    const id = clientOrderIdFor({ mode: 'paper', pair: 'BTC/USD', side: 'buy', reason: 'entry', decidedOn: CLOSE_ISO });
    expect((await t.store.getIntent('paper', id))?.status).toBe('REJECTED');
    expect((await t.store.getDay('paper', '2026-01-05')).trades).toBe(0);
    expect(t.alerts.sent.map((a) => a.kind)).toEqual(['rejection']);
    expect(t.metrics.total('OrdersRejected')).toBe(1);
  });

  it('an accepted order whose reply was lost is looked up, not re-sent', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.placeFaults.push('drop-reply');
    const result = await tick(t.deps);
    expect(t.exchange.orders).toHaveLength(1);
    expect(t.exchange.calls).toContain('find');
    expect(result.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', amountBase: 1 });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1 });
  });

  it('a crash after sending is recovered by the next tick with no duplicate order', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const realCreate = t.store.createPosition.bind(t.store);
    t.store.createPosition = async () => {
      throw new Error('simulated crash: process died before recording the fill');
    };
    await expect(tick(t.deps)).rejects.toThrow('simulated crash');
    expect(t.exchange.orders).toHaveLength(1);
    t.store.createPosition = realCreate;
    // the next tick, 5 minutes later
    t.exchange.candles.set('BTC/USD', makeSeries(CLOSE + FIVE_MINUTES_MS, 101));
    t.exchange.candles.set('ETH/USD', makeSeries(CLOSE + FIVE_MINUTES_MS, 101));
    t.clock.now = CLOSE + FIVE_MINUTES_MS + 1_000;
    const next = await runTick(t.deps, { scheduledTimeMs: CLOSE + FIVE_MINUTES_MS, invocationId: 'inv-2' });
    expect(next.reconciled).toEqual([expect.objectContaining({ result: 'filled', pair: 'BTC/USD' })]);
    expect(t.exchange.orders).toHaveLength(1);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1, entryPrice: 100 });
    expect(await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });

  it('a pending intent the exchange never saw is written off after its deadline, frees the reservation, alerts and is re-checked', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.placeFaults.push(new ExchangeError('ambiguous', 'timeout')); // never reached the exchange
    const first = await tick(t.deps);
    expect(first.pairs[0]!.orders[0]).toMatchObject({ status: 'pending' });
    expect((await t.store.getDay('paper', '2026-01-05')).trades).toBe(1);
    t.clock.now = CLOSE + FIVE_MINUTES_MS + 1_000;
    for (const pair of ['BTC/USD', 'ETH/USD']) t.exchange.candles.set(pair, makeSeries(CLOSE + FIVE_MINUTES_MS, 101));
    const next = await runTick(t.deps, { scheduledTimeMs: CLOSE + FIVE_MINUTES_MS, invocationId: 'inv-2' });
    expect(next.reconciled[0]).toMatchObject({ result: 'written-off' });
    expect((await t.store.getDay('paper', '2026-01-05')).trades).toBe(0);
    expect(t.exchange.orders).toHaveLength(0);
    expect(t.alerts.sent.map((a) => a.kind)).toContain('write-off');
    const intent = (await t.store.listUnresolvedIntents('paper', t.clock.now))[0]!;
    expect(intent).toMatchObject({ status: 'FAILED', recheckUntilMs: t.clock.now + 86_400_000 });
    // While it is re-checked, the pair takes no new entry (the engine still advises one).
    expect(next.locks).toEqual([{ pair: 'BTC/USD', reason: 'a written-off buy is being re-checked (24 h)' }]);
    expect(next.pairs[0]!.entry).toMatchObject({ decision: 'none', stage: 'lock', rule: 'pair-locked' });
  });

  it('force-entry with a repeated request id trades once', async () => {
    const cmd = { command: 'force-entry' as const, pair: 'BTC/USD', amountQuote: 40, requestId: 'req-1' };
    const a = await runTick(t.deps, { invocationId: 'c1', command: cmd });
    const b = await runTick(t.deps, { invocationId: 'c2', command: cmd });
    expect(a.command?.outcome[0]).toMatchObject({ status: 'filled', reason: 'force-entry', costQuote: 40 });
    expect(b.command?.refused).toMatch(/already open/);
    expect(t.exchange.orders).toHaveLength(1);
    // even with the position gone (and its coins), the same request id maps to the same intent: no second order
    await t.store.deletePosition('paper', 'BTC/USD', 1);
    t.exchange.balances.BTC = 0;
    const c = await runTick(t.deps, { invocationId: 'c3', command: cmd });
    expect(c.command?.outcome[0]).toMatchObject({ status: 'already-decided' });
    expect(t.exchange.orders).toHaveLength(1);
    expect((await t.store.getDay('paper', '2026-01-05')).trades).toBe(1);
  });

  it('flatten sells every position and halts entries', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.engine.entries.set('ETH/USD', buyDecision(100));
    await tick(t.deps);
    const result = await runTick(t.deps, { invocationId: 'f1', command: { command: 'flatten', requestId: 'flat-1' } });
    expect(result.command?.outcome.map((o) => [o.pair, o.status, o.reason])).toEqual([
      ['BTC/USD', 'filled', 'flatten'],
      ['ETH/USD', 'filled', 'flatten'],
    ]);
    expect(await t.store.listPositions('paper')).toEqual([]);
    expect((await t.store.getControl('paper')).halted).toBe(true);
  });

  it('a command never emits the heartbeat, and its log line counts the orders it placed', async () => {
    const lines: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const logger = { ...silentLogger, info: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, ...(fields ? { fields } : {}) }) };
    const deps = { ...t.deps, logger };
    await runTick(deps, { invocationId: 'c1', command: { command: 'force-entry', pair: 'BTC/USD', amountQuote: 40, requestId: 'req-hb' } });
    expect(t.metrics.total('TickCompleted')).toBe(0);
    expect(lines.find((l) => l.message === 'command completed')?.fields).toMatchObject({ orders: 1 });
    await runTick(deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-hb' });
    expect(t.metrics.total('TickCompleted')).toBe(1);
  });

  it('refuses live trading without the gates', async () => {
    t = setup({ mode: 'live', allowLiveTrading: true });
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const result = await tick(t.deps); // hasKeys false
    expect(result.halt.reasons).toEqual(['live trading gate: mode is "live" but no Kraken API keys are configured']);
    expect(t.exchange.orders).toHaveLength(0);
  });
});

describe('candles Kraken has not committed yet', () => {
  it('reads again until the next candle has begun, instead of trusting the clock', async () => {
    const t = setup();
    const next = CLOSE + FIVE_MINUTES_MS;
    const lagging = makeSeries(CLOSE, 101); // still shows the candle closing at `next` as forming
    const committed = makeSeries(next, 101, (i) => (i === 99 ? 97 : 100));
    let reads = 0;
    t.exchange.fetchCandles5m = async (pair) => (pair === 'BTC/USD' && reads++ < 2 ? [...lagging] : [...(pair === 'BTC/USD' ? committed : makeSeries(next, 101))]);
    t.clock.now = next + 1_000;
    const result = await runTick(t.deps, { scheduledTimeMs: next, invocationId: 'lag' });
    expect(reads).toBe(3);
    expect(result.pairs[0]!.data).toMatchObject({ ok: true, lastCandleOpenIso: new Date(CLOSE).toISOString() });
    expect(result.pairs[0]!.entry).toBeDefined();
  });

  it('never decides on a candle that is still forming: a series Kraken did not roll over is stale', async () => {
    const t = setup();
    const next = CLOSE + FIVE_MINUTES_MS;
    t.clock.now = next + 1_000;
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const result = await runTick(t.deps, { scheduledTimeMs: next, invocationId: 'never' });
    expect(result.pairs[0]!.data).toMatchObject({ ok: false, reason: 'stale' });
    expect(t.exchange.orders).toHaveLength(0);
  });
});

describe('runTick when the exchange is down', () => {
  it('a failed balance read stops entries, not exits: the tick completes, names the error and places no buy', async () => {
    const t = setup();
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.fetchBalances = async () => {
      throw new ExchangeError('unavailable', 'EService:Unavailable', 'EService:Unavailable');
    };
    const result = await tick(t.deps);
    expect(result.status).toBe('completed');
    expect(result.errors).toEqual(['exchange unavailable (unavailable): EService:Unavailable']);
    expect(result.pairs.map((p) => p.entry)).toEqual([
      { decision: 'none', stage: 'lock', rule: 'account-unreadable', reason: 'markets or balances could not be read this tick', explanation: {} },
      { decision: 'none', stage: 'lock', rule: 'account-unreadable', reason: 'markets or balances could not be read this tick', explanation: {} },
    ]);
    expect(result.holdings.map((h) => h.status)).toEqual(['skipped', 'skipped']);
    expect(t.exchange.orders).toHaveLength(0);
    expect(t.metrics.total('TickErrors')).toBe(1);
  });
});

describe('daily summary', () => {
  it('the first tick of a UTC day reports the day before, once', async () => {
    const t = setup();
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.engine.exits.set('BTC/USD', 'sell');
    await tick(t.deps); // buys at 12:00 on 2026-01-05
    const next = CLOSE + FIVE_MINUTES_MS;
    for (const pair of ['BTC/USD', 'ETH/USD']) t.exchange.candles.set(pair, makeSeries(next, 101, (i) => (i >= 99 ? 99 : 100)));
    t.clock.now = next + 1_000;
    await runTick(t.deps, { scheduledTimeMs: next, invocationId: 'inv-2' }); // stop-loss exit
    expect(t.alerts.sent.filter((a) => a.kind === 'daily-summary')).toHaveLength(0);

    const midnightClose = Date.UTC(2026, 0, 6, 0, 5); // the 00:00-00:05 candle of the 6th
    for (const pair of ['BTC/USD', 'ETH/USD']) t.exchange.candles.set(pair, makeSeries(midnightClose, 101));
    t.engine.entries.clear();
    t.clock.now = midnightClose + 1_000;
    await runTick(t.deps, { scheduledTimeMs: midnightClose, invocationId: 'inv-3' });
    await runTick(t.deps, { scheduledTimeMs: midnightClose, invocationId: 'inv-3b' }); // a second delivery
    const summaries = t.alerts.sent.filter((a) => a.kind === 'daily-summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.subject).toBe('[PAPER] daily summary 2026-01-05: P&L -1.80 USD, 1 entries');
    expect(summaries[0]!.message).toContain('entries 1, exits 1, fills 2');
    expect(summaries[0]!.sms!.length).toBeLessThanOrEqual(140);
  });
});
