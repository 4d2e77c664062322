// CLI: `kbot telegram setup`. Stores the bot token (prompted, never echoed) and a freshly generated
// webhook secret token as SecureString parameters (with the stack's Telegram KMS key when it has
// one), then registers the stack's function URL with Telegram (setWebhook, with the secret token).
// Run it again to rotate the secret; after BotFather's /revoke, to store the new token.
import { randomBytes } from 'node:crypto';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { Api } from 'grammy';
import { createAwsClients, type AwsClients, type AwsTarget } from '../cli/ops/awsClients.js';
import { OpsError, type OpsIo } from '../cli/ops/opsIo.js';
import { DEFAULT_STACK_NAME } from '../cli/ops/stackOutputs.js';
import { terminalIo } from '../cli/ops/terminalIo.js';
import { withoutSecrets } from './secretParameter.js';
import { SECRET_TOKEN_PATTERN } from './webhookAuth.js';

/** What BotFather hands out: `<bot id>:<35 characters>`. */
export const BOT_TOKEN_PATTERN = /^\d{5,16}:[A-Za-z0-9_-]{30,64}$/;

export interface SetupDeps {
  createClients(target: AwsTarget): AwsClients;
  createIo(): OpsIo & { close?(): void };
  setExitCode(code: number): void;
  /** The Bot API's root (tests: the fake server). */
  apiRoot?: string;
}

/** Stores the token and a new secret, registers the webhook; returns the webhook URL. */
export async function telegramSetup(clients: AwsClients, io: OpsIo, stackName: string, apiRoot?: string): Promise<string> {
  const reply = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName })).catch((error: Error) => {
    throw /does not exist/i.test(error.message) ? new OpsError(`stack ${stackName} not found: did you run cdk deploy?`) : error;
  });
  const outputs = Object.fromEntries((reply.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const url = outputs.TelegramWebhookUrl;
  const tokenParameter = outputs.TelegramTokenParameterName;
  const secretParameter = outputs.TelegramSecretParameterName;
  if (!url || !tokenParameter || !secretParameter) throw new OpsError(`stack ${stackName} has no Telegram outputs: add a telegram section to the deployment settings and cdk deploy (docs/telegram.md)`);
  const kmsKeyId = outputs.TelegramKmsKeyArn;
  const token = (await io.prompt('Telegram bot token (from BotFather, not echoed): ', { secret: true }))?.trim() ?? '';
  if (!BOT_TOKEN_PATTERN.test(token)) throw new OpsError('that is not a bot token (BotFather gives <digits>:<35 characters>); nothing was stored');
  const secret = randomBytes(32).toString('base64url');
  if (!SECRET_TOKEN_PATTERN.test(secret)) throw new Error('generated secret does not fit Telegram\'s pattern');
  const put = async (name: string, value: string) => {
    try {
      await clients.ssm.send(new PutParameterCommand({ Name: name, Type: 'SecureString', Overwrite: true, Value: value, ...(kmsKeyId ? { KeyId: kmsKeyId } : {}) }));
    } catch (error) {
      // The error's name only: an AWS validation message may quote the value.
      throw new OpsError(`could not store SSM parameter ${name} (${error instanceof Error ? error.name : 'Error'}); nothing was registered with Telegram`);
    }
  };
  await put(tokenParameter, token);
  await put(secretParameter, secret);
  io.out(`stored the bot token in ${tokenParameter} and a new webhook secret in ${secretParameter} (${kmsKeyId ? `KMS key ${kmsKeyId}` : 'aws/ssm key'})`);
  const api = new Api(token, apiRoot ? { apiRoot } : {});
  try {
    const me = await api.getMe();
    await api.setWebhook(url, { secret_token: secret, allowed_updates: ['message', 'callback_query'], max_connections: 2, drop_pending_updates: true });
    io.out(`registered ${url} as the webhook of @${me.username}; only updates carrying the new secret are accepted from now on`);
  } catch (error) {
    throw new OpsError(`Telegram refused: ${withoutSecrets(error instanceof Error ? error.message : String(error), [token, secret])} (the parameters are stored; run kbot telegram setup again)`);
  }
  io.out('the function picks up the new values within 5 minutes; send /status to the bot to check');
  return url;
}

/** The `kbot telegram` command group. */
export function telegramCommand(overrides: Partial<SetupDeps> = {}): Command {
  const deps: SetupDeps = {
    createClients: createAwsClients,
    createIo: () => terminalIo(),
    setExitCode: (code) => {
      if (code !== 0) process.exitCode = code;
    },
    ...overrides,
  };
  const group = new Command('telegram').description('the Telegram bot of the deployed stack');
  group.addCommand(
    new Command('setup')
      .description('store the bot token (prompted, never echoed) and a new webhook secret in SSM, and register the webhook with Telegram')
      .option('--stack <name>', 'name of the deployed stack', DEFAULT_STACK_NAME)
      .option('--region <region>', 'AWS region of the stack')
      .option('--profile <profile>', 'AWS named profile')
      .action(async (o: { stack: string; region?: string; profile?: string }) => {
        const io = deps.createIo();
        try {
          await telegramSetup(deps.createClients({ ...(o.region ? { region: o.region } : {}), ...(o.profile ? { profile: o.profile } : {}) }), io, o.stack, deps.apiRoot);
          deps.setExitCode(0);
        } catch (error) {
          io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
          deps.setExitCode(1);
        } finally {
          io.close?.();
        }
      }),
  );
  return group;
}
