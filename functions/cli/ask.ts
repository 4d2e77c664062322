// CLI: `kbot ask "question"`. Asks the assistant (Amazon Bedrock, functions/assistant) about the
// deployed bot; its tools read the stack's table with your credentials, the answer is validated
// against what they returned, and a proposed command is printed for you to run: nothing is run here.
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { Command } from 'commander';
import type { AssistantAnswer, CommandProposal } from '../assistant/assistantTypes.js';
import { createBedrockAssistant } from '../assistant/bedrockAssistant.js';
import { storeDecisionReader } from '../assistant/decisionReader.js';
import { parseConfig, quoteCurrency } from '../core/config.js';
import { GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { createAwsClients, type AwsClients, type AwsTarget } from './ops/awsClients.js';
import { openDynamoStore } from './ops/openDynamoStore.js';
import { createOpsContext, type OpsContext, type StoreFactory } from './ops/opsContext.js';
import { OpsError, type OpsIo } from './ops/opsIo.js';
import { DEFAULT_STACK_NAME, requireOutput, resolveMode } from './ops/stackOutputs.js';
import { status } from './ops/status.js';
import { terminalIo } from './ops/terminalIo.js';

/** The command line that does what the assistant proposed (you run it; kbot ask never does). */
export function proposalCommandLine(p: CommandProposal, stackName: string): string {
  const stack = stackName === DEFAULT_STACK_NAME ? '' : ` --stack ${stackName}`;
  if (p.command === 'force-exit') {
    return `aws lambda invoke --function-name ${stackName}-tick:exit-commands --cli-binary-format raw-in-base64-out --payload '{"kbot":{"command":"force-exit","pair":"${p.pair ?? 'PAIR'}","requestId":"manual-<date>-1"}}' out.json`;
  }
  return `npm run kbot -- ${p.command}${stack}`;
}

/** The stack's AssistantModelId output (the CLI's output reader keeps only the outputs it knows). */
async function stackModelId(ctx: OpsContext): Promise<string | undefined> {
  const reply = await ctx.clients.cloudFormation.send(new DescribeStacksCommand({ StackName: ctx.stackName }));
  return reply.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'AssistantModelId')?.OutputValue;
}

/** `kbot ask`: returns the answer (printed, or as one JSON document with `json`). */
/** Kraken's public ticker, loaded only when the model asks for a price (ccxt takes a moment to import). */
async function publicTicker(pair: string, exchangeUrl: string | undefined) {
  const { KrakenExchangeAdapter } = await import('../adapters/kraken/krakenExchange.js');
  return new KrakenExchangeAdapter(exchangeUrl ? { baseUrl: exchangeUrl } : {}).fetchTicker(pair);
}

export async function ask(
  ctx: OpsContext,
  options: { question: string; json?: boolean; modelId?: string; bedrock: BedrockRuntimeClient; /** Kraken's public API for `get_market_price`; `false`: no price tool. */ exchangeUrl?: string | false },
): Promise<AssistantAnswer> {
  const outputs = await ctx.outputs();
  const mode = resolveMode(outputs, undefined);
  const store = ctx.openStore(ctx.clients, requireOutput(outputs, 'TableName'));
  const modelId = options.modelId ?? (await stackModelId(ctx));
  if (!modelId) throw new OpsError('no Bedrock model: pass --model (e.g. amazon.nova-lite-v1:0), or deploy with an assistant section');
  let pairs: string[] = [];
  let quote = 'USD';
  try {
    const reply = await ctx.clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: requireOutput(outputs, 'FunctionName') }));
    const config = parseConfig(JSON.parse(reply.Environment?.Variables?.KBOT_CONFIG ?? '{}'), 'KBOT_CONFIG');
    pairs = config.pairs;
    quote = quoteCurrency(config);
  } catch (error) {
    ctx.io.err(`note: the deployed pairs are unknown (${error instanceof Error ? error.message : String(error)}); quote currency taken as USD`);
  }
  const silent: OpsIo = { ...ctx.io, out: () => undefined, err: () => undefined };
  const assistant = createBedrockAssistant({
    client: options.bedrock,
    modelId,
    sources: {
      store,
      mode,
      quote,
      pairs,
      decisions: storeDecisionReader(store, ctx.nowMs),
      nowMs: ctx.nowMs,
      status: () => status({ ...ctx, io: silent }, { json: true }).catch(() => undefined),
      ...(options.exchangeUrl === false ? {} : { ticker: (pair: string) => publicTicker(pair, options.exchangeUrl || undefined) }),
    },
  });
  const answer = await assistant.ask(options.question);
  if (options.json) {
    ctx.io.out(JSON.stringify({ question: options.question, modelId, ...answer, ...(answer.proposal ? { proposalCommandLine: proposalCommandLine(answer.proposal, ctx.stackName) } : {}) }));
    return answer;
  }
  ctx.io.out(answer.text);
  if (answer.proposal) {
    ctx.io.out('');
    ctx.io.out(`proposed: ${answer.proposal.command}${answer.proposal.pair ? ` ${answer.proposal.pair}` : ''} (${answer.proposal.reason}). Nothing was run; to do it, run:`);
    ctx.io.out(`  ${proposalCommandLine(answer.proposal, ctx.stackName)}`);
  }
  ctx.io.err(`(${answer.usage.rounds} model calls, ${answer.usage.inputTokens} input and ${answer.usage.outputTokens} output tokens, ${answer.validation.rejected.length} statements withheld)`);
  return answer;
}

export interface AskDeps {
  createClients(target: AwsTarget): AwsClients;
  createBedrock(target: AwsTarget): BedrockRuntimeClient;
  createIo(): OpsIo & { close?(): void };
  openStore: StoreFactory;
  nowMs(): number;
  setExitCode(code: number): void;
}

const defaultDeps: AskDeps = {
  createClients: createAwsClients,
  createBedrock: (target) => new BedrockRuntimeClient({ ...(target.region ? { region: target.region } : {}), ...(target.profile ? { profile: target.profile } : {}) }),
  createIo: () => terminalIo(),
  openStore: openDynamoStore,
  nowMs: () => Date.now(),
  setExitCode: (code) => {
    if (code !== 0) process.exitCode = code;
  },
};

/** The `kbot ask` command. */
export function askCommand(overrides: Partial<AskDeps> = {}): Command {
  const deps: AskDeps = { ...defaultDeps, ...overrides };
  return new Command('ask')
    .description('ask the assistant (Amazon Bedrock) about the deployed bot; it answers only from the bot\'s records and runs nothing')
    .argument('<question...>', 'the question, e.g. "how much did I make today?"')
    .option('--stack <name>', 'name of the deployed stack', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your profile)')
    .option('--profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .option('--model <id>', 'Bedrock model id (default: the stack output AssistantModelId)')
    .option('--json', 'print one JSON document')
    .option('--no-market', 'no market-price tool (it reads Kraken\'s public ticker)')
    .action(async (words: string[], o: { stack: string; region?: string; profile?: string; model?: string; json?: boolean; market: boolean }) => {
      const io = deps.createIo();
      const target: AwsTarget = { ...(o.region ? { region: o.region } : {}), ...(o.profile ? { profile: o.profile } : {}) };
      try {
        const clients = deps.createClients(target);
        const ctx = createOpsContext({ clients, io, stackName: o.stack, openStore: deps.openStore, nowMs: deps.nowMs });
        await ask(ctx, { question: words.join(' '), json: o.json ?? false, ...(o.model ? { modelId: o.model } : {}), bedrock: deps.createBedrock(target), ...(o.market ? {} : { exchangeUrl: false as const }) });
        deps.setExitCode(0);
      } catch (error) {
        io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
        deps.setExitCode(1);
      } finally {
        io.close?.();
      }
    });
}
