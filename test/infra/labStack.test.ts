// Infra tests (lab): the sweep stack synthesizes offline, cdk-nag's AwsSolutions and Serverless
// packs find nothing unacknowledged, every acknowledgement has its reason, and the worker and
// state machine get exactly the access they need.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { labSettingsFromContext } from '../../lib/lab/labSettings.js';
import { LabStack, type LabSettings } from '../../lib/lab/labStack.js';

function synth(settings: Partial<LabSettings> = {}, validate = false) {
  const app = new App({ builtinCloudFormationValidation: false });
  if (validate) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }), new ServerlessChecks(app, { verbose: true }));
  const stack = new LabStack(app, settings.prefix ?? 'KbotLab', { settings, workerCode: Code.fromInline('export const handler = async () => ({});') });
  const template = Template.fromStack(stack);
  return { app, stack, template };
}

describe('Lab stack', () => {
  it('passes cdk-nag AwsSolutions and Serverless with nothing unacknowledged', () => {
    const { app } = synth({}, true);
    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('acknowledges only these rules, each with a reason', () => {
    const { stack } = synth();
    const acknowledged: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) acknowledged[`${construct.node.path} ${id}`] = reason;
      }
    }
    expect(Object.keys(acknowledged).sort()).toMatchSnapshot();
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(80);
  });

  it('keeps the bucket encrypted, TLS only, private, with lifecycle rules', () => {
    const { template } = synth();
    const buckets = Object.values(template.findResources('AWS::S3::Bucket')) as { Properties: Record<string, unknown> }[];
    expect(buckets).toHaveLength(2);
    for (const b of buckets) {
      expect(b.Properties.BucketEncryption).toBeDefined();
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    }
    const lab = buckets.find((b) => b.Properties.LoggingConfiguration)!;
    const rules = (lab.Properties.LifecycleConfiguration as { Rules: { Id: string; Prefix?: string; ExpirationInDays?: number }[] }).Rules;
    expect(rules.map((r) => [r.Id, r.Prefix ?? null, r.ExpirationInDays ?? null])).toEqual([
      ['expire-runs', 'runs/', 30],
      ['expire-data', 'data/', 90],
      ['abort-uploads', null, null],
    ]);
    const policies = JSON.stringify(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toContain('"aws:SecureTransport":"false"');
  });

  it('caps concurrency and batches items in the Distributed Map, reading the manifest named in the input', () => {
    const { template } = synth({ maxConcurrency: 120, itemsPerBatch: 4 });
    const sm = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
    const definition = JSON.stringify(sm.Properties.DefinitionString);
    expect(definition).toContain('\\"MaxConcurrency\\":120');
    expect(definition).toContain('\\"MaxItemsPerBatch\\":4');
    expect(definition).toContain('\\"Key.$\\":\\"$.manifestKey\\"');
    expect(definition).toContain('\\"Mode\\":\\"DISTRIBUTED\\"');
  });

  it('gives the worker only its log group and three key patterns of the lab bucket', () => {
    const { template, stack } = synth();
    const policies = template.findResources('AWS::IAM::Policy');
    const workerPolicy = Object.entries(policies).find(([id]) => id.startsWith('WorkerRoleDefaultPolicy'))![1] as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } };
    const statements = workerPolicy.Properties.PolicyDocument.Statement;
    expect(statements.map((s) => s.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents'], 's3:GetObject', 's3:PutObject']);
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).toContain('/data/*');
    expect(resources).toContain('/runs/*/plan.json');
    expect(resources).toContain('/runs/*/results/*');
    expect(resources).not.toMatch(/"\*"/);
    expect(stack.settings.workerMemoryMb).toBe(1769);
  });

  it('reads its settings from lab.* context and refuses typos and bad values', () => {
    expect(labSettingsFromContext({ 'lab.maxConcurrency': '200', 'lab.prefix': 'MyLab', other: 1 })).toMatchObject({ maxConcurrency: 200, prefix: 'MyLab', itemsPerBatch: 1 });
    expect(() => labSettingsFromContext({ 'lab.maxConcurency': '2' })).toThrow(/unknown context key lab\.maxConcurency/);
    expect(() => synth({ maxConcurrency: 0 })).toThrow(/maxConcurrency/);
  });
});
