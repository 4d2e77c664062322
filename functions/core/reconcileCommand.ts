// Core domain: the operator's answer to a holdings mismatch (`kbot reconcile`). It runs inside a
// tick, after the tick compared Kraken's holdings with the positions, so it works on this minute's
// numbers. Each action is a conditional write, a ledger row and an audit record, keyed by the
// command's request id so a repeated request changes nothing twice.
import { bookkeepingIdFor } from './clientOrderId.js';
import type { TickCommand } from './commands.js';
import { floorAmountBase } from './engine/precision.js';
import type { DecisionEngine, PreparedSeries } from './engine/types.js';
import { mergeBuy, openPosition } from './positionLifecycle.js';
import type { LoggerPort, StorePort } from './ports.js';
import type { HoldingsCheck } from './tickResult.js';
import type { HoldingsRecord, MarketInfo, Mode, Pair, Position } from './types.js';

/** What `reconcile` did. */
export interface ReconcileReport {
  action: 'show' | 'adopt' | 'release' | 'accept';
  pair?: Pair;
  asset?: string;
  /** Every traded asset as this tick found it (before the action). */
  holdings: HoldingsCheck[];
  /** What changed, in words. */
  done?: string;
}

/** What the tick knows when the command runs. */
export interface ReconcileView {
  mode: Mode;
  nowMs: number;
  holdings: HoldingsCheck[];
  records: Map<string, HoldingsRecord>;
  positions: readonly Position[];
  assetOf(pair: Pair): string;
  market(pair: Pair): MarketInfo | undefined;
  price(pair: Pair): number | undefined;
  series(pair: Pair): PreparedSeries | undefined;
}

type Command = Extract<TickCommand, { command: 'reconcile' }>;

/** Runs one reconcile command; returns the report, or a refusal in words. */
export async function runReconcile(
  deps: { store: StorePort; engine: DecisionEngine; logger: LoggerPort },
  command: Command,
  view: ReconcileView,
): Promise<{ report: ReconcileReport; refused?: string }> {
  const report: ReconcileReport = { action: command.action, holdings: view.holdings };
  if (command.action === 'show') return { report };
  const pair = command.pair!;
  const asset = view.assetOf(pair);
  Object.assign(report, { pair, asset });
  const check = view.holdings.find((h) => h.asset === asset);
  if (!check) return { report, refused: `${pair} is not a traded pair (configured or with a position)` };
  if (check.status === 'skipped') return { report, refused: `${asset} cannot be compared now: ${check.detail ?? 'skipped'}` };
  const { store } = deps;
  const id = bookkeepingIdFor(view.mode, pair, `${command.action}:${command.requestId}`);
  const record = view.records.get(asset);
  const krakenBase = check.krakenBase ?? 0;
  const dustBase = check.dustBase ?? 0;
  const audit = (details: Record<string, unknown>) =>
    store.appendAudit({ mode: view.mode, atMs: view.nowMs, id, action: `reconcile-${command.action}`, actor: `operator:${command.requestId}`, details: { pair, asset, ...details } });
  const setExternal = async (externalBase: number, note: string): Promise<boolean> => {
    const next: HoldingsRecord = { ...(record ?? { mode: view.mode, asset, dustBase: 0, version: -1 }), externalBase, updatedAtMs: view.nowMs, note };
    return store.putHoldings(next, record?.version ?? -1);
  };

  if (command.action === 'accept') {
    const botBase = check.botBase;
    const externalBase = Math.max(0, round(krakenBase - dustBase - botBase));
    if (!(await setExternal(externalBase, `accepted by the operator (${command.requestId})`))) return { report, refused: `${asset} holdings changed meanwhile; run it again` };
    await audit({ before: check, externalBase });
    deps.logger.warn('reconcile: the difference is recorded as the owner\'s own coins', { asset, externalBase });
    return { report: { ...report, done: `${asset}: the owner's own coins are now ${externalBase} (was ${check.externalBase ?? 0})` } };
  }

  if (command.action === 'release') {
    const position = view.positions.find((p) => p.pair === pair);
    if (!position) return { report, refused: `no position in ${pair} to release` };
    const price = view.price(pair) ?? position.entryPrice;
    await store.appendTrade({
      mode: view.mode,
      clientOrderId: id,
      exchangeOrderId: '',
      pair,
      side: 'sell',
      reason: 'release',
      amountBase: position.amountBase,
      price,
      costQuote: 0,
      feeQuote: 0,
      timestampMs: view.nowMs,
      positionId: position.entryClientOrderId,
      closedPositionOrderIds: [...position.appliedOrderIds],
      note: `released by the operator (${command.requestId}): the bot no longer tracks these coins`,
    });
    if (!(await store.deletePosition(view.mode, pair, position.version))) return { report, refused: `the ${pair} position changed meanwhile; run it again` };
    // Whatever of the released amount Kraken still holds is the owner's from now on.
    const others = check.botBase - position.amountBase;
    await setExternal(Math.max(0, round(krakenBase - dustBase - others)), `position released by the operator (${command.requestId})`);
    await audit({ before: check, position });
    deps.logger.warn('reconcile: position record released', { pair, amountBase: position.amountBase });
    return { report: { ...report, done: `${pair}: position of ${position.amountBase} released; the bot no longer tracks it` } };
  }

  // adopt
  const diff = check.diffBase ?? 0;
  const market = view.market(pair);
  const price = view.price(pair);
  if (!(diff > 0)) return { report, refused: `nothing to adopt: Kraken holds no more ${asset} than the positions and the owner's recorded coins` };
  if (!market || !(price && price > 0)) return { report, refused: `${pair} has no market or price this tick` };
  const amountBase = floorAmountBase(diff, market);
  if (!(amountBase > 0)) return { report, refused: `the surplus ${diff} is below the market precision` };
  const fill = { filledBase: amountBase, costQuote: amountBase * price, feeQuote: 0, averagePrice: price };
  const existing = view.positions.find((p) => p.pair === pair);
  let position: Position;
  if (existing) {
    position = mergeBuy(existing, fill, id);
    if (!(await store.updatePosition(position, existing.version))) return { report, refused: `the ${pair} position changed meanwhile; run it again` };
  } else {
    const series = view.series(pair);
    const planned = series && deps.engine.planExits ? deps.engine.planExits(series, series.candles.length - 1) : undefined;
    if (!planned?.ok) return { report, refused: `no exit levels for ${pair}: ${planned ? planned.reason : 'no market data this tick'}` };
    position = openPosition({ mode: view.mode, pair, entryClientOrderId: id, plan: planned.plan, referencePrice: planned.referencePrice, fill, entryTimeMs: view.nowMs });
    if (!(await store.createPosition(position))) return { report, refused: `a ${pair} position appeared meanwhile; run it again` };
  }
  await store.appendTrade({
    mode: view.mode,
    clientOrderId: id,
    exchangeOrderId: '',
    pair,
    side: 'buy',
    reason: 'adopt',
    amountBase,
    price,
    costQuote: fill.costQuote,
    feeQuote: 0,
    timestampMs: view.nowMs,
    positionId: position.entryClientOrderId,
    note: `adopted by the operator (${command.requestId}) at the current price`,
  });
  await audit({ before: check, amountBase, price });
  deps.logger.warn('reconcile: holdings adopted into a position', { pair, amountBase, price });
  return { report: { ...report, done: `${pair}: adopted ${amountBase} ${asset} at ${price} into the bot's position` } };
}

function round(v: number): number {
  return Math.round(v * 1e12) / 1e12;
}
