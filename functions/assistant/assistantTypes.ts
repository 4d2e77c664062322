// Use case (the assistant): the shapes its callers see. The assistant reads records and may
// propose one operator command; it runs none (there is no tool that could).

/** Commands the assistant may propose. The caller shows them for confirmation and runs them through the normal path. */
export const PROPOSABLE_COMMANDS = ['pause', 'resume', 'halt', 'unhalt', 'flatten', 'force-exit'] as const;
export type ProposableCommand = (typeof PROPOSABLE_COMMANDS)[number];

/** A command the assistant suggests; nothing has been run. */
export interface CommandProposal {
  command: ProposableCommand;
  /** force-exit only. */
  pair?: string;
  /** The model's reason, shown beside the Confirm button. */
  reason: string;
}

/** One sentence the validator refused, and why. */
export interface RejectedClaim {
  sentence: string;
  reasons: string[];
}

/** What the validator did with the model's text. */
export interface ValidationReport {
  /** True when every statement was supported by a tool result (nothing replaced). */
  ok: boolean;
  rejected: RejectedClaim[];
}

/** A shown answer: validated text, an optional proposal, and what it cost. */
export interface AssistantAnswer {
  /** The text to show: the model's, with every unsupported statement replaced by a refusal that says what is known. */
  text: string;
  proposal?: CommandProposal;
  validation: ValidationReport;
  /** The tools the model called, in order, with their input. */
  toolCalls: { name: string; input: unknown }[];
  /** Tokens Bedrock reported over every round (the cost, see docs/assistant.md). */
  usage: { inputTokens: number; outputTokens: number; rounds: number };
}

/** Where a question goes: the Bedrock assistant, or a test double. */
export interface AssistantPort {
  ask(question: string): Promise<AssistantAnswer>;
}
