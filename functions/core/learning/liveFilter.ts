// Core domain: the live filter's loader. Each scheduled tick reads which model is promoted (one
// small item); the model file itself is read, checked against its content hash and compiled only
// when the promotion changes, and kept across warm invocations. No model, an expired one, one whose
// features do not match, or one that does not load: the bot trades without the filter, says so in
// the TickResult every tick and alerts once per incident.
import type { BotConfig } from '../config.js';
import type { AlertsPort, LoggerPort, StorePort } from '../ports.js';
import type { LearningStatus } from '../tickResult.js';
import { ONE_DAY_MS } from '../types.js';
import { featureMismatch, parseModel, type TradeFilterModel } from './modelFile.js';
import { inactiveFilter, learnedFilter, type EntryFilter, type ModelPredictor, type ModelRuntimePort } from './tradeFilter.js';

/** An incident alerts again after this if it is still there. */
const INCIDENT_TTL_MS = 7 * ONE_DAY_MS;

/** What a tick needs to load the filter. */
export interface FilterLoadDeps {
  config: BotConfig;
  store: Pick<StorePort, 'getPromotedModel' | 'getModel' | 'markOnce'>;
  alerts: AlertsPort;
  logger: LoggerPort;
}

/** Built once per process (the handler's wiring), so the compiled model survives warm invocations. */
export class TradeFilterLoader {
  private cached: { contentHash: string; model: TradeFilterModel; predictor: ModelPredictor } | undefined;
  /** How many times a model file was read and compiled (for tests and logs). */
  compiles = 0;

  constructor(private readonly runtime: ModelRuntimePort) {}

  /** The filter for this tick and its status. Never throws: a failure means no filter, said so. */
  async load(deps: FilterLoadDeps, nowMs: number): Promise<{ filter: EntryFilter; status: LearningStatus }> {
    const learning = deps.config.learning;
    const inactive = async (status: LearningStatus['status'], detail: string, model?: string, trainedThroughMs?: number) => {
      const s: LearningStatus = { status, detail, minProbability: learning.minProbability, ...(model ? { model } : {}), ...(trainedThroughMs !== undefined ? { trainedThroughIso: new Date(trainedThroughMs).toISOString() } : {}) };
      deps.logger.warn('learned filter not applied: trading without it', { ...s });
      try {
        if (await deps.store.markOnce(deps.config.mode, `learning#${status}#${model ?? 'none'}`, nowMs, INCIDENT_TTL_MS)) {
          await deps.alerts.send(learningAlert(deps.config.mode, status, detail));
        }
      } catch (err) {
        deps.logger.warn('learned filter: the incident could not be recorded', { error: (err as Error).message });
      }
      return { filter: inactiveFilter(status, detail), status: s };
    };

    let promotion;
    try {
      promotion = await deps.store.getPromotedModel(deps.config.mode);
    } catch (err) {
      return inactive('unavailable', `the promoted model could not be read: ${(err as Error).message}`);
    }
    if (!promotion) return inactive('no-model', 'learning.enabled is true but no model is promoted (kbot learn --promote, or wait for the weekly job)');
    const hash = promotion.contentHash;
    if (this.cached?.contentHash !== hash) {
      this.cached = undefined;
      let body: string | undefined;
      try {
        body = (await deps.store.getModel(deps.config.mode, hash))?.body;
      } catch (err) {
        return inactive('unavailable', `the model file could not be read: ${(err as Error).message}`, hash);
      }
      if (body === undefined) return inactive('invalid', `the promoted model ${hash} is not in the store`, hash);
      const parsed = parseModel(body);
      if (!parsed.ok) return inactive('invalid', `the promoted model ${hash} does not load: ${parsed.reason}`, hash);
      if (parsed.model.contentHash !== hash) return inactive('invalid', `the stored file is model ${parsed.model.contentHash}, not the promoted ${hash}`, hash);
      let predictor: ModelPredictor;
      try {
        predictor = this.runtime.compile(parsed.model);
      } catch (err) {
        return inactive('invalid', `the promoted model ${hash} does not compile: ${(err as Error).message}`, hash);
      }
      this.compiles++;
      this.cached = { contentHash: hash, model: parsed.model, predictor };
    }
    const { model, predictor } = this.cached;
    const through = model.training.trainedThroughMs;
    const mismatch = featureMismatch(model, learning);
    if (mismatch) return inactive('mismatch', mismatch, hash, through);
    // Possible only on a simulated clock (the demo) or a wrong one: such a model would know the future.
    if (through > nowMs) return inactive('invalid', `the model was trained on trades up to ${new Date(through).toISOString()}, after now (${new Date(nowMs).toISOString()})`, hash, through);
    const ageDays = (nowMs - through) / ONE_DAY_MS;
    if (ageDays > learning.maxAgeDays) return inactive('expired', `the model's training data ended ${ageDays.toFixed(1)} days ago, more than learning.maxAgeDays (${learning.maxAgeDays})`, hash, through);
    return {
      filter: learnedFilter(model, predictor, learning.minProbability),
      status: { status: 'active', detail: `model ${hash.slice(0, 19)} trained on ${model.training.trades} trades`, model: hash, trainedThroughIso: new Date(through).toISOString(), minProbability: learning.minProbability },
    };
  }
}

function learningAlert(mode: BotConfig['mode'], status: string, detail: string) {
  const m = mode.toUpperCase();
  return {
    severity: 'warning' as const,
    kind: 'learning' as const,
    subject: `[${m}] learned filter not applied (${status}): trading without it`,
    message: `The learned trade filter is enabled but not applied; entries are decided without it until this is fixed.\n${status}: ${detail}`,
    sms: `${m} learned filter off (${status})`,
  };
}
