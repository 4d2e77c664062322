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
  for (const check of [cooldown, stopLossGuard, maxDrawdown, lowProfitPair]) {
    const result = check(config, pair, closing, nowMs, equityQuote);
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
 * The newest trade k (within the lock window) for which `triggers(k)` holds: the pair stays
 * locked until that trade's candle + `lockMs`. Checking every recent trade, not just the last,
 * keeps a lock in force after newer trades stop meeting the condition.
 */
function activeLock(trades: readonly TradeRecord[], nowMs: number, lockMs: number, triggers: (k: number) => boolean): { untilMs: number; trade: TradeRecord } | undefined {
  for (let k = trades.length - 1; k >= 0; k--) {
    const t = trades[k]!;
    const untilMs = tradeCandleMs(t) + lockMs;
    if (untilMs <= nowMs) break;
    if (triggers(k)) return { untilMs, trade: t };
  }
  return undefined;
}

function lockFields(untilMs: number, nowMs: number): { lockedUntilMs: number; lockedUntilIso: string; remainingMinutes: number } {
  return { lockedUntilMs: untilMs, lockedUntilIso: new Date(untilMs).toISOString(), remainingMinutes: (untilMs - nowMs) / MINUTE_MS };
}

/** Cooldown: after any exit on the pair, no entry on it for `cooldownMinutes`. */
const cooldown: Protection = (config, pair, trades, nowMs) => {
  if (config.cooldownMinutes <= 0) return undefined;
  const lockMs = config.cooldownMinutes * MINUTE_MS;
  const lock = activeLock(trades, nowMs, lockMs, (k) => trades[k]!.pair === pair);
  if (lock) {
    return failed('cooldown', `cooling down after the exit at ${new Date(lock.trade.timestampMs).toISOString()}`, {
      cooldownMinutes: config.cooldownMinutes,
      lastExitMs: lock.trade.timestampMs,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('cooldown', { cooldownMinutes: config.cooldownMinutes });
};

function isStopOut(t: TradeRecord): boolean {
  return t.reason === 'stop-loss' || (t.reason === 'trailing-stop' && (t.realizedPnlQuote ?? 0) < 0);
}

/** Stop-loss guard: `maxStopLosses` stop-outs within `lookbackMinutes` lock the pair (scope `pair`) or every pair (`all`). */
const stopLossGuard: Protection = (config, pair, trades, nowMs) => {
  const g = config.stopLossGuard;
  if (!g.enabled) return undefined;
  const inScope = (t: TradeRecord): boolean => g.scope === 'all' || t.pair === pair;
  const lookbackMs = g.lookbackMinutes * MINUTE_MS;
  let countAtTrigger = 0;
  const lock = activeLock(trades, nowMs, g.lockMinutes * MINUTE_MS, (k) => {
    const tk = trades[k]!;
    if (!inScope(tk) || !isStopOut(tk)) return false;
    const end = tradeCandleMs(tk);
    let count = 0;
    for (let j = k; j >= 0 && tradeCandleMs(trades[j]!) > end - lookbackMs; j--) {
      if (inScope(trades[j]!) && isStopOut(trades[j]!)) count++;
    }
    countAtTrigger = count;
    return count >= g.maxStopLosses;
  });
  const base = { maxStopLosses: g.maxStopLosses, lookbackMinutes: g.lookbackMinutes, lockMinutes: g.lockMinutes, scope: g.scope };
  if (lock) {
    return failed('stoploss-guard', `${countAtTrigger} stop-outs within ${g.lookbackMinutes} minutes (${g.scope === 'all' ? 'all pairs' : 'this pair'})`, {
      ...base,
      stopOuts: countAtTrigger,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('stoploss-guard', base);
};

/** Entry cost plus entry fee behind a closing trade: proceeds − sell fee − realized P&L. */
function investedQuote(t: TradeRecord): number {
  return t.costQuote - t.feeQuote - (t.realizedPnlQuote ?? 0);
}

/**
 * Max drawdown: realized drawdown (peak to trough of equity over closing trades within
 * `lookbackMinutes`) at or above `maxDrawdownFraction` locks every pair. Equity at a past trade
 * is today's equity minus the P&L realized since.
 */
const maxDrawdown: Protection = (config, _pair, trades, nowMs, equityQuote) => {
  const m = config.maxDrawdown;
  if (!m.enabled) return undefined;
  const lookbackMs = m.lookbackMinutes * MINUTE_MS;
  let ddAtTrigger = 0;
  const lock = activeLock(trades, nowMs, m.lockMinutes * MINUTE_MS, (k) => {
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
    let equity = equityQuote - after - windowPnl;
    let peak = equity;
    let dd = 0;
    for (let j = first + 1; j <= k; j++) {
      equity += trades[j]!.realizedPnlQuote ?? 0;
      if (equity > peak) peak = equity;
      if (peak > 0 && (peak - equity) / peak > dd) dd = (peak - equity) / peak;
    }
    ddAtTrigger = dd;
    return dd >= m.maxDrawdownFraction;
  });
  const base = { maxDrawdownFraction: m.maxDrawdownFraction, lookbackMinutes: m.lookbackMinutes, lockMinutes: m.lockMinutes };
  if (lock) {
    return failed('max-drawdown', `realized drawdown ${(ddAtTrigger * 100).toFixed(2)}% reached the limit ${(m.maxDrawdownFraction * 100).toFixed(2)}%`, {
      ...base,
      drawdownFraction: ddAtTrigger,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('max-drawdown', base);
};

/**
 * Low-profit pair: when the pair's closing trades within `lookbackMinutes` number at least
 * `minTrades` and their summed P&L over the amount invested is below `minProfitFraction`, the pair is locked.
 */
const lowProfitPair: Protection = (config, pair, trades, nowMs) => {
  const l = config.lowProfitPair;
  if (!l.enabled) return undefined;
  const lookbackMs = l.lookbackMinutes * MINUTE_MS;
  let profitAtTrigger = 0;
  let countAtTrigger = 0;
  const lock = activeLock(trades, nowMs, l.lockMinutes * MINUTE_MS, (k) => {
    const tk = trades[k]!;
    if (tk.pair !== pair) return false;
    const end = tradeCandleMs(tk);
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
    profitAtTrigger = pnl / invested;
    countAtTrigger = count;
    return profitAtTrigger < l.minProfitFraction;
  });
  const base = { minTrades: l.minTrades, minProfitFraction: l.minProfitFraction, lookbackMinutes: l.lookbackMinutes, lockMinutes: l.lockMinutes };
  if (lock) {
    return failed('low-profit-pair', `the pair's last ${countAtTrigger} trades made ${(profitAtTrigger * 100).toFixed(2)}%, below ${(l.minProfitFraction * 100).toFixed(2)}%`, {
      ...base,
      trades: countAtTrigger,
      profitFraction: profitAtTrigger,
      ...lockFields(lock.untilMs, nowMs),
    });
  }
  return passed('low-profit-pair', base);
};

/** Longest history the protections read: lookback + lock of the widest one (the ledger lookback must cover it). */
export function protectionsHistoryMs(config: ProtectionsConfig): number {
  if (!config.enabled) return 0;
  const windows = [config.cooldownMinutes];
  if (config.stopLossGuard.enabled) windows.push(config.stopLossGuard.lookbackMinutes + config.stopLossGuard.lockMinutes);
  if (config.maxDrawdown.enabled) windows.push(config.maxDrawdown.lookbackMinutes + config.maxDrawdown.lockMinutes);
  if (config.lowProfitPair.enabled) windows.push(config.lowProfitPair.lookbackMinutes + config.lowProfitPair.lockMinutes);
  return Math.max(...windows) * MINUTE_MS;
}
