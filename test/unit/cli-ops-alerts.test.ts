// Operator CLI: kbot alerts test publishes one test alert to the stack's topic.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SEVERITY_ATTRIBUTE, SMS_SEVERITIES } from '../../functions/adapters/sns/snsAlerts.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsTest } from '../../functions/cli/ops/alertsTest.js';
import { OUTPUTS, mockStack, testContext } from './cli-ops-fixtures.js';

describe('Function: alertsTest (kbot alerts test)', () => {
  const sns = mockClient(SNSClient);

  beforeEach(() => {
    sns.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('publishes to TopicArn with an email body and a short SMS', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'msg-42' });
    const { ctx, io } = testContext();

    // Act
    const messageId = await alertsTest(ctx);

    // Assess
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.TopicArn).toBe(OUTPUTS.TopicArn);
    expect(input.Subject).toBe('[PAPER] kbot test alert');
    expect(input.MessageStructure).toBe('json');
    const message = JSON.parse(input.Message!) as Record<string, string>;
    expect(message.email).toContain('stack KrakenBot (paper mode) in eu-west-1, sent at 2024-05-01T12:34:56.000Z');
    expect(message.default).toBe(`[PAPER] kbot test alert\n\n${message.email}`);
    expect(input.MessageAttributes?.kind).toEqual({ DataType: 'String', StringValue: 'test' });
    // A severity the deployed SMS subscription lets through, or the test would never reach the phone.
    expect(SMS_SEVERITIES).toContain(input.MessageAttributes?.[SEVERITY_ATTRIBUTE]?.StringValue);
    expect(message.sms).toBe('kbot paper: test alert OK 2024-05-01T12:34Z');
    expect(message.sms!.length).toBeLessThanOrEqual(140);
    expect(messageId).toBe('msg-42');
    expect(io.stdout[0]).toBe(`published a test alert to ${OUTPUTS.TopicArn} (message id msg-42)`);
  });

  it('reports a publish failure instead of hiding it', async () => {
    // Prepare
    sns.on(PublishCommand).rejects(Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException' }));
    const { ctx } = testContext();

    // Act & Assess
    await expect(alertsTest(ctx)).rejects.toThrow('Topic does not exist');
  });
});
