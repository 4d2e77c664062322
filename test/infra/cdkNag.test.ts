// Infra tests: cdk-nag's AwsSolutions pack and CDK's built-in CloudFormation validation over the
// bot's stack: no unacknowledged finding, and every acknowledgement carries a written reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { synthBotStack } from './synthBotStack.js';

const FULL = { alertEmail: 'me@example.com', alertPhone: '+15551234567', keysKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/abcd-1234' };

describe('cdk-nag: AwsSolutions', () => {
  it('finds nothing unacknowledged in the fully configured stack', () => {
    // Act: synthesis runs the validation plugins and throws on any failing report.
    const { app } = synthBotStack(FULL, { validate: true });
    // Assess: the report written beside the templates lists no violations at all (warnings included).
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('is really checking: one SNS topic without TLS enforcement added to the stack fails synthesis', () => {
    expect(() => synthBotStack(FULL, { validate: true, extend: (stack) => new Topic(stack, 'PlainTopic') })).toThrow(/AwsSolutions-SNS3/);
  });

  it('acknowledges only the runtime rule, with a reason', () => {
    const { stack } = synthBotStack(FULL);
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged[`${construct.node.path} ${id}`] = reason;
      }
    }
    expect(Object.keys(acknowledged)).toEqual(['KrakenBot/Tick/Function Annotation::AwsSolutions-L1']);
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(40);
  });
});
