// Operator CLI (kbot ops): `kbot alerts test`. Publishes a test alert to the stack's SNS topic so
// the operator can confirm email and SMS subscriptions work before real fills arrive.
import { PublishCommand } from '@aws-sdk/client-sns';
import { snsPublishInput } from '../../adapters/sns/snsAlerts.js';
import type { Alert } from '../../core/ports.js';
import type { OpsContext } from './opsContext.js';
import { requireOutput } from './stackOutputs.js';

/** The test alert's wording; SMS stays one short line. */
export function testAlert(args: { stackName: string; region: string; mode: string; nowMs: number }): Alert {
  const at = new Date(args.nowMs).toISOString();
  return {
    // Warning, not info: the SMS subscription passes only critical and warning alerts, and the
    // test is meant to reach the phone too.
    severity: 'warning',
    kind: 'test',
    subject: `[${args.mode.toUpperCase()}] kbot test alert`,
    message: [
      `This is a test alert from the Kraken bot stack ${args.stackName} (${args.mode} mode) in ${args.region}, sent at ${at} by kbot alerts test.`,
      'If you are reading it, fills, exits, kill-switch trips and errors will reach you here too.',
    ].join('\n'),
    sms: `kbot ${args.mode}: test alert OK ${at.slice(0, 16)}Z`,
  };
}

/**
 * `kbot alerts test`: publishes the test alert to `TopicArn` (email body, short SMS text) and
 * prints the message id. Publish errors are thrown, so the operator sees why alerts would not arrive.
 */
export async function alertsTest(ctx: OpsContext): Promise<string> {
  const outputs = await ctx.outputs();
  const topicArn = requireOutput(outputs, 'TopicArn');
  const alert = testAlert({
    stackName: outputs.stackNames[0] ?? ctx.stackName,
    region: outputs.region,
    mode: outputs.values.Mode ?? 'paper',
    nowMs: ctx.nowMs(),
  });
  // The same Publish input the function's SnsAlerts sends, but published here directly: SnsAlerts
  // swallows delivery errors (an alert must not fail a tick), and reporting them is this command's job.
  const reply = await ctx.clients.sns.send(new PublishCommand(snsPublishInput(topicArn, alert)));
  ctx.io.out(`published a test alert to ${topicArn} (message id ${reply.MessageId ?? 'unknown'})`);
  ctx.io.out('email subscribers must have confirmed their subscription (the link AWS sent) to receive it;');
  ctx.io.out('SMS needs the account out of the SNS SMS sandbox, or the number verified in it.');
  return reply.MessageId ?? '';
}
