// Trade analyzer: where the closed trades come from. A bot's ledger (the deployed table, the local
// paper bot's dynalite, any StorePort) or the JSON `kbot backtest --json` prints; both become the
// core's ClosedTrades for `analyzeTrades`.
import { readFile } from 'node:fs/promises';
import { analyzeTrades, closedTradesFromLedger, type Analysis, type ClosedTrade } from '../core/analyzer.js';
import type { StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import type { BacktestTrade } from '../backtest/backtestResult.js';

/** A backtest's trades as closed trades (its entry features carry the regime and the hour). */
export function closedTradesFromBacktest(trades: readonly BacktestTrade[]): ClosedTrade[] {
  return trades.map((t) => ({
    pair: t.pair,
    strategy: t.strategy,
    entryTimeMs: t.entryTimeMs,
    exitTimeMs: t.exitTimeMs,
    netPnlQuote: t.netPnlQuote,
    returnFraction: t.returnFraction,
    exitReason: t.exitReason,
    ...(t.entryFeatures ? { entryFeatures: t.entryFeatures } : {}),
  }));
}

/** Reads `kbot backtest --json` output (`{ summary, trades, fills }`) and analyses its trades. */
export async function analyzeBacktestFile(path: string): Promise<Analysis> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path} as kbot backtest --json output: ${(err as Error).message}`);
  }
  const trades = (parsed as { trades?: unknown }).trades;
  if (!Array.isArray(trades)) throw new Error(`${path} has no "trades" list: expected the output of kbot backtest --json`);
  return analyzeTrades(closedTradesFromBacktest(trades as BacktestTrade[]), `backtest ${path}`);
}

/** Analyses a bot's ledger for `mode` between `fromMs` and `toMs` (the buys that opened the positions are read from the start). */
export async function analyzeLedger(store: Pick<StorePort, 'listTrades'>, mode: Mode, range: { fromMs: number; toMs: number }, label: string): Promise<Analysis> {
  const rows = await store.listTrades(mode, 0, range.toMs);
  const closed = closedTradesFromLedger(rows).filter((t) => t.exitTimeMs >= range.fromMs);
  return analyzeTrades(closed, `${label} ${mode} ledger`);
}
