// Core domain: the universe definition, the form `pairs` takes when the bot chooses its own pairs
// (quote, volume, price, spread, listing age, include/exclude, top N, and the price-tier table).
// Every object is strict, like the rest of the configuration.
import { z } from 'zod';

const fraction = (max = 1) => z.number().min(0).max(max);

/** The most pairs one tick handles (the fixed list's limit too). */
export const MAX_TICK_PAIRS = 50;

export const universePairSymbol = z.string().regex(/^[A-Z0-9]{2,10}\/[A-Z0-9]{2,5}$/, 'must look like BASE/QUOTE, e.g. BTC/USD');

/**
 * One price tier: pairs priced below `maxPrice` (the last tier has none) trade with these terms.
 * The floor and the ceiling select pairs into the universe and are the liquidity and spread rules
 * of its entries; the multiplier scales the position size; the margin is the edge an entry must
 * clear above the round-trip cost (it replaces `fees.edgeBufferFraction` for the tier's pairs).
 */
export const priceTierSchema = z.strictObject({
  /** Upper bound of the tier's price, in quote, exclusive. Omitted on the last (open-ended) tier. */
  maxPrice: z.number().positive().optional(),
  /** Position size multiplier (applied to risk.positionFraction or risk.riskPerTradeFraction). */
  riskMultiplier: z.number().min(0).max(2),
  /** Edge required above the round-trip cost, as a fraction of price (0.015 = 1.5%). */
  profitMarginFraction: fraction(0.5),
  /** Minimum 24h traded volume in quote. */
  minQuoteVolume24h: z.number().min(0),
  /** Largest bid/ask spread accepted, as a fraction of the mid price. */
  maxSpreadFraction: fraction(1),
});
export type PriceTier = z.output<typeof priceTierSchema>;

/** The two scanners this project replaces traded with this table (sub-cent tokens get the most room). */
export const DEFAULT_PRICE_TIERS: PriceTier[] = [
  { maxPrice: 0.05, riskMultiplier: 1.0, profitMarginFraction: 0.015, minQuoteVolume24h: 500_000, maxSpreadFraction: 0.08 },
  { maxPrice: 0.15, riskMultiplier: 0.7, profitMarginFraction: 0.01, minQuoteVolume24h: 200_000, maxSpreadFraction: 0.05 },
  { riskMultiplier: 0.4, profitMarginFraction: 0.007, minQuoteVolume24h: 100_000, maxSpreadFraction: 0.03 },
];

/** A universe: which of the exchange's pairs the bot trades, refreshed from AssetPairs and one Ticker call. */
export const universeSchema = z
  .strictObject({
    /** Quote currency every pair of the universe trades against. */
    quote: z.string().regex(/^[A-Z0-9]{2,5}$/, 'must be an asset code in capitals, e.g. USD').default('USD'),
    /** Minimum 24h traded volume in quote, on top of each tier's own floor (the higher one applies). */
    minQuoteVolume24h: z.number().min(0).default(0),
    /** Lowest last price accepted, in quote. */
    minPrice: z.number().min(0).default(0),
    /** Highest last price accepted, in quote (0.01 keeps sub-cent tokens only). Omitted: no limit. */
    maxPrice: z.number().positive().optional(),
    /** Largest spread accepted, on top of each tier's own ceiling (the lower one applies). */
    maxSpreadFraction: fraction(1).default(1),
    /**
     * Days since the bot first saw the pair listed (Kraken's AssetPairs carries no listing date). Pairs
     * already listed at the first refresh count as old enough.
     */
    minListingAgeDays: z.number().min(0).max(3650).default(0),
    /** Pairs always in the universe while Kraken lists them online (they count toward topN). */
    include: z.array(universePairSymbol).max(MAX_TICK_PAIRS).default([]),
    /** Pairs never in the universe. */
    exclude: z.array(universePairSymbol).default([]),
    /** The universe holds at most this many pairs: the include list, then the highest 24h volumes. */
    topN: z.number().int().min(1).max(MAX_TICK_PAIRS).default(20),
    /** How often the universe is rebuilt (the tick rebuilds it when it is older; `kbot universe --save` on demand). */
    refreshHours: z.number().min(1).max(24 * 7).default(24),
    /** The price-tier table, cheapest tier first. */
    tiers: z.array(priceTierSchema).min(1).max(10).default(DEFAULT_PRICE_TIERS),
  })
  .superRefine((u, ctx) => {
    u.tiers.forEach((t, k) => {
      const last = k === u.tiers.length - 1;
      if (last && t.maxPrice !== undefined) ctx.addIssue({ code: 'custom', path: ['tiers', k, 'maxPrice'], message: 'the last tier is open-ended: leave maxPrice out' });
      if (!last && t.maxPrice === undefined) ctx.addIssue({ code: 'custom', path: ['tiers', k, 'maxPrice'], message: 'required on every tier but the last' });
      const prev = u.tiers[k - 1]?.maxPrice;
      if (prev !== undefined && t.maxPrice !== undefined && !(t.maxPrice > prev)) ctx.addIssue({ code: 'custom', path: ['tiers', k, 'maxPrice'], message: `must be above the previous tier's ${prev}` });
    });
    for (const [k, p] of u.include.entries()) {
      if (!p.endsWith(`/${u.quote}`)) ctx.addIssue({ code: 'custom', path: ['include', k], message: `${p} does not trade against the universe's quote ${u.quote}` });
      if (u.exclude.includes(p)) ctx.addIssue({ code: 'custom', path: ['include', k], message: `${p} is in both include and exclude` });
    }
    if (u.include.length > u.topN) ctx.addIssue({ code: 'custom', path: ['include'], message: `${u.include.length} pairs is more than topN (${u.topN})` });
    if (u.maxPrice !== undefined && u.maxPrice <= u.minPrice) ctx.addIssue({ code: 'custom', path: ['maxPrice'], message: `must be above minPrice (${u.minPrice})` });
  });
export type UniverseConfig = z.output<typeof universeSchema>;

/** The tier a price falls in (index into `tiers`). */
export function tierIndexFor(tiers: readonly PriceTier[], price: number): number {
  for (let k = 0; k < tiers.length; k++) {
    const max = tiers[k]!.maxPrice;
    if (max === undefined || price < max) return k;
  }
  return tiers.length - 1;
}
