// Unit tests (CLI): `kbot ask` against a mocked stack (CloudFormation outputs, the function's
// configuration, the schedule rule), the seeded in-memory store and a scripted Bedrock: the
// validated answer, one JSON document with --json, a proposal printed and never run.
import { BedrockRuntimeClient, ConverseCommand, type ContentBlock } from '@aws-sdk/client-bedrock-runtime';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { askCommand } from '../../functions/cli/ask.js';
import { fakeIo, mockStack, OUTPUTS, testClients } from './cli-ops-fixtures.js';
import { NOW_MS, seededSources } from './assistant/assistantFixture.js';

const bedrock = mockClient(BedrockRuntimeClient);
const lambda = mockClient(LambdaClient);
const events = mockClient(EventBridgeClient);
afterEach(() => {
  bedrock.reset();
  lambda.reset();
  events.reset();
});

function scriptModel(tool: { name: string; input?: Record<string, unknown> }[], text: string) {
  bedrock
    .on(ConverseCommand)
    .resolvesOnce({ output: { message: { role: 'assistant', content: tool.map((t, i) => ({ toolUse: { toolUseId: `t${i}`, name: t.name, input: (t.input ?? {}) as never } }) as ContentBlock) } }, stopReason: 'tool_use', usage: { inputTokens: 2000, outputTokens: 40, totalTokens: 2040 } })
    .resolvesOnce({ output: { message: { role: 'assistant', content: [{ text }] } }, stopReason: 'end_turn', usage: { inputTokens: 2600, outputTokens: 60, totalTokens: 2660 } });
}

async function run(args: string[]) {
  const { store } = await seededSources();
  mockStack({ ...OUTPUTS, AssistantModelId: 'amazon.nova-lite-v1:0' });
  lambda.on(GetFunctionConfigurationCommand).resolves({ Environment: { Variables: { KBOT_CONFIG: JSON.stringify({ pairs: ['BTC/USD', 'ETH/USD'] }) } } });
  events.on(DescribeRuleCommand).resolves({ Name: OUTPUTS.RuleName, State: 'ENABLED' });
  const io = fakeIo();
  let code = -1;
  const command = askCommand({ createClients: testClients, createBedrock: () => new BedrockRuntimeClient({ region: 'eu-west-1' }), createIo: () => io, openStore: () => store, nowMs: () => NOW_MS, setExitCode: (c) => void (code = c) });
  await command.parseAsync(['node', 'ask', ...args]);
  return { io, code };
}

describe('kbot ask', () => {
  it('prints the validated answer, with the model from the stack output', async () => {
    scriptModel([{ name: 'get_profit' }], 'Today you realized +14.22 USD from 1 closed trade.');
    const { io, code } = await run(['how', 'much', 'did', 'I', 'make', 'today?']);
    expect(code).toBe(0);
    expect(io.stdout).toEqual(['Today you realized +14.22 USD from 1 closed trade.']);
    const request = bedrock.commandCalls(ConverseCommand)[0]!.args[0].input;
    expect(request.modelId).toBe('amazon.nova-lite-v1:0');
    expect(request.toolConfig!.tools!.map((t) => t.toolSpec!.name)).toContain('get_market_price');
    expect(request.messages![0]).toEqual({ role: 'user', content: [{ text: 'how much did I make today?' }] });
    expect(io.stderr.at(-1)).toBe('(2 model calls, 4600 input and 100 output tokens, 0 statements withheld)');
  });

  it('--json prints exactly one JSON document; a proposal is printed as a command line and nothing is invoked', async () => {
    scriptModel([{ name: 'propose_command', input: { command: 'pause', reason: 'you asked to stop' } }], 'I proposed a pause.');
    const { io, code } = await run(['--json', '--no-market', '--model', 'eu.amazon.nova-lite-v1:0', 'stop the bot']);
    expect(bedrock.commandCalls(ConverseCommand)[0]!.args[0].input.toolConfig!.tools!.map((t) => t.toolSpec!.name)).not.toContain('get_market_price');
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    const doc = JSON.parse(io.stdout[0]!) as Record<string, unknown>;
    expect(doc).toMatchObject({ question: 'stop the bot', modelId: 'eu.amazon.nova-lite-v1:0', text: 'I proposed a pause.', proposal: { command: 'pause' }, proposalCommandLine: 'npm run kbot -- pause', validation: { ok: true } });
    expect(lambda.commandCalls(InvokeCommand)).toEqual([]);
  });

  it('withholds an unsupported figure', async () => {
    scriptModel([{ name: 'get_profit' }], 'You made +99.99 USD today.');
    const { io } = await run(['how did today go']);
    expect(io.stdout[0]).toMatch(/^\[not shown: the bot's records do not support this statement\]\n\nWhat the records show: realized P&L today 14.22 USD/);
  });
});
