// Primary adapter support (Telegram alerts): an SNS-subscribed function that forwards the alert
// topic's messages (the tick's alerts, the stack's alarms) to the allowed chats, from the minimum
// severity up. The text is the one email receives; an alarm's JSON becomes one line.
import { SSMClient } from '@aws-sdk/client-ssm';
import type { SNSEvent, SNSMessage } from 'aws-lambda';
import { Api } from 'grammy';
import { createPowertoolsTelemetry } from '../adapters/powertools/telemetry.js';
import type { AlertSeverity, LoggerPort } from '../core/ports.js';
import { SsmSecret, withoutSecrets } from './secretParameter.js';
import { loadAlertsEnv } from './telegramEnv.js';
import { fitMessage } from './telegramText.js';

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

export interface AlertsOverrides {
  env?: Record<string, string | undefined>;
  ssm?: SSMClient;
  logger?: LoggerPort;
}

/** The severity an SNS message carries; CloudWatch alarm notifications carry none and count as critical. */
export function severityOf(message: Pick<SNSMessage, 'MessageAttributes'>): AlertSeverity {
  const value = message.MessageAttributes?.severity?.Value;
  return value === 'info' || value === 'warning' || value === 'critical' ? value : 'critical';
}

/** The chat text of one SNS message: the alert's own text, or one line for an alarm. */
export function telegramAlertText(message: Pick<SNSMessage, 'Message' | 'Subject'>): string {
  try {
    const alarm = JSON.parse(message.Message) as { AlarmName?: unknown; NewStateValue?: unknown; NewStateReason?: unknown };
    if (typeof alarm.AlarmName === 'string') return `${String(alarm.NewStateValue ?? 'ALARM')}: ${alarm.AlarmName}\n${String(alarm.NewStateReason ?? '')}`.trim();
  } catch {
    // Not JSON: an alert's text.
  }
  return message.Message;
}

/** The SNS handler: sends each message at or above the minimum severity to every allowed chat. */
export function createTelegramAlertsHandler(overrides: AlertsOverrides = {}): (event: SNSEvent) => Promise<{ sent: number; skipped: number }> {
  const env = loadAlertsEnv(overrides.env ?? process.env);
  const logger = overrides.logger ?? createPowertoolsTelemetry({ mode: env.mode, serviceName: 'kraken-bot-telegram-alerts' }).logger;
  const token = new SsmSecret({ client: overrides.ssm ?? new SSMClient({}), parameterName: env.tokenParameter });
  return async (event) => {
    const tokenValue = await token.get();
    const api = new Api(tokenValue, env.apiRoot ? { apiRoot: env.apiRoot } : {});
    let sent = 0;
    let skipped = 0;
    const failures: string[] = [];
    for (const record of event.Records ?? []) {
      const severity = severityOf(record.Sns);
      if (RANK[severity] < RANK[env.minSeverity]) {
        skipped += 1;
        continue;
      }
      const text = fitMessage(telegramAlertText(record.Sns));
      for (const chatId of env.allowedChatIds) {
        try {
          await api.sendMessage(chatId, text);
          sent += 1;
        } catch (error) {
          failures.push(withoutSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error), [tokenValue]));
        }
      }
    }
    if (failures.length) {
      logger.error('telegram alert delivery failed', { failures });
      // Thrown so the failure is recorded (the function's on-failure destination) and alarmed.
      throw new Error(`telegram alert delivery failed ${failures.length} time(s): ${failures[0]}`);
    }
    return { sent, skipped };
  };
}
