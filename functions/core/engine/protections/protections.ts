// Core domain: protections (cooldown, stop-loss guard, max drawdown, low-profit pair). Each is a
// lock computed from the trade ledger's closing trades and the decision time only, so live ticks
// (ledger from the store) and backtests (ledger in memory) lock and unlock at the same candle.
import { FIVE_MINUTES_MS, type Pair, type TradeRecord } from '../../types.js';
import type { ProtectionsConfig } from '../config.js';
import { failed, passed, type RuleCheck } from '../risk/ruleCheck.js';

const MINUTE_MS = 60_000;

/**
 * The start of the 5m candle a trade happened in. Locks run from there, so a live fill a few
 * seconds after the boundary and a backtest fill exactly on it unlock at the same candle.
 */
export function tradeCandleMs(trade: Pick<TradeRecord, 'timestampMs'>): number {
  return Math.floor(trade.timestampMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
}

/**
 * Runs every enabled protection for an entry on `pair` at `nowMs`. `trades` are closing trades
 * (sells), oldest first, covering at least the longest lookback + lock window.
 * Returns the checks in order, the first failing one last.
 */
export function checkProtections(
  config: ProtectionsConfig,
  pair: Pair,
  trades: readonly TradeRecord[],
  nowMs: number,
  equityQuote: number,
): RuleCheck[] {
  const checks: RuleCheck[] = [];
  if (!config.enabled) return checks;
  const closing = closingTradesUpTo(trades, nowMs);
  for (let p = 0; p < PROTECTIONS.length; p++) {
    const result = PROTECTIONS[p]!(config, pair, closing, nowMs, equityQuote);
    if (!result) continue;
    checks.push(result);
    if (!result.ok) break;
  }
  return checks;
}

function closingTradesUpTo(trades: readonly TradeRecord[], nowMs: number): TradeRecord[] {
  const out: TradeRecord[] = [];
  for (const t of trades) if (t.side === 'sell' && t.timestampMs <= nowMs) out.push(t);
  return out;
}

type Protection = (config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], nowMs: number, equityQuote: number) => RuleCheck | undefined;

/**
 * What a lock condition reads, and what it found at the trade that triggered it. One object per
 * check instead of a closure per check: the protections run for every entry signal of a backtest.
 */
interface LockContext {
  config: ProtectionsConfig;
  pair: Pair;
  trades: readonly TradeRecord[];
  equityQuote: number;
  /** Stop-outs (stop-loss guard), or trades (low-profit pair) counted at the triggering trade. */
  count: number;
  /** Drawdown (max drawdown) or profit fraction (low-profit pair) at the triggering trade. */
  value: number;
}

/**
 * The newest trade k (within the lock window) for which `triggers(ctx, k)` holds: the pair stays
 * locked until that trade's candle + `lockMs`. Checking every recent trade, not just the last,
 * keeps a lock in force after newer trades stop meeting the condition.
 */
function activeLock(
  ctx: LockContext,
  nowMs: number,
  lockMs: number,
  triggers: (ctx: LockContext, k: number) => boolean,
): { untilMs: number; trade: TradeRecord } | undefined {
  const trades = ctx.trades;
  for (let k = trades.length - 1; k >= 0; k--) {
    const t = trades[k]!;
    const untilMs = tradeCandleMs(t) + lockMs;
    if (untilMs <= nowMs) break;
    if (triggers(ctx, k)) return { untilMs, trade: t };
  }
  return undefined;
}

function lockContext(config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], equityQuote: number): LockContext {
  return { config, pair, trades, equityQuote, count: 0, value: 0 };
}

function lockFields(untilMs: number, nowMs: number): { lockedUntilMs: number; lockedUntilIso: string; remainingMinutes: number } {
  return { lockedUntilMs: untilMs, lockedUntilIso: new Date(untilMs).toISOString(), remainingMinutes: (untilMs - nowMs) / MINUTE_MS };
}

/** Cooldown trigger: any exit on the pair. */
function exitOnPair(ctx: LockContext, k: number): boolean {
  return ctx.trades[k]!.pair === ctx.pair;
}

/** Cooldown: after any exit on the pair, no entry on it for `cooldownMinutes`. */
function cooldown(config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], nowMs: number): RuleCheck | undefined {
  if (config.cooldownMinutes <= 0) return undefined;
  const lockMs = config.cooldownMinutes * MINUTE_MS;
  const lock = activeLock(lockContext(config, pair, trades, 0), nowMs, lockMs, exitOnPair);
  if (lock) {
    return failed('cooldown', `cooling down after the exit at ${new Date(lock.trade.timestampMs).toISOString()}`, {
      cooldownMinutes: config.cooldownMinutes,
      lastExitMs: lock.trade.timestampMs,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('cooldown', { cooldownMinutes: config.cooldownMinutes });
}

function isStopOut(t: TradeRecord): boolean {
  return t.reason === 'stop-loss' || (t.reason === 'trailing-stop' && (t.realizedPnlQuote ?? 0) < 0);
}

/** Stop-loss guard trigger: at least `maxStopLosses` stop-outs in scope within the lookback ending at trade k. */
function stopOutsReached(ctx: LockContext, k: number): boolean {
  const g = ctx.config.stopLossGuard;
  const trades = ctx.trades;
  const tk = trades[k]!;
  if (!(g.scope === 'all' || tk.pair === ctx.pair) || !isStopOut(tk)) return false;
  const end = tradeCandleMs(tk);
  const lookbackMs = g.lookbackMinutes * MINUTE_MS;
  let count = 0;
  for (let j = k; j >= 0 && tradeCandleMs(trades[j]!) > end - lookbackMs; j--) {
    const tj = trades[j]!;
    if ((g.scope === 'all' || tj.pair === ctx.pair) && isStopOut(tj)) count++;
  }
  ctx.count = count;
  return count >= g.maxStopLosses;
}

/** Stop-loss guard: `maxStopLosses` stop-outs within `lookbackMinutes` lock the pair (scope `pair`) or every pair (`all`). */
function stopLossGuard(config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], nowMs: number): RuleCheck | undefined {
  const g = config.stopLossGuard;
  if (!g.enabled) return undefined;
  const ctx = lockContext(config, pair, trades, 0);
  const lock = activeLock(ctx, nowMs, g.lockMinutes * MINUTE_MS, stopOutsReached);
  const base = { maxStopLosses: g.maxStopLosses, lookbackMinutes: g.lookbackMinutes, lockMinutes: g.lockMinutes, scope: g.scope };
  if (lock) {
    return failed('stoploss-guard', `${ctx.count} stop-outs within ${g.lookbackMinutes} minutes (${g.scope === 'all' ? 'all pairs' : 'this pair'})`, {
      ...base,
      stopOuts: ctx.count,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('stoploss-guard', base);
}

/** Entry cost plus entry fee behind a closing trade: proceeds − sell fee − realized P&L. */
function investedQuote(t: TradeRecord): number {
  return t.costQuote - t.feeQuote - (t.realizedPnlQuote ?? 0);
}

/** Max drawdown trigger: the realized drawdown over the lookback ending at trade k reaches the limit. */
function drawdownReached(ctx: LockContext, k: number): boolean {
  const m = ctx.config.maxDrawdown;
  const trades = ctx.trades;
  const lookbackMs = m.lookbackMinutes * MINUTE_MS;
  const end = tradeCandleMs(trades[k]!);
  let after = 0;
  for (let j = k + 1; j < trades.length; j++) after += trades[j]!.realizedPnlQuote ?? 0;
  let first = k;
  let windowPnl = 0;
  while (first >= 0 && tradeCandleMs(trades[first]!) > end - lookbackMs) {
    windowPnl += trades[first]!.realizedPnlQuote ?? 0;
    first--;
  }
  const count = k - first;
  if (count < m.minTrades) return false;
  let equity = ctx.equityQuote - after - windowPnl;
  let peak = equity;
  let dd = 0;
  for (let j = first + 1; j <= k; j++) {
    equity += trades[j]!.realizedPnlQuote ?? 0;
    if (equity > peak) peak = equity;
    if (peak > 0 && (peak - equity) / peak > dd) dd = (peak - equity) / peak;
  }
  ctx.value = dd;
  return dd >= m.maxDrawdownFraction;
}

/**
 * Max drawdown: realized drawdown (peak to trough of equity over closing trades within
 * `lookbackMinutes`) at or above `maxDrawdownFraction` locks every pair. Equity at a past trade
 * is today's equity minus the P&L realized since.
 */
function maxDrawdown(config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], nowMs: number, equityQuote: number): RuleCheck | undefined {
  const m = config.maxDrawdown;
  if (!m.enabled) return undefined;
  const ctx = lockContext(config, pair, trades, equityQuote);
  const lock = activeLock(ctx, nowMs, m.lockMinutes * MINUTE_MS, drawdownReached);
  const base = { maxDrawdownFraction: m.maxDrawdownFraction, lookbackMinutes: m.lookbackMinutes, lockMinutes: m.lockMinutes };
  if (lock) {
    return failed('max-drawdown', `realized drawdown ${(ctx.value * 100).toFixed(2)}% reached the limit ${(m.maxDrawdownFraction * 100).toFixed(2)}%`, {
      ...base,
      drawdownFraction: ctx.value,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('max-drawdown', base);
}

/** Low-profit trigger: the pair's trades within the lookback ending at trade k made too little. */
function lowProfitReached(ctx: LockContext, k: number): boolean {
  const l = ctx.config.lowProfitPair;
  const trades = ctx.trades;
  const pair = ctx.pair;
  const tk = trades[k]!;
  if (tk.pair !== pair) return false;
  const end = tradeCandleMs(tk);
  const lookbackMs = l.lookbackMinutes * MINUTE_MS;
  let count = 0;
  let pnl = 0;
  let invested = 0;
  for (let j = k; j >= 0 && tradeCandleMs(trades[j]!) > end - lookbackMs; j--) {
    const t = trades[j]!;
    if (t.pair !== pair) continue;
    count++;
    pnl += t.realizedPnlQuote ?? 0;
    invested += investedQuote(t);
  }
  if (count < l.minTrades || !(invested > 0)) return false;
  ctx.value = pnl / invested;
  ctx.count = count;
  return ctx.value < l.minProfitFraction;
}

/**
 * Low-profit pair: when the pair's closing trades within `lookbackMinutes` number at least
 * `minTrades` and their summed P&L over the amount invested is below `minProfitFraction`, the pair is locked.
 */
function lowProfitPair(config: ProtectionsConfig, pair: Pair, trades: readonly TradeRecord[], nowMs: number): RuleCheck | undefined {
  const l = config.lowProfitPair;
  if (!l.enabled) return undefined;
  const ctx = lockContext(config, pair, trades, 0);
  const lock = activeLock(ctx, nowMs, l.lockMinutes * MINUTE_MS, lowProfitReached);
  const base = { minTrades: l.minTrades, minProfitFraction: l.minProfitFraction, lookbackMinutes: l.lookbackMinutes, lockMinutes: l.lockMinutes };
  if (lock) {
    return failed('low-profit-pair', `the pair's last ${ctx.count} trades made ${(ctx.value * 100).toFixed(2)}%, below ${(l.minProfitFraction * 100).toFixed(2)}%`, {
      ...base,
      trades: ctx.count,
      profitFraction: ctx.value,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('low-profit-pair', base);
}

/** In the order they are checked. */
const PROTECTIONS: readonly Protection[] = [cooldown, stopLossGuard, maxDrawdown, lowProfitPair];

/** Longest history the protections read: lookback + lock of the widest one (the ledger lookback must cover it). */
export function protectionsHistoryMs(config: ProtectionsConfig): number {
  if (!config.enabled) return 0;
  const windows = [config.cooldownMinutes];
  if (config.stopLossGuard.enabled) windows.push(config.stopLossGuard.lookbackMinutes + config.stopLossGuard.lockMinutes);
  if (config.maxDrawdown.enabled) windows.push(config.maxDrawdown.lookbackMinutes + config.maxDrawdown.lockMinutes);
  if (config.lowProfitPair.enabled) windows.push(config.lowProfitPair.lookbackMinutes + config.lowProfitPair.lockMinutes);
  return Math.max(...windows) * MINUTE_MS;
}
