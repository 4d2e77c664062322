// Primary adapter: the Lambda entry of the Telegram webhook (behind its function URL). Wiring
// happens once at cold start; each request is one Telegram update.
import { createTelegramWebhookHandler } from './webhookRuntime.js';

/** Takes a function URL request carrying one Telegram update; answers 200, or 401 without the secret token. */
export const handler = createTelegramWebhookHandler();
