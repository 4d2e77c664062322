// Learning: promoting a freshly trained model. A candidate goes live only when, out of sample, it
// beats the baseline (always take, the majority class) and the model it would replace. Both are
// compared on the same trades where possible: the candidate's walk-forward judgements of trades
// entered after the current model's training data ended (out of sample for both). Every promotion
// is written to the store, recorded as an audit record and alerted.
import type { BotConfig } from '../core/config.js';
import { imputed } from '../core/learning/featureVector.js';
import { featureMismatch, parseModel, type TradeFilterModel } from '../core/learning/modelFile.js';
import type { ModelRuntimePort } from '../core/learning/tradeFilter.js';
import type { Alert, AlertsPort, StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import type { LearnResult } from './trainModel.js';

/** What became of a candidate. */
export interface PromotionOutcome {
  promoted: boolean;
  /** Why (in words, for the operator). */
  reason: string;
  candidateHash?: string;
  currentHash?: string;
  /** The head-to-head on common out-of-sample trades, when there were enough. */
  comparison?: { trades: number; candidatePnlQuote: number; currentPnlQuote: number; fromIso: string };
}

export interface PromotionDeps {
  store: Pick<StorePort, 'getPromotedModel' | 'getModel' | 'putModel' | 'promoteModel' | 'appendAudit'>;
  alerts: AlertsPort;
  runtime: ModelRuntimePort;
  mode: Mode;
  nowMs: number;
  /** Who promotes (the job, `kbot learn --promote` and the operator's name). */
  actor: string;
}

/** Decides, and promotes when the candidate earns it. */
export async function promoteIfBetter(deps: PromotionDeps, candidate: LearnResult, learning: BotConfig['learning']): Promise<PromotionOutcome> {
  const model = candidate.model;
  if (!model) return { promoted: false, reason: `no model was trained: ${candidate.noModel ?? 'too few trades'}` };
  const r = candidate.report;
  const minTest = learning.training.minTestTrades;
  if (r.totals.testTrades < minTest) return { promoted: false, reason: `only ${r.totals.testTrades} out-of-sample trades, fewer than learning.training.minTestTrades (${minTest})`, candidateHash: model.contentHash };
  if (!r.beatsBaseline) return { promoted: false, reason: `it does not beat the baseline out of sample (${r.verdict})`, candidateHash: model.contentHash };

  const pointer = await deps.store.getPromotedModel(deps.mode);
  let current: TradeFilterModel | undefined;
  let why = 'no model was promoted yet';
  if (pointer) {
    if (pointer.contentHash === model.contentHash) return { promoted: false, reason: 'this very model is already promoted', candidateHash: model.contentHash, currentHash: pointer.contentHash };
    const stored = await deps.store.getModel(deps.mode, pointer.contentHash);
    const parsed = stored ? parseModel(stored.body) : { ok: false as const, reason: 'its file is missing from the store' };
    if (!parsed.ok) why = `the current model ${pointer.contentHash.slice(0, 19)} cannot be used (${parsed.reason})`;
    else if (featureMismatch(parsed.model, learning)) why = `the current model's features do not match (${featureMismatch(parsed.model, learning)})`;
    else current = parsed.model;
  }

  let comparison: PromotionOutcome['comparison'];
  if (current) {
    const since = current.training.trainedThroughMs;
    const common = candidate.predictions.filter((p) => p.example.entryTimeMs > since && p.probability !== null);
    if (common.length >= minTest) {
      const predictor = deps.runtime.compile(current);
      let currentPnl = 0;
      let candidatePnl = 0;
      for (const p of common) {
        if (predictor.probability(imputed(p.example.vector, current.features.imputation)) >= learning.minProbability) currentPnl += p.example.netPnlQuote;
        if (p.taken) candidatePnl += p.example.netPnlQuote;
      }
      comparison = { trades: common.length, candidatePnlQuote: candidatePnl, currentPnlQuote: currentPnl, fromIso: new Date(since).toISOString() };
      if (!(candidatePnl > currentPnl)) {
        return { promoted: false, reason: `on ${common.length} trades out of sample for both, it made ${fmt(candidatePnl)} against the current model's ${fmt(currentPnl)}`, candidateHash: model.contentHash, currentHash: current.contentHash, comparison };
      }
      why = `on ${common.length} trades out of sample for both, it made ${fmt(candidatePnl)} against the current model's ${fmt(currentPnl)}`;
    } else {
      // Too few common trades: fall back to each model's own walk-forward edge per judged trade.
      const edgeOf = (m: TradeFilterModel) => {
        const e = m.evaluation as { edgeOverBaselineQuote?: number; totals?: { testTrades?: number } };
        return (e.edgeOverBaselineQuote ?? 0) / Math.max(1, e.totals?.testTrades ?? 0);
      };
      const mine = r.edgeOverBaselineQuote / Math.max(1, r.totals.testTrades);
      if (!(mine > edgeOf(current))) {
        return { promoted: false, reason: `its walk-forward edge over the baseline, ${fmt(mine)} per trade, does not beat the current model's ${fmt(edgeOf(current))} (only ${common.length} trades were out of sample for both)`, candidateHash: model.contentHash, currentHash: current.contentHash };
      }
      why = `its walk-forward edge over the baseline, ${fmt(mine)} per trade, beats the current model's ${fmt(edgeOf(current))}`;
    }
  }

  const body = JSON.stringify(model);
  await deps.store.putModel({ mode: deps.mode, contentHash: model.contentHash, storedAtMs: deps.nowMs, body });
  const reason = `${deps.actor}: beats the baseline by ${fmt(r.edgeOverBaselineQuote)} out of sample; ${why}`;
  const expected = pointer?.contentHash ?? null;
  const promoted = await deps.store.promoteModel(
    { mode: deps.mode, contentHash: model.contentHash, promotedAtMs: deps.nowMs, reason, ...(pointer ? { previousHash: pointer.contentHash } : {}) },
    expected,
  );
  if (!promoted) return { promoted: false, reason: 'another promotion happened meanwhile; run again', candidateHash: model.contentHash };
  await deps.store.appendAudit({
    mode: deps.mode,
    atMs: deps.nowMs,
    id: `learning-promote-${model.contentHash.slice(7, 23)}`,
    action: 'learning-promote',
    actor: deps.actor,
    details: {
      contentHash: model.contentHash,
      previousHash: pointer?.contentHash ?? null,
      reason,
      training: model.training,
      outOfSample: { ...r.totals, edgeOverBaselineQuote: r.edgeOverBaselineQuote, windows: r.windows.length },
      ...(comparison ? { comparison } : {}),
    },
  });
  await deps.alerts.send(promotionAlert(deps.mode, model, reason));
  return { promoted: true, reason, candidateHash: model.contentHash, ...(pointer ? { currentHash: pointer.contentHash } : {}), ...(comparison ? { comparison } : {}) };
}

function promotionAlert(mode: Mode, model: TradeFilterModel, reason: string): Alert {
  const m = mode.toUpperCase();
  const t = model.training;
  return {
    severity: 'warning',
    kind: 'learning',
    subject: `[${m}] learned filter: model ${model.contentHash.slice(7, 19)} promoted`,
    message: [`A new trade filter model was promoted: ${model.contentHash}`, `trained on ${t.trades} trades (${t.wins} won) from ${t.fromIso} to ${t.toIso} (${t.source})`, reason].join('\n'),
    sms: `${m} learned filter: new model ${model.contentHash.slice(7, 15)} promoted`,
  };
}

const fmt = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;
