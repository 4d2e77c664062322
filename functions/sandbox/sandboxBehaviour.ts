// Kraken sandbox: the behaviours that make the sandbox misbehave like Kraken (orders that are not
// final yet, queued orders, lagging ClosedOrders, Auto Earn balances, fees in base, rate counters,
// nonce windows and lockouts, market modes, delistings, maintenance). One JSON shape, validated
// here, is what the control route `POST /_sandbox/behaviour`, `SandboxHandle.setBehaviour` and
// `--behaviour <file>` take. Everything is off by default.
import { z } from 'zod';
import type { Side } from '../core/types.js';
import type { SandboxAsset, SandboxMarket } from './sandboxMarkets.js';

/** A pair's trading mode as AssetPairs reports it. */
export type MarketStatus = SandboxMarket['status'];
export const MARKET_STATUSES = ['online', 'cancel_only', 'post_only', 'limit_only', 'reduce_only'] as const;

/** Kraken's verification tiers for the private REST counter. */
export type VerificationTier = 'starter' | 'intermediate' | 'pro';

/** Which clock decays the rate counter and times lockouts. */
export type LimitsClock = 'sandbox' | 'wall';

/** Kraken's private REST counter per tier (docs.kraken.com, Spot REST rate limits). */
export const RATE_LIMIT_TIERS: Record<VerificationTier, { max: number; decayPerSecond: number }> = {
  starter: { max: 15, decayPerSecond: 0.33 },
  intermediate: { max: 20, decayPerSecond: 0.5 },
  pro: { max: 20, decayPerSecond: 1 },
};

const lookups = z.number().int().min(0).max(10_000);
const krakenError = z.string().regex(/^[EW][A-Za-z]+:/, 'must be a Kraken error string such as EService:Busy');

const orderRuleSchema = z
  .object({
    /** Only orders for this pair (symbol, Kraken id or altname); default every pair. */
    pair: z.string().min(1).optional(),
    /** Only buys or only sells; default both. */
    side: z.enum(['buy', 'sell']).optional(),
    /** The next N matching AddOrders; default every matching one while the rule is armed. */
    count: z.number().int().positive().optional(),
    /** Lookups of the order (OpenOrders/ClosedOrders/QueryOrders reads selecting it) answered `pending`. */
    pendingLookups: lookups.default(0),
    /** Lookups answered `open` after those; the order's last step (fill or cancel) comes with the next one. */
    openLookups: lookups.default(0),
    /** A part fills when the order opens; the rest fills at its last step, or is canceled there. */
    partialFill: z
      .object({ fraction: z.number().gt(0).lt(1), rest: z.enum(['fill', 'cancel']).default('fill') })
      .strict()
      .optional(),
    /** The order waits in the engine's queue, invisible and not executed, for `delayMs` of sandbox time. */
    queue: z
      .object({
        delayMs: z.number().int().min(0).max(86_400_000),
        /** What AddOrder answers: `lost` (connection dropped), `error` (that Kraken error) or `ok` (the txid). */
        reply: z.enum(['lost', 'error', 'ok']).default('lost'),
        error: krakenError.default('EService:Busy'),
      })
      .strict()
      .optional(),
    /** Once final, the order is left out of this many ClosedOrders reads that would list it. */
    closedOrdersLag: lookups.default(0),
  })
  .strict();

const fraction = z.number().min(0).max(1);

/** The control body: every key optional; a key given replaces that behaviour, `null` turns it off. */
export const behaviourSchema = z
  .object({
    orders: z.union([orderRuleSchema, z.array(orderRuleSchema).max(100)]).nullable().optional(),
    feeInBase: z.object({ buys: z.boolean().default(false), sells: z.boolean().default(false) }).strict().nullable().optional(),
    autoEarn: z.record(z.string(), fraction).nullable().optional(),
    rateLimit: z.object({ tier: z.enum(['starter', 'intermediate', 'pro']) }).strict().nullable().optional(),
    nonceWindow: z.number().int().min(0).nullable().optional(),
    lockout: z
      .object({
        afterFailures: z.number().int().positive().default(3),
        windowMs: z.number().int().positive().default(60_000),
        durationMs: z.number().int().positive().default(900_000),
      })
      .strict()
      .nullable()
      .optional(),
    limitsClock: z.enum(['sandbox', 'wall']).nullable().optional(),
    markets: z
      .record(z.string(), z.object({ status: z.enum(MARKET_STATUSES).optional(), delisted: z.boolean().optional() }).strict())
      .nullable()
      .optional(),
    maintenance: z.boolean().nullable().optional(),
  })
  .strict();

/** What `setBehaviour` accepts (the control route's JSON body). */
export type BehaviourInput = z.input<typeof behaviourSchema>;
type ParsedBehaviour = z.output<typeof behaviourSchema>;
type ParsedOrderRule = z.output<typeof orderRuleSchema>;

/** An armed order rule: which orders it applies to and what it does to them. */
export interface OrderRule {
  /** Kraken pair id the rule is limited to. */
  pairId?: string;
  /** The pair's unified symbol (for snapshots). */
  pair?: string;
  side?: Side;
  /** AddOrders left before the rule is used up; undefined = unlimited. */
  remaining?: number;
  pendingLookups: number;
  openLookups: number;
  partialFill?: { fraction: number; rest: 'fill' | 'cancel' };
  queue?: { delayMs: number; reply: 'lost' | 'error' | 'ok'; error: string };
  closedOrdersLag: number;
}

/** Repeated bad nonces or signatures within `windowMs` lock private calls out for `durationMs`. */
export interface LockoutPolicy {
  afterFailures: number;
  windowMs: number;
  durationMs: number;
}

/** The armed behaviours as the control API reports them (the input's shape, normalized). */
export interface BehaviourSnapshot {
  orders: Array<Omit<OrderRule, 'pairId'>>;
  feeInBase: { buys: boolean; sells: boolean };
  /** Asset code → fraction of its tradable balance kept under `.F` (e.g. `{ "BTC": 0.5 }`). */
  autoEarn: Record<string, number>;
  rateLimit: { tier: VerificationTier; max: number; decayPerSecond: number } | null;
  nonceWindow: number;
  lockout: LockoutPolicy | null;
  limitsClock: LimitsClock;
  /** Pairs whose mode differs from online or that are delisted, by unified symbol. */
  markets: Record<string, { status: MarketStatus; delisted: boolean }>;
  maintenance: boolean;
}

/** How the behaviour resolves the names a body uses. */
export interface BehaviourResolvers {
  market(name: string): SandboxMarket | undefined;
  asset(name: string): SandboxAsset | undefined;
}

/** The parsed, resolved form of one body, ready to apply (parsing never changes state). */
export interface BehaviourChange {
  parsed: ParsedBehaviour;
  orders?: OrderRule[];
  /** Auto Earn fractions by Kraken asset id. */
  autoEarn?: Map<string, number>;
  markets?: Map<string, { status?: MarketStatus; delisted?: boolean }>;
}

/** The sandbox's armed behaviours. Everything is off by default: the sandbox then behaves as it always did. */
export class SandboxBehaviour {
  private orderRules: OrderRule[] = [];
  feeInBase = { buys: false, sells: false };
  /** Auto Earn fractions by Kraken asset id (`XXBT` → 0.5). */
  autoEarn = new Map<string, number>();
  rateLimit: VerificationTier | undefined;
  nonceWindow = 0;
  lockout: LockoutPolicy | undefined;
  limitsClock: LimitsClock = 'sandbox';
  maintenance = false;
  private readonly statusById = new Map<string, MarketStatus>();
  private readonly delistedIds = new Set<string>();

  constructor(private readonly resolve: BehaviourResolvers) {}

  /** Validates a body and resolves its names; throws an Error naming the bad field. Changes nothing. */
  parse(input: unknown): BehaviourChange {
    const result = behaviourSchema.safeParse(input ?? {});
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new Error(`behaviour${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`);
    }
    const parsed = result.data;
    const change: BehaviourChange = { parsed };
    if (parsed.orders) {
      const rules = Array.isArray(parsed.orders) ? parsed.orders : [parsed.orders];
      change.orders = rules.map((r, i) => this.rule(r, `behaviour.orders${Array.isArray(parsed.orders) ? `[${i}]` : ''}`));
    }
    if (parsed.autoEarn) {
      change.autoEarn = new Map();
      for (const [name, share] of Object.entries(parsed.autoEarn)) {
        const asset = this.resolve.asset(name);
        if (!asset) throw new Error(`behaviour.autoEarn.${name}: unknown asset`);
        change.autoEarn.set(asset.id, share);
      }
    }
    if (parsed.markets) {
      change.markets = new Map();
      for (const [name, mode] of Object.entries(parsed.markets)) {
        const market = this.resolve.market(name);
        if (!market) throw new Error(`behaviour.markets.${name}: the sandbox does not list that pair`);
        change.markets.set(market.id, mode);
      }
    }
    return change;
  }

  /** Applies a parsed body: each key given replaces that behaviour, `null` turns it off, absent keys stay. */
  apply(change: BehaviourChange): void {
    const p = change.parsed;
    if (p.orders !== undefined) this.orderRules = change.orders ?? [];
    if (p.feeInBase !== undefined) this.feeInBase = p.feeInBase ?? { buys: false, sells: false };
    if (p.autoEarn !== undefined) this.autoEarn = change.autoEarn ?? new Map();
    if (p.rateLimit !== undefined) this.rateLimit = p.rateLimit?.tier;
    if (p.nonceWindow !== undefined) this.nonceWindow = p.nonceWindow ?? 0;
    if (p.lockout !== undefined) this.lockout = p.lockout ?? undefined;
    if (p.limitsClock !== undefined) this.limitsClock = p.limitsClock ?? 'sandbox';
    if (p.maintenance !== undefined) this.maintenance = p.maintenance ?? false;
    if (p.markets !== undefined) {
      if (p.markets === null) {
        this.statusById.clear();
        this.delistedIds.clear();
      }
      for (const [id, mode] of change.markets ?? []) {
        if (mode.status !== undefined) {
          if (mode.status === 'online') this.statusById.delete(id);
          else this.statusById.set(id, mode.status);
        }
        if (mode.delisted === true) this.delistedIds.add(id);
        if (mode.delisted === false) this.delistedIds.delete(id);
      }
    }
  }

  /** The body that turns every behaviour off (what `DELETE /_sandbox/behaviour` applies). */
  static readonly CLEAR: BehaviourInput = {
    orders: null,
    feeInBase: null,
    autoEarn: null,
    rateLimit: null,
    nonceWindow: null,
    lockout: null,
    limitsClock: null,
    markets: null,
    maintenance: null,
  };

  /** The trading mode of a pair (by Kraken id). */
  marketStatus(pairId: string): MarketStatus {
    return this.statusById.get(pairId) ?? 'online';
  }

  /** True when the pair (by Kraken id) is delisted. */
  isDelisted(pairId: string): boolean {
    return this.delistedIds.has(pairId);
  }

  /** Whether a fee is taken in base on this side whatever the order asked (`feeInBase`). */
  forcesFeeInBase(side: Side): boolean {
    return side === 'buy' ? this.feeInBase.buys : this.feeInBase.sells;
  }

  /** The first armed rule matching a new order, consumed by one use; undefined when none matches. */
  takeOrderRule(pairId: string, side: Side): OrderRule | undefined {
    const index = this.orderRules.findIndex((r) => (!r.pairId || r.pairId === pairId) && (!r.side || r.side === side));
    if (index < 0) return undefined;
    const rule = this.orderRules[index]!;
    if (rule.remaining !== undefined) {
      rule.remaining--;
      if (rule.remaining <= 0) this.orderRules.splice(index, 1);
    }
    return { ...rule };
  }

  /** What is armed, in the control API's shape. */
  snapshot(symbolOf: (pairId: string) => string, codeOf: (assetId: string) => string): BehaviourSnapshot {
    const markets: BehaviourSnapshot['markets'] = {};
    for (const id of new Set([...this.statusById.keys(), ...this.delistedIds])) {
      markets[symbolOf(id)] = { status: this.marketStatus(id), delisted: this.isDelisted(id) };
    }
    const autoEarn: BehaviourSnapshot['autoEarn'] = {};
    for (const [id, share] of this.autoEarn) autoEarn[codeOf(id)] = share;
    return {
      orders: this.orderRules.map(({ pairId: _id, ...r }) => ({ ...r })),
      feeInBase: { ...this.feeInBase },
      autoEarn,
      rateLimit: this.rateLimit ? { tier: this.rateLimit, ...RATE_LIMIT_TIERS[this.rateLimit] } : null,
      nonceWindow: this.nonceWindow,
      lockout: this.lockout ? { ...this.lockout } : null,
      limitsClock: this.limitsClock,
      markets,
      maintenance: this.maintenance,
    };
  }

  private rule(r: ParsedOrderRule, where: string): OrderRule {
    const market = r.pair === undefined ? undefined : this.resolve.market(r.pair);
    if (r.pair !== undefined && !market) throw new Error(`${where}.pair: the sandbox does not list ${r.pair}`);
    return {
      ...(market ? { pairId: market.id, pair: market.symbol } : {}),
      ...(r.side ? { side: r.side } : {}),
      ...(r.count !== undefined ? { remaining: r.count } : {}),
      pendingLookups: r.pendingLookups,
      openLookups: r.openLookups,
      ...(r.partialFill ? { partialFill: { ...r.partialFill } } : {}),
      ...(r.queue ? { queue: { ...r.queue } } : {}),
      closedOrdersLag: r.closedOrdersLag,
    };
  }
}
