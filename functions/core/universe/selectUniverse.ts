// Core domain: builds the universe from what Kraken lists (AssetPairs) and one Ticker call for all
// pairs. Pure: listings, tickers and the time in; the pairs, their tiers and a reason for every
// candidate out. The tick, `kbot universe`, the demo and the backtest all call this.
import type { Pair, Ticker } from '../types.js';
import { tierIndexFor, type PriceTier, type UniverseConfig } from './universeConfig.js';

const ONE_DAY_MS = 86_400_000;

/** One pair as the exchange lists it. */
export interface UniverseListing {
  pair: Pair;
  base: string;
  quote: string;
  /** Whether the pair accepts market orders now (AssetPairs `status: online`). */
  active: boolean;
  /** The exchange's status word when not online (`cancel_only`, ...). */
  status?: string;
}

/** What the exchange lists and its tickers, read together for one refresh. */
export interface UniverseSource {
  listings: UniverseListing[];
  /** Tickers by pair; a pair without one (or with a bad one) cannot be judged and stays out. */
  tickers: Record<Pair, Ticker>;
}

/** The tier terms a pair of the universe trades with (copied from the table at refresh time). */
export interface UniverseTierTerms extends PriceTier {
  /** The tier's number in the table, 1 for the first (cheapest) tier. */
  tier: number;
}

/** Why a candidate is in or out. */
export type UniverseRule = 'include' | 'selected' | 'exclude' | 'not-listed' | 'inactive' | 'no-ticker' | 'price' | 'volume' | 'spread' | 'age' | 'top-n';

/** One candidate's verdict. */
export interface UniverseVerdict {
  pair: Pair;
  included: boolean;
  rule: UniverseRule;
  reason: string;
  price?: number;
  quoteVolume24h?: number;
  spreadFraction?: number;
  /** The price tier's number, 1 for the first (cheapest) tier. */
  tier?: number;
}

/** The universe at one refresh. */
export interface UniverseSelection {
  refreshedAtMs: number;
  /** The pairs, include list first, then by 24h volume, highest first. */
  pairs: Pair[];
  tiers: Record<Pair, UniverseTierTerms>;
  /** Every candidate of the universe's quote, with why it is in or out, in `pairs` order then by volume. */
  verdicts: UniverseVerdict[];
  /** When the bot first saw each pair of the quote listed (for the listing-age rule). */
  firstSeenMs: Record<Pair, number>;
  /** Listings of other quotes, not judged. */
  otherQuotes: number;
}

/** The definition the selection depends on, as a key: a stored universe built from another definition is rebuilt. */
export function universeKey(def: UniverseConfig): string {
  return JSON.stringify(def);
}

/**
 * Selects the universe. `previousFirstSeenMs` is the last refresh's record (undefined at the first
 * refresh: every pair listed then counts as old enough, since Kraken publishes no listing dates).
 */
export function selectUniverse(def: UniverseConfig, source: UniverseSource, nowMs: number, previousFirstSeenMs?: Record<Pair, number>): UniverseSelection {
  const listings = new Map(source.listings.map((l) => [l.pair, l]));
  const firstSeenMs: Record<Pair, number> = {};
  let otherQuotes = 0;
  for (const l of source.listings) {
    if (l.quote !== def.quote) {
      otherQuotes++;
      continue;
    }
    firstSeenMs[l.pair] = previousFirstSeenMs ? (previousFirstSeenMs[l.pair] ?? nowMs) : 0;
  }
  const verdicts: UniverseVerdict[] = [];
  const tiers: Record<Pair, UniverseTierTerms> = {};
  const measured = (pair: Pair) => {
    const t = source.tickers[pair];
    if (!t || !(t.bid > 0) || !(t.ask >= t.bid) || !Number.isFinite(t.ask) || !(t.last > 0)) return undefined;
    const spreadFraction = (t.ask - t.bid) / ((t.ask + t.bid) / 2);
    return { price: t.last, quoteVolume24h: t.quoteVolume24h !== undefined && Number.isFinite(t.quoteVolume24h) ? t.quoteVolume24h : undefined, spreadFraction };
  };

  // The include list: in whenever listed and online.
  const included: Pair[] = [];
  for (const pair of def.include) {
    const l = listings.get(pair);
    const m = measured(pair);
    const facts = m ? { price: m.price, ...(m.quoteVolume24h !== undefined ? { quoteVolume24h: m.quoteVolume24h } : {}), spreadFraction: m.spreadFraction } : {};
    if (!l) {
      verdicts.push({ pair, included: false, rule: 'not-listed', reason: 'in the include list but not listed by the exchange (delisted or misspelt)' });
      continue;
    }
    if (!l.active) {
      verdicts.push({ pair, included: false, rule: 'inactive', reason: `in the include list but ${l.status ?? 'not online'}: no market orders`, ...facts });
      continue;
    }
    const tier = tierIndexFor(def.tiers, m?.price ?? Number.POSITIVE_INFINITY);
    tiers[pair] = { ...def.tiers[tier]!, tier: tier + 1 };
    included.push(pair);
    verdicts.push({ pair, included: true, rule: 'include', reason: 'in the include list', ...facts, tier: tier + 1 });
  }

  // Everything else of the quote: screened, then the highest volumes up to topN.
  const passed: { pair: Pair; volume: number; verdict: UniverseVerdict }[] = [];
  const refused: UniverseVerdict[] = [];
  for (const l of source.listings) {
    if (l.quote !== def.quote || def.include.includes(l.pair)) continue;
    const pair = l.pair;
    if (def.exclude.includes(pair)) {
      refused.push({ pair, included: false, rule: 'exclude', reason: 'in the exclude list' });
      continue;
    }
    if (!l.active) {
      refused.push({ pair, included: false, rule: 'inactive', reason: `${l.status ?? 'not online'}: no market orders` });
      continue;
    }
    const m = measured(pair);
    if (!m) {
      refused.push({ pair, included: false, rule: 'no-ticker', reason: source.tickers[pair] ? 'the ticker does not make sense (bid, ask or last missing or crossed)' : 'no ticker for the pair' });
      continue;
    }
    const tier = tierIndexFor(def.tiers, m.price);
    const terms = def.tiers[tier]!;
    const facts = { price: m.price, ...(m.quoteVolume24h !== undefined ? { quoteVolume24h: m.quoteVolume24h } : {}), spreadFraction: m.spreadFraction, tier: tier + 1 };
    const out = (rule: UniverseRule, reason: string) => refused.push({ pair, included: false, rule, reason, ...facts });
    if (m.price < def.minPrice || (def.maxPrice !== undefined && m.price > def.maxPrice)) {
      out('price', `price ${fmt(m.price)} is outside ${fmt(def.minPrice)} .. ${def.maxPrice !== undefined ? fmt(def.maxPrice) : 'any'}`);
      continue;
    }
    const floor = Math.max(def.minQuoteVolume24h, terms.minQuoteVolume24h);
    if (m.quoteVolume24h === undefined || !(m.quoteVolume24h >= floor)) {
      out('volume', `24h volume ${m.quoteVolume24h === undefined ? 'unknown' : fmt(m.quoteVolume24h)} is below ${fmt(floor)} (tier ${tier + 1})`);
      continue;
    }
    const ceiling = Math.min(def.maxSpreadFraction, terms.maxSpreadFraction);
    if (!(m.spreadFraction <= ceiling)) {
      out('spread', `spread ${pct(m.spreadFraction)} is wider than ${pct(ceiling)} (tier ${tier + 1})`);
      continue;
    }
    const ageDays = (nowMs - (firstSeenMs[pair] ?? nowMs)) / ONE_DAY_MS;
    if (ageDays < def.minListingAgeDays) {
      out('age', `first seen listed ${ageDays.toFixed(1)} days ago, under ${def.minListingAgeDays}`);
      continue;
    }
    passed.push({ pair, volume: m.quoteVolume24h, verdict: { pair, included: true, rule: 'selected', reason: `passes every filter (tier ${tier + 1})`, ...facts } });
  }
  passed.sort((a, b) => b.volume - a.volume || (a.pair < b.pair ? -1 : 1));
  const room = Math.max(0, def.topN - included.length);
  const pairs = [...included];
  passed.forEach((p, k) => {
    if (k < room) {
      pairs.push(p.pair);
      tiers[p.pair] = { ...def.tiers[p.verdict.tier! - 1]!, tier: p.verdict.tier! };
      p.verdict.reason = `${p.verdict.reason}, #${k + 1} by 24h volume`;
      verdicts.push(p.verdict);
    } else {
      verdicts.push({ ...p.verdict, included: false, rule: 'top-n', reason: `passes every filter but is #${k + 1} by 24h volume, beyond topN ${def.topN}${included.length ? ` (${included.length} included)` : ''}` });
    }
  });
  refused.sort((a, b) => (b.quoteVolume24h ?? -1) - (a.quoteVolume24h ?? -1) || (a.pair < b.pair ? -1 : 1));
  verdicts.push(...refused);
  return { refreshedAtMs: nowMs, pairs, tiers, verdicts, firstSeenMs, otherQuotes };
}

function fmt(x: number): string {
  if (x >= 1_000_000) return `${(x / 1_000_000).toFixed(2)}M`;
  if (x >= 1_000) return `${(x / 1_000).toFixed(1)}k`;
  return x >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}
