// CLI: `kbot demo --model FILE`: the demo with the learned filter on. The model file (from kbot
// learn) is checked, stored and promoted in the demo's local table before the first tick, and the
// summary counts what the filter did.
import { readFile } from 'node:fs/promises';
import { createDynamoClient } from '../adapters/dynamo/localDynamo.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import type { BotConfig } from '../core/config.js';
import { LEARNED_FILTER_RULE } from '../core/learning/tradeFilter.js';
import { parseModel } from '../core/learning/modelFile.js';
import type { LearningStatus, TickResult } from '../core/tickResult.js';
import { LOCAL_TABLE } from './localStack.js';

/** What the learned filter did in the demo. */
export interface LearnedFilterSummary {
  model: string;
  /** The status of the last tick (active, expired, ...), and its detail. */
  status: LearningStatus['status'] | 'not-run';
  detail: string;
  ticksActive: number;
  /** Entries the filter let through (it gave them at least minProbability) and entries it refused. */
  passed: number;
  refused: number;
}

/** The configuration with the filter on. */
export function withLearningEnabled(config: BotConfig): BotConfig {
  return { ...config, learning: { ...config.learning, enabled: true } };
}

/** Reads, checks and promotes the model in the demo's table; returns its content hash. */
export async function installDemoModel(dynamoEndpoint: string, mode: BotConfig['mode'], file: string, nowMs: number): Promise<string> {
  const parsed = parseModel(await readFile(file, 'utf8'));
  if (!parsed.ok) throw new Error(`--model ${file}: ${parsed.reason}`);
  const client = createDynamoClient({ endpoint: dynamoEndpoint });
  try {
    const store = new DynamoStore({ client, tableName: LOCAL_TABLE });
    const hash = parsed.model.contentHash;
    await store.putModel({ mode, contentHash: hash, storedAtMs: nowMs, body: JSON.stringify(parsed.model) });
    const current = await store.getPromotedModel(mode);
    await store.promoteModel({ mode, contentHash: hash, promotedAtMs: nowMs, reason: `kbot demo --model ${file}` }, current?.contentHash ?? null);
    return hash;
  } finally {
    client.destroy();
  }
}

/** Counts the filter's verdicts over the demo's ticks. */
export function learnedFilterSummary(model: string, results: readonly TickResult[]): LearnedFilterSummary {
  let passed = 0;
  let refused = 0;
  for (const r of results) {
    for (const p of r.pairs) {
      const e = p.entry;
      if (e?.decision === 'none' && e.rule === LEARNED_FILTER_RULE) refused++;
      if (e?.decision === 'buy' && e.checks.some((c) => c.rule === LEARNED_FILTER_RULE && c.explanation.applied === true)) passed++;
    }
  }
  const last = [...results].reverse().find((r) => r.learning)?.learning;
  return { model, status: last?.status ?? 'not-run', detail: last?.detail ?? '', ticksActive: results.filter((r) => r.learning?.status === 'active').length, passed, refused };
}
