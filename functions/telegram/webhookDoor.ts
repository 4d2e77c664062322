// Primary adapter (Telegram webhook behind a Lambda function URL): the door. A request must be a
// POST carrying Telegram's secret token header (compared in constant time) before its body is even
// parsed; then grammY's own webhook adapter for Lambda checks the token again and runs the bot.
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { webhookCallback, type Bot } from 'grammy';
import type { LoggerPort } from '../core/ports.js';
import { headerValue, SECRET_TOKEN_HEADER, secretTokenMatches } from './webhookAuth.js';

export interface WebhookDoorDeps {
  /** The webhook's secret token (SSM, cached). */
  secret(): Promise<string>;
  /** The bot, built once per container (it needs the token). */
  bot(): Promise<Bot>;
  logger: LoggerPort;
  /** How long grammY lets an update's handlers run before answering Telegram anyway. */
  timeoutMs: number;
}

export type WebhookHandler = (event: LambdaFunctionURLEvent) => Promise<LambdaFunctionURLResult>;

const reply = (statusCode: number, body = ''): LambdaFunctionURLResult => ({ statusCode, headers: { 'content-type': 'text/plain' }, body });

/** The function URL's handler. Answers 401 to a missing or wrong secret, 200 once an update was taken. */
export function createWebhookDoor(deps: WebhookDoorDeps): WebhookHandler {
  let callback: ((event: { headers: Record<string, string | undefined>; body?: string }, context: unknown) => Promise<LambdaFunctionURLResult>) | undefined;
  let callbackSecret: string | undefined;
  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'POST';
    if (method !== 'POST') return reply(405, 'POST only');
    const secret = await deps.secret();
    const header = headerValue(event.headers, SECRET_TOKEN_HEADER);
    if (!secretTokenMatches(header, secret)) {
      // The header's value is never logged: a near miss would give away part of the secret.
      deps.logger.warn('telegram webhook refused', { reason: header === undefined ? 'no secret token header' : 'wrong secret token', sourceIp: event.requestContext?.http?.sourceIp ?? null });
      return reply(401, 'unauthorized');
    }
    const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    try {
      const update = JSON.parse(body) as { update_id?: unknown };
      if (typeof update?.update_id !== 'number') throw new Error('no update_id');
    } catch {
      deps.logger.warn('telegram webhook refused', { reason: 'body is not a Telegram update' });
      return reply(400, 'not an update');
    }
    if (!callback || callbackSecret !== secret) {
      callback = webhookCallback(await deps.bot(), 'aws-lambda-async', { secretToken: secret, onTimeout: 'return', timeoutMilliseconds: deps.timeoutMs }) as unknown as typeof callback;
      callbackSecret = secret;
    }
    // Function URLs lower-case header names; grammY's adapter reads the lower-case one too.
    const result = await callback!({ headers: { [SECRET_TOKEN_HEADER]: header }, body }, {});
    return result ?? reply(200);
  };
}
