// Test support: a fake Telegram Bot API server on 127.0.0.1. grammY's `apiRoot` points at it; it
// answers getMe, sendMessage, answerCallbackQuery and editMessageText the way Telegram does
// (`{"ok":true,"result":...}`), records every call, and builds real webhook update JSON for tests.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Bot API call the bot made. */
export interface BotApiCall {
  token: string;
  method: string;
  params: Record<string, unknown>;
}

export interface FakeTelegram {
  /** The Bot API root to give grammY (`http://127.0.0.1:<port>`). */
  apiRoot: string;
  calls: BotApiCall[];
  /** Texts sent with sendMessage to `chatId`, in order. */
  sentTo(chatId: number): { text: string; replyMarkup?: { inline_keyboard: { text: string; callback_data: string }[][] } }[];
  /** Makes the next calls of `method` fail like Telegram does (HTTP 400 with a description). */
  failNext(method: string, count?: number): void;
  close(): Promise<void>;
}

export const BOT_USER = { id: 7_000_000_001, is_bot: true, first_name: 'kbot', username: 'kbot_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false };

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: BotApiCall[] = [];
  const failures = new Map<string, number>();
  let messageId = 100;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!match) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
      const [, token, method] = match as unknown as [string, string, string];
      const text = Buffer.concat(chunks).toString('utf8');
      const params = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      calls.push({ token, method, params });
      const failing = failures.get(method) ?? 0;
      if (failing > 0) {
        failures.set(method, failing - 1);
        return answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
      }
      const chat = { id: Number(params.chat_id), type: 'private' };
      switch (method) {
        case 'getMe':
          return answer(200, { ok: true, result: BOT_USER });
        case 'sendMessage':
          return answer(200, { ok: true, result: { message_id: ++messageId, date: 1_772_400_000, chat, text: params.text, ...(params.reply_markup ? { reply_markup: params.reply_markup } : {}) } });
        case 'editMessageText':
          return answer(200, { ok: true, result: { message_id: Number(params.message_id), date: 1_772_400_000, chat, text: params.text } });
        case 'answerCallbackQuery':
        case 'setWebhook':
          return answer(200, { ok: true, result: true });
        default:
          return answer(404, { ok: false, error_code: 404, description: `Not Found: method ${method}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    sentTo: (chatId) =>
      calls
        .filter((c) => c.method === 'sendMessage' && Number(c.params.chat_id) === chatId)
        .map((c) => ({ text: String(c.params.text), ...(c.params.reply_markup ? { replyMarkup: c.params.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] } } : {}) })),
    failNext: (method, count = 1) => void failures.set(method, count),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A user and their private chat (in a private chat the chat id is the user id). */
export const OWNER = { id: 424_242_001, is_bot: false, first_name: 'Owner', username: 'owner' };
export const STRANGER = { id: 999_000_111, is_bot: false, first_name: 'Mallory', username: 'mallory' };

let nextUpdateId = 800_000_000;
let nextMessageId = 1;

/** A real `message` update as Telegram posts it to a webhook; a leading /command gets its bot_command entity. */
export function messageUpdate(text: string, from: { id: number; is_bot: boolean; first_name: string; username?: string } = OWNER, chatId = from.id): Record<string, unknown> {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return {
    update_id: ++nextUpdateId,
    message: {
      message_id: ++nextMessageId,
      from: { ...from, language_code: 'en' },
      chat: { id: chatId, first_name: from.first_name, ...(from.username ? { username: from.username } : {}), type: 'private' },
      date: 1_772_400_000,
      text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: 'bot_command' }] } : {}),
    },
  };
}

/** A real `callback_query` update: `from` pressed the button carrying `data` under the bot's message `text`. */
export function callbackUpdate(data: string, text: string, from: { id: number; is_bot: boolean; first_name: string; username?: string } = OWNER, chatId = from.id): Record<string, unknown> {
  return {
    update_id: ++nextUpdateId,
    callback_query: {
      id: String(4_382_000_000_000 + nextUpdateId),
      from: { ...from, language_code: 'en' },
      message: { message_id: ++nextMessageId, from: BOT_USER, chat: { id: chatId, first_name: from.first_name, type: 'private' }, date: 1_772_400_000, text },
      chat_instance: '-8123456789012345678',
      data,
    },
  };
}

/** The function URL event Lambda passes for Telegram's POST of `update`. */
export function functionUrlEvent(update: unknown, secretToken: string | undefined, options: { base64?: boolean; method?: string } = {}): Record<string, unknown> & { body: string } {
  const json = JSON.stringify(update);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      host: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      'x-forwarded-for': '91.108.6.10',
      ...(secretToken !== undefined ? { 'x-telegram-bot-api-secret-token': secretToken } : {}),
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghij',
      domainName: 'abcdefghij.lambda-url.eu-west-1.on.aws',
      http: { method: options.method ?? 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '91.108.6.10', userAgent: '' },
      requestId: `req-${nextUpdateId}`,
      routeKey: '$default',
      stage: '$default',
      time: '02/Mar/2026:00:00:00 +0000',
      timeEpoch: 1_772_409_600_000,
    },
    body: options.base64 ? Buffer.from(json).toString('base64') : json,
    isBase64Encoded: options.base64 ?? false,
  };
}
