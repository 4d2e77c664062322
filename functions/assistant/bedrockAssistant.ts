// Use case (the assistant) over Amazon Bedrock's Converse API with tool use: the model reads the
// bot's records only through the tools (functions/assistant/recordTools.ts), its answer is checked
// against what they returned (answerValidator.ts) before anyone sees it, and a command it proposes
// is handed back to the caller, never run.
import {
  ConverseCommand,
  type BedrockRuntimeClient,
  type ContentBlock,
  type Message,
  type Tool,
  type ToolInputSchema,
  type ToolResultBlock,
} from '@aws-sdk/client-bedrock-runtime';
import type { LoggerPort } from '../core/ports.js';
import { validateAnswer } from './answerValidator.js';
import type { AssistantAnswer, AssistantPort, CommandProposal } from './assistantTypes.js';
import { recordTools, type RecordSources, type ToolResult } from './recordTools.js';

/** A JSON document as the SDK types it. */
type DocumentType = ToolInputSchema.JsonMember['json'];

/** The standing instructions. The validator enforces the first rule whatever the model does. */
export const SYSTEM_PROMPT = [
  'You answer questions about one automated Kraken spot-trading bot, for its owner.',
  'You know nothing about the bot except what the tools return: call them before answering.',
  'Every figure, trade, order, pair, date and time you state must be copied from a tool result; round money to 2 decimals at most and keep the sign of P&L.',
  'Use the totals the tools give (get_profit, get_daily); do not add, subtract or average figures yourself.',
  'If the records do not answer the question, say so and say what they do show. Never guess.',
  'You cannot run anything. If the owner wants the bot paused, resumed, halted, unhalted, flattened or one position sold, call propose_command; they will confirm it themselves.',
  'Answer in a few short sentences of plain text, no tables, no markdown.',
].join(' ');

export interface BedrockAssistantDeps {
  client: BedrockRuntimeClient;
  /** A Bedrock model (or inference profile) id that supports tool use, e.g. amazon.nova-lite-v1:0. */
  modelId: string;
  sources: RecordSources;
  /** Model calls per question (each tool round is one), default 6. */
  maxRounds?: number;
  /** Output tokens per model call, default 600. */
  maxTokens?: number;
  logger?: LoggerPort;
}

/** The assistant over Bedrock. */
export function createBedrockAssistant(deps: BedrockAssistantDeps): AssistantPort {
  const maxRounds = deps.maxRounds ?? 6;
  return {
    async ask(question) {
      let proposal: CommandProposal | undefined;
      const tools = recordTools(deps.sources, (p) => {
        proposal = p;
      });
      const toolConfig = {
        tools: tools.map((t): Tool => ({ toolSpec: { name: t.name, description: t.description, inputSchema: { json: t.inputSchema as DocumentType } } })),
      };
      const messages: Message[] = [{ role: 'user', content: [{ text: question }] }];
      const results: { name: string; result: ToolResult }[] = [];
      const toolCalls: AssistantAnswer['toolCalls'] = [];
      const usage = { inputTokens: 0, outputTokens: 0, rounds: 0 };
      let text: string | undefined;
      while (usage.rounds < maxRounds) {
        usage.rounds += 1;
        const reply = await deps.client.send(
          new ConverseCommand({
            modelId: deps.modelId,
            system: [{ text: SYSTEM_PROMPT }],
            messages,
            toolConfig,
            inferenceConfig: { maxTokens: deps.maxTokens ?? 600, temperature: 0 },
          }),
        );
        usage.inputTokens += reply.usage?.inputTokens ?? 0;
        usage.outputTokens += reply.usage?.outputTokens ?? 0;
        const message = reply.output?.message;
        if (!message) break;
        messages.push(message);
        const uses = (message.content ?? []).flatMap((block) => (block.toolUse ? [block.toolUse] : []));
        if (reply.stopReason !== 'tool_use' || uses.length === 0) {
          text = (message.content ?? []).flatMap((block) => (block.text !== undefined ? [block.text] : [])).join('\n').trim();
          break;
        }
        const blocks: ContentBlock[] = [];
        for (const use of uses) {
          const tool = tools.find((t) => t.name === use.name);
          const input = (use.input && typeof use.input === 'object' && !Array.isArray(use.input) ? use.input : {}) as Record<string, unknown>;
          toolCalls.push({ name: use.name ?? '', input });
          const block: ToolResultBlock = { toolUseId: use.toolUseId, content: [], status: 'success' };
          try {
            if (!tool) throw new Error(`no tool named ${String(use.name)}`);
            const result = await tool.run(input);
            results.push({ name: tool.name, result });
            block.content = [{ json: result as DocumentType }];
          } catch (error) {
            deps.logger?.warn('assistant tool failed', { tool: use.name ?? null, error: error instanceof Error ? error.message : String(error) });
            block.status = 'error';
            block.content = [{ text: `the tool failed: ${error instanceof Error ? error.message : String(error)}` }];
          }
          blocks.push({ toolResult: block });
        }
        messages.push({ role: 'user', content: blocks });
      }
      const known = results.flatMap(({ name, result }) => {
        const line = tools.find((t) => t.name === name)?.summarize?.(result);
        return line ? [line] : [];
      });
      const draft = text ?? 'I could not finish reading the records for this question.';
      const { text: shown, report } = validateAnswer(draft, { question, toolResults: results.map((r) => r.result), known: [...new Set(known)] });
      deps.logger?.info('assistant answered', { rounds: usage.rounds, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, tools: toolCalls.map((c) => c.name), rejected: report.rejected.length });
      return { text: shown, ...(proposal ? { proposal } : {}), validation: report, toolCalls, usage };
    },
  };
}
