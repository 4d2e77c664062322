// Operator CLI against a real DynamoDB implementation (dynalite on 127.0.0.1): halt, status and
// unhalt go through the production DynamoStore and write the item the tick reads.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import { createAwsClients } from '../../functions/cli/ops/awsClients.js';
import { opsCommands } from '../../functions/cli/ops/index.js';
import { NOW_MS, OUTPUTS, fakeIo, mockStack, type FakeIo } from './cli-ops-fixtures.js';

describe('Function: opsCommands on DynamoStore (dynalite)', () => {
  let dynamo: LocalDynamo;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    // The operator's clients reach the local table; every other service stays mocked.
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
    await ensureTable(createDynamoClient({ endpoint: dynamo.endpoint, region: 'eu-west-1' }), OUTPUTS.TableName);
    mockStack();
    mockClient(EventBridgeClient).on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
    mockClient(LambdaClient).on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { KBOT_CONFIG: '{"limits":{"maxDailyLossQuote":25}}' } } });
  });
  afterAll(async () => {
    mockClient(CloudFormationClient).restore();
    mockClient(EventBridgeClient).restore();
    mockClient(LambdaClient).restore();
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await dynamo?.close();
  });

  async function run(...args: string[]): Promise<{ io: FakeIo; code: number }> {
    const io = fakeIo();
    let code = -1;
    const program = new Command('kbot').exitOverride();
    // Production store factory (DynamoStore): only the clients, terminal and clock are replaced.
    for (const command of opsCommands({
      createClients: () => createAwsClients({ region: 'eu-west-1' }),
      createIo: () => io,
      nowMs: () => NOW_MS,
      setExitCode: (c) => void (code = c),
    })) {
      program.addCommand(command);
    }
    await program.parseAsync(['node', 'kbot', ...args]);
    return { io, code };
  }

  async function rawControlItem(): Promise<Record<string, unknown> | undefined> {
    const reply = await createDynamoClient({ endpoint: dynamo.endpoint, region: 'eu-west-1' }).send(
      new GetItemCommand({ TableName: OUTPUTS.TableName, Key: { pk: { S: 'CONTROL#paper' }, sk: { S: 'halt' } }, ConsistentRead: true }),
    );
    return reply.Item ? unmarshall(reply.Item) : undefined;
  }

  it('halt writes CONTROL#paper / halt, status reads it back, unhalt clears it', async () => {
    // Act
    const halted = await run('halt', '--reason', 'maintenance');
    const afterHalt = await rawControlItem();
    const shown = await run('status', '--json');
    const cleared = await run('unhalt');
    const afterUnhalt = await rawControlItem();

    // Assess
    expect(halted.code).toBe(0);
    expect(afterHalt).toMatchObject({ pk: 'CONTROL#paper', sk: 'halt', halted: true, haltExits: false, reason: 'maintenance' });
    const report = JSON.parse(shown.io.stdout.join('\n')) as { halt: unknown; killSwitch: unknown; positions: unknown[] };
    expect(shown.code).toBe(0);
    expect(report.halt).toEqual({ halted: true, haltExits: false, reason: 'maintenance', updatedAtMs: NOW_MS });
    expect(report.killSwitch).toEqual({ tripped: false, realizedPnlQuote: 0, maxDailyLossQuote: 25 });
    expect(report.positions).toEqual([]);
    expect(cleared.code).toBe(0);
    expect(afterUnhalt).toMatchObject({ halted: false, haltExits: false });
  });
});
