// Operator CLI: the commander wiring (options, arguments, exit codes, error lines) of the ops commands.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, DisableRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { createAwsClients, type AwsTarget } from '../../functions/cli/ops/awsClients.js';
import { opsCommands } from '../../functions/cli/ops/index.js';
import { NOW_MS, OUTPUTS, fakeIo, mockStack, stackMissing, type FakeIo } from './cli-ops-fixtures.js';

const SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';
const API_KEY = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrst';

/** A `kbot` program with the ops commands on injected dependencies; commander errors throw. */
function harness(answers: string[] = []) {
  const interrupts: (() => void)[] = [];
  const targets: AwsTarget[] = [];
  const exitCodes: number[] = [];
  const commanderOutput: string[] = [];
  const ios: FakeIo[] = [];
  const store = new MemoryStore();
  const program = new Command('kbot').exitOverride();
  for (const command of opsCommands({
    createClients: (target) => {
      targets.push(target);
      return createAwsClients({ region: target.region ?? 'eu-west-1' });
    },
    createIo: () => {
      const io = fakeIo(answers);
      ios.push(io);
      return io;
    },
    openStore: () => store,
    nowMs: () => NOW_MS,
    setExitCode: (code) => void exitCodes.push(code),
    onInterrupt: (listener) => {
      interrupts.push(listener);
      return () => void interrupts.splice(interrupts.indexOf(listener), 1);
    },
  })) {
    program.addCommand(command);
  }
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => void commanderOutput.push(s), writeErr: (s) => void commanderOutput.push(s) });
    command.commands.forEach(quiet);
  };
  quiet(program);
  const run = (...args: string[]) => program.parseAsync(['node', 'kbot', ...args]);
  return { run, targets, exitCodes, commanderOutput, ios, store, interrupts };
}

describe('Function: opsCommands', () => {
  beforeEach(() => {
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
    mockClient(EventBridgeClient).restore();
    mockClient(SSMClient).restore();
    mockClient(LambdaClient).restore();
    mockClient(CloudWatchLogsClient).restore();
  });

  it('offers the operator commands by name', () => {
    const names = opsCommands().map((c) => c.name());
    expect(names).toEqual(['keys', 'pause', 'resume', 'status', 'flatten', 'halt', 'unhalt', 'logs', 'alerts', 'reconcile']);
    const keys = opsCommands().find((c) => c.name() === 'keys')!;
    expect(keys.commands.map((c) => c.name())).toEqual(['set']);
  });

  it('pause passes --stack, --region and --profile through and exits 0', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    const cfn = mockStack(OUTPUTS, 'MyBot');
    const events = mockClient(EventBridgeClient);
    events.on(DescribeRuleCommand).resolves({ State: 'DISABLED' });
    const h = harness();

    // Act
    await h.run('pause', '--stack', 'MyBot', '--region', 'us-east-2', '--profile', 'trading');

    // Assess
    expect(h.targets).toEqual([{ region: 'us-east-2', profile: 'trading' }]);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'MyBot' });
    expect(events.commandCalls(DisableRuleCommand).map((c) => c.args[0].input)).toEqual([{ Name: OUTPUTS.RuleName }]);
    expect(h.exitCodes).toEqual([0]);
  });

  it('prints the unknown-stack error with the region and exits 1', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    mockClient(CloudFormationClient).on(DescribeStacksCommand).rejects(stackMissing('KrakenBot'));
    const h = harness();

    // Act
    await h.run('status', '--region', 'eu-central-1');

    // Assess
    expect(h.ios[0]!.stderr).toEqual(['error: stack KrakenBot not found in eu-central-1: did you run cdk deploy? (pass --stack and --region if it has another name or region)']);
    expect(h.exitCodes).toEqual([1]);
  });

  it('keys set refuses keys given as arguments or options, before prompting or storing', async () => {
    // Prepare
    const ssm = mockClient(SSMClient);
    const h = harness();

    // Act
    const asArguments = h.run('keys', 'set', API_KEY, SECRET);
    await expect(asArguments).rejects.toThrow(/too many arguments/);
    const asOption = h.run('keys', 'set', '--secret', SECRET);
    await expect(asOption).rejects.toThrow(/unknown option '--secret'/);

    // Assess
    expect(ssm.calls()).toHaveLength(0);
    expect(h.ios).toHaveLength(0);
  });

  it('keys set stores from prompts and never writes the secret anywhere', async () => {
    // Prepare
    const ssm = mockClient(SSMClient);
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const h = harness([API_KEY, SECRET]);

    // Act
    await h.run('keys', 'set');

    // Assess
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toMatchObject({ Name: OUTPUTS.KeysParameterName, Type: 'SecureString', Overwrite: true });
    const written = [h.ios[0]!.all(), ...h.commanderOutput].join('\n');
    expect(written).not.toContain(SECRET);
    expect(written).not.toContain(API_KEY);
    expect(h.exitCodes).toEqual([0]);
  });

  it('halt --reason --exits writes the flag; status --json reads it back', async () => {
    // Prepare
    mockClient(EventBridgeClient).on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
    const lambda = mockClient(LambdaClient);
    lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { KBOT_CONFIG: '{}' } } });
    const h = harness();

    // Act
    await h.run('halt', '--reason', 'going on holiday', '--exits');
    await h.run('status', '--json');

    // Assess
    expect(await h.store.getControl('paper')).toEqual({ halted: true, haltExits: true, reason: 'going on holiday', updatedAtMs: NOW_MS });
    const report = JSON.parse(h.ios[1]!.stdout.join('\n')) as { halt: unknown; mode: string };
    expect(report.mode).toBe('paper');
    expect(report.halt).toEqual({ halted: true, haltExits: true, reason: 'going on holiday', updatedAtMs: NOW_MS });
    expect(h.ios[1]!.stdout.join('\n')).toContain('"maxTradesPerDay": 12');
    expect(h.exitCodes).toEqual([0, 0]);
  });

  it('flatten --yes exits 1 on a FunctionError', async () => {
    // Prepare
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).callsFake(() => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorType":"Error","errorMessage":"boom"}') }));
    const h = harness();

    // Act
    await h.run('flatten', '--yes');

    // Assess
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.FunctionName).toBe(OUTPUTS.FunctionName);
    expect(h.ios[0]!.stderr.join('\n')).toContain('the function failed (Error): boom');
    expect(h.exitCodes).toEqual([1]);
  });

  it('logs --follow stops on Ctrl-C and unsubscribes', async () => {
    // Prepare
    const h = harness();
    const cwl = mockClient(CloudWatchLogsClient);
    cwl.on(FilterLogEventsCommand).callsFake(() => {
      // Ctrl-C arrives while the first page is being read.
      h.interrupts.forEach((listener) => listener());
      return { events: [{ eventId: '1', timestamp: NOW_MS, message: '{"level":"INFO","message":"hello"}' }] };
    });

    // Act
    await h.run('logs', '--follow', '--since', '1h');

    // Assess
    expect(cwl.commandCalls(FilterLogEventsCommand)).toHaveLength(1);
    expect(cwl.commandCalls(FilterLogEventsCommand)[0]!.args[0].input).toMatchObject({ logGroupName: OUTPUTS.LogGroupName, startTime: NOW_MS - 3_600_000 });
    expect(h.ios[0]!.stdout).toEqual(['2024-05-01T12:34:56.000Z INFO  hello']);
    expect(h.interrupts).toHaveLength(0);
    expect(h.exitCodes).toEqual([0]);
  });

  it('turns network and credential failures into one actionable line', async () => {
    // Prepare
    mockClient(CloudFormationClient).restore();
    mockClient(CloudFormationClient)
      .on(DescribeStacksCommand)
      .rejectsOnce(Object.assign(new Error('getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND' }))
      .rejectsOnce(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const h = harness();

    // Act
    await h.run('status');
    await h.run('status');

    // Assess
    expect(h.ios[0]!.stderr).toEqual(['error: cannot reach AWS: getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com (check your network and --region)']);
    expect(h.ios[1]!.stderr[0]).toMatch(/^error: no AWS credentials: .*pass --profile\)$/);
    expect(h.exitCodes).toEqual([1, 1]);
  });

  it('refuses a mode other than paper or live', async () => {
    const h = harness();
    await expect(h.run('halt', '--mode', 'real')).rejects.toThrow(/Allowed choices are paper, live/);
  });
});
