// Primary adapter (Telegram): the grammY bot. Every update passes the chat check and a run-once
// marker on its update id (Telegram redelivers an update it got no answer for); then the command
// handlers read the records or run the CLI's operator functions, flatten and force-exit only after
// a signed Confirm button; free text goes to the assistant when one is configured.
import { Bot, InlineKeyboard, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { readDaily, readProfit, readTrades } from '../assistant/botRecords.js';
import { describeDecision, type DecisionReader } from '../assistant/decisionReader.js';
import type { AssistantPort, CommandProposal } from '../assistant/assistantTypes.js';
import type { AlertsPort, LoggerPort, StorePort } from '../core/ports.js';
import { ONE_DAY_MS, type Mode } from '../core/types.js';
import { CANCEL_DATA, signConfirmation, verifyConfirmation, type ConfirmableCommand } from './confirmations.js';
import type { OperatorOutcome, OperatorPort } from './operator.js';
import { withoutSecrets } from './secretParameter.js';
import { auditTelegramCommand, type TelegramActor, type TelegramCommandAudit } from './telegramAudit.js';
import { fitMessage, formatDaily, formatPositions, formatProfit, formatStatusMessage, formatTrades, HELP_TEXT } from './telegramText.js';
import { chatIdOf } from './webhookAuth.js';

export interface TelegramBotDeps {
  token: string;
  /** The Bot API's root (tests: the fake server on 127.0.0.1). Default Telegram's. */
  apiRoot?: string;
  /** The bot's own user, when known (skips the getMe call at start). */
  botInfo?: UserFromGetMe;
  mode: Mode;
  quote: string;
  allowedChatIds: ReadonlySet<number>;
  /** Signs the Confirm buttons (the webhook secret). */
  confirmKey: string;
  store: StorePort;
  operator: OperatorPort;
  decisions: DecisionReader;
  assistant?: AssistantPort;
  alerts: AlertsPort;
  logger: LoggerPort;
  nowMs(): number;
}

/** How long the update and confirmation markers are kept (Telegram keeps undelivered updates for 24 hours). */
const MARKER_TTL_MS = 2 * ONE_DAY_MS;

const PAIR_PATTERN = /^[A-Z0-9]{2,10}\/[A-Z0-9]{2,10}$/;

/** `btc/usd` → `BTC/USD`; undefined when it is not a pair. */
export function parsePair(text: string | undefined): string | undefined {
  const pair = text?.trim().toUpperCase();
  return pair && PAIR_PATTERN.test(pair) ? pair : undefined;
}

/** `/why`'s time: an ISO time, or HH:MM (UTC, today; yesterday when that is still ahead). */
export function parseWhyTime(text: string | undefined, nowMs: number): number | undefined | 'invalid' {
  if (!text) return undefined;
  const hhmm = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (hhmm) {
    const day = Math.floor(nowMs / ONE_DAY_MS) * ONE_DAY_MS;
    const at = day + (Number(hhmm[1]) * 60 + Number(hhmm[2])) * 60_000;
    return at > nowMs ? at - ONE_DAY_MS : at;
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : 'invalid';
}

/** Builds the bot. `handleUpdate` (the webhook) or `webhookCallback` drives it. */
export function createTelegramBot(deps: TelegramBotDeps): Bot {
  const bot = new Bot(deps.token, {
    ...(deps.botInfo ? { botInfo: deps.botInfo } : {}),
    ...(deps.apiRoot ? { client: { apiRoot: deps.apiRoot } } : {}),
  });
  const scrub = (text: string) => withoutSecrets(text, [deps.token, deps.confirmKey]);
  const send = (ctx: Context, text: string, extra: Parameters<Context['reply']>[1] = {}) => ctx.reply(fitMessage(scrub(text)), extra);
  const actorOf = (ctx: Context): TelegramActor => ({
    chatId: ctx.chat!.id,
    ...(ctx.from ? { userId: ctx.from.id } : {}),
    ...(ctx.from?.username ? { username: ctx.from.username } : {}),
  });
  const audit = (entry: TelegramCommandAudit) => auditTelegramCommand({ store: deps.store, mode: deps.mode, logger: deps.logger, alerts: deps.alerts, nowMs: deps.nowMs }, entry);
  const outcomeText = (title: string, outcome: OperatorOutcome) => `${title}: ${outcome.code === 0 ? 'done' : 'FAILED'}\n${outcome.lines.join('\n')}`;

  // 1. Only the configured chats; anything else is dropped without a reply (a stranger learns nothing).
  bot.use(async (ctx, next) => {
    const chatId = chatIdOf(ctx.update);
    if (chatId === undefined || !deps.allowedChatIds.has(chatId)) {
      deps.logger.warn('telegram update refused', { reason: 'chat not allowed', chatId: chatId ?? null, updateId: ctx.update.update_id, fromId: ctx.from?.id ?? null });
      return;
    }
    // 2. Once per update: a redelivered update (Telegram got no answer in time) does nothing again.
    if (!(await deps.store.markOnce(deps.mode, `telegram-update#${ctx.update.update_id}`, deps.nowMs(), MARKER_TTL_MS))) {
      deps.logger.info('telegram update already handled', { updateId: ctx.update.update_id });
      return;
    }
    // 3. Any failure becomes one line in the chat, without secrets, and the update still answers 200.
    try {
      await next();
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.logger.error('telegram command failed', { updateId: ctx.update.update_id, error: scrub(text) });
      await ctx.reply(fitMessage(`error: ${scrub(text)}`)).catch(() => undefined);
    }
  });

  bot.command(['start', 'help'], (ctx) => send(ctx, HELP_TEXT));

  bot.command('status', async (ctx) => {
    const outcome = await deps.operator.status();
    await send(ctx, outcome.report ? [formatStatusMessage(outcome.report), ...outcome.lines].join('\n') : outcomeText('status', outcome));
  });

  bot.command('positions', async (ctx) => {
    await send(ctx, formatPositions(await deps.store.listPositions(deps.mode), deps.nowMs()));
  });

  bot.command('trades', async (ctx) => {
    const n = Number.parseInt(ctx.match.trim() || '10', 10);
    const limit = Number.isFinite(n) ? Math.min(Math.max(n, 1), 50) : 10;
    const nowMs = deps.nowMs();
    await send(ctx, formatTrades(await readTrades(deps.store, deps.mode, { fromMs: nowMs - 7 * ONE_DAY_MS, toMs: nowMs, limit })));
  });

  bot.command('profit', async (ctx) => {
    await send(ctx, formatProfit(await readProfit(deps.store, deps.mode, deps.nowMs()), deps.quote));
  });

  bot.command('daily', async (ctx) => {
    await send(ctx, formatDaily(await readDaily(deps.store, deps.mode, deps.nowMs(), 7), deps.quote));
  });

  bot.command('why', async (ctx) => {
    const [pairText, timeText] = ctx.match.trim().split(/\s+/);
    const pair = parsePair(pairText);
    const atMs = parseWhyTime(timeText, deps.nowMs());
    if (!pair || atMs === 'invalid') return void (await send(ctx, 'usage: /why PAIR [time], e.g. /why BTC/USD or /why BTC/USD 14:05 (UTC)'));
    const decision = await deps.decisions.decisionFor(deps.mode, pair, atMs);
    await send(ctx, decision ? describeDecision(decision).join('\n') : `no record of a decision for ${pair}${atMs === undefined ? '' : ` at or before ${new Date(atMs).toISOString()}`} (${deps.decisions.source === 'journal' ? 'none in the decision journal nor in the last tick' : 'only the last tick is kept'})`);
  });

  const simple = (command: 'pause' | 'resume' | 'unhalt', run: () => Promise<OperatorOutcome>) =>
    bot.command(command, async (ctx) => {
      const outcome = await run();
      await audit({ command, requestId: `tg-${command}-${ctx.update.update_id}`, actor: actorOf(ctx), via: 'command', outcome });
      await send(ctx, outcomeText(command, outcome));
    });
  simple('pause', () => deps.operator.pause());
  simple('resume', () => deps.operator.resume());
  simple('unhalt', () => deps.operator.unhalt());

  bot.command('halt', async (ctx) => {
    const reason = ctx.match.trim().slice(0, 200) || `halted from Telegram by ${ctx.from?.username ? `@${ctx.from.username}` : `user ${ctx.from?.id ?? 'unknown'}`}`;
    const outcome = await deps.operator.halt(reason);
    await audit({ command: 'halt', requestId: `tg-halt-${ctx.update.update_id}`, actor: actorOf(ctx), via: 'command', reason, outcome });
    await send(ctx, outcomeText('halt', outcome));
  });

  const askToConfirm = (ctx: Context, question: string, command: ConfirmableCommand, pair?: string) =>
    send(ctx, question, {
      reply_markup: new InlineKeyboard()
        .text('Confirm', signConfirmation(deps.confirmKey, { command, ...(pair ? { pair } : {}) }, deps.nowMs()))
        .text('Cancel', CANCEL_DATA),
    });

  bot.command('flatten', (ctx) => askToConfirm(ctx, `Sell every open ${deps.mode.toUpperCase()} position at market now and halt entries? (the button works for 2 minutes)`, 'flatten'));

  bot.command('forceexit', async (ctx) => {
    const pair = parsePair(ctx.match);
    if (!pair) return void (await send(ctx, 'usage: /forceexit PAIR, e.g. /forceexit BTC/USD'));
    const position = await deps.store.getPosition(deps.mode, pair);
    if (!position) return void (await send(ctx, `no open ${deps.mode} ${pair} position`));
    await askToConfirm(ctx, `Sell the ${deps.mode.toUpperCase()} ${pair} position (${position.amountBase}) at market now? (the button works for 2 minutes)`, 'force-exit', pair);
  });

  bot.callbackQuery(CANCEL_DATA, async (ctx) => {
    await ctx.answerCallbackQuery({ text: 'cancelled' });
    await ctx.editMessageText(`${ctx.callbackQuery.message?.text ?? ''}\n\ncancelled: nothing was sent`).catch(() => undefined);
  });

  bot.on('callback_query:data', async (ctx) => {
    const confirmation = verifyConfirmation(deps.confirmKey, ctx.callbackQuery.data, deps.nowMs());
    if ('refused' in confirmation) {
      deps.logger.warn('telegram confirmation refused', { reason: confirmation.refused, updateId: ctx.update.update_id });
      await ctx.answerCallbackQuery({ text: confirmation.refused === 'expired' ? 'this button has expired: send the command again' : 'not a valid button' });
      return;
    }
    // A button works once, even if pressed twice or its update is delivered again.
    if (!(await deps.store.markOnce(deps.mode, `telegram-confirm#${confirmation.nonce}`, deps.nowMs(), MARKER_TTL_MS))) {
      await ctx.answerCallbackQuery({ text: 'already confirmed' });
      return;
    }
    await ctx.answerCallbackQuery({ text: 'confirmed, running' });
    await ctx.editMessageText(`${ctx.callbackQuery.message?.text ?? ''}\n\nconfirmed at ${new Date(deps.nowMs()).toISOString()}`).catch(() => undefined);
    const requestId = `tg-${confirmation.command}-${confirmation.nonce}`;
    const via = ctx.callbackQuery.message?.text?.startsWith('The assistant proposes') ? 'assistant-proposal' : 'button';
    const { command, pair } = confirmation;
    const reason = command === 'halt' ? 'halt proposed by the assistant, confirmed in Telegram' : undefined;
    const outcome =
      command === 'flatten' ? await deps.operator.flatten(requestId)
      : command === 'force-exit' ? await deps.operator.forceExit(pair ?? '', requestId)
      : command === 'pause' ? await deps.operator.pause()
      : command === 'resume' ? await deps.operator.resume()
      : command === 'halt' ? await deps.operator.halt(reason!)
      : await deps.operator.unhalt();
    await audit({ command, requestId, actor: actorOf(ctx), via, ...(pair ? { pair } : {}), ...(reason ? { reason } : {}), outcome });
    await send(ctx, outcomeText(`${command}${pair ? ` ${pair}` : ''}`, outcome));
  });

  bot.on('message:text', async (ctx) => {
    if (ctx.message.text.startsWith('/')) return void (await send(ctx, `unknown command\n\n${HELP_TEXT}`));
    if (!deps.assistant) return void (await send(ctx, `The assistant is not enabled for this bot.\n\n${HELP_TEXT}`));
    const answer = await deps.assistant.ask(ctx.message.text.slice(0, 2_000));
    await send(ctx, answer.text);
    if (answer.proposal) await proposeCommand(ctx, answer.proposal);
  });

  /** The assistant's proposal, behind the same signed Confirm button as /flatten: nothing runs until pressed. */
  const proposeCommand = async (ctx: Context, proposal: CommandProposal) => {
    const pair = proposal.command === 'force-exit' ? parsePair(proposal.pair) : undefined;
    if (proposal.command === 'force-exit' && !pair) return;
    await askToConfirm(ctx, `The assistant proposes: ${proposal.command}${pair ? ` ${pair}` : ''} (${proposal.reason.slice(0, 300)}). Nothing has been run. Confirm? (2 minutes)`, proposal.command, pair);
  };

  return bot;
}
