// Kraken sandbox: Kraken's private REST limits. A call counter per API key by verification tier
// (+1 per call, +2 for ledger and trade history, order placing and cancelling exempt) that decays
// continuously, and the temporary lockout that follows repeated bad nonces or signatures. Both run
// on an explicit clock (the sandbox's by default), so tests move time instead of sleeping.
import { KrakenApiError } from './krakenApiError.js';
import { RATE_LIMIT_TIERS, type LockoutPolicy, type VerificationTier } from './sandboxBehaviour.js';

/** What a private method adds to the counter (default 1). */
const CALL_COST: Readonly<Record<string, number>> = {
  Ledgers: 2,
  QueryLedgers: 2,
  TradesHistory: 2,
  QueryTrades: 2,
  AddOrder: 0,
  CancelOrder: 0,
};

/** The counter of one key: its value at `atMs`. */
interface Counter {
  value: number;
  atMs: number;
}

/** The limits' state, as the control API reports it. */
export interface LimitsState {
  /** Counter value per API key now (after decay); empty while rate limiting is off. */
  counters: Record<string, number>;
  /** Bad nonces or signatures counted towards a lockout (within its window). */
  recentFailures: number;
  /** Until when (ms on the limits clock) private calls are locked out; absent when they are not. */
  lockedUntilMs?: number;
  /** The limits clock's now (ms). */
  nowMs: number;
}

/** Counters, failures and lockout of the sandbox's keys. */
export class SandboxLimits {
  private readonly counters = new Map<string, Counter>();
  private failures: number[] = [];
  private lockedUntilMs: number | undefined;

  /** `now` reads the limits clock (the sandbox clock or the wall clock, as the behaviour says). */
  constructor(private readonly now: () => number) {}

  /** What `method` costs on the counter. */
  static costOf(method: string): number {
    return CALL_COST[method] ?? 1;
  }

  /** Throws `EGeneral:Temporary lockout` while locked out (Kraken locks the caller, not the key). */
  checkLockout(): void {
    if (this.lockedUntilMs === undefined) return;
    if (this.now() < this.lockedUntilMs) throw new KrakenApiError('EGeneral:Temporary lockout');
    this.lockedUntilMs = undefined;
    this.failures = [];
  }

  /** Counts a bad nonce or signature; the `afterFailures`-th within `windowMs` starts a lockout. */
  recordFailure(policy: LockoutPolicy | undefined): void {
    if (!policy) return;
    const now = this.now();
    this.failures = this.failures.filter((t) => t > now - policy.windowMs);
    this.failures.push(now);
    if (this.failures.length >= policy.afterFailures) this.lockedUntilMs = now + policy.durationMs;
  }

  /**
   * Adds the call's cost to the key's counter, or throws `EAPI:Rate limit exceeded` (adding
   * nothing) when that would take it over the tier's maximum.
   */
  charge(apiKey: string, method: string, tier: VerificationTier | undefined): void {
    if (!tier) return;
    const cost = SandboxLimits.costOf(method);
    if (cost === 0) return;
    const value = this.valueNow(apiKey, tier);
    if (value + cost > RATE_LIMIT_TIERS[tier].max + 1e-9) throw new KrakenApiError('EAPI:Rate limit exceeded');
    this.counters.set(apiKey, { value: value + cost, atMs: this.now() });
  }

  /** Forgets the counters (rate limiting turned off, or the clock changed). */
  resetCounters(): void {
    this.counters.clear();
  }

  /** Forgets failures and any lockout (the lockout policy turned off). */
  resetLockout(): void {
    this.failures = [];
    this.lockedUntilMs = undefined;
  }

  snapshot(tier: VerificationTier | undefined, policy: LockoutPolicy | undefined): LimitsState {
    const now = this.now();
    const counters: Record<string, number> = {};
    if (tier) for (const key of this.counters.keys()) counters[key] = Math.round(this.valueNow(key, tier) * 1e6) / 1e6;
    const locked = this.lockedUntilMs !== undefined && now < this.lockedUntilMs;
    const recentFailures = policy && !locked ? this.failures.filter((t) => t > now - policy.windowMs).length : locked ? this.failures.length : 0;
    return { counters, recentFailures, ...(locked ? { lockedUntilMs: this.lockedUntilMs } : {}), nowMs: now };
  }

  /** The counter after decay since it was last charged; a clock moved backwards decays nothing. */
  private valueNow(apiKey: string, tier: VerificationTier): number {
    const c = this.counters.get(apiKey);
    if (!c) return 0;
    const elapsedS = Math.max(0, this.now() - c.atMs) / 1000;
    return Math.max(0, c.value - elapsedS * RATE_LIMIT_TIERS[tier].decayPerSecond);
  }
}
