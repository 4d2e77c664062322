// Unit tests (Telegram bot): the commands that only read, /why from the last tick, halt with a
// reason, a redelivered update, odd requests at the door, and the assistant's proposal behind the
// same Confirm button (nothing runs until it is pressed). The webhook as Lambda wires it, on
// dynalite, with a fake Bot API and EventBridge mocked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, ensureTable } from '../../../functions/adapters/dynamo/localDynamo.js';
import { DynamoStore } from '../../../functions/adapters/dynamo/dynamoStore.js';
import { startLocalDynamo, type LocalDynamo } from '../../../functions/adapters/dynamo/localDynamo.js';
import type { AssistantPort } from '../../../functions/assistant/assistantTypes.js';
import { functionUrlEvent, messageUpdate, OWNER, callbackUpdate } from '../../support/fakeTelegram.js';
import { startTelegramRig, WEBHOOK_SECRET, type TelegramRig } from '../../support/telegramRig.js';
import { NOW_MS, TRADES } from '../assistant/assistantFixture.js';

let dynamo: LocalDynamo;
let rig: TelegramRig | undefined;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});
afterAll(async () => {
  await dynamo.close();
});

async function start(assistant?: AssistantPort): Promise<{ r: TelegramRig; store: DynamoStore }> {
  const tableName = `kbot-tg-unit-${++tables}`;
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, tableName);
  const store = new DynamoStore({ client, tableName });
  for (const t of TRADES) await store.appendTrade({ ...t, mode: 'live' });
  await store.recordRealizedPnl('live', '2026-03-02', TRADES[1]!.clientOrderId, 14.22, 25);
  await store.claimTick('live', '2026-03-02T14:55:00.000Z', 'tick-1', NOW_MS - 290_000, 60_000);
  await store.completeTick('live', '2026-03-02T14:55:00.000Z', 'tick-1', NOW_MS - 280_000, {
    orders: [{ pair: 'ETH/USD', side: 'buy', reason: 'entry', status: 'filled' }],
    skipped: [{ pair: 'BTC/USD', reason: 'stale' }],
    halt: { entries: false, exits: false, reasons: [] },
    locks: [{ pair: 'BTC/USD', reason: 'holdings mismatch on BTC' }],
    errors: [],
  });
  rig = await startTelegramRig({ dynamoEndpoint: dynamo.endpoint, tableName, mode: 'live', nowMs: () => NOW_MS, ...(assistant ? { assistant } : {}) });
  return { r: rig, store };
}

const last = (r: TelegramRig) => r.telegram.sentTo(OWNER.id).at(-1)!;

describe('Telegram bot commands', () => {
  it('/trades, /daily and /why read the table; /why falls back to the last tick', async () => {
    const { r } = await start();
    await r.post(messageUpdate('/trades 2'));
    expect(last(r).text).toBe('last 2 ledger rows (newest first):\n2026-03-02 12:10 ETH/USD buy entry 0.2 @ 3200 fee 2.56\n2026-03-02 11:40 BTC/USD sell take-profit 0.01 @ 66950 fee 2.68 P&L +14.22');
    await r.post(messageUpdate('/daily'));
    expect(last(r).text.split('\n').slice(0, 3)).toEqual(['the last 7 UTC days (entries, exits, realized P&L USD):', '2026-03-02: 0 entries, 1 exits, +14.22', '2026-03-01: 0 entries, 0 exits, +0.00']);
    await r.post(messageUpdate('/why btc/usd'));
    expect(last(r).text).toBe('BTC/USD at the tick of 2026-03-02T14:55:00.000Z (last tick summary only):\nno trade: market data stale (from the last tick\'s summary)\nlocked: holdings mismatch on BTC');
    await r.post(messageUpdate('/why ETH/USD 14:00'));
    expect(last(r).text).toBe('no record of a decision for ETH/USD at or before 2026-03-02T14:00:00.000Z (none in the decision journal nor in the last tick)');
    await r.post(messageUpdate('/why nonsense'));
    expect(last(r).text).toMatch(/^usage: \/why PAIR \[time\]/);
  });

  it('/halt writes the flag with the reason, audited; a redelivered update does nothing again', async () => {
    const { r, store } = await start();
    const update = messageUpdate('/halt CPI release at 14:30');
    await r.post(update);
    await r.post(update);
    expect(await store.getControl('live')).toMatchObject({ halted: true, haltExits: false, reason: 'CPI release at 14:30' });
    expect(r.telegram.sentTo(OWNER.id)).toHaveLength(1);
    expect(last(r).text).toContain('live: HALTED (entries only; exits still run): CPI release at 14:30');
    expect((await store.listAudit('live', 0, NOW_MS + 1)).map((a) => [a.action, a.details.reason])).toEqual([['telegram-halt', 'CPI release at 14:30']]);
    await r.post(messageUpdate('/unhalt'));
    expect((await store.getControl('live')).halted).toBe(false);
  });

  it('the door: base64 bodies are read, a body that is no update is refused, /help lists the commands', async () => {
    const { r } = await start();
    expect(await r.webhook(functionUrlEvent(messageUpdate('/help'), WEBHOOK_SECRET, { base64: true }) as never)).toMatchObject({ statusCode: 200 });
    expect(last(r).text).toContain('/forceexit PAIR - sell one position now (asks first)');
    expect(await r.webhook({ ...functionUrlEvent({}, WEBHOOK_SECRET), body: 'not json' } as never)).toMatchObject({ statusCode: 400 });
  });

  it('free text goes to the assistant; its proposal waits for the Confirm button and then runs the normal path', async () => {
    // Prepare: an assistant that proposes a pause.
    const questions: string[] = [];
    const assistant: AssistantPort = {
      ask: async (question) => {
        questions.push(question);
        return { text: 'Realized P&L today is +14.22 USD.', proposal: { command: 'pause', reason: 'you asked to stop trading' }, validation: { ok: true, rejected: [] }, toolCalls: [], usage: { inputTokens: 0, outputTokens: 0, rounds: 1 } };
      },
    };
    const { r, store } = await start(assistant);

    // Act
    await r.post(messageUpdate('stop trading please, how did today go?'));

    // Assess: the answer, then the proposal with a button; nothing ran.
    const [answer, proposal] = r.telegram.sentTo(OWNER.id);
    expect(questions).toEqual(['stop trading please, how did today go?']);
    expect(answer!.text).toBe('Realized P&L today is +14.22 USD.');
    expect(proposal!.text).toBe('The assistant proposes: pause (you asked to stop trading). Nothing has been run. Confirm? (2 minutes)');
    expect(r.ruleState()).toBe('ENABLED');
    expect(r.eventBridgeCalls()).toEqual([]);

    // Act: the owner confirms.
    await r.post(callbackUpdate(proposal!.replyMarkup!.inline_keyboard[0]![0]!.callback_data, proposal!.text));

    // Assess: the CLI's pause ran, audited as a confirmed proposal.
    expect(r.ruleState()).toBe('DISABLED');
    expect(last(r).text).toMatch(/^pause: done\nschedule rule KrakenBot-tick-schedule: DISABLED/);
    expect((await store.listAudit('live', 0, NOW_MS + 1)).map((a) => [a.action, a.details.via])).toEqual([['telegram-pause', 'assistant-proposal']]);
  });

  it('without an assistant, free text gets the command list', async () => {
    const { r } = await start();
    await r.post(messageUpdate('how are we doing?'));
    expect(last(r).text).toMatch(/^The assistant is not enabled for this bot\./);
  });
});
