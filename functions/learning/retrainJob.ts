// Learning: the weekly retraining, as a use case the Lambda (retrainHandler.ts) and tests call:
// the ledger's closed trades, walk-forward, a candidate model, promoted only when it beats the
// baseline and the current model out of sample (promotion.ts records and alerts it).
import type { BotConfig } from '../core/config.js';
import type { AlertsPort, LoggerPort, StorePort } from '../core/ports.js';
import { promoteIfBetter, type PromotionOutcome } from './promotion.js';
import { randomForestRuntime } from './randomForest.js';
import { ledgerTrades } from './tradeSources.js';
import { learnFromTrades } from './trainModel.js';
import type { WalkForwardReport } from './walkForward.js';

/** What one retraining did (the job's return value, also logged). */
export interface RetrainSummary {
  mode: BotConfig['mode'];
  examples: number;
  walkForward: WalkForwardReport['totals'] & { windows: number; beatsBaseline: boolean; verdict: string };
  candidate: string | null;
  promotion: PromotionOutcome;
}

/** Retrains from the ledger and promotes when the candidate earns it. */
export async function retrainFromLedger(deps: { config: BotConfig; store: StorePort; alerts: AlertsPort; logger: LoggerPort; nowMs: number; source: string }): Promise<RetrainSummary> {
  const { config, store, nowMs } = deps;
  const trades = await ledgerTrades(store, config.mode, nowMs);
  const result = learnFromTrades(trades, config.learning, deps.source, nowMs);
  const promotion = await promoteIfBetter({ store, alerts: deps.alerts, runtime: randomForestRuntime, mode: config.mode, nowMs, actor: 'weekly retraining' }, result, config.learning);
  const r = result.report;
  const summary: RetrainSummary = {
    mode: config.mode,
    examples: result.dataset.examples,
    walkForward: { ...r.totals, windows: r.windows.length, beatsBaseline: r.beatsBaseline, verdict: r.verdict },
    candidate: result.model?.contentHash ?? null,
    promotion,
  };
  deps.logger.info(promotion.promoted ? 'learned filter: a new model was promoted' : 'learned filter: the current model stays', { ...summary });
  return summary;
}
