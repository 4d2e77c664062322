// Primary adapter: the Lambda entry of the Telegram alert forwarder, subscribed to the alert topic.
import { createTelegramAlertsHandler } from './alertsRuntime.js';

/** Takes an SNS event; sends each alert at or above the minimum severity to the allowed chats. */
export const handler = createTelegramAlertsHandler();
