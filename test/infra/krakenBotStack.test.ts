// Infra tests: the synthesized CloudFormation template of the bot's stack, property by property.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SEVERITY_ATTRIBUTE, snsPublishInput } from '../../functions/adapters/sns/snsAlerts.js';
import { STACK_OUTPUT_KEYS } from '../../functions/cli/ops/stackOutputs.js';
import { INVOCATION_ALIASES, MAX_EVENT_AGE_MS } from '../../functions/tick/event.js';
import { FUNCTION_MAX_EVENT_AGE, SCHEDULE_TARGET_MAX_EVENT_AGE } from '../../lib/tickService.js';
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
  const queue = onlyResource(template, 'AWS::SQS::Queue');
  const alias = (name: string) => {
    const [logicalId, resource] = Object.entries(template.findResources('AWS::Lambda::Alias', { Properties: { Name: name } }))[0]!;
    return { logicalId, resource: resource as { Properties: Record<string, unknown> } };
  };
  const scheduleAlias = alias(INVOCATION_ALIASES.schedule);
  const exitAlias = alias(INVOCATION_ALIASES.exitCommands);
  const entryAlias = alias(INVOCATION_ALIASES.entryCommands);

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

    it('logs to its own log group, kept 30 days by default and retained when the stack is deleted', () => {
      expect(fn.resource.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.logicalId } });
      expect(logGroup.resource.Properties.RetentionInDays).toBe(30);
      expect(logGroup.resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const week = onlyResource(synthBotStack({ logRetentionDays: 7 }).template, 'AWS::Logs::LogGroup');
      expect(week.resource.Properties.RetentionInDays).toBe(7);
    });

    it('does not replay failed or late asynchronous invocations on any qualifier, and records them in the failed-events queue', () => {
      const configs = Object.values(template.findResources('AWS::Lambda::EventInvokeConfig')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
      const qualifiers = configs.map((c) => JSON.stringify(c.Qualifier));
      expect(qualifiers).toHaveLength(4);
      expect(qualifiers).toContain('"$LATEST"');
      for (const alias of [scheduleAlias, exitAlias, entryAlias]) expect(qualifiers.some((q) => q.includes(alias.logicalId))).toBe(true);
      for (const config of configs) {
        expect(config).toMatchObject({
          FunctionName: { Ref: fn.logicalId },
          MaximumRetryAttempts: 0,
          MaximumEventAgeInSeconds: 240,
          DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue.logicalId, 'Arn'] } } },
        });
      }
    });

    it('publishes a version with one alias per invocation path, named as the handler expects', () => {
      const version = onlyResource(template, 'AWS::Lambda::Version');
      expect(version.resource.Properties.FunctionName).toEqual({ Ref: fn.logicalId });
      const names = [scheduleAlias, exitAlias, entryAlias].map((a) => a.resource.Properties.Name);
      expect(names).toEqual([INVOCATION_ALIASES.schedule, INVOCATION_ALIASES.exitCommands, INVOCATION_ALIASES.entryCommands]);
      for (const alias of [scheduleAlias, exitAlias, entryAlias]) {
        expect(alias.resource.Properties).toMatchObject({ FunctionName: { Ref: fn.logicalId }, FunctionVersion: { 'Fn::GetAtt': [version.logicalId, 'Version'] } });
      }
    });

    it('lets late events through the handler\'s age window: the rule\'s and the function\'s event ages fit inside it', () => {
      expect(SCHEDULE_TARGET_MAX_EVENT_AGE.toMilliseconds() + FUNCTION_MAX_EVENT_AGE.toMilliseconds()).toBeLessThanOrEqual(MAX_EVENT_AGE_MS);
    });
  });

  describe('schedule', () => {
    it('invokes the function every 5 minutes, enabled by default', () => {
      const rule = onlyResource(template, 'AWS::Events::Rule');
      expect(rule.resource.Properties).toMatchObject({
        Name: 'KrakenBot-tick-schedule',
        ScheduleExpression: 'cron(0/5 * * * ? *)',
        State: 'ENABLED',
        Targets: [
          {
            Arn: { Ref: scheduleAlias.logicalId },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 240 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queue.logicalId, 'Arn'] } },
          },
        ],
      });
      // The rule may invoke the schedule alias only: not the function, not a command alias.
      const permission = onlyResource(template, 'AWS::Lambda::Permission');
      expect(permission.resource.Properties).toEqual({
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { Ref: scheduleAlias.logicalId },
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
        DeletionProtectionEnabled: true,
      });
    });

    it('is retained when the stack is deleted or the table replaced', () => {
      expect(table.resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });

    it('keeps its generated name: naming it now would replace the table of every stack deployed before', () => {
      expect(table.resource.Properties).not.toHaveProperty('TableName');
    });

    it('is not created, and is used by name, when existingTableName re-adopts a retained table', () => {
      const { template: reused } = synthBotStack({ existingTableName: 'KrakenBot-StateTable-OLD123' });
      reused.resourceCountIs('AWS::DynamoDB::Table', 0);
      const env = (onlyResource(reused, 'AWS::Lambda::Function').resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.KBOT_TABLE_NAME).toBe('KrakenBot-StateTable-OLD123');
      expect((reused.toJSON().Outputs as Record<string, { Value: unknown }>).TableName!.Value).toBe('KrakenBot-StateTable-OLD123');
      const statements = (onlyResource(reused, 'AWS::IAM::Policy').resource.Properties.PolicyDocument as { Statement: { Sid: string; Resource: unknown }[] }).Statement;
      expect(JSON.stringify(statements.find((st) => st.Sid === 'UseStateTable')!.Resource)).toContain(':table/KrakenBot-StateTable-OLD123');
    });
  });

  describe('failed-events queue', () => {
    it('is encrypted (SSE-SQS), TLS-only and keeps records 14 days', () => {
      expect(queue.resource.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      const statements = (onlyResource(template, 'AWS::SQS::QueuePolicy').resource.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    });

    it('accepts dead letters only from this schedule rule and this stack\'s topics', () => {
      const { template: full } = synthBotStack({ alertEmail: 'me@example.com', alertPhone: '+15551234567' });
      const statements = (onlyResource(full, 'AWS::SQS::QueuePolicy').resource.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      const allows = statements.filter((st) => st.Effect === 'Allow');
      const topics = Object.keys(full.findResources('AWS::SNS::Topic'));
      expect(allows.map((st) => [(st.Principal as { Service: string }).Service, st.Action, JSON.stringify(st.Condition)]).sort()).toEqual(
        [
          ['events.amazonaws.com', 'sqs:SendMessage', JSON.stringify({ ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [onlyResource(full, 'AWS::Events::Rule').logicalId, 'Arn'] } } })],
          ...topics.map((topic) => ['sns.amazonaws.com', 'sqs:SendMessage', JSON.stringify({ ArnEquals: { 'aws:SourceArn': { Ref: topic } } })]),
        ].sort(),
      );
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

    it('sends the alert email everything, with undeliverable mail kept in the failed-events queue', () => {
      const { template: withEmail } = synthBotStack({ alertEmail: 'me@example.com' });
      const subscription = onlyResource(withEmail, 'AWS::SNS::Subscription');
      expect(subscription.resource.Properties).not.toHaveProperty('FilterPolicy');
      expect(subscription.resource.Properties.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [onlyResource(withEmail, 'AWS::SQS::Queue').logicalId, 'Arn'] } });
    });

    it('texts the phone critical and warning alerts only, on the severity attribute the function sets, and every alarm through a second topic', () => {
      // Prepare
      const { template: withSms } = synthBotStack({ alertPhone: '+15551234567' });
      const topics = Object.entries(withSms.findResources('AWS::SNS::Topic')).map(([id]) => id);
      const alertTopic = topics.find((id) => id.startsWith('StateAlertTopic'))!;
      const alarmSmsTopic = topics.find((id) => id.startsWith('StateAlarmSmsTopic'))!;
      const subscriptions = Object.values(withSms.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);

      // Assess: two SMS subscriptions of the same number.
      expect(subscriptions).toHaveLength(2);
      const filtered = subscriptions.find((p) => JSON.stringify(p.TopicArn) === JSON.stringify({ Ref: alertTopic }))!;
      expect(filtered).toMatchObject({ Protocol: 'sms', Endpoint: '+15551234567', FilterPolicy: { [SEVERITY_ATTRIBUTE]: ['critical', 'warning'] } });
      // The filter names the attribute SnsAlerts sets: a critical alert matches, an info one does not.
      const attributes = (severity: 'info' | 'critical') =>
        snsPublishInput('arn:aws:sns:us-east-1:123456789012:t', { severity, kind: 'test', subject: 's', message: 'm' }).MessageAttributes;
      const filter = (filtered.FilterPolicy as Record<string, string[]>)[SEVERITY_ATTRIBUTE]!;
      expect(filter).toContain(attributes('critical')[SEVERITY_ATTRIBUTE].StringValue);
      expect(filter).not.toContain(attributes('info')[SEVERITY_ATTRIBUTE].StringValue);
      // Alarm notifications carry no attributes, so they reach the phone unfiltered through their own topic.
      const unfiltered = subscriptions.find((p) => JSON.stringify(p.TopicArn) === JSON.stringify({ Ref: alarmSmsTopic }))!;
      expect(unfiltered).toMatchObject({ Protocol: 'sms', Endpoint: '+15551234567' });
      expect(unfiltered).not.toHaveProperty('FilterPolicy');
      for (const subscription of subscriptions) expect(subscription).toHaveProperty('RedrivePolicy');
    });

    it('creates no second topic without a phone number', () => {
      template.resourceCountIs('AWS::SNS::Topic', 1);
      const { template: both } = synthBotStack({ alertEmail: 'me@example.com', alertPhone: '+447700900123' });
      const protocols = Object.values(both.findResources('AWS::SNS::Subscription')).map((r) => (r as { Properties: { Protocol: string } }).Properties.Protocol);
      expect(protocols.sort()).toEqual(['email', 'sms', 'sms']);
    });

    it('accepts TLS publishers only, alarm publications only from this stack\'s alarms, and the tick role', () => {
      // Prepare
      const policy = onlyResource(template, 'AWS::SNS::TopicPolicy');
      const statements = (policy.resource.Properties.PolicyDocument as { Statement: unknown[] }).Statement;
      const alarmArns = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));

      // Assess
      expect(alarmArns).toHaveLength(12);
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
          Sid: 'AllowAlarmsOfThisStack',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topic.logicalId },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': alarmArns },
          },
        },
        {
          Sid: 'AllowTheTickFunction',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': [onlyResource(template, 'AWS::IAM::Role').logicalId, 'Arn'] } },
          Action: 'sns:Publish',
          Resource: { Ref: topic.logicalId },
        },
      ]);
    });

    it('lets the same alarms, and nothing else, publish to the alarm SMS topic', () => {
      const { template: withSms } = synthBotStack({ alertPhone: '+15551234567' });
      const alarmArns = Object.keys(withSms.findResources('AWS::CloudWatch::Alarm')).map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] }));
      const policies = Object.values(withSms.findResources('AWS::SNS::TopicPolicy')).map((r) => (r as { Properties: { PolicyDocument: { Statement: { Sid: string; Condition?: unknown }[] }; Topics: unknown[] } }).Properties);
      const smsPolicy = policies.find((p) => JSON.stringify(p.Topics).includes('StateAlarmSmsTopic'))!;
      expect(smsPolicy.PolicyDocument.Statement.map((st) => st.Sid)).toEqual(['AllowPublishThroughSSLOnly', 'AllowAlarmsOfThisStack']);
      expect(smsPolicy.PolicyDocument.Statement[1]!.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnEquals: { 'aws:SourceArn': alarmArns } });
    });
  });

  describe('outputs', () => {
    it('exports every key the kbot CLI reads (KeysKmsKeyArn only with a key), the heartbeat alarm and the failed-events queue', () => {
      const keys = Object.keys(template.toJSON().Outputs as object);
      const always = STACK_OUTPUT_KEYS.filter((key) => key !== 'KeysKmsKeyArn');
      expect(keys.sort()).toEqual([...new Set([...always, 'HeartbeatAlarmName', 'FailedEventsQueueUrl'])].sort());
      const live = Object.keys(synthBotStack({ mode: 'live', allowLiveTrading: true }).template.toJSON().Outputs as object);
      expect(live).toContain('KeysKmsKeyArn');
    });

    it('points each output at the right resource', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      const ref = (type: string) => ({ Ref: onlyResource(template, type).logicalId });
      expect(outputs.RuleName!.Value).toEqual(ref('AWS::Events::Rule'));
      expect(outputs.FunctionName!.Value).toEqual(ref('AWS::Lambda::Function'));
      expect(outputs.ExitCommandsAliasArn!.Value).toEqual({ Ref: exitAlias.logicalId });
      expect(outputs.EntryCommandsAliasArn!.Value).toEqual({ Ref: entryAlias.logicalId });
      expect(outputs.FailedEventsQueueUrl!.Value).toEqual({ Ref: queue.logicalId });
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
      'AWS::SQS::Queue': 1,
      'AWS::SQS::QueuePolicy': 1,
      'AWS::SNS::Topic': 1,
      'AWS::SNS::TopicPolicy': 1,
      'AWS::Logs::LogGroup': 1,
      'AWS::IAM::Role': 1,
      'AWS::IAM::Policy': 1,
      'AWS::Lambda::Function': 1,
      'AWS::Lambda::Version': 1,
      'AWS::Lambda::Alias': 3,
      'AWS::Lambda::EventInvokeConfig': 4,
      'AWS::Events::Rule': 1,
      'AWS::Lambda::Permission': 1,
      'AWS::CloudWatch::Alarm': 12,
      'AWS::CloudWatch::Dashboard': 1,
    });
  });
});
