// Infra tests (Telegram and the assistant, offline CDK assertions): nothing without a telegram
// section; with one, the webhook's function URL, its exact least-privilege statements, the alert
// forwarder's subscription, the KMS key policy, Bedrock on the configured model only, the outputs,
// and cdk-nag's AwsSolutions and Serverless packs clean with exactly the acknowledgements below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig, type DeployConfigInput } from '../../lib/deployConfig.js';
import { KrakenBotStack } from '../../lib/krakenBotStack.js';
import { STUB_TICK_CODE } from './synthBotStack.js';

const TELEGRAM = { allowedChatIds: [424242001, -1001234567890] };

function synth(input: DeployConfigInput, validate = false) {
  const app = new App({ builtinCloudFormationValidation: false });
  if (validate) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
  const config = parseDeployConfig(input);
  const stub = Code.fromInline(STUB_TICK_CODE);
  const stack = new KrakenBotStack(app, config.prefix, { config, tickCode: stub, telegramCode: { webhook: stub, alerts: stub } });
  return { app, stack, template: Template.fromStack(stack) };
}

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
function policyOf(template: Template, roleLogicalIdPrefix: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[];
  const policy = policies.find((p) => p.Properties.Roles.some((r) => r.Ref.startsWith(roleLogicalIdPrefix)));
  if (!policy) throw new Error(`no policy for ${roleLogicalIdPrefix}`);
  return policy.Properties.PolicyDocument.Statement;
}

describe('Telegram in the stack', () => {
  it('adds nothing without a telegram section', () => {
    const { template } = synth({});
    expect(Object.keys(template.findResources('AWS::Lambda::Url'))).toEqual([]);
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toHaveLength(1);
    expect(Object.keys(template.toJSON().Outputs as object).filter((k) => k.startsWith('Telegram') || k.startsWith('Assistant'))).toEqual([]);
  });

  it('refuses bad settings naming the field', () => {
    expect(() => parseDeployConfig({ telegram: { allowedChatIds: [] } })).toThrow(/telegram\.allowedChatIds/);
    expect(() => parseDeployConfig({ telegram: { allowedChatIds: [1], alertsMinSeverity: 'loud' } })).toThrow(/telegram\.alertsMinSeverity/);
    expect(() => parseDeployConfig({ assistant: { modelId: 'gpt 5' } })).toThrow(/assistant\.modelId: must be a Bedrock model id/);
    expect(parseDeployConfig({ telegram: { allowedChatIds: [1] } }).telegram).toEqual({ allowedChatIds: [1], tokenParameterName: '/kbot/telegram/bot-token', secretParameterName: '/kbot/telegram/webhook-secret', alertsMinSeverity: 'warning' });
  });

  it('gives the webhook a function URL without AWS auth and the environment it reads', () => {
    const { template } = synth({ telegram: TELEGRAM });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'KrakenBot-telegram',
      Timeout: 300,
      Environment: { Variables: { TELEGRAM_ALLOWED_CHAT_IDS: '424242001,-1001234567890', KBOT_MODE: 'paper', KBOT_QUOTE: 'USD', KBOT_PAIRS: 'BTC/USD,ETH/USD', TELEGRAM_TOKEN_PARAMETER: '/kbot/telegram/bot-token' } },
    });
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).filter((k) => k.startsWith('Telegram'))).toEqual(['TelegramWebhookUrl', 'TelegramWebhookFunctionName', 'TelegramTokenParameterName', 'TelegramSecretParameterName']);
  });

  it('grants the webhook exactly what its commands use, each on its one resource, and no wildcard', () => {
    const { template } = synth({ telegram: TELEGRAM });
    const statements = policyOf(template, 'TelegramWebhookRole');
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']],
      ['ReadTheRecordsItShows', ['dynamodb:GetItem', 'dynamodb:Query']],
      ['WriteHaltAuditAndMarkers', 'dynamodb:PutItem'],
      ['PauseResume', ['events:DisableRule', 'events:EnableRule', 'events:DescribeRule']],
      ['FlattenAndForceExit', 'lambda:InvokeFunction'],
      ['ReadLimits', 'lambda:GetFunctionConfiguration'],
      ['ReadTokenAndSecret', 'ssm:GetParameter'],
      ['AlertCommands', 'sns:Publish'],
      ['RecordFailedInvocations', 'sqs:SendMessage'],
    ]);
    expect(bySid.ReadTheRecordsItShows!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONTROL#paper', 'DAY#paper', 'POS#paper', 'TRADE#paper', 'TICK#paper', 'JOURNAL#paper'] } });
    expect(bySid.WriteHaltAuditAndMarkers!.Condition).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['CONTROL#paper', 'AUDIT#paper', 'ONCE#paper'] } });
    // The exit-commands alias only: never the entry alias, the unqualified function or a version.
    const aliasId = Object.keys(template.findResources('AWS::Lambda::Alias', { Properties: { Name: 'exit-commands' } }))[0];
    expect(bySid.FlattenAndForceExit!.Resource).toEqual({ Ref: aliasId });
    const json = JSON.stringify(statements);
    expect(json).not.toMatch(/"Resource":"\*"/);
    expect(json).not.toContain('entry-commands');
    expect(json).not.toContain('bedrock');
  });

  it('lets the alert forwarder read the token only; it is subscribed to the alert topic with the failed-events queue as DLQ', () => {
    const { template } = synth({ telegram: TELEGRAM });
    expect(policyOf(template, 'TelegramAlertsRole').map((s) => [s.Sid, s.Action])).toEqual([
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']],
      ['ReadToken', 'ssm:GetParameter'],
      ['RecordFailedInvocations', 'sqs:SendMessage'],
    ]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', RedrivePolicy: { deadLetterTargetArn: {} } });
    expect(Object.keys(synth({ telegram: { ...TELEGRAM, alertsMinSeverity: 'off' } }).template.findResources('AWS::Lambda::Function'))).toHaveLength(2);
  });

  it('creates the KMS key on request (and for live by default): each role decrypts only its own parameters, through SSM', () => {
    expect(Object.keys(synth({ mode: 'live', allowLiveTrading: true, telegram: TELEGRAM }).template.findResources('AWS::KMS::Key'))).toHaveLength(2);
    const { template } = synth({ telegram: { ...TELEGRAM, kmsKey: true } });
    const keys = Object.values(template.findResources('AWS::KMS::Key')) as { Properties: { KeyPolicy: { Statement: (Statement & { Principal: unknown })[] } } }[];
    expect(keys).toHaveLength(1);
    const statements = keys[0]!.Properties.KeyPolicy.Statement;
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['AccountAdministersTheKeyButCannotUseIt', expect.arrayContaining(['kms:CreateAlias'])],
      ['OperatorsEncryptTheTelegramParametersThroughSsm', 'kms:Encrypt'],
      ['TelegramRole1DecryptsItsParametersThroughSsm', 'kms:Decrypt'],
      ['TelegramRole2DecryptsItsParametersThroughSsm', 'kms:Decrypt'],
    ]);
    const contexts = statements.slice(2).map((s) => (s.Condition as { StringEquals: Record<string, unknown> }).StringEquals['kms:EncryptionContext:PARAMETER_ARN']);
    expect(Array.isArray(contexts[0]) && (contexts[0] as unknown[]).length).toBe(2);
    expect(JSON.stringify(contexts[1])).toContain('/kbot/telegram/bot-token');
    expect(JSON.stringify(contexts[1])).not.toContain('webhook-secret');
    expect(Object.keys(template.toJSON().Outputs as object)).toContain('TelegramKmsKeyArn');
    expect(Object.keys(synth({ telegram: TELEGRAM }).template.findResources('AWS::KMS::Key'))).toHaveLength(0);
  });

  it('grants bedrock:InvokeModel on the configured model only (a foundation model, or a profile and its model through it)', () => {
    const model = policyOf(synth({ telegram: TELEGRAM, assistant: { modelId: 'amazon.nova-lite-v1:0' } }).template, 'TelegramWebhookRole').filter((s) => JSON.stringify(s.Action).includes('bedrock'));
    expect(model).toEqual([
      { Sid: 'InvokeTheAssistantModel', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:', { Ref: 'AWS::Region' }, '::foundation-model/amazon.nova-lite-v1:0']] } },
    ]);
    const profile = policyOf(synth({ telegram: TELEGRAM, assistant: { modelId: 'eu.amazon.nova-lite-v1:0' } }).template, 'TelegramWebhookRole').filter((s) => JSON.stringify(s.Action).includes('bedrock'));
    expect(profile.map((s) => s.Sid)).toEqual(['InvokeTheAssistantProfile', 'InvokeTheProfilesModelInItsRegions']);
    expect(JSON.stringify(profile[1]!.Resource)).toContain(':bedrock:*::foundation-model/amazon.nova-lite-v1:0');
    expect(JSON.stringify(profile[1]!.Condition)).toContain('inference-profile/eu.amazon.nova-lite-v1:0');
  });

  it.each([
    ['paper with Telegram', { telegram: TELEGRAM }],
    ['live with Telegram, its key and the assistant on a model', { mode: 'live', allowLiveTrading: true, alertPhone: '+15551234567', telegram: TELEGRAM, assistant: { modelId: 'amazon.nova-lite-v1:0' } }],
    ['Telegram without alerts, the assistant on an inference profile', { telegram: { ...TELEGRAM, alertsMinSeverity: 'off' }, assistant: { modelId: 'eu.amazon.nova-lite-v1:0' } }],
  ] as const)('passes cdk-nag with nothing unacknowledged: %s', (_name, input) => {
    const { app } = synth(input as DeployConfigInput, true);
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('bundles each Telegram function from its own entry (two different code assets)', () => {
    // Real bundles, as cdk synth builds them: CDK caches bundling per source and options, so two
    // assets that differ only in their build callback would silently share the first one's bundle.
    const app = new App({ builtinCloudFormationValidation: false });
    const config = parseDeployConfig({ telegram: TELEGRAM });
    const stack = new KrakenBotStack(app, config.prefix, { config, tickCode: Code.fromInline(STUB_TICK_CODE) });
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { Code: { S3Key?: string } } }>;
    const keys = Object.entries(functions).filter(([id]) => id.startsWith('Telegram')).map(([, f]) => f.Properties.Code.S3Key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(2);
  });

  it('acknowledges exactly these Telegram rules, each with a reason', () => {
    const { stack } = synth({ mode: 'live', allowLiveTrading: true, telegram: TELEGRAM, assistant: { modelId: 'eu.amazon.nova-lite-v1:0' } });
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      if (!construct.node.path.includes('/Telegram/')) continue;
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged[`${construct.node.path} ${id}`] = reason;
      }
    }
    expect(Object.keys(acknowledged).sort()).toEqual([
      'KrakenBot/Telegram/Alerts Annotation::AwsSolutions-L1',
      'KrakenBot/Telegram/Alerts Annotation::Serverless-LambdaDLQ',
      'KrakenBot/Telegram/Alerts Annotation::Serverless-LambdaLatestVersion',
      'KrakenBot/Telegram/Alerts Annotation::Serverless-LambdaTracing',
      'KrakenBot/Telegram/Key/Key Annotation::AwsSolutions-KMS5',
      'KrakenBot/Telegram/Webhook Annotation::AwsSolutions-L1',
      'KrakenBot/Telegram/Webhook Annotation::Serverless-LambdaDLQ',
      'KrakenBot/Telegram/Webhook Annotation::Serverless-LambdaLatestVersion',
      'KrakenBot/Telegram/Webhook Annotation::Serverless-LambdaTracing',
      'KrakenBot/Telegram/WebhookRole Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/amazon.nova-lite-v1:0]',
    ]);
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(80);
  });
});
