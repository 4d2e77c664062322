// Unit tests: the SNS alerts adapter (message structure per protocol, subject limit, no throws).
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SEVERITY_ATTRIBUTE, SMS_SEVERITIES, SnsAlerts, snsPublishInput, snsSubject } from '../../../functions/adapters/sns/snsAlerts.js';
import type { Alert, LoggerPort } from '../../../functions/core/ports.js';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:kbot-alerts';
const sns = mockClient(SNSClient);

class RecordingLogger implements LoggerPort {
  readonly lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  debug = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'error', message, fields });
}

const killSwitch: Alert = {
  severity: 'critical',
  kind: 'kill-switch',
  subject: '[live] Kill switch tripped: daily loss -51.20 USD',
  message: 'Realized P&L today: -51.20 USD (limit 50).\nNo new entries until 00:00 UTC.',
  sms: 'kbot live: kill switch, -51.20 USD today',
};

describe('Class: SnsAlerts', () => {
  beforeEach(() => {
    sns.reset();
  });

  it('publishes one JSON-structured message: email gets the full text, SMS the short one', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await new SnsAlerts({ client: new SNSClient({ region: 'us-east-1' }), topicArn: TOPIC }).send(killSwitch);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: TOPIC, MessageStructure: 'json', Subject: killSwitch.subject });
    expect(JSON.parse(input.Message!)).toEqual({
      default: `${killSwitch.subject}\n\n${killSwitch.message}`,
      email: killSwitch.message,
      sms: killSwitch.sms,
    });
    expect(input.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'critical' },
      kind: { DataType: 'String', StringValue: 'kill-switch' },
    });
  });

  it('sets the severity attribute the SMS filter policy reads: critical and warning pass, info does not', () => {
    const severityOf = (severity: Alert['severity']) => snsPublishInput(TOPIC, { ...killSwitch, severity }).MessageAttributes[SEVERITY_ATTRIBUTE].StringValue;
    expect(SEVERITY_ATTRIBUTE).toBe('severity');
    expect([severityOf('critical'), severityOf('warning'), severityOf('info')].map((s) => SMS_SEVERITIES.includes(s))).toEqual([true, true, false]);
  });

  it('falls back to the subject for SMS when the alert has no short text', async () => {
    sns.on(PublishCommand).resolves({});
    const { sms: _sms, ...withoutSms } = killSwitch;
    await new SnsAlerts({ client: new SNSClient({ region: 'us-east-1' }), topicArn: TOPIC }).send(withoutSms);
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]!.args[0].input.Message!).sms).toBe(killSwitch.subject);
  });

  it('never throws when delivery fails; it logs instead', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const logger = new RecordingLogger();
    await expect(new SnsAlerts({ client: new SNSClient({ region: 'us-east-1' }), topicArn: TOPIC, logger }).send(killSwitch)).resolves.toBeUndefined();
    expect(logger.lines).toEqual([
      {
        level: 'error',
        message: 'alert delivery failed',
        fields: expect.objectContaining({ kind: 'kill-switch', error: 'NotFoundException: Topic does not exist' }),
      },
    ]);
  });
});

describe('Function: snsSubject', () => {
  it('keeps short subjects unchanged', () => {
    expect(snsSubject('[paper] Bought 0.0012 BTC/USD')).toBe('[paper] Bought 0.0012 BTC/USD');
  });

  it('trims to under 100 characters with an ellipsis', () => {
    const subject = snsSubject(`[live] ${'x'.repeat(200)}`);
    expect(subject).toHaveLength(99);
    expect(subject.endsWith('...')).toBe(true);
    expect(subject.startsWith('[live] xxx')).toBe(true);
  });

  it('folds line breaks and control characters, which SNS refuses', () => {
    expect(snsSubject('  Fill\nBTC/USD\t\u0007done  ')).toBe('Fill BTC/USD done');
  });

  it('never splits an emoji when cutting', () => {
    const subject = snsSubject('🚨'.repeat(120));
    expect(Array.from(subject)).toHaveLength(99);
    expect(subject).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
