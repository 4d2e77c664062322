// Unit tests (CLI): `kbot telegram setup` stores the prompted token and a generated secret with the
// stack's KMS key, registers the function URL with the secret (fake Bot API), and prints neither.
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { telegramCommand } from '../../../functions/telegram/setupCommand.js';
import { fakeIo, mockStack, OUTPUTS, testClients } from '../cli-ops-fixtures.js';
import { startFakeTelegram } from '../../support/fakeTelegram.js';
import { BOT_TOKEN } from '../../support/telegramRig.js';

const ssm = mockClient(SSMClient);
afterEach(() => ssm.reset());

const TELEGRAM_OUTPUTS = {
  ...OUTPUTS,
  TelegramWebhookUrl: 'https://abcdefghij.lambda-url.eu-west-1.on.aws/',
  TelegramTokenParameterName: '/kbot/telegram/bot-token',
  TelegramSecretParameterName: '/kbot/telegram/webhook-secret',
  TelegramKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

async function run(answers: string[], outputs: Record<string, string> = TELEGRAM_OUTPUTS) {
  const telegram = await startFakeTelegram();
  mockStack(outputs);
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  const io = fakeIo(answers);
  let code = -1;
  await telegramCommand({ createClients: testClients, createIo: () => io, setExitCode: (c) => void (code = c), apiRoot: telegram.apiRoot }).parseAsync(['node', 'telegram', 'setup']);
  await telegram.close();
  return { io, code, telegram };
}

describe('kbot telegram setup', () => {
  it('stores the token and a new secret with the stack key, then registers the webhook with that secret', async () => {
    const { io, code, telegram } = await run([BOT_TOKEN]);
    expect(code).toBe(0);
    expect(io.prompts).toEqual([{ question: 'Telegram bot token (from BotFather, not echoed): ', secret: true }]);
    const puts = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Name, p.Type, p.KeyId, p.Overwrite])).toEqual([
      ['/kbot/telegram/bot-token', 'SecureString', TELEGRAM_OUTPUTS.TelegramKmsKeyArn, true],
      ['/kbot/telegram/webhook-secret', 'SecureString', TELEGRAM_OUTPUTS.TelegramKmsKeyArn, true],
    ]);
    expect(puts[0]!.Value).toBe(BOT_TOKEN);
    const secret = puts[1]!.Value!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const setWebhook = telegram.calls.find((c) => c.method === 'setWebhook')!;
    expect(setWebhook.token).toBe(BOT_TOKEN);
    expect(setWebhook.params).toEqual({ url: TELEGRAM_OUTPUTS.TelegramWebhookUrl, secret_token: secret, allowed_updates: ['message', 'callback_query'], max_connections: 2, drop_pending_updates: true });
    expect(io.all()).not.toContain(BOT_TOKEN);
    expect(io.all()).not.toContain(secret);
    expect(io.stdout).toContain(`registered ${TELEGRAM_OUTPUTS.TelegramWebhookUrl} as the webhook of @kbot_test_bot; only updates carrying the new secret are accepted from now on`);
  });

  it('stores nothing for something that is not a bot token, or a stack without Telegram', async () => {
    const bad = await run(['not-a-token']);
    expect(bad.code).toBe(1);
    expect(bad.io.stderr.at(-1)).toBe('error: that is not a bot token (BotFather gives <digits>:<35 characters>); nothing was stored');
    const none = await run([BOT_TOKEN], OUTPUTS);
    expect(none.io.stderr.at(-1)).toMatch(/has no Telegram outputs/);
    expect(ssm.commandCalls(PutParameterCommand)).toEqual([]);
  });
});
