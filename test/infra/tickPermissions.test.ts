// Infra tests: the tick role's exact IAM statements (least privilege), the key parameter's KMS key
// policy, and a check that every AWS SDK command the Lambda code sends is one of the granted actions.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KEY_ADMIN_ACTIONS } from '../../lib/keysKey.js';
import { onlyResource, synthBotStack } from './synthBotStack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function roleStatements(input: Parameters<typeof synthBotStack>[0] = {}): { statements: Statement[]; ids: Record<string, string> } {
  const { template } = synthBotStack(input);
  const policy = onlyResource(template, 'AWS::IAM::Policy');
  const ids = {
    role: onlyResource(template, 'AWS::IAM::Role').logicalId,
    table: onlyResource(template, 'AWS::DynamoDB::Table').logicalId,
    topic: onlyResource(template, 'AWS::SNS::Topic').logicalId,
    logs: onlyResource(template, 'AWS::Logs::LogGroup').logicalId,
    queue: onlyResource(template, 'AWS::SQS::Queue').logicalId,
  };
  expect(policy.resource.Properties.Roles).toEqual([{ Ref: ids.role }]);
  return { statements: (policy.resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement, ids };
}

const VIA_SSM = { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] };

const parameterArn = (path: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter${path}`]],
});

describe('IAM: tick role', () => {
  it('grants exactly logs, table, topic, key parameter and failed-events queue, each on its one resource', () => {
    // Act
    const { statements, ids } = roleStatements();
    // Assess
    expect(statements).toEqual([
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [ids.logs, 'Arn'] } },
      {
        Sid: 'UseStateTable',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        Resource: { 'Fn::GetAtt': [ids.table, 'Arn'] },
      },
      { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: ids.topic } },
      { Sid: 'ReadKrakenKeys', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameterArn('/kbot/kraken/api-keys') },
      { Sid: 'RecordFailedInvocations', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [ids.queue, 'Arn'] } },
    ]);
  });

  it('follows the configured key parameter name, with or without a leading slash', () => {
    const withSlash = roleStatements({ keysParameterName: '/bots/live/kraken' }).statements.find((s) => s.Sid === 'ReadKrakenKeys');
    const withoutSlash = roleStatements({ keysParameterName: 'kraken-keys' }).statements.find((s) => s.Sid === 'ReadKrakenKeys');
    expect(withSlash?.Resource).toEqual(parameterArn('/bots/live/kraken'));
    expect(withoutSlash?.Resource).toEqual(parameterArn('/kraken-keys'));
  });

  it('adds kms:Decrypt only for a key of your own, only through SSM and only for the key parameter', () => {
    const { statements } = roleStatements({ keysKmsKeyArn: KMS_KEY_ARN });
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('kms:'))).toEqual([
      {
        Sid: 'DecryptKrakenKeysThroughSsm',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KMS_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': VIA_SSM, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/kbot/kraken/api-keys') } },
      },
    ]);
    expect(roleStatements().statements.some((s) => JSON.stringify(s.Action).includes('kms:'))).toBe(false);
    expect(roleStatements({ mode: 'live', allowLiveTrading: true }).statements.some((s) => JSON.stringify(s.Action).includes('kms:'))).toBe(false);
  });
});

describe('KMS: the key parameter\'s key', () => {
  const key = (input: Parameters<typeof synthBotStack>[0]) => Object.entries(synthBotStack(input).template.findResources('AWS::KMS::Key'));

  it('is created for live by default, not for paper, not with a key of your own, and on request for paper', () => {
    expect(key({ mode: 'live', allowLiveTrading: true })).toHaveLength(1);
    expect(key({})).toHaveLength(0);
    expect(key({ mode: 'live', allowLiveTrading: true, keysKmsKeyArn: KMS_KEY_ARN })).toHaveLength(0);
    expect(key({ keysKmsKey: true })).toHaveLength(1);
    expect(key({ mode: 'live', allowLiveTrading: true, keysKmsKey: false })).toHaveLength(0);
  });

  it('lets only the tick role decrypt, only through SSM for the key parameter; the account may encrypt it and administer the key', () => {
    // Prepare
    const { template } = synthBotStack({ mode: 'live', allowLiveTrading: true, keysParameterName: '/bots/live/kraken' });
    const [, resource] = Object.entries(template.findResources('AWS::KMS::Key'))[0]!;
    const props = (resource as { Properties: { KeyPolicy: { Statement: Statement[] }; EnableKeyRotation: boolean }; DeletionPolicy: string }).Properties;
    const root = { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } };
    const onlyThisParameterThroughSsm = { StringEquals: { 'kms:ViaService': VIA_SSM, 'kms:EncryptionContext:PARAMETER_ARN': parameterArn('/bots/live/kraken') } };

    // Assess
    const statements = props.KeyPolicy.Statement as (Statement & { Principal: unknown })[];
    expect(statements.map((st) => [st.Sid, st.Principal, st.Action, st.Condition])).toEqual([
      ['AccountAdministersTheKeyButCannotUseIt', root, KEY_ADMIN_ACTIONS, undefined],
      ['OperatorsEncryptTheKeyParameterThroughSsm', root, 'kms:Encrypt', onlyThisParameterThroughSsm],
      ['TickRoleDecryptsTheKeyParameterThroughSsm', { AWS: { 'Fn::GetAtt': [onlyResource(template, 'AWS::IAM::Role').logicalId, 'Arn'] } }, 'kms:Decrypt', onlyThisParameterThroughSsm],
    ]);
    // Nothing in the policy lets anyone else decrypt, or create a grant that would.
    const granted = statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect(granted.filter((action) => /^kms:(\*|Decrypt|ReEncrypt|Create\*|CreateGrant|GenerateDataKey)/.test(action))).toEqual(['kms:Decrypt']);
    expect(props.EnableKeyRotation).toBe(false);
    expect(resource).toMatchObject({ DeletionPolicy: 'Delete', Properties: { PendingWindowInDays: 7 } });
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).KeysKmsKeyArn!.Value).toEqual({ 'Fn::GetAtt': [Object.keys(template.findResources('AWS::KMS::Key'))[0], 'Arn'] });
  });

  it('has no managed policies, no wildcard resources and no wildcard actions', () => {
    const { template } = synthBotStack({ keysKmsKeyArn: KMS_KEY_ARN });
    const role = onlyResource(template, 'AWS::IAM::Role');
    expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.resource.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }],
    });
    const json = JSON.stringify(onlyResource(template, 'AWS::IAM::Policy').resource);
    expect(json).not.toMatch(/"Resource":"\*"/);
    expect(json).not.toMatch(/"Action":"[a-z0-9]+:\*"|"[a-z0-9]+:\*"/);
  });
});

describe('IAM: granted actions cover the code', () => {
  it('grants every AWS SDK command the tick handler can reach', () => {
    // Prepare: follow relative imports from the Lambda entry, collect SDK commands per client.
    const { statements } = roleStatements();
    const granted = new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    // Act
    const used = sdkCommandsReachableFrom(join(ROOT, 'functions', 'tick', 'handler.ts'));
    // Assess: the store's five DynamoDB actions, GetParameter and Publish at least are in use.
    expect(used).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query', 'ssm:GetParameter', 'sns:Publish']));
    expect(used.filter((action) => !granted.has(action) && !NOT_SENT_BY_LAMBDA.has(action))).toEqual([]);
  });
});

/**
 * Commands in files the handler imports that the Lambda never sends: creating the table on dynalite
 * (the stack owns the real one), and `putKeys` beside the key reader, which `kbot keys set` runs
 * with the operator's credentials. The bundle test checks the built bundle, where esbuild has
 * dropped whatever the handler cannot call, against the granted actions without this list.
 */
const NOT_SENT_BY_LAMBDA = new Set(['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'ssm:PutParameter']);

const SDK_SERVICE: Record<string, string> = { 'client-dynamodb': 'dynamodb', 'client-ssm': 'ssm', 'client-sns': 'sns' };

function sdkCommandsReachableFrom(entry: string): string[] {
  const seen = new Set<string>();
  const actions = new Set<string>();
  const queue = [entry];
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/([a-z-]+)'/g)) {
      const service = SDK_SERVICE[match[3]!];
      if (match[1] || !service) continue;
      for (const name of match[2]!.split(',').map((s) => s.trim())) {
        const command = /^([A-Z][A-Za-z]+)Command$/.exec(name);
        if (command) actions.add(`${service}:${command[1]}`);
      }
    }
    for (const match of source.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)\.js'/g)) {
      // Our sources only (the Kraken adapter names ccxt's files by path: see ccxtKraken.ts).
      if (match[1]!.includes('/node_modules/')) continue;
      queue.push(resolve(dirname(file), `${match[1]!}.ts`));
    }
  }
  return [...actions].sort();
}
