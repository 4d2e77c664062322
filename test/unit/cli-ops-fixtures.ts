// Test fixtures for the operator CLI: a scripted terminal, mocked AWS clients and stack replies.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import type { StorePort } from '../../functions/core/ports.js';
import { createAwsClients, type AwsClients } from '../../functions/cli/ops/awsClients.js';
import { createOpsContext, type OpsContext } from '../../functions/cli/ops/opsContext.js';
import type { OpsIo } from '../../functions/cli/ops/opsIo.js';

export const REGION = 'eu-west-1';

// Any AWS call a test forgot to mock fails fast on a closed local port instead of reaching out.
process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

/** The outputs the CDK app exports, with recognisable values. */
export const OUTPUTS = {
  RuleName: 'KrakenBot-TickSchedule-ABC123',
  FunctionName: 'KrakenBot-TickFunction-XYZ789',
  TableName: 'KrakenBot-State-Table-QWE456',
  TopicArn: 'arn:aws:sns:eu-west-1:123456789012:KrakenBot-Alerts',
  KeysParameterName: '/kbot/kraken/api-keys',
  LogGroupName: '/aws/lambda/KrakenBot-TickFunction-XYZ789',
  DashboardName: 'KrakenBot',
  Mode: 'paper',
  HeartbeatAlarmName: 'KrakenBot-no-completed-tick',
} as const;

/** A scripted terminal: answers prompts in order and records everything written. */
export interface FakeIo extends OpsIo {
  stdout: string[];
  stderr: string[];
  prompts: { question: string; secret: boolean }[];
  /** Everything written to either stream, for "never printed" assertions. */
  all(): string;
}

export function fakeIo(answers: (string | undefined)[] = [], interactive = true): FakeIo {
  const queue = [...answers];
  const io: FakeIo = {
    interactive,
    stdout: [],
    stderr: [],
    prompts: [],
    out: (line) => void io.stdout.push(line),
    err: (line) => void io.stderr.push(line),
    prompt: async (question, options) => {
      io.prompts.push({ question, secret: options?.secret ?? false });
      io.stderr.push(question);
      return queue.shift();
    },
    all: () => [...io.stdout, ...io.stderr].join('\n'),
  };
  return io;
}

/** Real SDK clients (mocked per test with aws-sdk-client-mock) pinned to a region with dummy credentials. */
export function testClients(): AwsClients {
  return createAwsClients({ region: REGION });
}

/** A DescribeStacks reply for one stack. */
export function stackReply(stackName: string, outputs: Record<string, string>) {
  return {
    Stacks: [
      {
        StackName: stackName,
        StackStatus: 'CREATE_COMPLETE' as const,
        CreationTime: new Date('2024-05-01T00:00:00Z'),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  };
}

/** The error CloudFormation returns for a stack that does not exist. */
export function stackMissing(stackName: string): Error {
  return Object.assign(new Error(`Stack with id ${stackName} does not exist`), { name: 'ValidationError' });
}

/**
 * Mocks CloudFormation so `stackName` has `outputs` and every other stack is missing. Returns the
 * mock so tests can add or inspect calls.
 */
export function mockStack(outputs: Record<string, string> = OUTPUTS, stackName = 'KrakenBot') {
  const cfn = mockClient(CloudFormationClient);
  cfn.on(DescribeStacksCommand).rejects(stackMissing('other'));
  cfn.on(DescribeStacksCommand, { StackName: stackName }).resolves(stackReply(stackName, outputs));
  return cfn;
}

export const NOW_MS = Date.parse('2024-05-01T12:34:56.000Z');

/** A context on mocked clients, a scripted terminal and the given store. */
export function testContext(options: { io?: FakeIo; store?: StorePort; stackName?: string; nowMs?: number } = {}): {
  ctx: OpsContext;
  io: FakeIo;
  store: StorePort;
  openedTables: string[];
} {
  const io = options.io ?? fakeIo();
  const store = options.store ?? new MemoryStore();
  const openedTables: string[] = [];
  const ctx = createOpsContext({
    clients: testClients(),
    io,
    stackName: options.stackName ?? 'KrakenBot',
    nowMs: () => options.nowMs ?? NOW_MS,
    openStore: (_clients, tableName) => {
      openedTables.push(tableName);
      return store;
    },
  });
  return { ctx, io, store, openedTables };
}
