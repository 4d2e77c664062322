// Core domain: the universe as the table keeps it (one item per mode), written by a refresh and read
// by every tick of a universe configuration.
import type { Mode, Pair } from '../types.js';
import type { UniverseRule, UniverseSelection, UniverseTierTerms } from './selectUniverse.js';

/** The stored universe: the pairs, their tier terms, and what the listing-age rule needs next time. */
export interface UniverseRecord {
  mode: Mode;
  /** `universeKey` of the definition it was built from: another definition rebuilds it. */
  key: string;
  refreshedAtMs: number;
  pairs: Pair[];
  tiers: Record<Pair, UniverseTierTerms>;
  firstSeenMs: Record<Pair, number>;
  /** How many candidates each rule kept out (the reasons themselves: `kbot universe`). */
  outByRule: Partial<Record<UniverseRule, number>>;
}

/** The record of a selection. */
export function universeRecordOf(mode: Mode, key: string, s: UniverseSelection): UniverseRecord {
  const outByRule: Partial<Record<UniverseRule, number>> = {};
  for (const v of s.verdicts) if (!v.included) outByRule[v.rule] = (outByRule[v.rule] ?? 0) + 1;
  return { mode, key, refreshedAtMs: s.refreshedAtMs, pairs: [...s.pairs], tiers: { ...s.tiers }, firstSeenMs: { ...s.firstSeenMs }, outByRule };
}
