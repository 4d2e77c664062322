// Secondary adapter: AlertsPort on an SNS topic. One publish reaches every subscription; the JSON
// message structure gives email the subject and full text and SMS the short text.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert, AlertSeverity, AlertsPort, LoggerPort } from '../../core/ports.js';

/** SNS refuses subjects of 100 characters or more. */
export const SNS_SUBJECT_MAX_CHARS = 99;
/** One SMS segment; longer texts are split and billed per segment. */
export const SMS_MAX_CHARS = 140;
/** The message attribute carrying the alert's severity; the SMS subscription's filter policy reads it. */
export const SEVERITY_ATTRIBUTE = 'severity';
/** The severities the SMS subscription lets through (lib/botState.ts); info alerts go to email only. */
export const SMS_SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning'];
/** SNS messages are capped at 256 KB; the JSON envelope carries the text twice, so stay well below. */
const MESSAGE_MAX_CHARS = 100_000;

/**
 * Publishes alerts to `topicArn` with `MessageStructure: 'json'` (`default`, `email`, `sms`) and
 * message attributes `severity` and `kind`; the deployed SMS subscription filters on `severity`
 * (`SMS_SEVERITIES`). Delivery failures are logged, never thrown: an alert must not fail a tick.
 */
export class SnsAlerts implements AlertsPort {
  private readonly client: SNSClient;
  private readonly topicArn: string;
  private readonly logger: LoggerPort | undefined;

  constructor(options: { client: SNSClient; topicArn: string; logger?: LoggerPort }) {
    this.client = options.client;
    this.topicArn = options.topicArn;
    this.logger = options.logger;
  }

  async send(alert: Alert): Promise<void> {
    try {
      await this.client.send(new PublishCommand(snsPublishInput(this.topicArn, alert)));
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.logger?.error('alert delivery failed', { kind: alert.kind, severity: alert.severity, subject: alert.subject, error: detail });
    }
  }
}

/** The Publish input for one alert (exported for tests and for `kbot alerts test`). */
export function snsPublishInput(topicArn: string, alert: Alert) {
  const subject = snsSubject(alert.subject);
  const body = truncate(alert.message, MESSAGE_MAX_CHARS);
  const sms = truncate(singleLine(alert.sms ?? alert.subject), SMS_MAX_CHARS);
  return {
    TopicArn: topicArn,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: `${subject}\n\n${body}`, email: body, sms }),
    ...(subject ? { Subject: subject } : {}),
    MessageAttributes: {
      [SEVERITY_ATTRIBUTE]: { DataType: 'String', StringValue: alert.severity },
      kind: { DataType: 'String', StringValue: alert.kind },
    },
  } as const;
}

/**
 * A subject SNS accepts: one line, no control characters, no leading blanks, under 100 characters
 * (an ellipsis marks a cut).
 */
export function snsSubject(subject: string): string {
  return truncate(singleLine(subject), SNS_SUBJECT_MAX_CHARS);
}

function singleLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Cuts at code points, not UTF-16 units, so an emoji is never split in half. */
function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 3).join('')}...`;
}
