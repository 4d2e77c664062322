// End to end: margin shorts through the real tick handler, the real ccxt client against the
// sandbox's margin side (AddOrder with leverage, OpenPositions, TradeBalance) and DynamoDB on
// dynalite. A crafted BTC market falls steadily (15m and 1h downtrends), then drops 4% (the target).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand } from '@aws-sdk/client-sns';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { FIVE_MINUTES_MS, type Candle } from '../../functions/core/types.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { closeOf, e2eConfig, mockAws, sandboxTickHandler, T0 } from './harness.js';

let dynamo: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** Candle index of the tick that shorts: the market has fallen for 800 candles by then. */
const ENTRY = 799;

/** The falling market; `jump` makes the candle after the entry rise 35% instead of dropping 4% (a squeeze past the liquidation price). */
function market(jump = false): Candle[] {
  const out: Candle[] = [];
  let close = 30_000;
  for (let i = 0; i < 830; i++) {
    const open = close;
    if (i < 800) close = open * (1 - 0.0004) * (1 + (i % 2 ? 0.0003 : -0.0003));
    else if (i === 800) close = open * (jump ? 1.35 : 0.96);
    else close = open * (1 + (i % 2 ? 0.0002 : -0.0002));
    out.push({ openTimeMs: T0 + i * FIVE_MINUTES_MS, open, high: Math.max(open, close) * 1.0002, low: Math.min(open, close) * 0.9998, close, volume: 5 });
  }
  return out;
}

interface Rig {
  sandbox: SandboxHandle;
  store: DynamoStore;
  tick(i: number): ReturnType<ReturnType<typeof sandboxTickHandler>>;
  published(): string[];
  close(): Promise<void>;
}

async function rig(opts: { margin?: boolean; jump?: boolean } = {}): Promise<Rig> {
  const sandbox = await startSandbox({ pairs: ['BTC/USD'], data: { 'BTC/USD': market(opts.jump) }, startTimeMs: closeOf(ENTRY), speed: 0, balances: { USD: 10_000 }, margin: { enabled: opts.margin ?? true, rolloverRatePer4h: 0.0002 } });
  const tableName = `shorts-${++tables}`;
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, tableName);
  const { sns } = mockAws(sandbox.apiKey, sandbox.apiSecret);
  const config = e2eConfig({ pairs: ['BTC/USD'], shorts: { enabled: true } });
  const handler = sandboxTickHandler({ sandbox, dynamoEndpoint: dynamo.endpoint, tableName, config, lookupDelayMs: 500 });
  return {
    sandbox,
    store: new DynamoStore({ client, tableName }),
    tick: (i) => {
      sandbox.setTime(closeOf(i));
      return handler(scheduledEvent(closeOf(i)), { awsRequestId: `req-${i}-${Math.random().toString(36).slice(2, 8)}` });
    },
    published: () => sns.commandCalls(PublishCommand).map((c) => `${String(c.args[0].input.Subject)}: ${String(c.args[0].input.Message)}`),
    close: async () => {
      sns.restore();
      client.destroy();
      await sandbox.close();
    },
  };
}

let r: Rig | undefined;
afterEach(async () => {
  await r?.close();
  r = undefined;
});

describe('margin shorts end to end (handler + ccxt + sandbox + dynalite)', () => {
  it('opens a short on the aligned downtrend and buys it back at the target, rollover charged', async () => {
    r = await rig();
    const opened = await r.tick(ENTRY);
    const row = opened.shorts?.pairs.find((p) => p.pair === 'BTC/USD');
    expect(opened.shorts?.entriesRefused).toBeUndefined();
    expect(row?.entry?.decision).toBe('short');
    expect(row?.orders.map((o) => [o.side, o.status])).toEqual([['sell', 'filled']]);
    // No spot order: the only order the sandbox saw is the margin sell.
    expect(r.sandbox.orders().map((o) => o.side)).toEqual(['sell']);
    const onKraken = r.sandbox.marginPositions();
    expect(onKraken).toHaveLength(1);
    const short = await r.store.getShort('live', 'BTC/USD');
    expect(short?.amountBase).toBeCloseTo(onKraken[0]!.volumeBase, 10);
    expect(short!.stopPrice!).toBeGreaterThan(short!.entryPrice);
    expect(short!.takeProfitPrice!).toBeLessThan(short!.entryPrice);
    expect(await r.store.listPositions('live')).toEqual([]);
    expect((await r.store.getMarginExposure('live')).exposureQuote).toBeGreaterThan(0);

    // The next candle drops 4%: the target (3% below the entry) is reached.
    const quiet = await r.tick(ENTRY + 1);
    expect(quiet.shorts?.books).toEqual([{ pair: 'BTC/USD', botBase: short!.amountBase, krakenBase: expect.closeTo(short!.amountBase, 10), status: 'ok' }]);
    const closed = quiet.shorts?.pairs.find((p) => p.pair === 'BTC/USD');
    expect(closed?.exit?.decision).toBe('buy');
    expect(closed?.exit?.reason).toBe('take-profit');
    expect(closed?.orders.map((o) => [o.side, o.status])).toEqual([['buy', 'filled']]);
    expect(r.sandbox.marginPositions()).toEqual([]);
    expect(await r.store.getShort('live', 'BTC/USD')).toBeUndefined();
    expect((await r.store.getMarginExposure('live')).exposureQuote).toBeCloseTo(0, 9);
    const trades = await r.store.listTrades('live', 0, closeOf(900));
    const close = trades.find((t) => t.side === 'buy');
    expect(close?.note).toMatch(/rollover 0\.\d+ included/);
    // The P&L is the sale minus the buy-back, both fees and the rollover of one charge (the opening one).
    const open = trades.find((t) => t.side === 'sell')!;
    const rollover = 0.0002 * open.costQuote;
    expect(close!.realizedPnlQuote!).toBeCloseTo(open.costQuote - close!.costQuote - open.feeQuote - close!.feeQuote - rollover, 6);
    expect(close!.realizedPnlQuote!).toBeGreaterThan(0);
    expect(r.sandbox.closedMarginPositions().map((c) => c.reason)).toEqual(['closed']);
  });

  it('a lost AddOrder reply on the short entry is looked up, recorded once and never re-sent', async () => {
    r = await rig();
    r.sandbox.faults.dropReplyNext({ method: 'AddOrder' });
    const first = await r.tick(ENTRY);
    const out = first.shorts?.pairs.find((p) => p.pair === 'BTC/USD')?.orders ?? [];
    expect(out).toHaveLength(1);
    expect(out[0]!.status).toBe('filled');
    expect(r.sandbox.orders()).toHaveLength(1);
    expect(r.sandbox.marginPositions()).toHaveLength(1);
    // The same candle again (a second invocation) is skipped: no second short.
    const again = await r.tick(ENTRY);
    expect(again.status).toBe('skipped');
    expect(r.sandbox.orders()).toHaveLength(1);
  });

  it('an executed short entry that ClosedOrders does not show yet is not written off while Kraken shows the short', async () => {
    r = await rig();
    r.sandbox.faults.dropReplyNext({ method: 'AddOrder' });
    r.sandbox.setBehaviour({ orders: { pair: 'BTC/USD', side: 'sell', count: 1, closedOrdersLag: 20 } });
    const first = await r.tick(ENTRY);
    expect(first.shorts?.pairs[0]?.orders.map((o) => o.status)).toEqual(['pending']);
    expect(r.sandbox.marginPositions()).toHaveLength(1);
    // Two lookups and the deadline have passed: "not found" alone would write it off.
    const second = await r.tick(ENTRY + 1);
    expect(second.shorts?.reconciled.map((x) => [x.result, x.detail])).toEqual([['still-pending', expect.stringMatching(/not written off: Kraken shows a BTC\/USD short/)]]);
    const intent = (await r.store.listPendingIntents('live')).find((i) => i.margin);
    expect(intent?.status).toBe('PENDING');
    expect(r.published().some((m) => /not written off/.test(m))).toBe(true);
    // Nothing re-sent, nothing bought back meanwhile; once ClosedOrders shows it, it settles (and,
    // the market having fallen 4% since, its target is reached in the same tick).
    let settledAt = -1;
    for (let k = 2; k < 30 && settledAt < 0; k++) {
      expect(r.sandbox.orders().filter((o) => o.margin)).toHaveLength(1);
      const t = await r.tick(ENTRY + k);
      if (t.shorts?.reconciled[0]?.result === 'filled') settledAt = k;
    }
    expect(settledAt).toBeGreaterThan(2);
    const margin = r.sandbox.orders().filter((o) => o.margin);
    expect(margin.map((o) => o.side)).toEqual(['sell', 'buy']);
    const rows = (await r.store.listTrades('live', 0, closeOf(900))).filter((t) => t.note?.startsWith('margin'));
    expect(rows.map((t) => [t.side, t.reason])).toEqual([['sell', 'entry'], ['buy', 'take-profit']]);
    expect(r.sandbox.marginPositions()).toEqual([]);
  });

  it('a short entry that stays open is left PENDING, locks the pair, and settles once when final', async () => {
    r = await rig();
    r.sandbox.setBehaviour({ orders: { pair: 'BTC/USD', side: 'sell', count: 1, openLookups: 4 } });
    const first = await r.tick(ENTRY);
    expect(first.shorts?.pairs.find((p) => p.pair === 'BTC/USD')?.orders.map((o) => o.status)).toEqual(['pending']);
    expect(await r.store.getShort('live', 'BTC/USD')).toBeUndefined();
    const pending = (await r.store.listPendingIntents('live')).filter((i) => i.margin);
    expect(pending).toHaveLength(1);
    // The spot protocol never touches it: the spot reconcile list of the tick is empty.
    expect(first.reconciled).toEqual([]);
    let settled = false;
    for (let k = 1; k <= 4 && !settled; k++) {
      const t = await r.tick(ENTRY + k);
      expect(t.reconciled).toEqual([]);
      settled = (await r.store.getShort('live', 'BTC/USD')) !== undefined;
    }
    expect(settled).toBe(true);
    expect(r.sandbox.orders().filter((o) => o.side === 'sell')).toHaveLength(1);
    expect((await r.store.listPendingIntents('live')).filter((i) => i.margin && i.side === 'sell')).toEqual([]);
  });

  it('gives back a margin reservation a crash left without its intent, after a lease and a tick', async () => {
    r = await rig();
    // A tick crashed between reserving the exposure and writing the intent, 20 minutes ago.
    const orphan = 'f'.repeat(32);
    expect(await r.store.reserveMargin('live', orphan, 'BTC/USD', 60, 5_000, closeOf(ENTRY) - 20 * 60_000)).toEqual({ reserved: true });
    const result = await r.tick(ENTRY);
    const exposure = await r.store.getMarginExposure('live');
    expect(exposure.reservations[orphan]?.state).toBe('released');
    const short = await r.store.getShort('live', 'BTC/USD');
    expect(result.shorts?.pairs[0]?.orders.map((o) => o.status)).toEqual(['filled']);
    // What stays reserved is exactly the short that opened.
    expect(exposure.exposureQuote).toBeCloseTo(exposure.reservations[short!.entryClientOrderId]!.notionalQuote, 9);
  });

  it('kbot flatten buys the short back (reduce-only), once, however often it is repeated', async () => {
    r = await rig();
    await r.tick(ENTRY);
    expect(r.sandbox.marginPositions()).toHaveLength(1);
    const handler = sandboxTickHandler({ sandbox: r.sandbox, dynamoEndpoint: dynamo.endpoint, tableName: `shorts-${tables}`, config: e2eConfig({ pairs: ['BTC/USD'], shorts: { enabled: true } }), lookupDelayMs: 500 });
    r.sandbox.setTime(closeOf(ENTRY) + 60_000);
    const flat = await handler({ kbot: { command: 'flatten', requestId: 'flat-1' } }, { awsRequestId: 'cmd-1' });
    expect(flat.command?.outcome.map((o) => [o.side, o.reason, o.status])).toEqual([['buy', 'flatten', 'filled']]);
    expect(r.sandbox.marginPositions()).toEqual([]);
    expect(await r.store.getShort('live', 'BTC/USD')).toBeUndefined();
    const again = await handler({ kbot: { command: 'flatten', requestId: 'flat-1' } }, { awsRequestId: 'cmd-2' });
    expect(again.command?.outcome.filter((o) => o.status === 'filled')).toEqual([]);
    expect(r.sandbox.orders().filter((o) => o.side === 'buy')).toHaveLength(1);
    // The flatten halted entries: the next tick opens no new short.
    const next = await r.tick(ENTRY + 2);
    expect(next.shorts?.entriesRefused).toMatch(/halted/);
    expect(r.sandbox.orders()).toHaveLength(2);
  });

  it('a short Kraken liquidated is a mismatch: alerted, never bought back or re-entered', async () => {
    r = await rig({ jump: true });
    await r.tick(ENTRY);
    const recorded = await r.store.getShort('live', 'BTC/USD');
    expect(recorded).toBeDefined();
    // The next candle squeezes 35% up, past the liquidation price (30% above the entry at Kraken's 2:1).
    const after = await r.tick(ENTRY + 1);
    expect(r.sandbox.closedMarginPositions().map((c) => c.reason)).toEqual(['liquidated']);
    expect(after.shorts?.books).toEqual([{ pair: 'BTC/USD', botBase: recorded!.amountBase, krakenBase: 0, status: 'mismatch' }]);
    expect(after.shorts?.pairs[0]?.exit).toEqual({ decision: 'skipped', reason: 'books mismatch: resolve with the operator first' });
    expect(r.published().some((m) => /short \(margin\)/.test(m))).toBe(true);
    await r.tick(ENTRY + 2);
    // One margin order only, the entry: no buy-back of a short that is gone, no new short (the spot
    // strategy may buy the squeeze; that is a spot order on its own slot).
    expect(r.sandbox.orders().filter((o) => o.margin).map((o) => o.side)).toEqual(['sell']);
  });

  it('refuses shorts when the account lacks margin: nothing sent, the owner told', async () => {
    r = await rig({ margin: false });
    const result = await r.tick(ENTRY);
    expect(result.shorts?.entriesRefused).toMatch(/does not report margin capability.*Permission denied/);
    expect(result.shorts?.capability).toEqual({ enabled: false, reason: expect.stringMatching(/Permission denied/) });
    expect(r.sandbox.orders()).toEqual([]);
    expect(r.published().some((m) => /shorts refused/.test(m))).toBe(true);
  });

  it('a short Kraken shows but the bot did not record is a mismatch, alerted and never traded', async () => {
    r = await rig();
    const opened = await r.tick(ENTRY);
    const recorded = await r.store.getShort('live', 'BTC/USD');
    expect(recorded).toBeDefined();
    // The bot's record is gone (as if the owner had opened that short by hand): Kraken shows a short the bot does not know.
    await r.store.deleteShort('live', 'BTC/USD', recorded!.version);
    const next = await r.tick(ENTRY + 1);
    expect(opened.shorts?.pairs[0]?.orders).toHaveLength(1);
    expect(next.shorts?.books[0]?.status).toBe('mismatch');
    expect(next.shorts?.pairs.find((p) => p.pair === 'BTC/USD')?.entry?.reason).toMatch(/mismatch/);
    expect(next.shorts?.pairs.flatMap((p) => p.orders)).toEqual([]);
    expect(r.published().some((m) => /short \(margin\)/.test(m))).toBe(true);
  });
});
