// Test support: the Telegram webhook wired as in Lambda (createTelegramWebhookHandler) against a
// fake Bot API on 127.0.0.1, the state table on dynalite, and AWS clients mocked per instance:
// SSM holds the token and the secret, EventBridge keeps the rule's state, and Lambda's Invoke of
// the exit-commands alias runs `invokeTick` (the real tick handler in the e2e tests).
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createDynamoClient } from '../../functions/adapters/dynamo/createDynamoClient.js';
import type { AssistantPort } from '../../functions/assistant/assistantTypes.js';
import type { Alert, LoggerPort } from '../../functions/core/ports.js';
import type { WebhookHandler } from '../../functions/telegram/webhookDoor.js';
import { createTelegramWebhookHandler } from '../../functions/telegram/webhookRuntime.js';
import { functionUrlEvent, OWNER, startFakeTelegram, type FakeTelegram } from './fakeTelegram.js';

export const BOT_TOKEN = '7000000001:AAH-fake-test-token-QWERTYuiopASDF1234';
export const WEBHOOK_SECRET = 'kbot-test-secret_Zx81-Ywq0-ab12cd34ef56';
export const TOKEN_PARAMETER = '/kbot/telegram/bot-token';
export const SECRET_PARAMETER = '/kbot/telegram/webhook-secret';
export const EXIT_ALIAS_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:KrakenBot-tick:exit-commands';
export const RULE_NAME = 'KrakenBot-tick-schedule';

export interface TelegramRig {
  telegram: FakeTelegram;
  webhook: WebhookHandler;
  /** Posts `update` as Telegram would: with the right secret, another one, or (null) no header. */
  post(update: unknown, secret?: string | null): ReturnType<WebhookHandler>;
  ruleState(): 'ENABLED' | 'DISABLED';
  invokes(): { functionName: string; payload: unknown }[];
  eventBridgeCalls(): string[];
  alerts: Alert[];
  logs: { level: string; message: string; fields: Record<string, unknown> }[];
  close(): Promise<void>;
}

export async function startTelegramRig(opts: {
  dynamoEndpoint: string;
  tableName: string;
  mode: 'paper' | 'live';
  nowMs(): number;
  /** What the exit-commands alias does with an event (the real tick handler in e2e tests). */
  invokeTick?(event: unknown): Promise<unknown>;
  /** KBOT_CONFIG the status command reads from the tick function. */
  botConfigJson?: string;
  assistant?: AssistantPort;
  allowedChatIds?: number[];
}): Promise<TelegramRig> {
  const telegram = await startFakeTelegram();
  // A stand-in client rather than aws-sdk-client-mock: mocking an SSMClient instance would undo the
  // e2e harness's class-wide SSM mock that hands the tick its Kraken keys.
  const parameters: Record<string, string> = { [TOKEN_PARAMETER]: BOT_TOKEN, [SECRET_PARAMETER]: WEBHOOK_SECRET };
  const ssmReads: string[] = [];
  const ssm = {
    send: async (command: unknown) => {
      if (!(command instanceof GetParameterCommand)) throw new Error('unexpected SSM command');
      const name = command.input.Name ?? '';
      ssmReads.push(name);
      const value = parameters[name];
      if (value === undefined) throw Object.assign(new Error(`Parameter ${name} not found.`), { name: 'ParameterNotFound' });
      return { Parameter: { Name: name, Type: 'SecureString', Value: value } };
    },
  } as unknown as SSMClient;
  let state: 'ENABLED' | 'DISABLED' = 'ENABLED';
  const eventBridge = new EventBridgeClient({ region: 'us-east-1' });
  const ebMock = mockClient(eventBridge);
  ebMock.on(DisableRuleCommand, { Name: RULE_NAME }).callsFake(async () => {
    state = 'DISABLED';
    return {};
  });
  ebMock.on(EnableRuleCommand, { Name: RULE_NAME }).callsFake(async () => {
    state = 'ENABLED';
    return {};
  });
  ebMock.on(DescribeRuleCommand, { Name: RULE_NAME }).callsFake(async () => ({ Name: RULE_NAME, State: state, ScheduleExpression: 'cron(0/5 * * * ? *)' }));
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const lambdaMock = mockClient(lambda);
  const invokes: { functionName: string; payload: unknown }[] = [];
  lambdaMock.on(InvokeCommand).callsFake(async (input: { FunctionName: string; Payload: Uint8Array }) => {
    const payload = JSON.parse(new TextDecoder().decode(input.Payload)) as unknown;
    invokes.push({ functionName: input.FunctionName, payload });
    if (input.FunctionName !== EXIT_ALIAS_ARN || !opts.invokeTick) throw Object.assign(new Error('not mocked'), { name: 'AccessDeniedException' });
    try {
      const result = await opts.invokeTick(payload);
      return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(result)) };
    } catch (error) {
      return { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message })) };
    }
  });
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { KBOT_MODE: opts.mode, ...(opts.botConfigJson ? { KBOT_CONFIG: opts.botConfigJson } : {}) } } });
  const dynamoDb = createDynamoClient({ endpoint: opts.dynamoEndpoint });
  const alerts: Alert[] = [];
  const logs: TelegramRig['logs'] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => void logs.push({ level, message, fields: fields ?? {} });
  const logger: LoggerPort = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const webhook = createTelegramWebhookHandler({
    env: {
      TELEGRAM_TOKEN_PARAMETER: TOKEN_PARAMETER,
      TELEGRAM_SECRET_PARAMETER: SECRET_PARAMETER,
      TELEGRAM_ALLOWED_CHAT_IDS: (opts.allowedChatIds ?? [OWNER.id]).join(','),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      KBOT_TABLE_NAME: opts.tableName,
      KBOT_MODE: opts.mode,
      KBOT_QUOTE: 'USD',
      KBOT_PAIRS: 'BTC/USD,ETH/USD',
      KBOT_STACK_NAME: 'KrakenBot',
      KBOT_RULE_NAME: RULE_NAME,
      KBOT_FUNCTION_NAME: 'KrakenBot-tick',
      KBOT_EXIT_COMMANDS_ALIAS_ARN: EXIT_ALIAS_ARN,
      KBOT_HEARTBEAT_ALARM_NAME: 'KrakenBot-no-completed-tick',
      AWS_REGION: 'us-east-1',
    },
    ssm,
    eventBridge,
    lambda,
    dynamoDb,
    alerts: { send: async (alert) => void alerts.push(alert) },
    logger,
    nowMs: opts.nowMs,
    busyRetryDelaysMs: [],
    ...(opts.assistant ? { assistant: opts.assistant } : {}),
  });
  return {
    telegram,
    webhook,
    post: (update, secret = WEBHOOK_SECRET) => webhook(functionUrlEvent(update, secret ?? undefined) as unknown as Parameters<WebhookHandler>[0]),
    ruleState: () => state,
    invokes: () => invokes,
    eventBridgeCalls: () => ebMock.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name),
    alerts,
    logs,
    close: async () => {
      ebMock.restore();
      lambdaMock.restore();
      dynamoDb.destroy();
      await telegram.close();
    },
  };
}
