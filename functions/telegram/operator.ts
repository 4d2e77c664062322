// Use case (Telegram and the assistant's confirmed proposals): the operator commands, run through
// the very functions the kbot CLI runs (functions/cli/ops): pause/resume disable and enable the
// EventBridge rule, halt/unhalt write the halt flag, flatten and force-exit invoke the tick's
// exit-commands alias. Each gets an OpsContext whose outputs come from the function's environment
// instead of CloudFormation, and whose terminal is a buffer: the lines the CLI would print are
// what the chat receives.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients } from '../cli/ops/awsClients.js';
import { flatten } from '../cli/ops/flatten.js';
import { forceExit } from '../cli/ops/forceExit.js';
import { setHalt } from '../cli/ops/haltFlag.js';
import type { OpsContext, StoreFactory } from '../cli/ops/opsContext.js';
import { OpsError, type OpsIo } from '../cli/ops/opsIo.js';
import { setScheduleEnabled } from '../cli/ops/scheduleRule.js';
import type { StackOutputKey, StackOutputs } from '../cli/ops/stackOutputs.js';
import { status, type StatusReport } from '../cli/ops/status.js';

/** What one command printed and how it ended (the CLI's exit code). */
export interface OperatorOutcome {
  code: number;
  lines: string[];
}

/** The commands Telegram can run. Every one is the CLI's function of the same name. */
export interface OperatorPort {
  status(): Promise<{ report: StatusReport | undefined } & OperatorOutcome>;
  pause(): Promise<OperatorOutcome>;
  resume(): Promise<OperatorOutcome>;
  halt(reason: string): Promise<OperatorOutcome>;
  unhalt(): Promise<OperatorOutcome>;
  flatten(requestId: string): Promise<OperatorOutcome>;
  forceExit(pair: string, requestId: string): Promise<OperatorOutcome>;
}

/** A terminal that keeps what is written and answers no question (confirmation happened in the chat). */
export function bufferIo(): OpsIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    interactive: false,
    out: (line) => void lines.push(line),
    err: (line) => void lines.push(line),
    prompt: async () => undefined,
  };
}

/**
 * A client this function has no permission for and the commands above never call. Touching it is
 * a bug, reported as one, rather than an AccessDenied from AWS.
 */
function unavailable<T>(name: string): T {
  return new Proxy({}, {
    get: (_target, property) => {
      if (property === 'then') return undefined;
      throw new Error(`the ${name} client is not available in the Telegram function (used: ${String(property)})`);
    },
  }) as T;
}

export interface OpsOperatorDeps {
  eventBridge: EventBridgeClient;
  lambda: LambdaClient;
  dynamoDb: DynamoDBClient;
  region: string;
  /** The stack outputs the CLI would read from CloudFormation, here from the function's environment. */
  outputs: Partial<Record<StackOutputKey, string>>;
  stackName: string;
  openStore: StoreFactory;
  nowMs(): number;
  /** Delays between invokes while the tick is busy (tests: none). */
  busyRetryDelaysMs?: readonly number[];
}

/** The OperatorPort over the CLI's functions. */
export function opsOperator(deps: OpsOperatorDeps): OperatorPort {
  const clients: AwsClients = {
    eventBridge: deps.eventBridge,
    lambda: deps.lambda,
    dynamoDb: deps.dynamoDb,
    cloudFormation: unavailable('CloudFormation'),
    ssm: unavailable('SSM'),
    logs: unavailable('CloudWatch Logs'),
    sns: unavailable('SNS'),
    region: async () => deps.region,
  };
  const outputs: StackOutputs = { stackNames: [deps.stackName], region: deps.region, values: deps.outputs };
  const context = (io: OpsIo): OpsContext => ({
    clients,
    io,
    stackName: deps.stackName,
    outputs: async () => outputs,
    openStore: deps.openStore,
    nowMs: deps.nowMs,
  });
  const run = async (body: (ctx: OpsContext) => Promise<number | void>): Promise<OperatorOutcome> => {
    const io = bufferIo();
    try {
      const code = (await body(context(io))) ?? 0;
      return { code, lines: io.lines };
    } catch (error) {
      // The CLI prints `error: ...` and exits 1; the chat gets the same line.
      io.err(`error: ${error instanceof OpsError || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : `${error.name}: ${error.message}`}`);
      return { code: 1, lines: io.lines };
    }
  };
  const retry = deps.busyRetryDelaysMs ? { busyRetryDelaysMs: deps.busyRetryDelaysMs } : {};
  return {
    async status() {
      let report: StatusReport | undefined;
      const outcome = await run(async (ctx) => {
        // --json: the report is the value; its printed JSON is not sent to the chat.
        report = await status({ ...ctx, io: { ...ctx.io, out: () => undefined } }, { json: true });
      });
      return { ...outcome, report };
    },
    pause: () => run((ctx) => setScheduleEnabled(ctx, false).then(() => 0)),
    resume: () => run((ctx) => setScheduleEnabled(ctx, true).then(() => 0)),
    halt: (reason) => run((ctx) => setHalt(ctx, true, { reason, exits: false }).then(() => 0)),
    unhalt: () => run((ctx) => setHalt(ctx, false, {}).then(() => 0)),
    flatten: (requestId) => run((ctx) => flatten(ctx, { yes: true, requestId, ...retry })),
    forceExit: (pair, requestId) => run((ctx) => forceExit(ctx, { pair, requestId, ...retry })),
  };
}
