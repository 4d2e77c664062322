// Secondary adapter: StorePort in process memory, for backtests, unit tests and the demo. It keeps
// the DynamoDB store's conditional-write semantics (claims, versions, caps) exactly; every method
// does its check-and-set synchronously, so concurrent async callers interleave only between calls.
import type { JournalEntry } from '../../core/journal.js';
import type { UniverseRecord } from '../../core/universe/universeRecord.js';
import type { MarketSnapshot } from '../../core/market/marketSnapshot.js';
import type { ClaimResult, DailyLimits, IntentPatch, ModelPromotion, ReserveResult, SlotResult, StoredModel, StorePort } from '../../core/ports.js';
import type {
  AuditRecord,
  ControlState,
  DayCounters,
  EntryReservation,
  HoldingsRecord,
  Mode,
  OrderIntent,
  OrderSlot,
  Pair,
  Position,
  Side,
  TradeRecord,
  Wallet,
} from '../../core/types.js';
import type { MarginReserveResult, MarginStorePort } from '../../core/shorts/marginPorts.js';
import type { ShortPosition } from '../../core/shorts/shortPosition.js';
import { MAX_ISO_TIME_MS, copyPlain, emptyDay, isUnresolvedIntent, isoTime, lossLimitReached, reserveRefusal, tradeSortKey } from '../store/storeRules.js';

/** Float noise allowed over the margin-exposure cap (quote). */
const MARGIN_EPSILON = 1e-9;

interface TickClaim {
  status: 'IN_PROGRESS' | 'DONE';
  owner: string;
  leaseUntilMs: number;
}

interface LastTick {
  candleCloseIso: string;
  completedAtMs: number;
  summary: unknown;
}

interface DayState {
  trades: number;
  tradesByPair: Map<Pair, number>;
  exits: number;
  realizedPnlQuote: number;
  killSwitchTripped: boolean;
  /** Closing orders whose P&L is already counted (idempotency of recordRealizedPnl). */
  appliedOrders: Set<string>;
  reservations: Map<string, EntryReservation>;
}

interface StoredTrade {
  sortKey: string;
  trade: TradeRecord;
}

/** Per-mode state; paper and live never share a map. */
interface ModeState {
  ticks: Map<string, TickClaim>;
  lastTick?: LastTick;
  control?: ControlState;
  intents: Map<string, OrderIntent>;
  /** Ids of PENDING intents, so the per-tick pending scan does not walk a backtest's whole history. */
  pendingIntents: Set<string>;
  positions: Map<Pair, Position>;
  days: Map<string, DayState>;
  /** Keyed by client order id: the ledger is idempotent per order. */
  trades: Map<string, StoredTrade>;
  /** Keyed by `pair#side`. */
  slots: Map<string, OrderSlot>;
  holdings: Map<string, HoldingsRecord>;
  /** markOnce keys and when they expire. */
  once: Map<string, number>;
  audit: Map<string, AuditRecord>;
  /** Decision journal by candle close (ISO). */
  journal: Map<string, JournalEntry>;
  /** Learned filter models by content hash, and the promoted one. */
  models: Map<string, StoredModel>;
  promotedModel?: ModelPromotion;
  /** The universe of a universe configuration. */
  universe?: UniverseRecord;
  /** Market snapshots by candle close (ms). */
  snapshots: Map<number, { expiresAtMs: number; snapshots: MarketSnapshot[] }>;
}

/**
 * StorePort backed by plain Maps. Values are copied on the way in and out so callers can never
 * mutate stored state, exactly as with a remote store. TTLs are not modelled (nothing here lives
 * long enough for them to matter).
 */
export class MemoryStore implements StorePort, MarginStorePort {
  private readonly modes = new Map<Mode, ModeState>();
  private wallet: Wallet | undefined;

  async claimTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    const ticks = this.state(mode).ticks;
    const existing = ticks.get(candleCloseIso);
    if (existing) {
      if (existing.status === 'DONE') return { claimed: false, reason: 'already-claimed' };
      // Expired strictly before now (like DynamoDB's `#leaseUntil < :now`), or our own claim again
      // (the DynamoDB store accepts that so an SDK retry of its own put is not a refusal).
      if (!(existing.leaseUntilMs < nowMs) && existing.owner !== owner) return { claimed: false, reason: 'in-progress' };
    }
    ticks.set(candleCloseIso, { status: 'IN_PROGRESS', owner, leaseUntilMs: nowMs + leaseMs });
    return { claimed: true };
  }

  async completeTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, summary: unknown): Promise<void> {
    const state = this.state(mode);
    const claim = state.ticks.get(candleCloseIso);
    // A tick whose lease was taken over must not overwrite the new owner's record.
    if (!claim || claim.owner !== owner) return;
    claim.status = 'DONE';
    // Only the latest summary is readable through the port, so a backtest does not keep one per candle.
    // The last-tick pointer only moves forward, so a late completion of an older candle cannot hide a newer one.
    if (!state.lastTick || state.lastTick.candleCloseIso <= candleCloseIso) {
      state.lastTick = { candleCloseIso, completedAtMs: nowMs, summary: copyPlain(summary) };
    }
  }

  async getLastTick(mode: Mode): Promise<{ candleCloseIso: string; completedAtMs: number; summary: unknown } | undefined> {
    const last = this.state(mode).lastTick;
    return last ? { candleCloseIso: last.candleCloseIso, completedAtMs: last.completedAtMs, summary: copyPlain(last.summary) } : undefined;
  }

  async getControl(mode: Mode): Promise<ControlState> {
    const control = this.state(mode).control;
    return control ? copyPlain(control) : { halted: false, haltExits: false };
  }

  async setControl(mode: Mode, control: ControlState): Promise<void> {
    this.state(mode).control = copyPlain(control);
  }

  async createIntent(intent: OrderIntent): Promise<boolean> {
    const intents = this.state(intent.mode).intents;
    if (intents.has(intent.clientOrderId)) return false;
    intents.set(intent.clientOrderId, copyPlain(intent));
    if (intent.status === 'PENDING') this.state(intent.mode).pendingIntents.add(intent.clientOrderId);
    return true;
  }

  async getIntent(mode: Mode, clientOrderId: string): Promise<OrderIntent | undefined> {
    const intent = this.state(mode).intents.get(clientOrderId);
    return intent ? copyPlain(intent) : undefined;
  }

  async listPendingIntents(mode: Mode): Promise<OrderIntent[]> {
    const state = this.state(mode);
    const pending: OrderIntent[] = [];
    for (const clientOrderId of state.pendingIntents) {
      const intent = state.intents.get(clientOrderId);
      if (intent?.status === 'PENDING') pending.push(copyPlain(intent));
    }
    // Same order as a DynamoDB Query on the sort key.
    return pending.sort((a, b) => compareStrings(a.clientOrderId, b.clientOrderId));
  }

  async listUnresolvedIntents(mode: Mode, nowMs: number): Promise<OrderIntent[]> {
    const state = this.state(mode);
    const out: OrderIntent[] = [];
    for (const clientOrderId of state.pendingIntents) {
      const intent = state.intents.get(clientOrderId);
      if (intent && isUnresolvedIntent(intent, nowMs)) out.push(copyPlain(intent));
    }
    return out.sort((a, b) => compareStrings(a.clientOrderId, b.clientOrderId));
  }

  async transitionIntent(
    mode: Mode,
    clientOrderId: string,
    expected: OrderIntent['status'],
    patch: IntentPatch,
  ): Promise<boolean> {
    const state = this.state(mode);
    const intent = state.intents.get(clientOrderId);
    if (!intent || intent.status !== expected) return false;
    const updated: OrderIntent = { ...intent };
    for (const [key, value] of Object.entries(copyPlain(patch))) {
      if (value !== undefined) (updated as unknown as Record<string, unknown>)[key] = value;
    }
    state.intents.set(clientOrderId, updated);
    // Written-off intents stay in the index while they are re-checked.
    if (updated.status === 'PENDING' || (updated.status === 'FAILED' && updated.recheckUntilMs !== undefined)) state.pendingIntents.add(clientOrderId);
    else state.pendingIntents.delete(clientOrderId);
    return true;
  }

  async acquireOrderSlot(mode: Mode, slot: OrderSlot): Promise<SlotResult> {
    const slots = this.state(mode).slots;
    const key = slotKey(slot.pair, slot.side);
    const held = slots.get(key);
    if (held && held.clientOrderId !== slot.clientOrderId) return { acquired: false, holder: copyPlain(held) };
    if (!held) slots.set(key, copyPlain(slot));
    return { acquired: true };
  }

  async releaseOrderSlot(mode: Mode, pair: Pair, side: Side, clientOrderId: string): Promise<void> {
    const slots = this.state(mode).slots;
    const key = slotKey(pair, side);
    if (slots.get(key)?.clientOrderId === clientOrderId) slots.delete(key);
  }

  async listOrderSlots(mode: Mode): Promise<OrderSlot[]> {
    return [...this.state(mode).slots.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, s]) => copyPlain(s));
  }

  async getPosition(mode: Mode, pair: Pair): Promise<Position | undefined> {
    const position = this.state(mode).positions.get(pair);
    return position ? copyPlain(position) : undefined;
  }

  async listPositions(mode: Mode): Promise<Position[]> {
    const positions = [...this.state(mode).positions.values()].map((p) => copyPlain(p));
    return positions.sort((a, b) => compareStrings(a.pair, b.pair));
  }

  async createPosition(position: Position): Promise<boolean> {
    const positions = this.state(position.mode).positions;
    if (positions.has(position.pair)) return false;
    positions.set(position.pair, copyPlain(position));
    return true;
  }

  async updatePosition(position: Position, expectedVersion: number): Promise<boolean> {
    const positions = this.state(position.mode).positions;
    const stored = positions.get(position.pair);
    if (!stored || stored.version !== expectedVersion) return false;
    positions.set(position.pair, { ...copyPlain(position), version: expectedVersion + 1 });
    return true;
  }

  async deletePosition(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean> {
    const positions = this.state(mode).positions;
    const stored = positions.get(pair);
    if (!stored || stored.version !== expectedVersion) return false;
    positions.delete(pair);
    return true;
  }

  async reserveEntry(mode: Mode, day: string, pair: Pair, limits: DailyLimits, clientOrderId: string, nowMs: number): Promise<ReserveResult> {
    const days = this.state(mode).days;
    const state = days.get(day);
    const existing = state?.reservations.get(clientOrderId);
    if (existing) return existing.state === 'released' ? { reserved: false, reason: 'already-decided' } : { reserved: true };
    const refusal = reserveRefusal(
      {
        trades: state?.trades ?? 0,
        pairTrades: state?.tradesByPair.get(pair) ?? 0,
        killSwitchTripped: state?.killSwitchTripped ?? false,
      },
      limits,
    );
    if (refusal) return { reserved: false, reason: refusal };
    const target = state ?? this.newDay(days, day);
    target.trades += 1;
    target.tradesByPair.set(pair, (target.tradesByPair.get(pair) ?? 0) + 1);
    target.reservations.set(clientOrderId, { pair, atMs: nowMs, state: 'held' });
    return { reserved: true };
  }

  async releaseEntry(mode: Mode, day: string, pair: Pair, clientOrderId: string): Promise<void> {
    const state = this.state(mode).days.get(day);
    const reservation = state?.reservations.get(clientOrderId);
    if (!state || reservation?.state !== 'held') return;
    reservation.state = 'released';
    state.trades = Math.max(0, state.trades - 1);
    const pairTrades = state.tradesByPair.get(pair);
    if (pairTrades !== undefined) state.tradesByPair.set(pair, Math.max(0, pairTrades - 1));
  }

  async markEntryUsed(mode: Mode, day: string, clientOrderId: string): Promise<void> {
    const reservation = this.state(mode).days.get(day)?.reservations.get(clientOrderId);
    if (reservation?.state === 'held') reservation.state = 'used';
  }

  async recordRealizedPnl(
    mode: Mode,
    day: string,
    clientOrderId: string,
    pnlQuote: number,
    maxDailyLossQuote: number,
  ): Promise<{ day: DayCounters; tripped: boolean }> {
    const days = this.state(mode).days;
    const state = days.get(day) ?? this.newDay(days, day);
    if (!state.appliedOrders.has(clientOrderId)) {
      state.appliedOrders.add(clientOrderId);
      // Binary addition, where DynamoDB adds in decimal: sums may differ in the 16th digit.
      state.realizedPnlQuote += pnlQuote;
      state.exits += 1;
    }
    let tripped = false;
    if (!state.killSwitchTripped && lossLimitReached(state.realizedPnlQuote, maxDailyLossQuote)) {
      state.killSwitchTripped = true;
      tripped = true;
    }
    return { day: dayView(day, state), tripped };
  }

  async getDay(mode: Mode, day: string): Promise<DayCounters> {
    const state = this.state(mode).days.get(day);
    return state ? dayView(day, state) : emptyDay(day);
  }

  async appendTrade(trade: TradeRecord): Promise<void> {
    const trades = this.state(trade.mode).trades;
    // First append wins, like the DynamoDB store's per-order marker.
    if (trades.has(trade.clientOrderId)) return;
    trades.set(trade.clientOrderId, {
      sortKey: tradeSortKey(trade.timestampMs, trade.pair, trade.clientOrderId),
      trade: copyPlain(trade),
    });
  }

  async listTrades(mode: Mode, fromMs: number, toMs: number): Promise<TradeRecord[]> {
    const found: StoredTrade[] = [];
    for (const stored of this.state(mode).trades.values()) {
      if (stored.trade.timestampMs >= fromMs && stored.trade.timestampMs <= toMs) found.push(stored);
    }
    found.sort((a, b) => compareStrings(a.sortKey, b.sortKey));
    return found.map((stored) => copyPlain(stored.trade));
  }

  async listHoldings(mode: Mode): Promise<HoldingsRecord[]> {
    return [...this.state(mode).holdings.values()].map((h) => copyPlain(h)).sort((a, b) => compareStrings(a.asset, b.asset));
  }

  async putHoldings(record: HoldingsRecord, expectedVersion: number): Promise<boolean> {
    const holdings = this.state(record.mode).holdings;
    const stored = holdings.get(record.asset);
    if ((stored?.version ?? -1) !== expectedVersion) return false;
    holdings.set(record.asset, { ...copyPlain(record), version: expectedVersion + 1 });
    return true;
  }

  async markOnce(mode: Mode, key: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const once = this.state(mode).once;
    const until = once.get(key);
    if (until !== undefined && until > nowMs) return false;
    once.set(key, nowMs + ttlMs);
    return true;
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    const audit = this.state(record.mode).audit;
    if (!audit.has(record.id)) audit.set(record.id, copyPlain(record));
  }

  async listAudit(mode: Mode, fromMs: number, toMs: number): Promise<AuditRecord[]> {
    return [...this.state(mode).audit.values()]
      .filter((a) => a.atMs >= fromMs && a.atMs <= toMs)
      .sort((a, b) => a.atMs - b.atMs || compareStrings(a.id, b.id))
      .map((a) => copyPlain(a));
  }

  async getWallet(): Promise<Wallet | undefined> {
    return this.wallet ? copyPlain(this.wallet) : undefined;
  }

  async putWallet(balances: Record<string, number>, expectedVersion: number): Promise<boolean> {
    const currentVersion = this.wallet ? this.wallet.version : -1;
    if (currentVersion !== expectedVersion) return false;
    this.wallet = { balances: copyPlain(balances), version: expectedVersion + 1 };
    return true;
  }

  async putJournal(entry: JournalEntry): Promise<void> {
    // TTLs are kept to the second, as DynamoDB's are.
    const stored = copyPlain(entry);
    if (stored.expiresAtMs !== undefined) stored.expiresAtMs = Math.floor(stored.expiresAtMs / 1000) * 1000;
    this.state(entry.mode).journal.set(entry.candleCloseIso, stored);
  }

  async listJournal(mode: Mode, fromMs: number, toMs: number, options: { limit?: number; newestFirst?: boolean } = {}): Promise<JournalEntry[]> {
    const from = isoOrUndefined(fromMs);
    const to = isoOrUndefined(toMs);
    if (from === undefined || to === undefined || from > to) return [];
    const found = [...this.state(mode).journal.values()].filter((e) => e.candleCloseIso >= from && e.candleCloseIso <= to);
    found.sort((a, b) => compareStrings(a.candleCloseIso, b.candleCloseIso));
    if (options.newestFirst) found.reverse();
    return (options.limit !== undefined ? found.slice(0, Math.max(0, options.limit)) : found).map((e) => copyPlain(e));
  }

  async putModel(model: StoredModel): Promise<void> {
    const models = this.state(model.mode).models;
    if (!models.has(model.contentHash)) models.set(model.contentHash, copyPlain(model));
  }

  async getModel(mode: Mode, contentHash: string): Promise<StoredModel | undefined> {
    const found = this.state(mode).models.get(contentHash);
    return found ? copyPlain(found) : undefined;
  }

  async putSnapshots(mode: Mode, closeMs: number, snapshots: readonly MarketSnapshot[], expiresAtMs: number): Promise<void> {
    this.state(mode).snapshots.set(closeMs, { expiresAtMs, snapshots: copyPlain([...snapshots]) });
  }

  async listSnapshots(mode: Mode, fromMs: number, toMs: number): Promise<MarketSnapshot[]> {
    const found = [...this.state(mode).snapshots.entries()].filter(([closeMs]) => closeMs >= fromMs && closeMs <= toMs).sort((a, b) => a[0] - b[0]);
    return found.flatMap(([, v]) => copyPlain(v.snapshots));
  }

  async getUniverse(mode: Mode): Promise<UniverseRecord | undefined> {
    const found = this.state(mode).universe;
    return found ? copyPlain(found) : undefined;
  }

  async putUniverse(record: UniverseRecord): Promise<void> {
    this.state(record.mode).universe = copyPlain(record);
  }

  async getPromotedModel(mode: Mode): Promise<ModelPromotion | undefined> {
    const found = this.state(mode).promotedModel;
    return found ? copyPlain(found) : undefined;
  }

  async promoteModel(promotion: ModelPromotion, expectedCurrentHash: string | null): Promise<boolean> {
    const state = this.state(promotion.mode);
    if ((state.promotedModel?.contentHash ?? null) !== expectedCurrentHash) return false;
    state.promotedModel = copyPlain(promotion);
    return true;
  }

  // Margin shorts (docs/shorts.md): short positions and the margin-exposure counter, by mode.
  private readonly marginBooks = new Map<Mode, { shorts: Map<Pair, ShortPosition>; exposureQuote: number; reservations: Map<string, { pair: Pair; notionalQuote: number; atMs: number; state: 'held' | 'released' }> }>();

  private marginBook(mode: Mode) {
    let book = this.marginBooks.get(mode);
    if (!book) {
      book = { shorts: new Map(), exposureQuote: 0, reservations: new Map() };
      this.marginBooks.set(mode, book);
    }
    return book;
  }

  async getShort(mode: Mode, pair: Pair): Promise<ShortPosition | undefined> {
    const p = this.marginBook(mode).shorts.get(pair);
    return p ? copyPlain(p) : undefined;
  }

  async listShorts(mode: Mode): Promise<ShortPosition[]> {
    return [...this.marginBook(mode).shorts.values()].map((p) => copyPlain(p));
  }

  async createShort(position: ShortPosition): Promise<boolean> {
    const shorts = this.marginBook(position.mode).shorts;
    if (shorts.has(position.pair)) return false;
    shorts.set(position.pair, copyPlain(position));
    return true;
  }

  async updateShort(position: ShortPosition, expectedVersion: number): Promise<boolean> {
    const shorts = this.marginBook(position.mode).shorts;
    if (shorts.get(position.pair)?.version !== expectedVersion) return false;
    shorts.set(position.pair, copyPlain({ ...position, version: expectedVersion + 1 }));
    return true;
  }

  async deleteShort(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean> {
    const shorts = this.marginBook(mode).shorts;
    if (shorts.get(pair)?.version !== expectedVersion) return false;
    shorts.delete(pair);
    return true;
  }

  async reserveMargin(mode: Mode, clientOrderId: string, pair: Pair, notionalQuote: number, capQuote: number, nowMs: number): Promise<MarginReserveResult> {
    const book = this.marginBook(mode);
    const existing = book.reservations.get(clientOrderId);
    if (existing) return existing.state === 'held' ? { reserved: true } : { reserved: false, reason: 'already-decided', exposureQuote: book.exposureQuote };
    if (!(notionalQuote > 0) || book.exposureQuote + notionalQuote > capQuote + MARGIN_EPSILON) return { reserved: false, reason: 'exposure-cap', exposureQuote: book.exposureQuote };
    book.exposureQuote += notionalQuote;
    book.reservations.set(clientOrderId, { pair, notionalQuote, atMs: nowMs, state: 'held' });
    return { reserved: true };
  }

  async releaseMargin(mode: Mode, clientOrderId: string): Promise<void> {
    const book = this.marginBook(mode);
    const r = book.reservations.get(clientOrderId);
    if (r?.state !== 'held') return;
    r.state = 'released';
    book.exposureQuote = Math.max(0, book.exposureQuote - r.notionalQuote);
  }

  async getMarginExposure(mode: Mode): Promise<{ exposureQuote: number; reservations: Record<string, { pair: Pair; notionalQuote: number; atMs: number; state: 'held' | 'released' }> }> {
    const book = this.marginBook(mode);
    return { exposureQuote: book.exposureQuote, reservations: Object.fromEntries([...book.reservations].map(([k, v]) => [k, { ...v }])) };
  }

  private state(mode: Mode): ModeState {
    let state = this.modes.get(mode);
    if (!state) {
      state = {
        ticks: new Map(),
        intents: new Map(),
        pendingIntents: new Set(),
        positions: new Map(),
        days: new Map(),
        trades: new Map(),
        slots: new Map(),
        holdings: new Map(),
        once: new Map(),
        audit: new Map(),
        journal: new Map(),
        snapshots: new Map(),
        models: new Map(),
      };
      this.modes.set(mode, state);
    }
    return state;
  }

  private newDay(days: Map<string, DayState>, day: string): DayState {
    const state: DayState = {
      trades: 0,
      tradesByPair: new Map(),
      exits: 0,
      realizedPnlQuote: 0,
      killSwitchTripped: false,
      appliedOrders: new Set(),
      reservations: new Map(),
    };
    days.set(day, state);
    return state;
  }
}

function dayView(day: string, state: DayState): DayCounters {
  return {
    day,
    trades: state.trades,
    tradesByPair: Object.fromEntries(state.tradesByPair),
    exits: state.exits,
    realizedPnlQuote: state.realizedPnlQuote,
    killSwitchTripped: state.killSwitchTripped,
    reservations: Object.fromEntries([...state.reservations].map(([id, r]) => [id, { ...r }])),
  };
}

function slotKey(pair: Pair, side: Side): string {
  return `${pair}#${side}`;
}

/** Code-unit order, which matches DynamoDB's byte order for the ASCII keys used here. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The ISO form of a time within the range ISO strings sort correctly in, clamped; undefined when invalid. */
function isoOrUndefined(ms: number): string | undefined {
  if (Number.isNaN(ms)) return undefined;
  return isoTime(Math.min(Math.max(ms, 0), MAX_ISO_TIME_MS));
}
