// Chaos suite: what must hold after any schedule of faults, crashes and duplicates, checked from the
// sandbox's own account (what Kraken did) against the table (what the bot recorded).
import type { BotConfig } from '../core/config.js';
import type { StorePort } from '../core/ports.js';
import type { MarginStorePort } from '../core/shorts/marginPorts.js';
import { utcDay } from '../core/utcDay.js';
import type { SandboxHandle } from '../sandbox/sandboxServer.js';

/** One broken promise, in words. */
export interface Violation {
  kind:
    | 'duplicate-execution'
    /** A clean tick's worker died: the run's books prove nothing (the harness, not the bot). */
    | 'clean-tick-died'
    | 'order-without-intent'
    | 'fill-not-settled'
    | 'fill-not-in-ledger'
    | 'ledger-mismatch'
    | 'ledger-without-fill'
    | 'pending-forever'
    | 'daily-cap-exceeded'
    | 'reservation-leak'
    | 'holdings-drift'
    | 'oversell'
    | 'owner-coins-sold'
    /** Shorts (docs/shorts.md): the recorded shorts and Kraken's margin positions disagree. */
    | 'short-books-drift'
    /** A recorded short without a stop above and a target below its entry. */
    | 'short-unstopped'
    /** A short bought back more than it sold (a second exit executed). */
    | 'short-double-exit'
    /** A margin order whose intent is not a margin intent, or a spot order settled as margin. */
    | 'margin-confused'
    /** A margin-exposure reservation held without its open short, or an open short without one. */
    | 'margin-reservation-leak';
  detail: string;
}

const MAX_MS = Date.UTC(9999, 0, 1);
const close = (a: number, b: number, relative = 1e-9) => Math.abs(a - b) <= Math.max(1e-10, relative * Math.max(Math.abs(a), Math.abs(b)));

/** The owner's coins are never sold: the account always holds at least them. */
export function ownerCoinsViolation(sandbox: SandboxHandle, owner: Record<string, number>, when: string): Violation | undefined {
  const balances = sandbox.getBalances();
  for (const [asset, amount] of Object.entries(owner)) {
    const held = balances[asset] ?? 0;
    if (held < amount - 1e-9) return { kind: 'owner-coins-sold', detail: `${when}: the account holds ${held} ${asset}, less than the owner's ${amount}` };
  }
  return undefined;
}

/** Every check of the books; empty when they agree with the sandbox. */
export async function checkBooks(args: { sandbox: SandboxHandle; store: StorePort & MarginStorePort; config: BotConfig; owner: Record<string, number> }): Promise<Violation[]> {
  const { sandbox, store, config, owner } = args;
  const mode = config.mode;
  const out: Violation[] = [];
  const v = (kind: Violation['kind'], detail: string) => out.push({ kind, detail });
  const executed = sandbox.orders().filter((o) => o.volumeBase > 0);

  // No decision executed twice: one executed order per client order id.
  const byId = new Map<string, typeof executed>();
  for (const o of executed) byId.set(o.clOrdId ?? `(none) ${o.txid}`, [...(byId.get(o.clOrdId ?? `(none) ${o.txid}`) ?? []), o]);
  for (const [id, orders] of byId) if (orders.length > 1) v('duplicate-execution', `${id}: ${orders.length} executed orders (${orders.map((o) => `${o.side} ${o.volumeBase} ${o.pair}`).join(', ')})`);

  // Every exchange fill is settled and in the ledger with its amount, cost and fee.
  const trades = await store.listTrades(mode, 0, MAX_MS);
  const rows = new Map(trades.filter((t) => t.exchangeOrderId !== '').map((t) => [t.clientOrderId, t]));
  const intents = new Map<string, Awaited<ReturnType<StorePort['getIntent']>>>();
  for (const [id, orders] of byId) {
    const o = orders[0]!;
    const intent = o.clOrdId ? await store.getIntent(mode, o.clOrdId) : undefined;
    intents.set(id, intent);
    if (!intent) {
      v('order-without-intent', `${o.side} ${o.volumeBase} ${o.pair} (${id}) has no order intent`);
      continue;
    }
    if (Boolean(o.margin) !== Boolean(intent.margin)) v('margin-confused', `${o.side} ${o.pair} ${id}: the exchange order is ${o.margin ? 'a margin' : 'a spot'} order, its intent ${intent.margin ? 'a margin' : 'a spot'} one`);
    if (intent.status !== 'FILLED') v('fill-not-settled', `${o.side} ${o.pair} ${id} executed ${o.volumeBase} but its intent is ${intent.status}`);
    const row = rows.get(id);
    if (!row) {
      v('fill-not-in-ledger', `${o.side} ${o.volumeBase} ${o.pair} (${id}) is not in the ledger`);
      continue;
    }
    if (!close(row.amountBase, o.volumeBase) || !close(row.costQuote, o.costQuote) || !close(row.feeQuote, o.feeQuote)) {
      v('ledger-mismatch', `${id}: ledger ${row.amountBase}/${row.costQuote}/${row.feeQuote}, exchange ${o.volumeBase}/${o.costQuote}/${o.feeQuote}`);
    }
  }
  for (const row of rows.values()) if (!byId.has(row.clientOrderId)) v('ledger-without-fill', `${row.side} ${row.amountBase} ${row.pair} (${row.clientOrderId}) has no executed order`);

  // No intent PENDING for ever (after the clean ticks).
  for (const i of await store.listPendingIntents(mode)) v('pending-forever', `${i.side} ${i.pair} ${i.reason} ${i.clientOrderId} still PENDING`);

  // Daily caps never exceeded; no reservation leaked.
  const entriesByDay = new Map<string, Map<string, number>>();
  for (const [id, orders] of byId) {
    const intent = intents.get(id);
    // Entries: spot buys, and margin sells (short entries reserve the same daily counters).
    if (!intent || orders[0]!.side !== (intent.margin ? 'sell' : 'buy') || (intent.reason !== 'entry' && intent.reason !== 'force-entry')) continue;
    const day = intent.reservedDay ?? utcDay(intent.createdAtMs);
    const perPair = entriesByDay.get(day) ?? new Map<string, number>();
    perPair.set(intent.pair, (perPair.get(intent.pair) ?? 0) + 1);
    entriesByDay.set(day, perPair);
  }
  for (const [day, perPair] of entriesByDay) {
    const total = [...perPair.values()].reduce((a, b) => a + b, 0);
    if (total > config.limits.maxTradesPerDay) v('daily-cap-exceeded', `${day}: ${total} entries executed, cap ${config.limits.maxTradesPerDay}`);
    for (const [pair, n] of perPair) if (n > config.limits.maxTradesPerPairPerDay) v('daily-cap-exceeded', `${day} ${pair}: ${n} entries executed, cap ${config.limits.maxTradesPerPairPerDay}`);
  }
  const days = new Set([...entriesByDay.keys(), ...trades.map((t) => utcDay(t.timestampMs)), utcDay(sandbox.nowMs())]);
  for (const day of days) {
    const counters = await store.getDay(mode, day);
    const held = Object.entries(counters.reservations).filter(([, r]) => r.state === 'held');
    for (const [id, r] of held) v('reservation-leak', `${day}: reservation ${id} (${r.pair}) still held after the clean ticks`);
    const executedEntries = [...(entriesByDay.get(day)?.values() ?? [])].reduce((a, b) => a + b, 0);
    if (counters.trades > executedEntries) v('reservation-leak', `${day}: ${counters.trades} entries counted, ${executedEntries} executed`);
  }

  // Positions equal the bot's share of what the account holds; no position sold beyond what it bought.
  const positions = await store.listPositions(mode);
  const holdings = new Map((await store.listHoldings(mode)).map((h) => [h.asset, h]));
  const balances = sandbox.getBalances();
  for (const pair of config.pairs) {
    const asset = pair.split('/')[0]!;
    const bot = positions.filter((p) => p.pair.startsWith(`${asset}/`)).reduce((s, p) => s + p.amountBase, 0);
    const own = (balances[asset] ?? 0) - (owner[asset] ?? 0) - (holdings.get(asset)?.dustBase ?? 0);
    if (Math.abs(own - bot) > 2e-8) v('holdings-drift', `${asset}: the account holds ${own} beyond the owner's coins and dust, the positions record ${bot}`);
  }
  const flows = new Map<string, { bought: number; sold: number }>();
  for (const t of trades) {
    if (!t.positionId) continue;
    // Margin rows are shorts: checked below with the sides the other way round.
    if ((await store.getIntent(mode, t.clientOrderId))?.margin) continue;
    const f = flows.get(t.positionId) ?? { bought: 0, sold: 0 };
    if (t.side === 'buy') f.bought += t.amountBase;
    else if (t.exchangeOrderId !== '') f.sold += t.amountBase;
    flows.set(t.positionId, f);
  }
  for (const [id, f] of flows) if (f.sold > f.bought + 1e-8) v('oversell', `position ${id}: sold ${f.sold}, bought ${f.bought}`);
  const owned = ownerCoinsViolation(sandbox, owner, 'at the end');
  if (owned) out.push(owned);
  if (config.shorts.enabled) out.push(...(await checkShortBooks(sandbox, store, config)));
  return out;
}

/** The shorts' books: recorded shorts against the sandbox's margin positions, stops, exits, reservations. */
async function checkShortBooks(sandbox: SandboxHandle, store: StorePort & MarginStorePort, config: BotConfig): Promise<Violation[]> {
  const mode = config.mode;
  const out: Violation[] = [];
  const v = (kind: Violation['kind'], detail: string) => out.push({ kind, detail });
  const shorts = await store.listShorts(mode);
  const onKraken = sandbox.marginPositions();
  for (const pair of config.pairs) {
    const bot = shorts.filter((s) => s.pair === pair).reduce((sum, s) => sum + s.amountBase, 0);
    const kraken = onKraken.filter((p) => p.pair === pair && p.side === 'sell').reduce((sum, p) => sum + p.volumeBase, 0);
    if (Math.abs(bot - kraken) > 2e-8) v('short-books-drift', `${pair}: Kraken shows a short of ${kraken}, the bot records ${bot}`);
  }
  for (const s of shorts) {
    if (!(s.stopPrice !== undefined && s.stopPrice > s.entryPrice) || !(s.takeProfitPrice !== undefined && s.takeProfitPrice < s.entryPrice)) {
      v('short-unstopped', `${s.pair} short ${s.entryClientOrderId}: entry ${s.entryPrice}, stop ${s.stopPrice}, target ${s.takeProfitPrice}`);
    }
  }
  const flows = new Map<string, { sold: number; bought: number }>();
  for (const t of await store.listTrades(mode, 0, MAX_MS)) {
    if (!t.positionId || t.exchangeOrderId === '' || !(await store.getIntent(mode, t.clientOrderId))?.margin) continue;
    const f = flows.get(t.positionId) ?? { sold: 0, bought: 0 };
    if (t.side === 'sell') f.sold += t.amountBase;
    else f.bought += t.amountBase;
    flows.set(t.positionId, f);
  }
  for (const [id, f] of flows) if (f.bought > f.sold + 1e-8) v('short-double-exit', `short ${id}: sold ${f.sold}, bought back ${f.bought}`);
  const exposure = await store.getMarginExposure(mode);
  const held = Object.entries(exposure.reservations).filter(([, r]) => r.state === 'held').map(([id]) => id);
  const open = new Set(shorts.map((s) => s.entryClientOrderId));
  for (const id of held) if (!open.has(id)) v('margin-reservation-leak', `margin reservation ${id} is held but no open short has it`);
  for (const id of open) if (!held.includes(id)) v('margin-reservation-leak', `short ${id} is open without its margin reservation`);
  return out;
}
