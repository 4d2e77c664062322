// Operator CLI: kbot pause / kbot resume toggle exactly the stack's schedule rule.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setScheduleEnabled } from '../../functions/cli/ops/scheduleRule.js';
import { OUTPUTS, mockStack, testContext } from './cli-ops-fixtures.js';

describe('Function: setScheduleEnabled (kbot pause / resume)', () => {
  const events = mockClient(EventBridgeClient);

  beforeEach(() => {
    events.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('pause disables the rule named by RuleName, and only that', async () => {
    // Prepare
    events.on(DescribeRuleCommand).resolves({ Name: OUTPUTS.RuleName, State: 'DISABLED', ScheduleExpression: 'cron(0/5 * * * ? *)' });
    const { ctx, io } = testContext();

    // Act
    const rule = await setScheduleEnabled(ctx, false);

    // Assess
    expect(events.commandCalls(DisableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: OUTPUTS.RuleName }]);
    expect(events.commandCalls(EnableRuleCommand)).toHaveLength(0);
    expect(events.commandCalls(DescribeRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: OUTPUTS.RuleName }]);
    expect(rule.state).toBe('DISABLED');
    expect(io.stdout[0]).toBe(`schedule rule ${OUTPUTS.RuleName}: DISABLED (cron(0/5 * * * ? *))`);
    expect(io.stdout.join('\n')).toContain(`aws cloudwatch disable-alarm-actions --alarm-names ${OUTPUTS.HeartbeatAlarmName}`);
  });

  it('resume enables the rule named by RuleName, and only that', async () => {
    // Prepare
    events.on(DescribeRuleCommand).resolves({ Name: OUTPUTS.RuleName, State: 'ENABLED' });
    const { ctx, io } = testContext();

    // Act
    const rule = await setScheduleEnabled(ctx, true);

    // Assess
    expect(events.commandCalls(EnableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: OUTPUTS.RuleName }]);
    expect(events.commandCalls(DisableRuleCommand)).toHaveLength(0);
    expect(rule).toEqual({ name: OUTPUTS.RuleName, state: 'ENABLED' });
    expect(io.stdout[0]).toBe(`schedule rule ${OUTPUTS.RuleName}: ENABLED`);
    expect(io.stdout.join('\n')).toContain(`aws cloudwatch enable-alarm-actions --alarm-names ${OUTPUTS.HeartbeatAlarmName}`);
  });

  it('prints the state EventBridge reports, not the one asked for', async () => {
    // Prepare: something else re-enabled it in between.
    events.on(DescribeRuleCommand).resolves({ Name: OUTPUTS.RuleName, State: 'ENABLED' });
    const { ctx, io } = testContext();

    // Act
    await setScheduleEnabled(ctx, false);

    // Assess
    expect(io.stdout[0]).toContain(': ENABLED');
  });

  it('fails before touching EventBridge when the stack has no RuleName', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    const { RuleName: _omitted, ...withoutRule } = OUTPUTS;
    mockStack(withoutRule);
    const { ctx } = testContext();

    // Act & Assess
    await expect(setScheduleEnabled(ctx, false)).rejects.toThrow('has no output RuleName');
    expect(events.calls()).toHaveLength(0);
  });
});
