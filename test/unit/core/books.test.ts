// Unit tests: the books (DESIGN.md "Kraken is the truth"). Each test reproduces one way the bot's
// records used to drift from what Kraken holds, through the real tick, order protocol and store,
// with a fake exchange whose orders stay open, fill partly, arrive late or report nonsense.
import { beforeEach, describe, expect, it } from 'vitest';
import type { BotConfigInput } from '../../../functions/core/config.js';
import { ExchangeError } from '../../../functions/core/ports.js';
import { runTick } from '../../../functions/core/tick.js';
import { FIVE_MINUTES_MS, type Position } from '../../../functions/core/types.js';
import { buyDecision, makeSeries } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0);
const DAY = '2026-01-05';

const setup = (configInput: BotConfigInput = {}) => tickFixture(CLOSE, configInput);

type T = ReturnType<typeof setup>;

/** Runs the scheduled tick of candle `k` (0 = the one closing at CLOSE), with candles at `price`. */
async function tickAt(t: T, k: number, price: (pair: string) => number = () => 100, id = `inv-${k}`) {
  const close = CLOSE + k * FIVE_MINUTES_MS;
  for (const pair of t.config.pairs) {
    const p = price(pair);
    t.exchange.candles.set(pair, makeSeries(close, 101, () => p));
  }
  t.clock.now = close + 1_000;
  return runTick(t.deps, { scheduledTimeMs: close, invocationId: id });
}

const sells = (t: T) => t.exchange.requests.filter((r) => r.side === 'sell');
const buys = (t: T) => t.exchange.requests.filter((r) => r.side === 'buy');

describe('the books', () => {
  let t: T;
  beforeEach(() => {
    t = setup();
  });

  it('1. an order still open when the fill poll gives up is not settled: it stays PENDING and is recorded in full once final', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ openReads: 2, partialFraction: 0.4 });
    const first = await tickAt(t, 0);
    expect(first.pairs[0]!.orders[0]).toMatchObject({ status: 'pending' });
    expect(first.pairs[0]!.orders[0]!.error).toMatch(/open with 0.4 filled so far/);
    // Nothing recorded from a partial, non-final read; the reservation is still held.
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect((await t.store.getDay('paper', DAY)).trades).toBe(1);
    expect((await t.store.listPendingIntents('paper')).map((i) => i.observed?.filledBase)).toEqual([0.4]);
    // Next tick: still open on the first lookup... then closed on the next one.
    const second = await tickAt(t, 1);
    expect(second.reconciled).toEqual([expect.objectContaining({ result: 'still-pending' })]);
    expect(second.pairs[0]!.entry).toMatchObject({ stage: 'lock', rule: 'pair-locked' });
    const third = await tickAt(t, 2);
    expect(third.reconciled).toEqual([expect.objectContaining({ result: 'filled' })]);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1, costQuote: 100 });
    expect(buys(t)).toHaveLength(1);
    expect((await t.store.getDay('paper', DAY)).reservations).toEqual({ [buys(t)[0]!.clientOrderId]: expect.objectContaining({ state: 'used' }) });
  });

  it('1b. an order canceled with a partial fill (market price protection) is settled for the part that filled', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ cancelPartial: true, partialFraction: 0.25 });
    const r = await tickAt(t, 0);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', amountBase: 0.25 });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 0.25, costQuote: 25 });
  });

  it('2. a PENDING buy whose lookup keeps failing locks the pair: no second buy, exposure counted', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.placeFaults.push(new ExchangeError('ambiguous', 'timeout'));
    t.exchange.findFaults.push(...Array.from({ length: 20 }, () => new ExchangeError('unavailable', 'EAPI:Rate limit exceeded')));
    await tickAt(t, 0);
    for (let k = 1; k <= 3; k++) {
      const r = await tickAt(t, k);
      expect(r.locks).toEqual([{ pair: 'BTC/USD', reason: expect.stringMatching(/buy entry [0-9a-f]{32} is not final yet/) }]);
      expect(r.pairs[0]!.orders).toEqual([]);
    }
    expect(buys(t)).toHaveLength(1);
  });

  it('2b. a PENDING exit locks the sell side: the stop fires again next tick and sells nothing more', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.placeFaults.push(new ExchangeError('ambiguous', 'timeout'));
    t.exchange.behaviours.push({ neverExecutes: true });
    t.exchange.findFaults.push(...Array.from({ length: 20 }, () => new ExchangeError('unavailable', 'EAPI:Rate limit exceeded')));
    await tickAt(t, 1, () => 97);
    const r = await tickAt(t, 2, () => 96);
    expect(r.pairs[0]!.exit).toMatchObject({ decision: 'skipped', reason: expect.stringMatching(/exit in flight/) });
    expect(sells(t)).toHaveLength(1);
  });

  it('3. every order carries a deadline; not found after it, the intent is written off with an alert, and a late fill is still recorded', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ invisibleLookups: 2 });
    await tickAt(t, 0);
    const sent = buys(t)[0]!;
    expect(sent.deadlineMs).toBe(CLOSE + 1_000 + 30_000); // sent at once (no close delay), 30 s deadline
    t.engine.entries.clear();
    const written = await tickAt(t, 1);
    expect(written.reconciled[0]).toMatchObject({ result: 'written-off' });
    expect(t.alerts.sent.filter((a) => a.kind === 'write-off')).toHaveLength(1);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    // The queued order turns up on the next re-check: FAILED becomes FILLED and the position exists.
    const late = await tickAt(t, 2);
    expect(late.reconciled[0]).toMatchObject({ result: 'reappeared' });
    expect((await t.store.getIntent('paper', sent.clientOrderId))?.status).toBe('FILLED');
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1 });
    expect(t.alerts.sent.filter((a) => a.kind === 'write-off').map((a) => a.severity)).toEqual(['warning', 'critical']);
    expect(buys(t)).toHaveLength(1);
  });

  it('3b. ClosedOrders lagging behind a buy that executed: the balance shows the coins, so it is not written off and no second buy follows', async () => {
    await tickAt(t, 0);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ laggingLookups: 3 });
    await tickAt(t, 1);
    const kept = await tickAt(t, 2);
    expect(kept.reconciled[0]).toMatchObject({ result: 'still-pending', detail: expect.stringMatching(/not written off: Kraken holds 1 BTC more/) });
    expect(t.alerts.sent.filter((a) => a.kind === 'write-off').map((a) => a.subject)).toEqual([expect.stringMatching(/NOT FOUND, kept pending: buy BTC\/USD/)]);
    expect(kept.locks).toEqual([{ pair: 'BTC/USD', reason: expect.stringMatching(/is not final yet/) }]);
    expect((await t.store.getDay('paper', DAY)).trades).toBe(1);
    await tickAt(t, 3);
    const found = await tickAt(t, 4);
    expect(found.reconciled[0]).toMatchObject({ result: 'filled' });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1 });
    expect(buys(t)).toHaveLength(1);
    expect(t.alerts.sent.filter((a) => a.kind === 'write-off')).toHaveLength(1);
  });

  it('3c. a stop-loss sell that executed while ClosedOrders lags, with BalanceEx failing: never written off, the stop does not sell the owner\'s coins', async () => {
    t.exchange.balances.BTC = 2; // the owner's
    await tickAt(t, 0);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 1);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.behaviours.push({ laggingLookups: 3 });
    await tickAt(t, 2, () => 97);
    expect(t.exchange.balances.BTC).toBeCloseTo(2, 9);
    for (const k of [3, 4]) {
      t.exchange.balanceFaults.push(...Array.from({ length: 3 }, () => new ExchangeError('unavailable', 'EService:Unavailable')));
      const r = await tickAt(t, k, () => 96);
      expect(r.reconciled[0]).toMatchObject({ result: 'still-pending', detail: expect.stringMatching(/not written off: balances could not be read/) });
      expect(r.pairs[0]!.exit).toMatchObject({ decision: 'skipped', reason: expect.stringMatching(/exit in flight/) });
    }
    const found = await tickAt(t, 5, () => 96);
    expect(found.reconciled[0]).toMatchObject({ result: 'filled', side: 'sell' });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect(sells(t)).toHaveLength(1);
    expect(t.exchange.balances.BTC).toBeCloseTo(2, 9);
  });

  it('3d. a sell written off on the balance\'s evidence (queued, never seen) is not sold again while balances cannot be read', async () => {
    t.exchange.balances.BTC = 2;
    await tickAt(t, 0);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 1);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.behaviours.push({ invisibleLookups: 3 });
    await tickAt(t, 2, () => 97);
    t.engine.exits.clear();
    const written = await tickAt(t, 3, () => 97);
    expect(written.reconciled[0]).toMatchObject({ result: 'written-off' });
    expect(t.exchange.balances.BTC).toBeCloseTo(3, 9);
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.balanceFaults.push(...Array.from({ length: 3 }, () => new ExchangeError('unavailable', 'EService:Unavailable')));
    const blind = await tickAt(t, 4, () => 96);
    expect(blind.pairs[0]!.exit).toMatchObject({ blocked: expect.stringMatching(/balances could not be read and a written-off sell of this pair is being re-checked/) });
    expect(sells(t)).toHaveLength(1);
    const appeared = await tickAt(t, 5, () => 96);
    expect(appeared.reconciled[0]).toMatchObject({ result: 'reappeared' });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect(sells(t)).toHaveLength(1);
    expect(t.exchange.balances.BTC).toBeCloseTo(2, 9);
  });

  it('4. sells never touch the owner\'s own coins: a stale position is not sold out of them, and the mismatch is alerted and locks entries', async () => {
    t.exchange.balances.BTC = 0.5; // the owner's BTC, before the bot ever traded
    await tickAt(t, 0);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 1);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1 });
    // The bot's coin is sold outside the bot (another app on the same key): Kraken holds the owner's 0.5 only.
    t.exchange.balances.BTC = 0.5;
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    const r = await tickAt(t, 2, () => 97);
    expect(r.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'mismatch', krakenBase: 0.5, externalBase: 0.5, botBase: 1, diffBase: -1 });
    expect(sells(t)).toHaveLength(0);
    expect(t.exchange.balances.BTC).toBe(0.5);
    expect(t.alerts.sent.filter((a) => a.kind === 'holdings-mismatch')).toHaveLength(1);
    expect(t.alerts.sent.filter((a) => a.kind === 'exit-blocked')).toHaveLength(1);
    // Alerted once, not every 5 minutes; the lock holds.
    const again = await tickAt(t, 3, () => 97);
    expect(t.alerts.sent.filter((a) => a.kind === 'holdings-mismatch')).toHaveLength(1);
    expect(again.locks).toEqual([{ pair: 'BTC/USD', reason: 'holdings mismatch on BTC' }]);
    expect(t.metrics.values.filter((v) => v.name === 'HoldingsMismatches').map((v) => v.value)).toEqual([0, 0, 1, 1]);
  });

  it('4b. beside the owner\'s coins the bot sells exactly its own amount', async () => {
    t.exchange.balances.BTC = 0.5;
    await tickAt(t, 0);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 1);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    const r = await tickAt(t, 2, () => 97);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', amountBase: 1 });
    expect(t.exchange.balances.BTC).toBeCloseTo(0.5, 12);
    expect(r.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok', externalBase: 0.5 });
  });

  it('6. a remainder below Kraken\'s minimum is closed and booked as dust with an alert, freeing the pair', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    const p = (await t.store.getPosition('paper', 'BTC/USD'))!;
    // A partial sell leaves 0.00004 BTC (4 cents at 100 USD: below the 0.5 USD minimum cost).
    await t.store.updatePosition({ ...p, amountBase: 0.00004, costQuote: 0.004, entryFeeQuote: 0.000016 }, p.version);
    t.exchange.balances.BTC = 0.00004;
    t.engine.entries.clear();
    const r = await tickAt(t, 1);
    expect(r.pairs[0]!.exit).toEqual({ decision: 'dust', amountBase: 0.00004, realizedPnlQuote: expect.closeTo(-0.004016, 12) });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect(t.alerts.sent.filter((a) => a.kind === 'dust')).toHaveLength(1);
    const ledger = await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(ledger.find((x) => x.reason === 'dust')).toMatchObject({ amountBase: 0.00004, realizedPnlQuote: expect.closeTo(-0.004016, 12) });
    // The coins stay as recorded dust: the next holdings check agrees with Kraken.
    const next = await tickAt(t, 2);
    expect(next.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok', dustBase: 0.00004, botBase: 0 });
    expect(sells(t)).toHaveLength(0);
  });

  it('6a. dust is counted only as far as the account holds it, and not while balances cannot be read', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    const p = (await t.store.getPosition('paper', 'BTC/USD'))!;
    // The leftover is 0.00004 BTC on the books, but a fee Kraken took in base left only 0.00001.
    await t.store.updatePosition({ ...p, amountBase: 0.00004, costQuote: 0.004, entryFeeQuote: 0.000016 }, p.version);
    t.exchange.balances.BTC = 0.00001;
    t.engine.entries.clear();
    t.exchange.balanceFaults.push(new ExchangeError('unavailable', 'EService:Unavailable'));
    const unread = await tickAt(t, 1);
    expect(unread.pairs[0]!.exit).toMatchObject({ decision: 'hold', blocked: expect.stringMatching(/closed as dust once balances can be read/) });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeDefined();
    const r = await tickAt(t, 2);
    expect(r.pairs[0]!.exit).toMatchObject({ decision: 'dust', amountBase: 0.00004 });
    const ledger = await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(ledger.find((x) => x.reason === 'dust')?.note).toMatch(/the account holds 0.00001 of it/);
    const next = await tickAt(t, 3);
    expect(next.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok', dustBase: 0.00001, botBase: 0 });
  });

  it('6b. a buy whose fee Kraken took in base is corrected to what Kraken holds, not a stuck position', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ feeInBase: true });
    await tickAt(t, 0);
    t.engine.entries.clear();
    const r = await tickAt(t, 1);
    expect(r.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'corrected' });
    const p = (await t.store.getPosition('paper', 'BTC/USD'))!;
    expect(p.amountBase).toBeCloseTo(0.996, 10);
    // The fee is counted once: cost of the coins kept plus the entry fee is what was paid.
    expect(p.costQuote + p.entryFeeQuote).toBeCloseTo(100, 8);
    t.engine.exits.set('BTC/USD', 'sell');
    const exit = await tickAt(t, 2, () => 97);
    expect(exit.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', amountBase: 0.996 });
    expect(t.exchange.balances.BTC).toBeCloseTo(0, 12);
  });

  it('7a. a failed balance read still runs the stops, selling the recorded amount', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.balanceFaults.push(new ExchangeError('unavailable', 'EService:Unavailable'));
    const r = await tickAt(t, 1, () => 97);
    expect(r.errors).toEqual(['exchange unavailable (unavailable): EService:Unavailable']);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', side: 'sell', amountBase: 1 });
  });

  it('7b. a failed markets read still runs the stops, on the ticker\'s price', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.exchange.marketsFaults.push(new ExchangeError('unavailable', 'EService:Unavailable'));
    t.exchange.tickerPrice.set('BTC/USD', 97);
    const r = await tickAt(t, 1, () => 97);
    expect(r.pairs[0]!.exit).toMatchObject({ decision: 'sell', reason: 'stop-loss', priceSource: 'ticker' });
    expect(sells(t)).toHaveLength(1);
  });

  it('7c. one pair\'s bad candles or missing listing skips only that pair, named; its stop still runs on the ticker, the other pair trades', async () => {
    t = setup({ pairs: ['BTC/USD', 'ETH/USD', 'DOGE/USD'] });
    t.exchange.markets.delete('DOGE/USD');
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.entries.set('ETH/USD', buyDecision(50));
    t.exchange.failingCandles.add('BTC/USD');
    t.exchange.tickerPrice.set('BTC/USD', 97);
    const r = await tickAt(t, 1, () => 97);
    expect(r.pairs.find((p) => p.pair === 'DOGE/USD')!.data).toEqual({ ok: false, reason: 'market-inactive', detail: 'DOGE/USD is not listed by the exchange' });
    expect(r.pairs.find((p) => p.pair === 'BTC/USD')!.exit).toMatchObject({ decision: 'sell', reason: 'stop-loss', priceSource: 'ticker' });
    expect(r.pairs.find((p) => p.pair === 'ETH/USD')!.orders[0]).toMatchObject({ status: 'filled', side: 'buy' });
  });

  it('7d. an exit with no price at all is blocked and alerted once per position', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.exchange.failingCandles.add('BTC/USD');
    t.exchange.failingTickers.add('BTC/USD');
    const a = await tickAt(t, 1);
    await tickAt(t, 2);
    expect(a.pairs[0]!.exit).toMatchObject({ decision: 'hold', blocked: expect.stringMatching(/no price for BTC\/USD/) });
    expect(t.alerts.sent.filter((x) => x.kind === 'exit-blocked')).toHaveLength(1);
    expect(t.metrics.total('ExitsBlocked')).toBe(2);
  });

  it('8. a reply that does not add up is never recorded: more filled than ordered, a negative fee', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ corrupt: (o) => ({ ...o, costQuote: o.costQuote * 3, filledBase: o.filledBase * 3 }) });
    const r = await tickAt(t, 0);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'pending', error: expect.stringMatching(/reply not recorded: cost 300 but the buy was for 100/) });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect(t.alerts.sent.filter((a) => a.kind === 'reply-invalid')).toHaveLength(1);

    const u = setup();
    u.engine.entries.set('BTC/USD', buyDecision(100));
    u.exchange.behaviours.push({ corrupt: (o) => ({ ...o, feeQuote: -0.4 }) });
    const v = await tickAt(u, 0);
    expect(v.pairs[0]!.orders[0]!.error).toMatch(/feeQuote is negative/);
    expect(await u.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
  });

  it('8b. a balance reply with no assets is not an empty account: no entries, exits sell the recorded amount', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.exchange.fetchBalances = async () => ({});
    t.engine.entries.set('ETH/USD', buyDecision(50));
    t.engine.exits.set('BTC/USD', 'sell');
    const r = await tickAt(t, 1, () => 97);
    expect(r.errors).toEqual(['exchange unavailable (unavailable): the balance reply held no assets; treated as unreadable']);
    expect(t.alerts.sent.filter((a) => a.kind === 'error').map((a) => a.subject)).toEqual(['[PAPER] exchange reply not recorded']);
    expect(r.pairs[1]!.entry).toMatchObject({ rule: 'account-unreadable' });
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'filled', amountBase: 1 });
  });

  it('10. two exit decisions for one position (a stop and a force-exit at once) sell it once', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.balances.BTC = 5; // the owner also holds BTC: a second sell would have been funded
    const close = CLOSE + FIVE_MINUTES_MS;
    for (const pair of t.config.pairs) t.exchange.candles.set(pair, makeSeries(close, 101, () => 97));
    t.clock.now = close + 6_000;
    const [tick, cmd] = await Promise.all([
      runTick(t.deps, { scheduledTimeMs: close, invocationId: 'sched' }),
      runTick(t.deps, { invocationId: 'cmd', command: { command: 'force-exit', pair: 'BTC/USD', requestId: 'op-1' } }),
    ]);
    const placed = [...tick.pairs.flatMap((p) => p.orders), ...(cmd.command?.outcome ?? [])].filter((o) => o.status === 'filled');
    expect(placed).toHaveLength(1);
    expect(sells(t)).toHaveLength(1);
    expect(t.exchange.balances.BTC).toBeCloseTo(4, 9); // 5 held, 1 sold: the position, nothing of the rest
  });

  it('10c. a stop decided on positions read before a flatten sold them sends nothing (found by the chaos suite)', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.balances.BTC = 3; // the owner's coins beside the position: a second sell would find funds
    const realAcquire = t.store.acquireOrderSlot.bind(t.store);
    let flattened = false;
    t.store.acquireOrderSlot = async (mode, slot) => {
      if (!flattened && slot.side === 'sell') {
        flattened = true;
        // The operator's flatten runs to completion between the tick's read and its order.
        await runTick(t.deps, { invocationId: 'flat', command: { command: 'flatten', requestId: 'flat-race' } });
      }
      return realAcquire(mode, slot);
    };
    const r = await tickAt(t, 1, () => 97);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'in-flight', error: expect.stringMatching(/position this exit was decided for is closed/) });
    expect(sells(t)).toHaveLength(1);
    expect(t.exchange.balances.BTC).toBeCloseTo(2, 9);
  });

  it('10b. flatten while the stop-loss exit is still PENDING does not sell again', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.behaviours.push({ openReads: 10 });
    await tickAt(t, 1, () => 97);
    t.clock.now += 1_000;
    const flat = await runTick(t.deps, { invocationId: 'f', command: { command: 'flatten', requestId: 'flat-1' } });
    expect(flat.command?.refused).toMatch(/exit of BTC\/USD is already in flight/);
    expect(sells(t)).toHaveLength(1);
  });

  it('11. a buy settled into a position that was then sold is never re-created by a late re-settle', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const realTransition = t.store.transitionIntent.bind(t.store);
    let crash = true;
    t.store.transitionIntent = async (...args) => {
      if (crash && args[3].status === 'FILLED') {
        crash = false;
        throw new Error('simulated crash before the intent became FILLED');
      }
      return realTransition(...args);
    };
    await expect(tickAt(t, 0)).rejects.toThrow('simulated crash');
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 1 });
    // Next tick: the buy's lookup fails (rate limit), so it stays PENDING, and the stop sells the position.
    t.engine.entries.clear();
    t.engine.exits.set('BTC/USD', 'sell');
    t.exchange.findFaults.push(new ExchangeError('unavailable', 'EAPI:Rate limit exceeded'));
    const stop = await tickAt(t, 1, () => 97);
    expect(stop.pairs[0]!.orders[0]).toMatchObject({ side: 'sell', status: 'filled' });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    // The tick after: the buy is reconciled and settled without bringing the position back.
    const later = await tickAt(t, 2);
    expect(later.reconciled[0]).toMatchObject({ result: 'filled' });
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    expect(later.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok', botBase: 0 });
  });

  it('12. a crash between reserving the entry and writing its intent: the retried tick still enters, counted once', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const realCreate = t.store.createIntent.bind(t.store);
    t.store.createIntent = async () => {
      throw new Error('simulated crash after the reservation');
    };
    await expect(tickAt(t, 0)).rejects.toThrow('simulated crash');
    expect((await t.store.getDay('paper', DAY)).trades).toBe(1);
    t.store.createIntent = realCreate;
    // Lambda retries the same candle once the claim's lease expired.
    t.clock.now = CLOSE + t.config.tick.leaseMs + 10_000;
    const retry = await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'retry' });
    expect(retry.pairs[0]!.orders[0]).toMatchObject({ status: 'filled' });
    expect((await t.store.getDay('paper', DAY)).trades).toBe(1);
    expect(buys(t)).toHaveLength(1);
  });

  it('12b. a reservation whose order never wrote an intent (the retry decided otherwise) is given back by a later tick', async () => {
    t.engine.entries.set('BTC/USD', buyDecision(100));
    const realCreate = t.store.createIntent.bind(t.store);
    t.store.createIntent = async () => {
      throw new Error('simulated crash after the reservation');
    };
    await expect(tickAt(t, 0)).rejects.toThrow('simulated crash');
    t.store.createIntent = realCreate;
    t.engine.entries.clear();
    await tickAt(t, 1);
    expect((await t.store.getDay('paper', DAY)).trades).toBe(1); // too young to call orphaned
    await tickAt(t, Math.ceil((t.config.tick.leaseMs + FIVE_MINUTES_MS + 10_000) / FIVE_MINUTES_MS));
    expect((await t.store.getDay('paper', DAY)).trades).toBe(0);
  });
});

describe('validate-only', () => {
  it('9. an order the exchange reports as executed is settled like any fill, never dismissed as validated', async () => {
    const t = setup({ mode: 'live', allowLiveTrading: true, validateOnly: true });
    t.deps.hasKeys = true;
    t.engine.entries.set('BTC/USD', buyDecision(100));
    // The fake executes every order; a real fill in validate mode must be recorded.
    const r = await tickAt(t, 0);
    expect(r.pairs[0]!.orders[0]).toMatchObject({ status: 'filled' });
    expect(await t.store.getPosition('live', 'BTC/USD')).toMatchObject({ amountBase: 1 });
  });
});

describe('positions', () => {
  it('keeps a pending buy\'s exposure in the engine\'s view', async () => {
    const t = setup();
    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ openReads: 5 });
    await tickAt(t, 0);
    let seen: readonly Position[] = [];
    const original = t.engine.checkEntry.bind(t.engine);
    t.engine.checkEntry = (series, i, p) => {
      seen = p.openPositions;
      return original(series, i, p);
    };
    t.engine.entries.set('ETH/USD', buyDecision(10));
    await tickAt(t, 1);
    expect(seen.map((p) => [p.pair, p.costQuote])).toEqual([['BTC/USD', 100]]);
  });
});

describe('reconcile (the operator resolves a mismatch)', () => {
  const reconcile = (t: T, action: 'show' | 'adopt' | 'release' | 'accept', requestId: string, pair?: string) => {
    t.clock.now += 1_000;
    return runTick(t.deps, { invocationId: requestId, command: { command: 'reconcile', action, ...(pair ? { pair } : {}), requestId } });
  };

  it('adopt: a surplus becomes the bot\'s position at the current price, with exit levels, a ledger row and an audit record', async () => {
    const t = setup();
    await tickAt(t, 0); // first sighting: no BTC
    t.exchange.balances.BTC = 0.25; // coins appear (a deposit, or a fill the bot never heard of)
    const seen = await tickAt(t, 1);
    expect(seen.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'mismatch', diffBase: 0.25 });
    const shown = await reconcile(t, 'show', 'r-show');
    expect(shown.command?.reconcile?.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'mismatch', diffBase: 0.25 });
    const adopted = await reconcile(t, 'adopt', 'r-adopt', 'BTC/USD');
    expect(adopted.command?.refused).toBeUndefined();
    expect(adopted.command?.reconcile?.done).toBe('BTC/USD: adopted 0.25 BTC at 100 into the bot\'s position');
    expect(await t.store.getPosition('paper', 'BTC/USD')).toMatchObject({ amountBase: 0.25, entryPrice: 100, costQuote: 25, strategy: 'adopted', stopPrice: 98 });
    const ledger = await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(ledger.map((r) => [r.reason, r.side, r.amountBase])).toEqual([['adopt', 'buy', 0.25]]);
    expect((await t.store.listAudit('paper', 0, Number.MAX_SAFE_INTEGER)).map((a) => a.action)).toEqual(['reconcile-adopt']);
    // The same request again changes nothing; the next tick agrees with Kraken.
    const again = await reconcile(t, 'adopt', 'r-adopt', 'BTC/USD');
    expect(again.command?.refused).toMatch(/nothing to adopt/);
    expect((await tickAt(t, 2)).holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok', botBase: 0.25 });
  });

  it('release: a position Kraken no longer backs is dropped, and the lock lifts', async () => {
    const t = setup();
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await tickAt(t, 0);
    t.engine.entries.clear();
    t.exchange.balances.BTC = 0; // sold outside the bot
    expect((await tickAt(t, 1)).locks).toEqual([{ pair: 'BTC/USD', reason: 'holdings mismatch on BTC' }]);
    const released = await reconcile(t, 'release', 'r-rel', 'BTC/USD');
    expect(released.command?.reconcile?.done).toMatch(/position of 1 released/);
    expect(await t.store.getPosition('paper', 'BTC/USD')).toBeUndefined();
    const after = await tickAt(t, 2);
    expect(after.locks).toEqual([]);
    expect(after.holdings.find((h) => h.asset === 'BTC')).toMatchObject({ status: 'ok' });
    // A late settle of the released position's buy cannot bring it back: the release row closed it.
    const rows = await t.store.listTrades('paper', 0, Number.MAX_SAFE_INTEGER);
    expect(rows.find((r) => r.reason === 'release')?.closedPositionOrderIds).toContain(buys(t)[0]!.clientOrderId);
  });

  it('accept: the difference is recorded as the owner\'s coins; refused while an order is in flight', async () => {
    const t = setup();
    await tickAt(t, 0);
    t.exchange.balances.ETH = 3;
    await tickAt(t, 1);
    const accepted = await reconcile(t, 'accept', 'r-acc', 'ETH/USD');
    expect(accepted.command?.reconcile?.done).toBe("ETH: the owner's own coins are now 3 (was 0)");
    expect((await tickAt(t, 2)).holdings.find((h) => h.asset === 'ETH')).toMatchObject({ status: 'ok', externalBase: 3 });

    t.engine.entries.set('BTC/USD', buyDecision(100));
    t.exchange.behaviours.push({ openReads: 10 });
    await tickAt(t, 3);
    const refused = await reconcile(t, 'accept', 'r-acc-2', 'BTC/USD');
    expect(refused.command?.refused).toBe('BTC cannot be compared now: an order on this asset is not final yet');
  });
});


describe('reservations a crash left behind', () => {
  it('an entry reservation orphaned in the day\'s last minutes is released by the next day\'s first ticks', async () => {
    const lateClose = Date.UTC(2026, 0, 5, 23, 55, 0);
    const t = tickFixture(lateClose, {});
    // The tick of 23:55 reserved an entry and crashed before writing its intent.
    const id = 'f'.repeat(32);
    expect(await t.store.reserveEntry('paper', '2026-01-05', 'BTC/USD', { maxTradesPerDay: 4, maxTradesPerPairPerDay: 2 }, id, lateClose + 1_000)).toEqual({ reserved: true });
    for (const k of [1, 2, 3]) {
      const close = lateClose + k * FIVE_MINUTES_MS;
      for (const pair of t.config.pairs) t.exchange.candles.set(pair, makeSeries(close, 101, () => 100));
      t.clock.now = close + 1_000;
      await runTick(t.deps, { scheduledTimeMs: close, invocationId: `inv-${k}` });
    }
    const yesterday = await t.store.getDay('paper', '2026-01-05');
    expect(yesterday.reservations[id]).toMatchObject({ state: 'released' });
    expect(yesterday.trades).toBe(0);
  });
});

describe('a write-off that crashed before releasing its reservation', () => {
  it('is released by a later tick although the intent is still being re-checked', async () => {
    const t = tickFixture(CLOSE, {});
    const id = 'e'.repeat(32);
    const at = CLOSE + 1_000;
    expect(await t.store.reserveEntry('paper', DAY, 'BTC/USD', { maxTradesPerDay: 4, maxTradesPerPairPerDay: 2 }, id, at)).toEqual({ reserved: true });
    // Written off (FAILED, in its 24 h re-check window); the process died before the release.
    await t.store.createIntent({
      mode: 'paper', clientOrderId: id, pair: 'BTC/USD', side: 'buy', reason: 'entry', candleCloseIso: new Date(CLOSE).toISOString(),
      costQuote: 100, referencePrice: 100, reservedDay: DAY, status: 'PENDING', createdAtMs: at, updatedAtMs: at,
    });
    await t.store.transitionIntent('paper', id, 'PENDING', { status: 'FAILED', writtenOffAtMs: at, recheckUntilMs: at + 86_400_000, recheckedAtMs: at, updatedAtMs: at });
    expect((await t.store.listUnresolvedIntents('paper', at)).map((i) => i.status)).toEqual(['FAILED']);
    for (const k of [1, 2, 3]) await tickAt(t, k);
    expect((await t.store.getDay('paper', DAY)).reservations[id]).toMatchObject({ state: 'released' });
    expect((await t.store.getDay('paper', DAY)).trades).toBe(0);
    expect(buys(t)).toHaveLength(0);
  });
});
