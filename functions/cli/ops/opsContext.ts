// Operator CLI (kbot ops): what every command receives — its AWS clients, its terminal, the
// deployed stack's outputs (read once, on first use) and a clock.
import type { StorePort } from '../../core/ports.js';
import type { AwsClients } from './awsClients.js';
import type { OpsIo } from './opsIo.js';
import { resolveStackOutputs, type StackOutputs } from './stackOutputs.js';

/** Options every ops command accepts. */
export interface CommonOptions {
  /** Name of the deployed stack (`--stack`). */
  stack: string;
  region?: string;
  profile?: string;
}

/** Opens the bot's state table as a StorePort (DynamoStore in production, any store in tests). */
export type StoreFactory = (clients: AwsClients, tableName: string) => StorePort;

/** Everything a command needs, injected so it runs against mocks in tests. */
export interface OpsContext {
  clients: AwsClients;
  io: OpsIo;
  stackName: string;
  /** The stack's outputs, described once per command run. */
  outputs(): Promise<StackOutputs>;
  openStore: StoreFactory;
  nowMs(): number;
}

/** Builds a context whose stack outputs are resolved lazily, so `--parameter` style overrides skip CloudFormation. */
export function createOpsContext(args: {
  clients: AwsClients;
  io: OpsIo;
  stackName: string;
  openStore: StoreFactory;
  nowMs?: () => number;
}): OpsContext {
  let outputs: Promise<StackOutputs> | undefined;
  return {
    clients: args.clients,
    io: args.io,
    stackName: args.stackName,
    openStore: args.openStore,
    nowMs: args.nowMs ?? (() => Date.now()),
    outputs: () => {
      outputs ??= args.clients.region().then((region) => resolveStackOutputs(args.clients.cloudFormation, args.stackName, region));
      return outputs;
    },
  };
}
