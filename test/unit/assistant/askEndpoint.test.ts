// Unit tests (assistant): the endpoint the dashboard can mount.
import { describe, expect, it } from 'vitest';
import { handleAskRequest } from '../../../functions/assistant/askEndpoint.js';
import type { AssistantPort } from '../../../functions/assistant/assistantTypes.js';

const assistant: AssistantPort = {
  ask: async (q) => ({ text: `echo ${q}`, validation: { ok: true, rejected: [] }, toolCalls: [], usage: { inputTokens: 1, outputTokens: 2, rounds: 1 } }),
};

describe('handleAskRequest', () => {
  it('answers a question, refuses a bad body, and reports a Bedrock failure by name only', async () => {
    expect(await handleAskRequest(assistant, { question: ' what is open? ' })).toEqual({ status: 200, json: { text: 'echo what is open?', proposal: null, validation: { ok: true, rejected: [] }, usage: { inputTokens: 1, outputTokens: 2, rounds: 1 } } });
    expect((await handleAskRequest(assistant, { question: '' })).status).toBe(400);
    expect((await handleAskRequest(assistant, { question: 'x', run: 'flatten' })).status).toBe(400);
    const failing: AssistantPort = { ask: async () => { throw Object.assign(new Error('secret detail'), { name: 'ThrottlingException' }); } };
    expect(await handleAskRequest(failing, { question: 'x' })).toEqual({ status: 502, json: { error: 'the assistant could not answer: ThrottlingException' } });
  });
});
