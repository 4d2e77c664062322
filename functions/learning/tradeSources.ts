// Learning: where closed trades come from: `kbot backtest --json` output, or a bot's ledger (the
// deployed table, the local paper bot's dynalite, any StorePort), read as `kbot analyze` reads them.
import { readFile } from 'node:fs/promises';
import { closedTradesFromLedger, type ClosedTrade } from '../core/analyzer.js';
import type { StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import { closedTradesFromBacktest } from '../analyzer/analyzerSources.js';
import type { BacktestTrade } from '../backtest/backtestResult.js';

/** The trades of `kbot backtest --json` output. */
export async function backtestFileTrades(path: string): Promise<ClosedTrade[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${path} as kbot backtest --json output: ${(err as Error).message}`);
  }
  const trades = (parsed as { trades?: unknown }).trades;
  if (!Array.isArray(trades)) throw new Error(`${path} has no "trades" list: expected the output of kbot backtest --json`);
  return closedTradesFromBacktest(trades as BacktestTrade[]);
}

/** The closed trades of a ledger up to `toMs` (the buys that opened them read from the start). */
export async function ledgerTrades(store: Pick<StorePort, 'listTrades'>, mode: Mode, toMs: number): Promise<ClosedTrade[]> {
  return closedTradesFromLedger(await store.listTrades(mode, 0, toMs));
}
