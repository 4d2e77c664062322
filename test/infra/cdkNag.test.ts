// Infra tests: cdk-nag's AwsSolutions and Serverless packs over the bot's stack: no unacknowledged
// finding in any configuration, and exactly the acknowledgements below, each with its reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Function as LambdaFunction, Code, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { DeployConfigInput } from '../../lib/deployConfig.js';
import { synthBotStack } from './synthBotStack.js';

const FULL = { alertEmail: 'me@example.com', alertPhone: '+15551234567', keysKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' };
const LIVE_WITH_STACK_KEY = { mode: 'live', allowLiveTrading: true, alertEmail: 'me@example.com', alertPhone: '+15551234567' } as const;

/** Every acknowledgement in the stack: `<construct path> <rule id>` → reason. */
function acknowledgements(input: DeployConfigInput): Record<string, string> {
  const { stack } = synthBotStack(input);
  const acknowledged: Record<string, string> = {};
  for (const construct of stack.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged[`${construct.node.path} ${id}`] = reason;
    }
  }
  return acknowledged;
}

describe('cdk-nag: AwsSolutions and Serverless', () => {
  it.each([
    ['paper, no alerts', {}],
    ['paper with email, SMS and a key of your own', FULL],
    ['live with the stack\'s KMS key, email and SMS', LIVE_WITH_STACK_KEY],
    ['re-using a retained table', { existingTableName: 'KrakenBot-StateTable-OLD123' }],
  ])('finds nothing unacknowledged: %s', (_name, input) => {
    // Act: synthesis runs the validation plugins and throws on any failing report.
    const { app } = synthBotStack(input, { validate: true });
    // Assess: the report written beside the templates lists no violations at all (warnings included).
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('is really checking: an SNS topic without TLS enforcement fails AwsSolutions', () => {
    expect(() => synthBotStack(FULL, { validate: true, extend: (stack) => new Topic(stack, 'PlainTopic') })).toThrow(/AwsSolutions-SNS3/);
  });

  it('is really checking: a function without a failure destination fails Serverless', () => {
    const extend = (stack: Construct) => {
      new LambdaFunction(stack, 'Plain', { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('x'), retryAttempts: 0 });
    };
    expect(() => synthBotStack({}, { validate: true, extend })).toThrow(/Serverless-LambdaAsyncFailureDestination/);
  });

  it('acknowledges exactly these rules, each with a reason', () => {
    // Act
    const acknowledged = acknowledgements(LIVE_WITH_STACK_KEY);

    // Assess
    expect(Object.keys(acknowledged).sort()).toEqual([
      'KrakenBot/State/FailedEvents Annotation::AwsSolutions-SQS3',
      'KrakenBot/State/FailedEvents Annotation::Serverless-SQSRedrivePolicy',
      'KrakenBot/Tick/Function Annotation::AwsSolutions-L1',
      'KrakenBot/Tick/Function Annotation::Serverless-LambdaDLQ',
      'KrakenBot/Tick/Function Annotation::Serverless-LambdaLatestVersion',
      'KrakenBot/Tick/Function Annotation::Serverless-LambdaTracing',
      'KrakenBot/Tick/KeysKey/Key Annotation::AwsSolutions-KMS5',
    ]);
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(80);
    // The runtime reason states what the tests run on, not a claim that Node 22 is tested.
    expect(acknowledged['KrakenBot/Tick/Function Annotation::AwsSolutions-L1']).toMatch(/tests run on Node 20/);
    expect(acknowledged['KrakenBot/Tick/Function Annotation::AwsSolutions-L1']).not.toMatch(/tested on it/);
  });

  it('has no KMS acknowledgement when the stack creates no key', () => {
    expect(Object.keys(acknowledgements({})).filter((id) => id.includes('KMS'))).toEqual([]);
  });
});
