// Operator CLI (kbot ops): finds the deployed bot. Reads the CloudFormation outputs that are the
// contract with the CDK app (rule, function and its command aliases, table, topic, key parameter
// and its KMS key, log group, mode).
import { DescribeStacksCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import type { Mode } from '../../core/types.js';
import { OpsError } from './opsIo.js';

/** The output keys the CDK app exports; commands ask only for those they need. */
export const STACK_OUTPUT_KEYS = [
  'RuleName',
  'FunctionName',
  /** The alias flatten and force-exit are invoked through (absent on stacks deployed before aliases). */
  'ExitCommandsAliasArn',
  /** The alias force-entry is invoked through. */
  'EntryCommandsAliasArn',
  'TableName',
  'TopicArn',
  'KeysParameterName',
  /** The KMS key of the key parameter; absent when the deployment uses the aws/ssm key. */
  'KeysKmsKeyArn',
  'LogGroupName',
  'DashboardName',
  'Mode',
  'HeartbeatAlarmName',
] as const;

export type StackOutputKey = (typeof STACK_OUTPUT_KEYS)[number];

/** The deployed stack does not exist (not deployed yet, another name, another region). */
export class StackNotFoundError extends OpsError {
  constructor(
    readonly stackName: string,
    readonly region: string,
  ) {
    super(`stack ${stackName} not found in ${region}: did you run cdk deploy? (pass --stack and --region if it has another name or region)`);
  }
}

/** The default name of the deployed bot's stack (`--stack`). */
export const DEFAULT_STACK_NAME = 'KrakenBot';

/** Outputs of the bot's stack, with where they came from for error messages. */
export interface StackOutputs {
  /** The stack that was read (a list, so a deployment split over stacks needs no new shape). */
  stackNames: string[];
  region: string;
  values: Partial<Record<StackOutputKey, string>>;
}

/**
 * Reads the outputs of the deployed stack (lib/krakenBotStack.ts: one stack, named after the
 * deployment prefix). Throws an `OpsError` saying so when it does not exist in the region.
 */
export async function resolveStackOutputs(
  cloudFormation: CloudFormationClient,
  stackName: string,
  region: string,
): Promise<StackOutputs> {
  const stack = await describeStack(cloudFormation, stackName);
  if (!stack) {
    throw new StackNotFoundError(stackName, region);
  }
  const values: Partial<Record<StackOutputKey, string>> = {};
  for (const output of stack.Outputs ?? []) {
    const key = output.OutputKey;
    if (key && output.OutputValue !== undefined && (STACK_OUTPUT_KEYS as readonly string[]).includes(key)) {
      values[key as StackOutputKey] = output.OutputValue;
    }
  }
  return { stackNames: [stackName], region, values };
}

/** One output, or an `OpsError` naming the stacks that lack it. */
export function requireOutput(outputs: StackOutputs, key: StackOutputKey): string {
  const value = outputs.values[key];
  if (value === undefined || value === '') {
    throw new OpsError(`stack ${outputs.stackNames.join(' / ')} in ${outputs.region} has no output ${key}: redeploy with this version (cdk deploy)`);
  }
  return value;
}

/** The deployed mode: `--mode` when given, else the stack's `Mode` output, checked. */
export function resolveMode(outputs: StackOutputs | undefined, override: string | undefined): Mode {
  const raw = override ?? (outputs ? requireOutput(outputs, 'Mode') : undefined);
  if (raw === 'paper' || raw === 'live') return raw;
  throw new OpsError(`mode must be "paper" or "live", got ${JSON.stringify(raw)}`);
}

async function describeStack(cloudFormation: CloudFormationClient, name: string): Promise<Stack | undefined> {
  try {
    const reply = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
    const stack = reply.Stacks?.[0];
    // A deleted stack can still be described by its id, not its name; treat it as absent.
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE') return undefined;
    return stack;
  } catch (error) {
    // CloudFormation reports a missing stack as a ValidationError "Stack with id X does not exist".
    if (error instanceof Error && /does not exist/i.test(error.message)) return undefined;
    throw error;
  }
}
