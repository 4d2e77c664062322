// Operator CLI (kbot ops): `kbot pause` / `kbot resume`. Pausing disables the EventBridge
// schedule rule, so no scheduled tick runs; positions stay open and keep their stored exits.
import { DescribeRuleCommand, DisableRuleCommand, EnableRuleCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { OpsContext } from './opsContext.js';
import { requireOutput } from './stackOutputs.js';

/** The schedule rule's state as EventBridge reports it. */
export interface RuleState {
  name: string;
  /** `ENABLED`, `DISABLED`, or EventBridge's other states. */
  state: string;
  scheduleExpression?: string;
}

/** Reads the rule's current state. */
export async function describeScheduleRule(eventBridge: EventBridgeClient, ruleName: string): Promise<RuleState> {
  const rule = await eventBridge.send(new DescribeRuleCommand({ Name: ruleName }));
  return {
    name: ruleName,
    state: rule.State ?? 'UNKNOWN',
    ...(rule.ScheduleExpression ? { scheduleExpression: rule.ScheduleExpression } : {}),
  };
}

/**
 * Enables (`resume`) or disables (`pause`) the stack's schedule rule, then prints the state
 * EventBridge reports afterwards. Returns that state.
 */
export async function setScheduleEnabled(ctx: OpsContext, enabled: boolean): Promise<RuleState> {
  const outputs = await ctx.outputs();
  const ruleName = requireOutput(outputs, 'RuleName');
  const heartbeatAlarm = outputs.values.HeartbeatAlarmName;
  const eventBridge = ctx.clients.eventBridge;
  await eventBridge.send(enabled ? new EnableRuleCommand({ Name: ruleName }) : new DisableRuleCommand({ Name: ruleName }));
  const rule = await describeScheduleRule(eventBridge, ruleName);
  ctx.io.out(`schedule rule ${rule.name}: ${rule.state}${rule.scheduleExpression ? ` (${rule.scheduleExpression})` : ''}`);
  if (enabled) {
    ctx.io.out('ticks run on the schedule again; a halt flag, if set, still blocks entries (kbot status).');
    if (heartbeatAlarm) {
      ctx.io.out(`if you disabled the heartbeat alarm while paused, turn it back on: aws cloudwatch enable-alarm-actions --alarm-names ${heartbeatAlarm}`);
    }
  } else {
    ctx.io.out('no scheduled ticks will run: open positions are NOT watched for stop-loss or take-profit until you resume.');
    ctx.io.out('to close them now instead, run: kbot flatten');
    if (heartbeatAlarm) {
      // The alarm firing while paused is a useful reminder, so it is left on; the operator may silence it.
      ctx.io.out(`the heartbeat alarm ${heartbeatAlarm} will alert in about 15 minutes that no tick runs; to silence it: aws cloudwatch disable-alarm-actions --alarm-names ${heartbeatAlarm}`);
    }
  }
  return rule;
}
