// Unit tests (assistant): scripted Bedrock conversations (aws-sdk-client-mock on ConverseCommand)
// through the real tool loop over a seeded store: three typical questions answered with every
// figure traceable to a record, a proposal that runs nothing, and the planted hallucinations the
// validator must catch.
import { BedrockRuntimeClient, ConverseCommand, type ContentBlock, type ConverseCommandInput, type ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REFUSAL } from '../../../functions/assistant/answerValidator.js';
import { createBedrockAssistant, SYSTEM_PROMPT } from '../../../functions/assistant/bedrockAssistant.js';
import type { RecordSources } from '../../../functions/assistant/recordTools.js';
import { ETH_POSITION, JOURNAL_TICK, seededSources, TRADES } from './assistantFixture.js';

const MODEL = 'amazon.nova-lite-v1:0';
const bedrock = mockClient(BedrockRuntimeClient);
let sources: RecordSources;

beforeEach(async () => {
  bedrock.reset();
  ({ sources } = await seededSources());
});
afterEach(() => bedrock.reset());

type Step = { tools: { name: string; input?: Record<string, unknown> }[] } | { text: string };

/** Scripts the model: each step answers one Converse call, in order; returns the requests it got. */
function script(steps: Step[]): ConverseCommandInput[] {
  const requests: ConverseCommandInput[] = [];
  let call = 0;
  bedrock.on(ConverseCommand).callsFake(async (input: ConverseCommandInput): Promise<ConverseCommandOutput> => {
    requests.push(structuredClone(input));
    const step = steps[call++];
    if (!step) throw new Error('the script has no more steps');
    const usage = { inputTokens: 1_500 + 700 * call, outputTokens: 'text' in step ? 80 : 30, totalTokens: 0 };
    if ('text' in step) return { output: { message: { role: 'assistant', content: [{ text: step.text }] } }, stopReason: 'end_turn', usage, metrics: { latencyMs: 1 }, $metadata: {} };
    return {
      output: { message: { role: 'assistant', content: step.tools.map((t, i) => ({ toolUse: { toolUseId: `tu-${call}-${i}`, name: t.name, input: (t.input ?? {}) as never } }) as ContentBlock) } },
      stopReason: 'tool_use',
      usage,
      metrics: { latencyMs: 1 },
      $metadata: {},
    };
  });
  return requests;
}

const assistant = () => createBedrockAssistant({ client: new BedrockRuntimeClient({ region: 'us-east-1' }), modelId: MODEL, sources });

/** The JSON the tool loop sent back for the tool use `id`. */
function toolResult(requests: ConverseCommandInput[], id: string): Record<string, unknown> {
  for (const request of requests) {
    for (const message of request.messages ?? []) {
      for (const block of message.content ?? []) {
        if (block.toolResult?.toolUseId === id) return (block.toolResult.content?.[0] as { json: Record<string, unknown> }).json;
      }
    }
  }
  throw new Error(`no tool result ${id}`);
}

describe('Class: BedrockAssistant', () => {
  it('runs the tool loop: the request carries the system prompt, the tools and each tool result; usage adds up', async () => {
    // Prepare
    const requests = script([{ tools: [{ name: 'get_status' }, { name: 'get_profit' }] }, { text: 'Today you realized +14.22 USD from 1 closed trade.' }]);

    // Act
    const answer = await assistant().ask('How much did I make today?');

    // Assess
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatchObject({ modelId: MODEL, system: [{ text: SYSTEM_PROMPT }], inferenceConfig: { temperature: 0 } });
    expect(requests[0]!.toolConfig!.tools!.map((t) => t.toolSpec!.name)).toEqual(['get_status', 'get_positions', 'get_trades', 'get_profit', 'get_daily', 'get_decision', 'propose_command']);
    // The second call carries the model's tool use and one user message with both results.
    expect(requests[1]!.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(toolResult(requests, 'tu-1-0')).toMatchObject({ mode: 'paper', today: { entries: 2, exits: 1, realizedPnlQuote: 14.22 }, openPositions: 1 });
    expect(answer.toolCalls.map((c) => c.name)).toEqual(['get_status', 'get_profit']);
    expect(answer.usage).toEqual({ inputTokens: 2_200 + 2_900, outputTokens: 30 + 80, rounds: 2 });
  });

  it('answers "how much did I make today" with figures that are the ledger\'s', async () => {
    // Prepare
    const requests = script([{ tools: [{ name: 'get_profit' }] }, { text: 'Today you realized +14.22 USD net of fees from 1 closed trade (1 won, 0 lost). Fees today were 7.84 USD.' }]);

    // Act
    const answer = await assistant().ask('How much did I make today?');

    // Assess: shown as written, and each figure is the sum of the ledger rows it names.
    expect(answer.validation).toEqual({ ok: true, rejected: [] });
    expect(answer.text).toBe('Today you realized +14.22 USD net of fees from 1 closed trade (1 won, 0 lost). Fees today were 7.84 USD.');
    const today = (toolResult(requests, 'tu-1-0').windows as { window: string; realizedPnlQuote: number; feesQuote: number; closed: number }[])[0]!;
    expect(today).toMatchObject({ window: 'today', closed: 1 });
    expect(today.realizedPnlQuote).toBe(TRADES.reduce((s, t) => s + (t.realizedPnlQuote ?? 0), 0));
    expect(today.feesQuote).toBeCloseTo(TRADES.reduce((s, t) => s + t.feeQuote, 0), 10);
  });

  it('answers "what is open" from the positions', async () => {
    // Prepare
    script([{ tools: [{ name: 'get_positions' }] }, { text: 'One position is open: ETH/USD, 0.2 bought at 3,200.00 on 2026-03-02 at 12:10 UTC. Its stop is 3136 and its take-profit 3296.' }]);

    // Act
    const answer = await assistant().ask('What positions are open?');

    // Assess
    expect(answer.validation.ok).toBe(true);
    expect(answer.text).toContain('ETH/USD, 0.2 bought at 3,200.00');
    expect([ETH_POSITION.amountBase, ETH_POSITION.entryPrice, ETH_POSITION.stopPrice, ETH_POSITION.takeProfitPrice]).toEqual([0.2, 3200, 3136, 3296]);
  });

  it('answers "why did it not buy" from the decision journal, with the rule\'s own values', async () => {
    // Prepare
    const requests = script([
      { tools: [{ name: 'get_decision', input: { pair: 'BTC/USD' } }] },
      { text: 'At the tick of 2026-03-02 14:55 UTC, BTC/USD at 66210.5 was not bought: the fee-edge rule refused it because the expected edge 0.0021 was below the fee-aware minimum of 0.0052.' },
    ]);

    // Act
    const answer = await assistant().ask("Why didn't it buy BTC/USD?");

    // Assess
    expect(answer.validation.ok).toBe(true);
    expect(toolResult(requests, 'tu-1-0')).toMatchObject({ found: true, source: 'journal', candleCloseIso: JOURNAL_TICK.candleCloseIso, decision: { entry: { rule: 'fee-edge', values: { expectedEdge: 0.0021, minEdge: 0.0052 } } } });
  });

  it('proposes a command and runs nothing: the proposal is handed back for confirmation', async () => {
    // Prepare
    script([{ tools: [{ name: 'get_positions' }, { name: 'propose_command', input: { command: 'flatten', reason: 'you asked to sell everything' } }] }, { text: 'I proposed a flatten of the 1 open position; confirm it to sell.' }]);
    const before = JSON.stringify(await sources.store.listPositions('paper'));

    // Act
    const answer = await assistant().ask('Sell everything now');

    // Assess: a proposal, and the store unchanged (no tool can write).
    expect(answer.proposal).toEqual({ command: 'flatten', reason: 'you asked to sell everything' });
    expect(answer.validation.ok).toBe(true);
    expect(JSON.stringify(await sources.store.listPositions('paper'))).toBe(before);
  });

  it('stops after the round limit and says so instead of answering unread', async () => {
    script(Array.from({ length: 6 }, () => ({ tools: [{ name: 'get_status' }] })));
    const answer = await createBedrockAssistant({ client: new BedrockRuntimeClient({ region: 'us-east-1' }), modelId: MODEL, sources, maxRounds: 3 }).ask('Loop forever');
    expect(answer.usage.rounds).toBe(3);
    expect(answer.text).toBe('I could not finish reading the records for this question.');
  });
});

describe('the validator catches every planted hallucination', () => {
  it.each([
    ['an invented trade', 'You also sold ETH/USD at 3,350.00 at 13:30 for +30.00.', ['time 13:30 is in no record', '3,350.00 is in no record of ETH/USD', '+30.00 is in no record of ETH/USD']],
    ['a wrong P&L', 'Today you realized +41.22 USD.', ['+41.22 is in no record']],
    ['a pair never traded (not in any record)', 'Your SOL/USD trade made +14.22 today.', ['pair SOL/USD is in no record', '+14.22 is in no record of SOL/USD']],
    ['a configured pair that never traded', 'The bot bought XRP/USD this morning.', ['no trade, position or order of XRP/USD is recorded']],
    ['one pair\'s P&L given to another', 'ETH/USD realized +14.22 today.', ['+14.22 is in no record of ETH/USD']],
    ['an invented order id', 'Order 0123456789abcdef0123456789abcdef filled at 65000.', ['order id 0123456789abcdef0123456789abcdef is in no record']],
    ['a wrong date', 'It bought BTC/USD on 2026-02-27.', ['date 2026-02-27 is in no record']],
    ['a figure with no tool called', 'Your equity is 10,512.33 USD.', ['10,512.33 is in no record']],
  ])('%s', async (_name, lie, reasons) => {
    // Prepare: the model reads the records, then states the lie beside a true sentence.
    script([{ tools: [{ name: 'get_status' }, { name: 'get_profit' }, { name: 'get_positions' }, { name: 'get_trades' }] }, { text: `Today you realized +14.22 USD. ${lie}` }]);

    // Act
    const answer = await assistant().ask('How did today go?');

    // Assess: the lie is replaced, the true sentence kept, and the refusal says what is known.
    expect(answer.validation.ok).toBe(false);
    expect(answer.validation.rejected).toEqual([{ sentence: lie, reasons }]);
    expect(answer.text.startsWith(`Today you realized +14.22 USD. ${REFUSAL}`)).toBe(true);
    expect(answer.text).not.toContain(lie);
    expect(answer.text).toContain('What the records show: today: 2 entries, 1 exits, realized P&L 14.22 USD; 1 open positions; schedule unknown');
    expect(answer.text).toContain('realized P&L today 14.22 USD (1 closed)');
    expect(answer.text).toContain('1 open positions (ETH/USD)');
    expect(answer.text).toContain('3 ledger rows in the last 7 days');
  });

  it('refuses figures when no record was read at all', async () => {
    script([{ text: 'You made +120.00 USD this week on BTC/USD.' }]);
    const answer = await assistant().ask('How was my week?');
    expect(answer.validation.rejected.map((r) => r.reasons)).toEqual([['pair BTC/USD is in no record', '+120.00 is in no record of BTC/USD']]);
    expect(answer.text).toBe(`${REFUSAL}\n\nWhat the records show: nothing was read for this answer; try /status, /profit or /trades.`);
  });
});
