// End to end: Telegram commands from a fake Bot API server (real webhook JSON, through the function
// URL handler as Lambda wires it) to the real tick handler on the Kraken sandbox and dynalite.
// Status and P&L come from the table; pause and resume go to EventBridge; flatten goes through the
// exit-commands alias after the Confirm button; each is audited in the table and the log.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { INVOCATION_ALIASES } from '../../functions/tick/event.js';
import { callbackUpdate, messageUpdate, OWNER, STRANGER } from '../support/fakeTelegram.js';
import { BOT_TOKEN, EXIT_ALIAS_ARN, startTelegramRig, WEBHOOK_SECRET, type TelegramRig } from '../support/telegramRig.js';
import { e2eConfig, startHarness, type Harness } from './harness.js';

let dynamo: LocalDynamo;
let harness: Harness | undefined;
let rig: TelegramRig | undefined;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterEach(async () => {
  await rig?.close();
  await harness?.close();
  rig = undefined;
  harness = undefined;
});
afterAll(async () => {
  await dynamo.close();
});

async function start(): Promise<{ h: Harness; r: TelegramRig }> {
  const tableName = `kbot-telegram-${++tables}`;
  harness = await startHarness({ dynamoEndpoint: dynamo.endpoint, tableName });
  const h = harness;
  rig = await startTelegramRig({
    dynamoEndpoint: dynamo.endpoint,
    tableName,
    mode: 'live',
    nowMs: () => h.sandbox.nowMs(),
    botConfigJson: JSON.stringify(e2eConfig()),
    // The exit-commands alias: the real tick handler, invoked as Lambda invokes that alias.
    invokeTick: (event) =>
      h.handler(event, { awsRequestId: `invoke-${Math.random().toString(36).slice(2, 8)}`, invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:KrakenBot-tick:${INVOCATION_ALIASES.exitCommands}` }),
  });
  return { h, r: rig };
}

const lastTextTo = (r: TelegramRig, chatId = OWNER.id) => r.telegram.sentTo(chatId).at(-1)?.text ?? '';

describe('Telegram end to end (fake Bot API + real tick handler + sandbox + dynalite)', () => {
  it('status and P&L, pause and resume, flatten after confirming: reflected in the table, EventBridge and the audit trail', async () => {
    // Prepare: the bot buys BTC on its signal.
    const { h, r } = await start();
    await h.tickAt(h.buyIndex);
    const position = await h.store.getPosition('live', 'BTC/USD');
    expect(position).toBeDefined();

    // Act & Assess: /status shows the running schedule and the open position.
    expect(await r.post(messageUpdate('/status'))).toMatchObject({ statusCode: 200 });
    const statusText = lastTextTo(r);
    expect(statusText).toContain('schedule: running');
    expect(statusText).toContain('open positions: 1');
    expect(statusText).toContain('today 2026-03-0');
    expect(statusText).toContain('1 of 10 entries, 0 exits');

    // /positions names it with its stop.
    await r.post(messageUpdate('/positions'));
    expect(lastTextTo(r)).toContain(`BTC/USD ${position!.amountBase}`);

    // /pause and /resume toggle the rule in EventBridge and are audited.
    await r.post(messageUpdate('/pause'));
    expect(r.ruleState()).toBe('DISABLED');
    expect(lastTextTo(r)).toMatch(/^pause: done\nschedule rule KrakenBot-tick-schedule: DISABLED/);
    await r.post(messageUpdate('/resume'));
    expect(r.ruleState()).toBe('ENABLED');
    expect(lastTextTo(r)).toContain('schedule rule KrakenBot-tick-schedule: ENABLED');

    // /flatten asks first: nothing is invoked until the button is pressed.
    await r.post(messageUpdate('/flatten'));
    const ask = r.telegram.sentTo(OWNER.id).at(-1)!;
    expect(ask.text).toContain('Sell every open LIVE position at market now and halt entries?');
    expect(r.invokes()).toEqual([]);
    const [confirm, cancel] = ask.replyMarkup!.inline_keyboard[0]!;
    expect([confirm!.text, cancel!.text]).toEqual(['Confirm', 'Cancel']);

    await r.post(callbackUpdate(confirm!.callback_data, ask.text));
    // The exit-commands alias got the CLI's flatten event, with the button's request id.
    expect(r.invokes()).toHaveLength(1);
    const invoked = r.invokes()[0]!;
    expect(invoked.functionName).toBe(EXIT_ALIAS_ARN);
    expect(invoked.payload).toEqual({ kbot: { command: 'flatten', requestId: expect.stringMatching(/^tg-flatten-[A-Za-z0-9_-]+$/) } });
    const requestId = (invoked.payload as { kbot: { requestId: string } }).kbot.requestId;
    const flattened = lastTextTo(r);
    expect(flattened).toMatch(/^flatten: done/);
    expect(flattened).toContain('no open live positions remain.');
    expect(await h.store.listPositions('live')).toEqual([]);
    expect(h.sandbox.orders().map((o) => [o.pair, o.side])).toEqual([['BTC/USD', 'buy'], ['BTC/USD', 'sell']]);
    expect((await h.store.getControl('live')).halted).toBe(true);
    // The tick audited the command it ran (its alert, kind command) ...
    expect(h.published().filter((p) => p.kind === 'command').map((p) => p.subject)).toEqual(['[LIVE] command flatten: 1 order(s) done']);

    // ... and pressing the same button again (or Telegram delivering it twice) runs nothing.
    await r.post(callbackUpdate(confirm!.callback_data, ask.text));
    expect(r.invokes()).toHaveLength(1);
    expect(r.telegram.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text)).toEqual(['confirmed, running', 'already confirmed']);

    // /profit reads the realized P&L of the sell from the ledger.
    const trades = await h.store.listTrades('live', 0, h.sandbox.nowMs());
    const realized = trades.find((t) => t.realizedPnlQuote !== undefined)!.realizedPnlQuote!;
    await r.post(messageUpdate('/profit'));
    const profit = lastTextTo(r);
    expect(profit).toContain(`today (UTC): ${realized >= 0 ? '+' : ''}${realized.toFixed(2)} USD, 1 closed`);
    expect(profit).toContain(`by pair, all time: BTC/USD ${realized >= 0 ? '+' : ''}${realized.toFixed(2)}`);

    // The audit trail: one record per Telegram command, naming the chat and user, beside the tick's own.
    // (The sandbox clock stands still, so the records share a time and sort by id.)
    const audit = (await h.store.listAudit('live', 0, h.sandbox.nowMs() + 1)).sort((a, b) => a.action.localeCompare(b.action));
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['telegram-flatten', `telegram:chat:${OWNER.id}:user:${OWNER.id}:@owner`],
      ['telegram-pause', `telegram:chat:${OWNER.id}:user:${OWNER.id}:@owner`],
      ['telegram-resume', `telegram:chat:${OWNER.id}:user:${OWNER.id}:@owner`],
    ]);
    expect(audit[0]!.id).toBe(requestId);
    expect(audit[0]!.details).toMatchObject({ via: 'button', exitCode: 0 });
    expect(r.logs.filter((l) => l.message === 'operator command').map((l) => l.fields.command)).toEqual(['pause', 'resume', 'flatten']);
    // Pause and resume are alerted by the webhook; flatten by the tick only.
    expect(r.alerts.map((a) => [a.kind, a.severity, a.subject])).toEqual([
      ['command', 'warning', '[LIVE] telegram command pause: done'],
      ['command', 'warning', '[LIVE] telegram command resume: done'],
    ]);

    // No secret ever reached a chat or a log line.
    const everything = JSON.stringify([r.telegram.calls.map((c) => c.params), r.logs, r.alerts]);
    expect(everything).not.toContain(BOT_TOKEN);
    expect(everything).not.toContain(WEBHOOK_SECRET);
  });

  it('refuses forged secret tokens and other chats: nothing read, nothing run, nothing sent', async () => {
    // Prepare
    const { h, r } = await start();
    await h.tickAt(h.buyIndex);

    // Act
    const forged = await r.post(messageUpdate('/pause'), 'kbot-test-secret_Zx81-Ywq0-ab12cd34ef57');
    const missing = await r.post(messageUpdate('/flatten'), null);
    const stranger = await r.post(messageUpdate('/pause', STRANGER));
    const strangerButton = await r.post(callbackUpdate('k1:fl:-:zzzzzz:AAAAAAAA:AAAAAAAAAAAAAAAA', 'x', STRANGER));
    const getRequest = await r.webhook({ ...(await import('../support/fakeTelegram.js')).functionUrlEvent(messageUpdate('/pause'), WEBHOOK_SECRET, { method: 'GET' }) } as never);

    // Assess: 401 without the secret; 200 and silence for other chats (Telegram must not retry them).
    expect([forged, missing, stranger, strangerButton, getRequest].map((x) => (x as { statusCode: number }).statusCode)).toEqual([401, 401, 200, 200, 405]);
    expect(r.telegram.calls.filter((c) => c.method !== 'getMe')).toEqual([]);
    expect(r.eventBridgeCalls()).toEqual([]);
    expect(r.invokes()).toEqual([]);
    expect(r.ruleState()).toBe('ENABLED');
    expect(await h.store.getPosition('live', 'BTC/USD')).toBeDefined();
    expect(await h.store.listAudit('live', 0, h.sandbox.nowMs() + 1)).toEqual([]);
    expect(r.logs.filter((l) => l.message.startsWith('telegram')).map((l) => [l.message, l.fields.reason])).toEqual([
      ['telegram webhook refused', 'wrong secret token'],
      ['telegram webhook refused', 'no secret token header'],
      ['telegram update refused', 'chat not allowed'],
      ['telegram update refused', 'chat not allowed'],
    ]);
    expect(JSON.stringify(r.logs)).not.toContain('ab12cd34ef57');
  });

  it('force-exit sells one pair after confirming; an altered button runs nothing; no position, no button', async () => {
    // Prepare
    const { h, r } = await start();
    await h.tickAt(h.buyIndex);
    await r.post(messageUpdate('/forceexit btc/usd'));
    const ask = r.telegram.sentTo(OWNER.id).at(-1)!;
    expect(ask.text).toContain('Sell the LIVE BTC/USD position');
    const data = ask.replyMarkup!.inline_keyboard[0]![0]!.callback_data;

    // Act: the button's pair altered (ETH instead of BTC) is refused by its signature.
    await r.post(callbackUpdate(data.replace('BTC/USD', 'ETH/USD'), ask.text));
    expect(r.invokes()).toEqual([]);
    // The real button runs the force-exit through the exit-commands alias.
    await r.post(callbackUpdate(data, ask.text));

    // Assess
    expect(r.invokes().map((i) => i.payload)).toEqual([{ kbot: { command: 'force-exit', pair: 'BTC/USD', requestId: expect.stringMatching(/^tg-force-exit-/) } }]);
    expect(lastTextTo(r)).toMatch(/^force-exit BTC\/USD: done\ninvoking .*:exit-commands with force-exit BTC\/USD request tg-force-exit-\S+ \.\.\.\nforce-exit BTC\/USD \(live, request tg-force-exit-[^)]+\): sell filled/);
    expect(await h.store.getPosition('live', 'BTC/USD')).toBeUndefined();
    expect(r.telegram.calls.filter((c) => c.method === 'answerCallbackQuery').map((c) => c.params.text)).toEqual(['not a valid button', 'confirmed, running']);
    expect((await h.store.listAudit('live', 0, h.sandbox.nowMs() + 1)).map((a) => [a.action, a.details.pair])).toEqual([['telegram-force-exit', 'BTC/USD']]);

    // A pair without a position gets no button at all.
    await r.post(messageUpdate('/forceexit ETH/USD'));
    expect(lastTextTo(r)).toBe('no open live ETH/USD position');
    expect(r.telegram.sentTo(OWNER.id).at(-1)!.replyMarkup).toBeUndefined();
  });
});
