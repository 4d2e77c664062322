// Core domain: the order protocol (DESIGN.md): one order in flight per pair, intent before send,
// deterministic client order id, Kraken's deadline on every order, lookup after any ambiguous
// failure, no blind retry, settlement from final statuses only, replies checked before anything is
// recorded, idempotent settlement, write-offs re-checked for a day.
import {
  formatExitAlert,
  formatFillAlert,
  formatKillSwitchAlert,
  formatRejectionAlert,
  formatReplyInvalidAlert,
  formatWriteOffAlert,
  formatWriteOffRefusedAlert,
  formatAuthAlert,
} from './alertText.js';
import { clientOrderIdFor } from './clientOrderId.js';
import { checkOrderReply, isFinalOrderStatus } from './orderReply.js';
import { applySellFill, mergeBuy, openPosition } from './positionLifecycle.js';
import { ExchangeError, type AlertsPort, type ClockPort, type DailyLimits, type ExchangePort, type LoggerPort, type MetricsPort, type StorePort } from './ports.js';
import { utcDay } from './utcDay.js';
import type { OrderOutcome, ReconcileOutcome } from './tickResult.js';
import { ONE_DAY_MS, ONE_HOUR_MS, type EntryPlan, type ExchangeOrder, type IntentStatus, type Mode, type OrderIntent, type OrderReason, type Pair, type TradeRecord } from './types.js';

/** Dependencies of the order protocol. */
export interface OrderDeps {
  mode: Mode;
  exchange: ExchangePort;
  store: StorePort;
  alerts: AlertsPort;
  clock: ClockPort;
  logger: LoggerPort;
  metrics: MetricsPort;
  /** Realized daily loss that trips the kill switch. */
  maxDailyLossQuote: number;
  /** Live `validateOnly`: send with Kraken's validate flag, nothing executes. */
  validateOnly: boolean;
  /** Wait before looking an order up after an ambiguous failure (the exchange needs a moment). */
  lookupDelayMs?: number;
  /**
   * For orders sent without a deadline (the paper exchange): a PENDING intent younger than this is
   * never written off (its sender may still be running).
   */
  pendingGraceMs?: number;
  /** Kraken's `deadline` is set this far after sending (Kraken accepts 2 s to 60 s). */
  deadlineMs?: number;
  /** After the deadline, an order nobody can see is written off only after this margin (ClosedOrders can lag). */
  writeOffMarginMs?: number;
  /** A slot whose holder wrote no intent (a crash between the two writes) is freed after this. */
  orphanSlotMs?: number;
}

/** How `reconcile` may conclude. */
export interface ReconcileOptions {
  /** Whether an intent nobody can find after its deadline may be written off (FAILED). */
  allowFail: boolean;
  /**
   * Asked before a write-off: why the account's balance says the order may have executed after all
   * (undefined: nothing moved, go ahead). Without it a write-off needs no balance evidence.
   */
  writeOffCheck?: (intent: OrderIntent) => Promise<string | undefined>;
}

/** One order to place. */
export type OrderPlan =
  | {
      side: 'buy';
      pair: Pair;
      reason: OrderReason;
      decidedOn: string;
      costQuote: number;
      entryPlan: EntryPlan;
      referencePrice: number;
      /** Entries reserve one of the day's trades, atomically, before the intent is written. */
      reserve?: { day: string; limits: DailyLimits };
    }
  | { side: 'sell'; pair: Pair; reason: OrderReason; decidedOn: string; amountBase: number; positionId: string };

/** Kraken's deadline after sending; the engine rejects an order it could not process by then. */
const DEFAULT_DEADLINE_MS = 30_000;
const DEFAULT_WRITE_OFF_MARGIN_MS = 120_000;
/** Lookups that found nothing before a write-off: two, by two different ticks at the least. */
const WRITE_OFF_LOOKUPS = 2;
/** Written-off intents are looked up again for a day: every tick for the first hour, then hourly. */
const RECHECK_WINDOW_MS = ONE_DAY_MS;
const RECHECK_HOURLY_AFTER_MS = ONE_HOUR_MS;
/** Alert markers for bad replies live this long (one alert per order). */
const ALERT_ONCE_TTL_MS = 2 * ONE_DAY_MS;

type OutcomeBase = Pick<OrderOutcome, 'clientOrderId' | 'pair' | 'side' | 'reason'>;

/** Runs the order protocol for one decision and reconciles pending intents. */
export class OrderExecutor {
  private readonly lookupDelayMs: number;
  private readonly pendingGraceMs: number;
  private readonly deadlineMs: number;
  private readonly writeOffMarginMs: number;
  private readonly orphanSlotMs: number;

  constructor(private readonly deps: OrderDeps) {
    this.lookupDelayMs = deps.lookupDelayMs ?? 1_500;
    this.pendingGraceMs = deps.pendingGraceMs ?? 60_000;
    this.deadlineMs = deps.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.writeOffMarginMs = deps.writeOffMarginMs ?? DEFAULT_WRITE_OFF_MARGIN_MS;
    this.orphanSlotMs = deps.orphanSlotMs ?? 5 * 60_000;
  }

  /** The client order id a plan would carry. */
  idFor(plan: Pick<OrderPlan, 'pair' | 'side' | 'reason' | 'decidedOn'>): string {
    return clientOrderIdFor({ mode: this.deps.mode, pair: plan.pair, side: plan.side, reason: plan.reason, decidedOn: plan.decidedOn });
  }

  /**
   * Places one market order exactly once for a decision:
   * 1. take the (pair, side) order slot (one order in flight per pair and side: a second exit of a
   *    position, or an entry while another buy is unresolved, finds the holder and is not sent);
   * 2. entries reserve one of the day's trades, keyed by the client order id;
   * 3. write the intent (if it exists, the decision was taken already: reconcile, never re-send);
   * 4. send with Kraken's deadline; 5. record the reply only if it adds up and is final.
   */
  async place(decided: OrderPlan, candleCloseIso: string): Promise<OrderOutcome> {
    let plan = decided;
    const { mode, store, clock } = this.deps;
    const clientOrderId = this.idFor(plan);
    const base: OutcomeBase = { clientOrderId, pair: plan.pair, side: plan.side, reason: plan.reason };

    const slot = await this.takeSlot(plan.pair, clientOrderId, plan.side);
    if (slot) return { ...base, status: 'in-flight', error: slot };
    // The decision was taken on positions read earlier; another order may have changed them since
    // (a flatten beside a stop-loss, a force-entry beside an entry). With the slot held, look again.
    const stale = await this.staleDecision(plan, clientOrderId);
    if (stale !== undefined) {
      await store.releaseOrderSlot(mode, plan.pair, plan.side, clientOrderId);
      return { ...base, status: 'in-flight', error: stale };
    }
    if (plan.side === 'sell') {
      const current = await store.getPosition(mode, plan.pair);
      if (current && current.amountBase < plan.amountBase) plan = { ...plan, amountBase: current.amountBase };
    }

    const nowMs = clock.nowMs();
    if (plan.side === 'buy' && plan.reserve) {
      const r = await store.reserveEntry(mode, plan.reserve.day, plan.pair, plan.reserve.limits, clientOrderId, nowMs);
      if (!r.reserved) {
        // already-decided: this decision's reservation was given back because its order did not execute.
        const existing = r.reason === 'already-decided' ? await store.getIntent(mode, clientOrderId) : undefined;
        if (existing) return this.alreadyDecided(existing, base);
        await store.releaseOrderSlot(mode, plan.pair, plan.side, clientOrderId);
        return { ...base, status: 'refused', refusal: r.reason, error: limitText(r.reason) };
      }
    }

    const intent: OrderIntent = {
      mode,
      clientOrderId,
      pair: plan.pair,
      side: plan.side,
      reason: plan.reason,
      candleCloseIso,
      status: 'PENDING',
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
      ...(this.deps.validateOnly ? {} : { deadlineMs: nowMs + this.deadlineMs }),
      ...(plan.side === 'buy'
        ? { costQuote: plan.costQuote, entryPlan: plan.entryPlan, referencePrice: plan.referencePrice, ...(plan.reserve ? { reservedDay: plan.reserve.day } : {}) }
        : { amountBase: plan.amountBase, positionId: plan.positionId }),
    };

    if (!(await store.createIntent(intent))) {
      // Someone already took this decision: never send twice.
      const existing = await store.getIntent(mode, clientOrderId);
      if (existing) return this.alreadyDecided(existing, base);
      throw new Error(`order intent ${clientOrderId} exists but cannot be read`);
    }

    let order: ExchangeOrder;
    try {
      order = await this.deps.exchange.placeMarketOrder(
        plan.side === 'buy'
          ? { side: 'buy', pair: plan.pair, clientOrderId, costQuote: plan.costQuote, validateOnly: this.deps.validateOnly, ...deadline(intent) }
          : { side: 'sell', pair: plan.pair, clientOrderId, amountBase: plan.amountBase, validateOnly: this.deps.validateOnly, ...deadline(intent) },
      );
    } catch (err) {
      return this.afterSendFailure(intent, err, base);
    }

    if (order.status === 'validated') {
      await this.finishUnexecuted(intent, 'FAILED', 'validate-only: checked by the exchange, not executed');
      return { ...base, status: 'validated' };
    }
    const recorded = await this.record(intent, order);
    return recorded.outcome;
  }

  /**
   * Why a decision no longer fits the position it was taken on, or undefined when it does: a sell's
   * position is gone or is another one; an entry's pair has a position now. An intent already written
   * for this very decision is not stale (it is reconciled below).
   */
  private async staleDecision(plan: OrderPlan, clientOrderId: string): Promise<string | undefined> {
    const { store, mode } = this.deps;
    if (await store.getIntent(mode, clientOrderId)) return undefined;
    const current = await store.getPosition(mode, plan.pair);
    if (plan.side === 'sell') {
      if (!current || current.entryClientOrderId !== plan.positionId) return `the ${plan.pair} position this exit was decided for is closed or replaced; nothing sent`;
      return undefined;
    }
    if ((plan.reason === 'entry' || plan.reason === 'force-entry') && current) return `a ${plan.pair} position was opened meanwhile; nothing sent`;
    return undefined;
  }

  /** A decision taken before (a repeat, a crash-restart): reconcile its intent, never send again. */
  private async alreadyDecided(existing: OrderIntent, base: OutcomeBase): Promise<OrderOutcome> {
    this.deps.logger.warn('order intent already exists; reconciling instead of sending', { clientOrderId: existing.clientOrderId, status: existing.status });
    if (existing.status === 'PENDING') {
      const rec = await this.reconcile(existing, { allowFail: false });
      return { ...base, status: 'already-decided', ...(rec.detail ? { error: rec.detail } : {}) };
    }
    await this.freeSlot(existing);
    return { ...base, status: 'already-decided', ...fillFields(existing.fill) };
  }

  /**
   * Takes the pair's slot. Returns undefined when taken, else why not. A holder left behind by a
   * crash (its intent final, or never written) is cleared first.
   */
  private async takeSlot(pair: Pair, clientOrderId: string, side: OrderIntent['side']): Promise<string | undefined> {
    const { store, mode, clock } = this.deps;
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await store.acquireOrderSlot(mode, { pair, clientOrderId, side, atMs: clock.nowMs() });
      if (r.acquired) return undefined;
      const holder = r.holder;
      const held = await store.getIntent(mode, holder.clientOrderId);
      // A holder whose intent is final, or that never wrote one (crashed between the two writes), is stale.
      const stale = held ? held.status !== 'PENDING' : clock.nowMs() - holder.atMs >= this.orphanSlotMs;
      if (!stale) {
        const what = held ? `${held.side} ${held.reason} ${held.clientOrderId} is ${held.status}` : `${holder.side} ${holder.clientOrderId} is being placed`;
        return `another ${side} order on ${pair} is not final yet (${what})`;
      }
      this.deps.logger.warn('freeing an order slot left behind', { pair, holder: holder.clientOrderId, intent: held?.status ?? 'none' });
      await store.releaseOrderSlot(mode, pair, side, holder.clientOrderId);
    }
    return `the order slot of ${pair} kept changing`;
  }

  private async freeSlot(intent: Pick<OrderIntent, 'pair' | 'side' | 'clientOrderId'>): Promise<void> {
    await this.deps.store.releaseOrderSlot(this.deps.mode, intent.pair, intent.side, intent.clientOrderId);
  }

  /** Decides what a failed send means: definite refusal (record, alert, release) or ambiguity (look up). */
  private async afterSendFailure(intent: OrderIntent, err: unknown, base: OutcomeBase): Promise<OrderOutcome> {
    const { logger, metrics, alerts } = this.deps;
    const definite = err instanceof ExchangeError && err.kind !== 'ambiguous';
    const text = err instanceof ExchangeError ? (err.exchangeMessage ?? err.message) : String((err as Error)?.message ?? err);
    if (definite) {
      const kind = (err as ExchangeError).kind;
      await this.finishUnexecuted(intent, kind === 'rejected' ? 'REJECTED' : 'FAILED', text);
      metrics.add('OrdersRejected', 'Count', 1);
      logger.warn('order refused by the exchange', { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, kind, error: text });
      if (kind === 'auth') {
        metrics.add('AuthErrors', 'Count', 1);
        await alerts.send(formatAuthAlert(intent.mode, text));
      } else {
        await alerts.send(formatRejectionAlert(intent, text));
      }
      return { ...base, status: 'rejected', error: text };
    }
    // Ambiguous: the order may have executed. Look it up; never re-send blindly.
    logger.warn('order outcome unknown; looking it up by client order id', { clientOrderId: intent.clientOrderId, error: text });
    await this.deps.clock.sleep(this.lookupDelayMs);
    const rec = await this.reconcile(intent, { allowFail: false });
    if (rec.result === 'filled') {
      const settled = await this.deps.store.getIntent(intent.mode, intent.clientOrderId);
      return { ...base, status: 'filled', ...fillFields(settled?.fill), error: text };
    }
    if (rec.result === 'rejected') return { ...base, status: 'rejected', error: rec.detail ?? text };
    if (rec.result === 'failed') return { ...base, status: 'failed', error: `${text}; ${rec.detail ?? ''}` };
    return { ...base, status: 'pending', error: `${text}; ${rec.detail ?? 'left for the next tick to reconcile'}` };
  }

  /**
   * Reconciles an unresolved intent with the exchange. PENDING: record the fill if the order is
   * final and its report adds up; write it off when the exchange still has no such order after its
   * deadline plus a margin (and `allowFail`); otherwise leave it PENDING. FAILED (written off): look
   * again, on a schedule, for a day.
   */
  async reconcile(intent: OrderIntent, opts: ReconcileOptions = { allowFail: true }): Promise<ReconcileOutcome> {
    if (intent.status === 'FAILED') return this.recheck(intent);
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side } as const;
    let found: ExchangeOrder | undefined;
    try {
      found = await this.deps.exchange.findOrderByClientId(intent.pair, intent.clientOrderId, intent.createdAtMs - 60_000);
    } catch (err) {
      return { ...base, result: 'still-pending', detail: `lookup failed: ${(err as Error).message}` };
    }
    if (!found) {
      const nowMs = this.deps.clock.nowMs();
      const lookups = (intent.lookups ?? 0) + 1;
      await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', { lookups, updatedAtMs: nowMs });
      if (opts.allowFail && lookups >= WRITE_OFF_LOOKUPS && nowMs >= this.writeOffAfterMs(intent)) {
        const refused = opts.writeOffCheck ? await opts.writeOffCheck(intent) : undefined;
        if (refused !== undefined) return this.refuseWriteOff({ ...intent, lookups }, refused);
        await this.writeOff({ ...intent, lookups });
        return { ...base, result: 'written-off', detail: 'not found on the exchange after its deadline; nothing executed (re-checked for 24 h)' };
      }
      return { ...base, result: 'still-pending', detail: 'not found on the exchange yet' };
    }
    const r = await this.record(intent, found);
    return { ...base, result: r.result, ...(r.outcome.error ? { detail: r.outcome.error } : {}) };
  }

  /** When a PENDING intent nobody can see may be written off. */
  private writeOffAfterMs(intent: OrderIntent): number {
    return intent.deadlineMs !== undefined ? intent.deadlineMs + this.writeOffMarginMs : intent.createdAtMs + this.pendingGraceMs;
  }

  /**
   * A write-off the balance contradicts: the intent stays PENDING (its slot and reservation held,
   * so no second exit or entry on that side), is looked up again every tick, and the owner is
   * alerted once.
   */
  private async refuseWriteOff(intent: OrderIntent, why: string): Promise<ReconcileOutcome> {
    const nowMs = this.deps.clock.nowMs();
    this.deps.logger.error('order not found after its deadline, but not written off', { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, lookups: intent.lookups, why });
    if (await this.deps.store.markOnce(intent.mode, `writeoff-refused#${intent.clientOrderId}`, nowMs, ALERT_ONCE_TTL_MS)) {
      await this.deps.alerts.send(formatWriteOffRefusedAlert(intent, why));
    }
    return { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, result: 'still-pending', detail: `not found on the exchange after its deadline, not written off: ${why}` };
  }

  /** FAILED with a day of re-checks: the reservation and the slot are freed, the owner is alerted. */
  private async writeOff(intent: OrderIntent): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    const detail = `${intent.side} ${intent.pair} (${intent.reason}) was not found on the exchange after ${intent.lookups ?? 0} lookups and its deadline`;
    const moved = await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', {
      status: 'FAILED',
      error: 'written off: the exchange has no order with this client order id after its deadline',
      writtenOffAtMs: nowMs,
      recheckUntilMs: nowMs + RECHECK_WINDOW_MS,
      recheckedAtMs: nowMs,
      updatedAtMs: nowMs,
    });
    if (!moved) return;
    await this.releaseReservation(intent);
    await this.freeSlot(intent);
    this.deps.metrics.add('WriteOffs', 'Count', 1);
    this.deps.logger.warn('order intent written off', { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, lookups: intent.lookups });
    await this.deps.alerts.send(formatWriteOffAlert(intent, detail));
  }

  /** Looks a written-off intent up again; if the order appeared, its fill is recorded after all. */
  private async recheck(intent: OrderIntent): Promise<ReconcileOutcome> {
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side } as const;
    const nowMs = this.deps.clock.nowMs();
    const since = intent.recheckedAtMs ?? intent.writtenOffAtMs ?? intent.updatedAtMs;
    const age = nowMs - (intent.writtenOffAtMs ?? intent.updatedAtMs);
    const interval = age < RECHECK_HOURLY_AFTER_MS ? 0 : ONE_HOUR_MS;
    if (nowMs - since < interval) return { ...base, result: 'written-off', detail: 'next re-check later' };
    let found: ExchangeOrder | undefined;
    try {
      found = await this.deps.exchange.findOrderByClientId(intent.pair, intent.clientOrderId, intent.createdAtMs - 60_000);
    } catch (err) {
      return { ...base, result: 'written-off', detail: `re-check failed: ${(err as Error).message}` };
    }
    if (!found) {
      await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'FAILED', { recheckedAtMs: nowMs });
      return { ...base, result: 'written-off', detail: 'still not on the exchange' };
    }
    this.deps.logger.error('a written-off order appeared on the exchange', { clientOrderId: intent.clientOrderId, status: found.status, filledBase: found.filledBase });
    await this.deps.alerts.send(formatWriteOffAlert(intent, `Order ${found.exchangeOrderId} is ${found.status} with ${found.filledBase} filled.`, true));
    if (!isFinalOrderStatus(found.status)) {
      // Alive after all: back to PENDING, with the pair's slot, until it is final.
      await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'FAILED', {
        status: 'PENDING',
        observed: observedOf(found, nowMs),
        updatedAtMs: nowMs,
      });
      await this.deps.store.acquireOrderSlot(intent.mode, { pair: intent.pair, clientOrderId: intent.clientOrderId, side: intent.side, atMs: nowMs });
      return { ...base, result: 'reappeared', detail: `order ${found.exchangeOrderId} is ${found.status}` };
    }
    if (found.filledBase <= 0) {
      await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'FAILED', { recheckUntilMs: nowMs, updatedAtMs: nowMs });
      return { ...base, result: 'written-off', detail: `order ${found.exchangeOrderId} ${found.status} with nothing filled` };
    }
    const r = await this.record(intent, found);
    return { ...base, result: r.result === 'filled' ? 'reappeared' : r.result, ...(r.outcome.error ? { detail: r.outcome.error } : {}) };
  }

  /**
   * Records an order the exchange reported: only a report that adds up, only from a final status.
   * Anything else leaves the intent as it is (PENDING) for the next reconcile.
   */
  private async record(intent: OrderIntent, order: ExchangeOrder): Promise<{ result: ReconcileOutcome['result']; outcome: OrderOutcome }> {
    const base: OutcomeBase = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, reason: intent.reason };
    const nowMs = this.deps.clock.nowMs();
    const check = checkOrderReply(intent, order);
    if (!check.ok) {
      this.deps.logger.error('exchange reply does not add up; nothing recorded', { clientOrderId: intent.clientOrderId, problem: check.problem, reply: order });
      this.deps.metrics.add('RepliesInvalid', 'Count', 1);
      if (await this.deps.store.markOnce(intent.mode, `reply#${intent.clientOrderId}`, nowMs, ALERT_ONCE_TTL_MS)) {
        await this.deps.alerts.send(formatReplyInvalidAlert(intent, check.problem));
      }
      return { result: 'still-pending', outcome: { ...base, status: 'pending', error: `reply not recorded: ${check.problem}` } };
    }
    if (!isFinalOrderStatus(order.status)) {
      if (intent.status === 'PENDING') {
        await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', { observed: observedOf(order, nowMs), updatedAtMs: nowMs });
      }
      const detail = `order ${order.exchangeOrderId} is ${order.status}${order.filledBase > 0 ? ` with ${order.filledBase} filled so far` : ''}; settled when final`;
      return { result: 'still-pending', outcome: { ...base, status: 'pending', error: detail } };
    }
    if (order.filledBase <= 0) {
      await this.finishUnexecuted(intent, 'FAILED', `order ${order.exchangeOrderId} ${order.status} with nothing filled`);
      return { result: 'failed', outcome: { ...base, status: 'failed', error: `order ${order.status} unfilled` } };
    }
    const outcome = await this.settle(intent, order);
    return { result: 'filled', outcome };
  }

  /** Marks an unexecuted intent final, gives back its daily reservation and frees the pair's slot. */
  private async finishUnexecuted(intent: OrderIntent, status: 'REJECTED' | 'FAILED', error: string): Promise<void> {
    const moved = await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', {
      status,
      error,
      updatedAtMs: this.deps.clock.nowMs(),
    });
    if (moved) await this.releaseReservation(intent);
    await this.freeSlot(intent);
  }

  private async releaseReservation(intent: OrderIntent): Promise<void> {
    if (intent.reservedDay) await this.deps.store.releaseEntry(intent.mode, intent.reservedDay, intent.pair, intent.clientOrderId);
  }

  /**
   * Records a final fill. Every step is idempotent (trade ledger keyed by the order, P&L applied once
   * per order, the position remembers applied order ids, the intent moves to FILLED last), so a
   * crash at any point is repaired by running this again from reconcile. Call it only with a final
   * order whose report passed `checkOrderReply`.
   */
  async settle(intent: OrderIntent, order: ExchangeOrder): Promise<OrderOutcome> {
    const { store, mode } = this.deps;
    const base: OutcomeBase = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, reason: intent.reason };
    // The intent's creation time, not the exchange's timestamp: it is identical on every retry, so
    // the ledger key and the P&L day stay the same however often settlement is repeated.
    const fillTimeMs = intent.createdAtMs;
    const trade: TradeRecord = {
      mode,
      clientOrderId: intent.clientOrderId,
      exchangeOrderId: order.exchangeOrderId,
      pair: intent.pair,
      side: intent.side,
      reason: intent.reason,
      amountBase: order.filledBase,
      price: order.averagePrice,
      costQuote: order.costQuote,
      feeQuote: order.feeQuote,
      timestampMs: fillTimeMs,
      // The decision behind the fill: the key of its tick's journal record.
      candleCloseIso: intent.candleCloseIso,
    };

    let realizedPnlQuote: number | undefined;
    if (intent.side === 'buy') {
      const positionId = await this.applyBuy(intent, order, fillTimeMs);
      await store.appendTrade({ ...trade, ...(positionId ? { positionId } : {}), ...(intent.entryPlan?.entryFeatures ? { entryFeatures: intent.entryPlan.entryFeatures } : {}) });
    } else {
      realizedPnlQuote = await this.applySell(intent, order, trade, fillTimeMs);
    }
    const from: IntentStatus = intent.status === 'FAILED' ? 'FAILED' : 'PENDING';
    const moved = await store.transitionIntent(mode, intent.clientOrderId, from, {
      status: 'FILLED',
      fill: order,
      updatedAtMs: this.deps.clock.nowMs(),
    });
    if (intent.reservedDay) await store.markEntryUsed(mode, intent.reservedDay, intent.clientOrderId);
    await this.freeSlot(intent);
    if (moved) {
      this.deps.metrics.add('OrdersFilled', 'Count', 1);
      this.deps.logger.info('order filled', {
        clientOrderId: intent.clientOrderId,
        pair: intent.pair,
        side: intent.side,
        reason: intent.reason,
        amountBase: order.filledBase,
        averagePrice: order.averagePrice,
        feeQuote: order.feeQuote,
        realizedPnlQuote,
      });
      await this.deps.alerts.send(
        intent.side === 'sell' && realizedPnlQuote !== undefined ? formatExitAlert(intent, order, realizedPnlQuote) : formatFillAlert(intent, order),
      );
    }
    return { ...base, status: 'filled', ...fillFields(order), ...(realizedPnlQuote !== undefined ? { realizedPnlQuote } : {}) };
  }

  /**
   * Opens (or, for a late fill, merges into) the pair's position. Returns the position's id, or
   * undefined when the buy belongs to a position that was opened and closed already (a crash before
   * the intent became FILLED, then the position sold): that is never re-created.
   */
  private async applyBuy(intent: OrderIntent, order: ExchangeOrder, fillTimeMs: number): Promise<string | undefined> {
    const { store, mode } = this.deps;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.getPosition(mode, intent.pair);
      if (current?.appliedOrderIds.includes(intent.clientOrderId)) return current.entryClientOrderId;
      if (await this.closedAlready(intent)) {
        this.deps.logger.warn('buy already settled into a position that has since closed; not re-creating it', { clientOrderId: intent.clientOrderId, pair: intent.pair });
        return intent.clientOrderId;
      }
      if (!current) {
        const position = openPosition({
          mode,
          pair: intent.pair,
          entryClientOrderId: intent.clientOrderId,
          plan: intent.entryPlan ?? { strategy: intent.reason },
          referencePrice: intent.referencePrice ?? order.averagePrice,
          fill: order,
          entryTimeMs: fillTimeMs,
        });
        if (await store.createPosition(position)) return position.entryClientOrderId;
        continue; // lost a race: re-read and merge
      }
      // A late fill (a written-off buy that appeared) joins the position at the average price.
      if (await store.updatePosition(mergeBuy(current, order, intent.clientOrderId), current.version)) return current.entryClientOrderId;
    }
    throw new Error(`could not apply buy ${intent.clientOrderId} to position ${intent.pair}: too much contention`);
  }

  /** Whether a ledger row closed a position that this buy was part of. */
  private async closedAlready(intent: OrderIntent): Promise<boolean> {
    const trades = await this.deps.store.listTrades(this.deps.mode, intent.createdAtMs, this.deps.clock.nowMs() + ONE_DAY_MS);
    return trades.some((t) => t.closedPositionOrderIds?.includes(intent.clientOrderId));
  }

  /**
   * Applies a sell to the position it was decided for; returns the realized P&L (net of entry and
   * exit fees). A sell whose position is gone (or is another position now) is still recorded in the
   * ledger, without P&L, and the holdings check will show the difference.
   */
  private async applySell(intent: OrderIntent, order: ExchangeOrder, trade: TradeRecord, fillTimeMs: number): Promise<number | undefined> {
    const { store, mode } = this.deps;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.getPosition(mode, intent.pair);
      const belongs = current !== undefined && (intent.positionId === undefined || current.entryClientOrderId === intent.positionId);
      if (!current || !belongs || current.appliedOrderIds.includes(intent.clientOrderId)) {
        // Applied already (a repeat after a crash) or nothing to apply to: the ledger row is enough.
        const existing = await this.findTrade(intent, fillTimeMs);
        if (!existing) {
          if (!belongs) this.deps.logger.error('sell filled but its position is gone; recorded in the ledger only', { clientOrderId: intent.clientOrderId, pair: intent.pair });
          await store.appendTrade({ ...trade, ...(intent.positionId ? { positionId: intent.positionId } : {}) });
        }
        return existing?.realizedPnlQuote;
      }
      const outcome = applySellFill(current, order, intent.clientOrderId);
      const row: TradeRecord = {
        ...trade,
        realizedPnlQuote: outcome.realizedPnlQuote,
        positionId: current.entryClientOrderId,
        ...(outcome.position ? {} : { closedPositionOrderIds: [...current.appliedOrderIds, intent.clientOrderId] }),
        ...(current.entryFeatures ? { entryFeatures: current.entryFeatures } : {}),
      };
      // Ledger and daily P&L first (both idempotent per order), so a crash after this point is
      // repaired by re-running settle with the same numbers.
      await store.appendTrade(row);
      await this.recordPnl(intent.clientOrderId, fillTimeMs, outcome.realizedPnlQuote);
      const ok = outcome.position ? await store.updatePosition(outcome.position, current.version) : await store.deletePosition(mode, intent.pair, current.version);
      if (ok) return outcome.realizedPnlQuote;
    }
    throw new Error(`could not apply sell ${intent.clientOrderId} to position ${intent.pair}: too much contention`);
  }

  /** Adds realized P&L to its UTC day once per id; trips the kill switch (alert once). */
  async recordPnl(id: string, timeMs: number, pnlQuote: number): Promise<void> {
    const { store, mode } = this.deps;
    const day = utcDay(timeMs);
    const { tripped } = await store.recordRealizedPnl(mode, day, id, pnlQuote, this.deps.maxDailyLossQuote);
    this.deps.metrics.add('RealizedPnlQuote', 'None', pnlQuote);
    if (tripped) {
      this.deps.metrics.add('KillSwitchTripped', 'Count', 1);
      this.deps.logger.error('daily loss kill switch tripped: entries halted for the rest of the UTC day', { day });
      await this.deps.alerts.send(formatKillSwitchAlert(mode, day, this.deps.maxDailyLossQuote));
    }
  }

  /** The ledger entry of an order already settled (to report its P&L after a crash-restart). */
  private async findTrade(intent: OrderIntent, fillTimeMs: number): Promise<TradeRecord | undefined> {
    const trades = await this.deps.store.listTrades(this.deps.mode, fillTimeMs - 1, fillTimeMs + 1);
    return trades.find((t) => t.clientOrderId === intent.clientOrderId);
  }
}

function deadline(intent: OrderIntent): { deadlineMs?: number } {
  return intent.deadlineMs !== undefined ? { deadlineMs: intent.deadlineMs } : {};
}

function observedOf(order: ExchangeOrder, atMs: number): NonNullable<OrderIntent['observed']> {
  return { status: order.status, filledBase: order.filledBase, exchangeOrderId: order.exchangeOrderId, atMs };
}

function fillFields(order: ExchangeOrder | undefined): Partial<OrderOutcome> {
  if (!order) return {};
  return { amountBase: order.filledBase, price: order.averagePrice, costQuote: order.costQuote, feeQuote: order.feeQuote };
}

/** Words for a refused reservation. */
export function limitText(reason: 'daily-trade-cap' | 'pair-trade-cap' | 'kill-switch' | 'already-decided'): string {
  switch (reason) {
    case 'daily-trade-cap':
      return 'daily trade cap reached';
    case 'pair-trade-cap':
      return 'daily trade cap for this pair reached';
    case 'kill-switch':
      return 'daily loss kill switch tripped';
    case 'already-decided':
      return 'this decision was already taken';
  }
}
