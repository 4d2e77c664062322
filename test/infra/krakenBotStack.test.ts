// Infra tests: the synthesized CloudFormation template of the bot's stack, property by property.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STACK_OUTPUT_KEYS } from '../../functions/cli/ops/stackOutputs.js';
import { onlyResource, synthBotStack } from './synthBotStack.js';

const TOPIC = { Ref: Match.stringLikeRegexp('^StateAlertTopic') };

describe('Stack: KrakenBotStack', () => {
  // Prepare (shared): the default deployment, synthesized once.
  const defaults = synthBotStack();
  const { template } = defaults;
  const fn = onlyResource(template, 'AWS::Lambda::Function');
  const table = onlyResource(template, 'AWS::DynamoDB::Table');
  const topic = onlyResource(template, 'AWS::SNS::Topic');
  const logGroup = onlyResource(template, 'AWS::Logs::LogGroup');

  describe('tick function', () => {
    it('runs Node.js 22 on arm64 from index.mjs, one at a time', () => {
      expect(fn.resource.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        ReservedConcurrentExecutions: 1,
        FunctionName: 'KrakenBot-tick',
      });
    });

    it('has a 90 s timeout and 256 MB by default, both configurable', () => {
      expect(fn.resource.Properties).toMatchObject({ Timeout: 90, MemorySize: 256 });
      const custom = onlyResource(synthBotStack({ timeoutSeconds: 120, memoryMb: 512 }).template, 'AWS::Lambda::Function');
      expect(custom.resource.Properties).toMatchObject({ Timeout: 120, MemorySize: 512 });
    });

    it('receives exactly the environment the handler reads', () => {
      // Assess: names and values, including references to this stack's table and topic.
      const variables = (fn.resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toEqual({
        KBOT_TABLE_NAME: { Ref: table.logicalId },
        KBOT_ALERT_TOPIC_ARN: { Ref: topic.logicalId },
        KBOT_KEYS_PARAMETER: '/kbot/kraken/api-keys',
        KBOT_MODE: 'paper',
        KBOT_CONFIG: JSON.stringify({ mode: 'paper', allowLiveTrading: false, validateOnly: false }),
        POWERTOOLS_SERVICE_NAME: 'KrakenBot',
        POWERTOOLS_METRICS_NAMESPACE: 'KrakenBot',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('passes the bot config as written, with the top-level mode, gates and pairs merged in', () => {
      const { template: live } = synthBotStack({
        prefix: 'KbLive',
        mode: 'live',
        allowLiveTrading: true,
        validateOnly: true,
        pairs: ['SOL/USD'],
        keysParameterName: '/kbot/live/keys',
        bot: { limits: { maxTradesPerDay: 3 } },
      });
      const variables = (onlyResource(live, 'AWS::Lambda::Function').resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.parse(variables.KBOT_CONFIG as string)).toEqual({
        limits: { maxTradesPerDay: 3 },
        mode: 'live',
        allowLiveTrading: true,
        validateOnly: true,
        pairs: ['SOL/USD'],
      });
      expect(variables).toMatchObject({ KBOT_MODE: 'live', KBOT_KEYS_PARAMETER: '/kbot/live/keys', POWERTOOLS_SERVICE_NAME: 'KbLive' });
    });

    it('logs to its own log group, kept 30 days by default and deleted with the stack', () => {
      expect(fn.resource.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.logicalId } });
      expect(logGroup.resource.Properties.RetentionInDays).toBe(30);
      expect(logGroup.resource).toMatchObject({ DeletionPolicy: 'Delete' });
      const week = onlyResource(synthBotStack({ logRetentionDays: 7 }).template, 'AWS::Logs::LogGroup');
      expect(week.resource.Properties.RetentionInDays).toBe(7);
    });

    it('does not replay failed or late asynchronous invocations', () => {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: fn.logicalId },
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 240,
      });
    });
  });

  describe('schedule', () => {
    it('invokes the function every 5 minutes, enabled by default', () => {
      const rule = onlyResource(template, 'AWS::Events::Rule');
      expect(rule.resource.Properties).toMatchObject({
        Name: 'KrakenBot-tick-schedule',
        ScheduleExpression: 'cron(0/5 * * * ? *)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 240 } }],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] },
        SourceArn: { 'Fn::GetAtt': [rule.logicalId, 'Arn'] },
      });
    });

    it('is deployed disabled when scheduleEnabled is false', () => {
      const rule = onlyResource(synthBotStack({ scheduleEnabled: false }).template, 'AWS::Events::Rule');
      expect(rule.resource.Properties.State).toBe('DISABLED');
    });
  });

  describe('state table', () => {
    it('has string pk/sk keys, on-demand billing, point-in-time recovery and TTL on ttl', () => {
      expect(table.resource.Properties).toEqual({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('is retained when the stack is deleted or the table replaced', () => {
      expect(table.resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe('alert topic', () => {
    it('has no subscriptions unless configured', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('subscribes the alert email only when given', () => {
      const { template: withEmail } = synthBotStack({ alertEmail: 'me@example.com' });
      withEmail.resourceCountIs('AWS::SNS::Subscription', 1);
      withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'me@example.com', TopicArn: TOPIC });
    });

    it('subscribes the phone number for SMS only when given', () => {
      const { template: withSms } = synthBotStack({ alertPhone: '+15551234567' });
      withSms.resourceCountIs('AWS::SNS::Subscription', 1);
      withSms.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', Endpoint: '+15551234567', TopicArn: TOPIC });
    });

    it('subscribes both when both are given', () => {
      const { template: both } = synthBotStack({ alertEmail: 'me@example.com', alertPhone: '+447700900123' });
      const protocols = Object.values(both.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: { Protocol: string } }).Properties.Protocol);
      expect(protocols.sort()).toEqual(['email', 'sms']);
    });

    it('accepts TLS publishers only and lets this account\'s alarms publish', () => {
      const policy = onlyResource(template, 'AWS::SNS::TopicPolicy');
      const statements = (policy.resource.Properties.PolicyDocument as { Statement: unknown[] }).Statement;
      expect(statements).toEqual([
        {
          Sid: 'AllowPublishThroughSSLOnly',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: { Ref: topic.logicalId },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'AllowAlarmsOfThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topic.logicalId },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']],
              },
            },
          },
        },
      ]);
    });
  });

  describe('outputs', () => {
    it('exports every key the kbot CLI reads, including the heartbeat alarm', () => {
      const keys = Object.keys(template.toJSON().Outputs as object);
      expect(keys.sort()).toEqual([...new Set([...STACK_OUTPUT_KEYS, 'HeartbeatAlarmName'])].sort());
    });

    it('points each output at the right resource', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      const ref = (type: string) => ({ Ref: onlyResource(template, type).logicalId });
      expect(outputs.RuleName!.Value).toEqual(ref('AWS::Events::Rule'));
      expect(outputs.FunctionName!.Value).toEqual(ref('AWS::Lambda::Function'));
      expect(outputs.TableName!.Value).toEqual(ref('AWS::DynamoDB::Table'));
      expect(outputs.TopicArn!.Value).toEqual(ref('AWS::SNS::Topic'));
      expect(outputs.LogGroupName!.Value).toEqual(ref('AWS::Logs::LogGroup'));
      expect(outputs.DashboardName!.Value).toEqual(ref('AWS::CloudWatch::Dashboard'));
      expect(outputs.KeysParameterName!.Value).toBe('/kbot/kraken/api-keys');
      expect(outputs.Mode!.Value).toBe('paper');
    });

    it('names the stack after the prefix, which the CLI uses as --stack', () => {
      expect(defaults.stack.stackName).toBe('KrakenBot');
      expect(synthBotStack({ prefix: 'KbPaper2' }).stack.stackName).toBe('KbPaper2');
    });
  });

  it('holds exactly these resources', () => {
    const counts: Record<string, number> = {};
    for (const resource of Object.values(template.toJSON().Resources as Record<string, { Type: string }>)) {
      counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
    }
    expect(counts).toEqual({
      'AWS::DynamoDB::Table': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::IAM::Role': 1,
      'AWS::IAM::Policy': 1,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::EventInvokeConfig': 1,
      'AWS::Events::Rule': 1,
      'AWS::Lambda::Permission': 1,
      'AWS::CloudWatch::Alarm': 6,
      'AWS::CloudWatch::Dashboard': 1,
    });
  });
});
