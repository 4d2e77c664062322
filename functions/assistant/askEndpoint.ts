// Primary adapter support (the dashboard, later): the assistant as one HTTP-shaped function. A web
// framework route (the dashboard's Hono app) passes the JSON body and sends back status and JSON;
// the answer is the validated one, and a proposal is only data: the dashboard shows its own
// confirmation and runs the command through the CLI's functions, as for its other controls.
import { z } from 'zod';
import type { AssistantPort } from './assistantTypes.js';

const askBody = z.strictObject({ question: z.string().trim().min(1).max(2_000) });

/** `POST /api/ask` with `{"question":"..."}`: 200 with the answer, 400 for a bad body, 502 when Bedrock fails. */
export async function handleAskRequest(assistant: AssistantPort, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const parsed = askBody.safeParse(body);
  if (!parsed.success) return { status: 400, json: { error: 'expected {"question": "..."} (1 to 2000 characters)' } };
  try {
    const answer = await assistant.ask(parsed.data.question);
    return { status: 200, json: { text: answer.text, proposal: answer.proposal ?? null, validation: answer.validation, usage: answer.usage } };
  } catch (error) {
    return { status: 502, json: { error: `the assistant could not answer: ${error instanceof Error ? error.name : 'Error'}` } };
  }
}
