// Core domain: the universe a tick trades. The stored one while it is fresh; otherwise rebuilt from
// one AssetPairs read (cached by the adapter) and one Ticker call, and stored. A failed rebuild keeps
// the last stored universe (or the include list) and says so; it never stops the exits.
import type { BotConfig } from '../config.js';
import type { ExchangePort, LoggerPort, StorePort } from '../ports.js';
import type { Pair } from '../types.js';
import { selectUniverse, universeKey, type UniverseTierTerms } from './selectUniverse.js';
import { universeRecordOf, type UniverseRecord } from './universeRecord.js';
import { tierIndexFor, type UniverseConfig } from './universeConfig.js';

/** What the TickResult says about the universe. */
export interface TickUniverseStatus {
  /** When the universe in use was built (ISO); absent when none was ever built. */
  refreshedAtIso?: string;
  /** True when this tick rebuilt it. */
  refreshed: boolean;
  pairs: Pair[];
  /** Why the universe in use is older than `refreshHours`, or only the include list. */
  problem?: string;
}

/** The universe a tick trades: pairs, tier terms and what happened. */
export interface TickUniverse {
  pairs: Pair[];
  tiers: Record<Pair, UniverseTierTerms>;
  status: TickUniverseStatus;
}

interface Deps {
  config: BotConfig;
  exchange: Pick<ExchangePort, 'fetchUniverseSource'>;
  store: Pick<StorePort, 'getUniverse' | 'putUniverse'>;
  logger: LoggerPort;
}

/** Whether `record` is the current universe of `def` at `nowMs`. */
export function universeIsFresh(def: UniverseConfig, record: UniverseRecord | undefined, nowMs: number): boolean {
  return record !== undefined && record.key === universeKey(def) && nowMs - record.refreshedAtMs < def.refreshHours * 3_600_000 && nowMs >= record.refreshedAtMs;
}

/**
 * Rebuilds the universe from the exchange and stores it. Throws what the exchange or the store
 * throws (the caller decides what a failure means).
 */
export async function refreshUniverse(deps: Deps, def: UniverseConfig, previous: UniverseRecord | undefined, nowMs: number): Promise<UniverseRecord> {
  if (!deps.exchange.fetchUniverseSource) throw new Error('this exchange adapter cannot list every pair');
  const source = await deps.exchange.fetchUniverseSource(def.quote);
  const selection = selectUniverse(def, source, nowMs, previous?.firstSeenMs);
  const record = universeRecordOf(deps.config.mode, universeKey(def), selection);
  await deps.store.putUniverse?.(record);
  return record;
}

/** The universe for this tick (see the file comment). `stored` is what the tick read from the table. */
export async function tickUniverse(deps: Deps, def: UniverseConfig, stored: UniverseRecord | undefined, nowMs: number): Promise<TickUniverse> {
  if (stored && universeIsFresh(def, stored, nowMs)) {
    return { pairs: stored.pairs, tiers: stored.tiers, status: { refreshedAtIso: iso(stored.refreshedAtMs), refreshed: false, pairs: stored.pairs } };
  }
  try {
    const record = await refreshUniverse(deps, def, stored, nowMs);
    deps.logger.info('universe rebuilt', { pairs: record.pairs, outByRule: record.outByRule });
    return { pairs: record.pairs, tiers: record.tiers, status: { refreshedAtIso: iso(record.refreshedAtMs), refreshed: true, pairs: record.pairs } };
  } catch (err) {
    const detail = (err as Error).message;
    // The last universe of this definition still trades; a universe of another definition does not.
    if (stored && stored.key === universeKey(def)) {
      const problem = `the universe could not be rebuilt (${detail}); trading the one built ${iso(stored.refreshedAtMs)}`;
      deps.logger.warn('universe not rebuilt: the last one stays', { detail, refreshedAtIso: iso(stored.refreshedAtMs) });
      return { pairs: stored.pairs, tiers: stored.tiers, status: { refreshedAtIso: iso(stored.refreshedAtMs), refreshed: false, pairs: stored.pairs, problem } };
    }
    const tiers: Record<Pair, UniverseTierTerms> = {};
    // Without prices the include list trades on the last (most careful) tier's terms.
    for (const pair of def.include) {
      const tier = tierIndexFor(def.tiers, Number.POSITIVE_INFINITY);
      tiers[pair] = { ...def.tiers[tier]!, tier: tier + 1 };
    }
    const problem = `the universe could not be built (${detail}); only the include list trades`;
    deps.logger.warn('universe not built: only the include list trades', { detail });
    return { pairs: [...def.include], tiers, status: { refreshed: false, pairs: [...def.include], problem } };
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
