// Infra tests: the weekly retraining job of the learned filter. Absent unless bot.learning.enabled;
// with it: a function, its own role (exact statements, no wildcard), its log group, a weekly rule,
// cdk-nag clean with a reason for each acknowledgement, and only granted DynamoDB actions sent.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { closedTradesFromBacktest } from '../../functions/analyzer/analyzerSources.js';
import { silentLogger } from '../../functions/core/ports.js';
import { runBacktest } from '../../functions/backtest/runBacktest.js';
import { retrainFromLedger } from '../../functions/learning/retrainJob.js';
import { RETRAIN_SCHEDULE_EXPRESSION, RETRAIN_TABLE_ACTIONS } from '../../lib/learningJob.js';
import { backtestInput, learningTestConfig } from '../unit/learning/learningFixtures.js';
import { synthBotStack } from './synthBotStack.js';

const LEARNING = { bot: { learning: { enabled: true } } };

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

describe('Stack: the learned filter\'s retraining job', () => {
  it('is not in the stack unless learning is enabled', () => {
    const { template } = synthBotStack({});
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Events::Rule', 1);
    expect(Object.keys(template.findOutputs('RetrainFunctionName'))).toEqual([]);
  });

  it('runs weekly with the bot\'s configuration, and a role that may touch only its log group, the table, the topic and the queue', () => {
    // Act
    const { template, stack } = synthBotStack(LEARNING);
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: RETRAIN_SCHEDULE_EXPRESSION, State: 'ENABLED' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'KrakenBot-retrain',
      MemorySize: 1024,
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ KBOT_MODE: 'paper', KBOT_CONFIG: Match.stringLikeRegexp('"learning":\\{"enabled":true\\}') }) },
    });
    template.hasOutput('RetrainFunctionName', {});
    const roleId = stack.getLogicalId(stack.learning!.role.node.defaultChild as never);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    const ref = (construct: unknown) => stack.getLogicalId(construct as never);
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['WriteOwnLogs', ['logs:CreateLogStream', 'logs:PutLogEvents']],
      ['ReadLedgerWriteModels', RETRAIN_TABLE_ACTIONS],
      ['PublishPromotionAlerts', 'sns:Publish'],
      ['RecordFailedInvocations', 'sqs:SendMessage'],
    ]);
    expect(statements[1]!.Resource).toEqual({ 'Fn::GetAtt': [ref(stack.state.table.node.defaultChild), 'Arn'] });
    expect(statements[2]!.Resource).toEqual({ Ref: ref(stack.state.topic.node.defaultChild) });
    expect(JSON.stringify(statements)).not.toContain('*');
    // The topic's policy names the retraining role beside the tick's.
    template.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowTheRetrainingFunction', Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } } })]) } });
  });

  it('is cdk-nag clean, acknowledging exactly the tick\'s runtime, DLQ and tracing rules, each with its reason', () => {
    // Act: synthesis runs AwsSolutions and Serverless and throws on any unacknowledged finding.
    const { app, stack } = synthBotStack({ ...LEARNING, mode: 'live', allowLiveTrading: true }, { validate: true });
    // Assess
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.learning!.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged[`${construct.node.path} ${id}`] = reason;
      }
    }
    expect(Object.keys(acknowledged).sort()).toEqual([
      'KrakenBot/Learning/Function Annotation::AwsSolutions-L1',
      'KrakenBot/Learning/Function Annotation::Serverless-LambdaDLQ',
      'KrakenBot/Learning/Function Annotation::Serverless-LambdaLatestVersion',
      'KrakenBot/Learning/Function Annotation::Serverless-LambdaTracing',
    ]);
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(80);
  });

  it('sends the table only the actions its role is granted (a retraining with a promotion, on dynalite)', async () => {
    // Prepare: a ledger on dynalite, and a client that records every command it sends.
    const dynamo = await startLocalDynamo();
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    try {
      await ensureTable(client, 'kbot-retrain');
      const sent = new Set<string>();
      const send = client.send.bind(client);
      const recording = Object.assign(Object.create(client) as DynamoDBClient, { send: (command: { constructor: { name: string } }) => (sent.add(command.constructor.name), send(command as never)) });
      const config = learningTestConfig();
      const trades = runBacktest(backtestInput(config)).trades;
      const writer = new DynamoStore({ client, tableName: 'kbot-retrain' });
      for (const [k, t] of trades.entries()) {
        const id = `b${String(k).padStart(31, '0')}`;
        const common = { mode: 'paper' as const, exchangeOrderId: `X${k}`, pair: t.pair, amountBase: t.amountBase, entryFeatures: t.entryFeatures! };
        await writer.appendTrade({ ...common, clientOrderId: id, side: 'buy', reason: 'entry', price: t.entryPrice, costQuote: t.entryCostQuote, feeQuote: t.entryFeeQuote, timestampMs: t.entryTimeMs, positionId: id });
        await writer.appendTrade({ ...common, clientOrderId: `s${id.slice(1)}`, side: 'sell', reason: 'stop-loss', price: t.exitPrice, costQuote: t.exitProceedsQuote, feeQuote: t.exitFeeQuote, realizedPnlQuote: t.netPnlQuote, timestampMs: t.exitTimeMs, positionId: id });
      }
      // Act: a candidate that beats the baseline is forced by a lenient minimum, so the promotion path runs.
      const lenient = learningTestConfig({ learning: { ...config.learning, training: { ...config.learning.training, minTestTrades: 1 } } });
      const store = new DynamoStore({ client: recording, tableName: 'kbot-retrain' });
      const nowMs = Math.max(...closedTradesFromBacktest(trades).map((t) => t.exitTimeMs)) + 1;
      await retrainFromLedger({ config: lenient, store, alerts: { send: async () => undefined }, logger: silentLogger, nowMs, source: 'dynalite' });
      await store.putModel({ mode: 'paper', contentHash: `sha256:${'c'.repeat(64)}`, storedAtMs: nowMs, body: '{}' });
      await store.promoteModel({ mode: 'paper', contentHash: `sha256:${'c'.repeat(64)}`, promotedAtMs: nowMs, reason: 'test' }, (await store.getPromotedModel('paper'))?.contentHash ?? null);
      await store.appendAudit({ mode: 'paper', atMs: nowMs, id: 'x', action: 'learning-promote', actor: 'test', details: {} });
      // Assess
      const actionOf: Record<string, string> = { QueryCommand: 'dynamodb:Query', GetItemCommand: 'dynamodb:GetItem', PutItemCommand: 'dynamodb:PutItem' };
      expect([...sent].sort()).toEqual(['GetItemCommand', 'PutItemCommand', 'QueryCommand']);
      for (const name of sent) expect(RETRAIN_TABLE_ACTIONS).toContain(actionOf[name]);
    } finally {
      client.destroy();
      await dynamo.close();
    }
  });
});
