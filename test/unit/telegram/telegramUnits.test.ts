// Unit tests (Telegram): the signed confirmation buttons, the secret-token check, the alert
// forwarder's severity filter and texts against the fake Bot API, and secrets kept out of errors.
import { describe, expect, it } from 'vitest';
import { CONFIRMATION_TTL_MS, signConfirmation, verifyConfirmation } from '../../../functions/telegram/confirmations.js';
import { createTelegramAlertsHandler, severityOf, telegramAlertText } from '../../../functions/telegram/alertsRuntime.js';
import { SecretParameterError, SsmSecret, withoutSecrets } from '../../../functions/telegram/secretParameter.js';
import { chatIdOf, secretTokenMatches } from '../../../functions/telegram/webhookAuth.js';
import { startFakeTelegram, OWNER } from '../../support/fakeTelegram.js';
import { BOT_TOKEN } from '../../support/telegramRig.js';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SNSEvent } from 'aws-lambda';

const KEY = 'webhook-secret-for-signing_0123456789';
const T0 = Date.parse('2026-03-02T12:00:00.000Z');

describe('confirmation buttons', () => {
  it('round-trips a force-exit within 64 bytes, and works once its nonce is fresh', () => {
    const data = signConfirmation(KEY, { command: 'force-exit', pair: 'BTC/USD' }, T0, 'nonce123');
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(verifyConfirmation(KEY, data, T0 + 1_000)).toEqual({ command: 'force-exit', pair: 'BTC/USD', nonce: 'nonce123', expiresAtMs: T0 + CONFIRMATION_TTL_MS });
  });

  it('refuses an expired button, an altered one, one signed with another key, and junk', () => {
    const data = signConfirmation(KEY, { command: 'flatten' }, T0, 'nonce123');
    expect(verifyConfirmation(KEY, data, T0 + CONFIRMATION_TTL_MS + 1_000)).toEqual({ refused: 'expired' });
    expect(verifyConfirmation(KEY, data.replace(':fl:', ':pa:'), T0)).toEqual({ refused: 'bad-signature' });
    expect(verifyConfirmation('another-key-0123456789', data, T0)).toEqual({ refused: 'bad-signature' });
    expect(verifyConfirmation(KEY, 'k1:fl:-:zz', T0)).toEqual({ refused: 'malformed' });
  });
});

describe('webhook authentication', () => {
  it('matches only the exact secret', () => {
    expect(secretTokenMatches('abc_DEF-123', 'abc_DEF-123')).toBe(true);
    expect(secretTokenMatches('abc_DEF-124', 'abc_DEF-123')).toBe(false);
    expect(secretTokenMatches('abc_DEF-123x', 'abc_DEF-123')).toBe(false);
    expect(secretTokenMatches(undefined, 'abc_DEF-123')).toBe(false);
    expect(secretTokenMatches('', '')).toBe(false);
  });

  it('finds the chat of messages, edits and button presses', () => {
    expect(chatIdOf({ update_id: 1, message: { chat: { id: 5 } } })).toBe(5);
    expect(chatIdOf({ update_id: 1, edited_message: { chat: { id: -100123 } } })).toBe(-100123);
    expect(chatIdOf({ update_id: 1, callback_query: { message: { chat: { id: 7 } } } })).toBe(7);
    expect(chatIdOf({ update_id: 1, poll: {} })).toBeUndefined();
  });
});

describe('secrets', () => {
  it('never shows a secret or a piece of it', () => {
    const text = withoutSecrets(`GET https://api.telegram.org/bot${BOT_TOKEN}/sendMessage failed; token tail ${BOT_TOKEN.slice(-12)}`, [BOT_TOKEN]);
    expect(text).not.toContain(BOT_TOKEN);
    for (let i = 0; i + 8 <= BOT_TOKEN.length; i++) expect(text).not.toContain(BOT_TOKEN.slice(i, i + 8));
  });

  it('names the parameter, never the value, when SSM fails or the value is empty', async () => {
    const failing = { send: async () => { throw Object.assign(new Error(`denied for ${BOT_TOKEN}`), { name: 'AccessDeniedException' }); } } as unknown as SSMClient;
    await expect(new SsmSecret({ client: failing, parameterName: '/kbot/telegram/bot-token' }).get()).rejects.toThrow(new SecretParameterError('could not read SSM parameter /kbot/telegram/bot-token (AccessDeniedException): store it with kbot telegram setup'));
    const empty = { send: async () => ({ Parameter: { Value: '  ' } }) } as unknown as SSMClient;
    await expect(new SsmSecret({ client: empty, parameterName: '/p' }).get()).rejects.toThrow('SSM parameter /p is empty');
  });
});

describe('alert forwarder', () => {
  const snsEvent = (records: { message: string; severity?: string; kind?: string }[]): SNSEvent => ({
    Records: records.map((r, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:KrakenBot-AlertTopic:sub',
      Sns: {
        Type: 'Notification', MessageId: `m-${i}`, TopicArn: 'arn:aws:sns:us-east-1:123456789012:KrakenBot-AlertTopic', Subject: 'subject', Message: r.message, Timestamp: '2026-03-02T12:00:00.000Z',
        SignatureVersion: '1', Signature: 'x', SigningCertUrl: 'https://example.invalid', UnsubscribeUrl: 'https://example.invalid',
        MessageAttributes: { ...(r.severity ? { severity: { Type: 'String', Value: r.severity } } : {}), ...(r.kind ? { kind: { Type: 'String', Value: r.kind } } : {}) },
      },
    })),
  });
  const ssm = { send: async () => ({ Parameter: { Value: BOT_TOKEN } }) } as unknown as SSMClient;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };

  it('sends the alert\'s own text from the minimum severity up, alarms as critical, to every allowed chat', async () => {
    // Prepare
    const telegram = await startFakeTelegram();
    try {
      const handler = createTelegramAlertsHandler({
        env: { TELEGRAM_TOKEN_PARAMETER: '/t', TELEGRAM_ALLOWED_CHAT_IDS: `${OWNER.id},-100555`, TELEGRAM_API_ROOT: telegram.apiRoot, TELEGRAM_ALERTS_MIN_SEVERITY: 'warning' },
        ssm,
        logger: silent,
      });
      const alarm = JSON.stringify({ AlarmName: 'KrakenBot-tick-errors', NewStateValue: 'ALARM', NewStateReason: 'Threshold Crossed: 1 datapoint [1.0] was greater than the threshold (0.0).' });

      // Act
      const result = await handler(snsEvent([
        { message: '[LIVE] BUY BTC/USD filled (entry)\n\nbuy 0.01 BTC/USD at 65000', severity: 'info', kind: 'fill' },
        { message: '[LIVE] EXIT BTC/USD stop-loss: P&L -12.40\n\nsold 0.01 BTC/USD', severity: 'warning', kind: 'exit' },
        { message: alarm },
      ]));

      // Assess
      expect(result).toEqual({ sent: 4, skipped: 1 });
      expect(telegram.sentTo(OWNER.id).map((m) => m.text)).toEqual([
        '[LIVE] EXIT BTC/USD stop-loss: P&L -12.40\n\nsold 0.01 BTC/USD',
        'ALARM: KrakenBot-tick-errors\nThreshold Crossed: 1 datapoint [1.0] was greater than the threshold (0.0).',
      ]);
      expect(telegram.sentTo(-100555)).toHaveLength(2);
      expect(telegram.calls.every((c) => c.token === BOT_TOKEN)).toBe(true);
    } finally {
      await telegram.close();
    }
  });

  it('throws (so the failure is recorded and alarmed) when Telegram refuses, without the token in the error', async () => {
    const telegram = await startFakeTelegram();
    try {
      const handler = createTelegramAlertsHandler({ env: { TELEGRAM_TOKEN_PARAMETER: '/t', TELEGRAM_ALLOWED_CHAT_IDS: String(OWNER.id), TELEGRAM_API_ROOT: telegram.apiRoot }, ssm, logger: silent });
      telegram.failNext('sendMessage');
      const attempt = handler(snsEvent([{ message: 'kill switch', severity: 'critical', kind: 'kill-switch' }]));
      await expect(attempt).rejects.toThrow(/telegram alert delivery failed 1 time\(s\): GrammyError: Call to 'sendMessage' failed! \(400: Bad Request: chat not found\)/);
      await attempt.catch((error: Error) => expect(error.message).not.toContain(BOT_TOKEN.slice(0, 10)));
    } finally {
      await telegram.close();
    }
  });

  it('reads severities and texts as SNS delivers them', () => {
    expect(severityOf({ MessageAttributes: { severity: { Type: 'String', Value: 'info' } } })).toBe('info');
    expect(severityOf({ MessageAttributes: {} })).toBe('critical');
    expect(telegramAlertText({ Message: 'plain alert', Subject: 's' })).toBe('plain alert');
  });
});
