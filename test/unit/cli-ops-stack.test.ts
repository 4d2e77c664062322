// Operator CLI: finding the deployed stack and its outputs.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { requireOutput, resolveMode, resolveStackOutputs } from '../../functions/cli/ops/stackOutputs.js';
import { OpsError } from '../../functions/cli/ops/opsIo.js';
import { OUTPUTS, REGION, mockStack, stackMissing, stackReply, testClients } from './cli-ops-fixtures.js';

describe('Function: resolveStackOutputs', () => {
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('reads the named stack\'s outputs', async () => {
    // Prepare
    const cfn = mockStack();

    // Act
    const outputs = await resolveStackOutputs(testClients().cloudFormation, 'KrakenBot', REGION);

    // Assess
    expect(outputs.values).toEqual(OUTPUTS);
    expect(outputs.stackNames).toEqual(['KrakenBot']);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'KrakenBot' });
  });

  it('gives the clear error when the stack is not found', async () => {
    // Prepare
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).rejects(stackMissing('KrakenBot'));

    // Act
    const attempt = resolveStackOutputs(testClients().cloudFormation, 'KrakenBot', REGION);

    // Assess
    await expect(attempt).rejects.toThrow(OpsError);
    await expect(attempt).rejects.toThrow('stack KrakenBot not found in eu-west-1: did you run cdk deploy?');
  });

  it('keeps only the contract\'s output keys', async () => {
    // Prepare
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand, { StackName: 'Bot' }).resolves(stackReply('Bot', { RuleName: 'rule-1', Mode: 'live', SomethingElse: 'x' }));

    // Act
    const outputs = await resolveStackOutputs(testClients().cloudFormation, 'Bot', REGION);

    // Assess
    expect(outputs).toEqual({ stackNames: ['Bot'], region: REGION, values: { RuleName: 'rule-1', Mode: 'live' } });
    expect(cfn.calls()).toHaveLength(1);
  });

  it('treats a deleted stack as absent', async () => {
    // Prepare
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ ...stackReply('KrakenBot', OUTPUTS).Stacks[0]!, StackStatus: 'DELETE_COMPLETE' }] });

    // Act & Assess
    await expect(resolveStackOutputs(testClients().cloudFormation, 'KrakenBot', REGION)).rejects.toThrow('not found in eu-west-1');
  });

  it('passes other CloudFormation errors through', async () => {
    // Prepare
    const cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('User is not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' }));

    // Act & Assess
    await expect(resolveStackOutputs(testClients().cloudFormation, 'KrakenBot', REGION)).rejects.toThrow('not authorized');
  });
});

describe('Function: requireOutput / resolveMode', () => {
  const outputs = { stackNames: ['KrakenBot'], region: REGION, values: { RuleName: 'r', Mode: 'live' } };

  it('names the missing output and the stack', () => {
    expect(requireOutput(outputs, 'RuleName')).toBe('r');
    expect(() => requireOutput(outputs, 'TopicArn')).toThrow('stack KrakenBot in eu-west-1 has no output TopicArn');
  });

  it('takes the mode from the stack unless overridden, and refuses anything else', () => {
    expect(resolveMode(outputs, undefined)).toBe('live');
    expect(resolveMode(outputs, 'paper')).toBe('paper');
    expect(() => resolveMode({ ...outputs, values: { Mode: 'real' } }, undefined)).toThrow('mode must be "paper" or "live"');
  });
});
