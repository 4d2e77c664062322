// Core domain: the order protocol for margin shorts, the spot protocol's rules on a slot of its
// own: deterministic cl_ord_id (decided on `margin:<candle>`), a (pair@margin, side) slot that no
// spot order shares, the day's entry and the margin exposure reserved atomically before the intent,
// the intent before the send, Kraken's deadline, lookup after any ambiguous failure, settlement
// from final statuses only and into short positions only. A short exit is a reduce-only buy.
import { formatFillAlert, formatKillSwitchAlert, formatRejectionAlert, formatReplyInvalidAlert, formatWriteOffAlert } from '../alertText.js';
import { clientOrderIdFor } from '../clientOrderId.js';
import { checkOrderReply, isFinalOrderStatus } from '../orderReply.js';
import { ExchangeError, type AlertsPort, type ClockPort, type DailyLimits, type ExchangePort, type LoggerPort, type MetricsPort, type StorePort } from '../ports.js';
import type { OrderOutcome, ReconcileOutcome } from '../tickResult.js';
import { ONE_DAY_MS, type ExchangeOrder, type Mode, type OrderIntent, type OrderReason, type Pair, type ShortPlan } from '../types.js';
import { utcDay } from '../utcDay.js';
import type { MarginExchangePort, MarginStorePort } from './marginPorts.js';
import { applyShortClose, openShort } from './shortPosition.js';
import { KRAKEN_ORDER_LEVERAGE, SHORT_LEVERAGE_HARD_CAP } from './shortsConfig.js';

/** The order slot of a pair's margin side: never the spot slot, so a spot sell and a short exit cannot block or stand in for each other. */
export function marginSlotPair(pair: Pair): string {
  return `${pair}@margin`;
}

/** Dependencies of the short order protocol. */
export interface ShortOrderDeps {
  mode: Mode;
  exchange: Pick<ExchangePort, 'findOrderByClientId'>;
  margin: MarginExchangePort;
  store: StorePort & MarginStorePort;
  alerts: AlertsPort;
  clock: ClockPort;
  logger: LoggerPort;
  metrics: MetricsPort;
  maxDailyLossQuote: number;
  validateOnly: boolean;
  lookupDelayMs?: number;
  deadlineMs?: number;
  writeOffMarginMs?: number;
  orphanSlotMs?: number;
}

/** One margin order to place. */
export type ShortOrderPlan =
  | { side: 'sell'; pair: Pair; reason: OrderReason; decidedOn: string; amountBase: number; notionalQuote: number; capQuote: number; plan: ShortPlan; referencePrice: number; reserve: { day: string; limits: DailyLimits } }
  | { side: 'buy'; pair: Pair; reason: OrderReason; decidedOn: string; amountBase: number; positionId: string };

const WRITE_OFF_LOOKUPS = 2;
const RECHECK_WINDOW_MS = ONE_DAY_MS;

/** Runs the order protocol for margin orders and reconciles their intents. */
export class ShortOrderExecutor {
  constructor(private readonly deps: ShortOrderDeps) {}

  idFor(plan: Pick<ShortOrderPlan, 'pair' | 'side' | 'reason' | 'decidedOn'>): string {
    return clientOrderIdFor({ mode: this.deps.mode, pair: plan.pair, side: plan.side, reason: plan.reason, decidedOn: `margin:${plan.decidedOn}` });
  }

  async place(decided: ShortOrderPlan, candleCloseIso: string): Promise<OrderOutcome> {
    const { mode, store, clock } = this.deps;
    let plan = decided;
    const clientOrderId = this.idFor(plan);
    const base = { clientOrderId, pair: plan.pair, side: plan.side, reason: plan.reason } as const;
    const slotBusy = await this.takeSlot(plan.pair, plan.side, clientOrderId);
    if (slotBusy) return { ...base, status: 'in-flight', error: slotBusy };
    const existing = await store.getIntent(mode, clientOrderId);
    if (existing) return this.alreadyDecided(existing, base);
    const short = await store.getShort(mode, plan.pair);
    if (plan.side === 'sell' && short) return this.refuse(base, plan, `a ${plan.pair} short is open already; nothing sent`, 'in-flight');
    if (plan.side === 'buy') {
      if (!short || short.entryClientOrderId !== plan.positionId) return this.refuse(base, plan, `the ${plan.pair} short this exit was decided for is closed or replaced; nothing sent`, 'in-flight');
      if (short.amountBase < plan.amountBase) plan = { ...plan, amountBase: short.amountBase };
    }
    const nowMs = clock.nowMs();
    if (plan.side === 'sell') {
      const day = await store.reserveEntry(mode, plan.reserve.day, plan.pair, plan.reserve.limits, clientOrderId, nowMs);
      if (!day.reserved) return this.refuse(base, plan, day.reason === 'kill-switch' ? 'daily loss kill switch tripped' : `daily limit: ${day.reason}`, 'refused', day.reason);
      const m = await store.reserveMargin(mode, clientOrderId, plan.pair, plan.notionalQuote, plan.capQuote, nowMs);
      if (!m.reserved) {
        await store.releaseEntry(mode, plan.reserve.day, plan.pair, clientOrderId);
        return this.refuse(base, plan, `margin exposure cap: ${m.exposureQuote.toFixed(2)} reserved, ${plan.notionalQuote.toFixed(2)} more would pass ${plan.capQuote.toFixed(2)}`, 'refused');
      }
    }
    const leverage = KRAKEN_ORDER_LEVERAGE;
    if (leverage > SHORT_LEVERAGE_HARD_CAP) throw new Error('margin leverage above the hard cap');
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
      amountBase: plan.amountBase,
      ...(this.deps.validateOnly ? {} : { deadlineMs: nowMs + (this.deps.deadlineMs ?? 30_000) }),
      ...(plan.side === 'sell'
        ? { referencePrice: plan.referencePrice, reservedDay: plan.reserve.day, margin: { leverage, reduceOnly: false, notionalQuote: plan.notionalQuote, shortPlan: plan.plan } }
        : { positionId: plan.positionId, margin: { leverage, reduceOnly: true } }),
    };
    if (!(await store.createIntent(intent))) {
      const again = await store.getIntent(mode, clientOrderId);
      if (again) return this.alreadyDecided(again, base);
      throw new Error(`margin intent ${clientOrderId} exists but cannot be read`);
    }
    let order: ExchangeOrder;
    try {
      order = await this.deps.margin.placeMarginOrder({
        side: plan.side,
        pair: plan.pair,
        clientOrderId,
        amountBase: plan.amountBase,
        leverage,
        reduceOnly: plan.side === 'buy',
        validateOnly: this.deps.validateOnly,
        ...(intent.deadlineMs !== undefined ? { deadlineMs: intent.deadlineMs } : {}),
      });
    } catch (err) {
      return this.afterSendFailure(intent, err, base);
    }
    if (order.status === 'validated') {
      await this.finishUnexecuted(intent, 'FAILED', 'validate-only: checked by the exchange, not executed');
      return { ...base, status: 'validated' };
    }
    return (await this.record(intent, order)).outcome;
  }

  private async refuse(base: Pick<OrderOutcome, 'clientOrderId' | 'pair' | 'side' | 'reason'>, plan: ShortOrderPlan, error: string, status: 'in-flight' | 'refused', refusal?: OrderOutcome['refusal']): Promise<OrderOutcome> {
    await this.deps.store.releaseOrderSlot(this.deps.mode, marginSlotPair(plan.pair), plan.side, base.clientOrderId);
    return { ...base, status, error, ...(refusal ? { refusal } : {}) };
  }

  private async alreadyDecided(existing: OrderIntent, base: Pick<OrderOutcome, 'clientOrderId' | 'pair' | 'side' | 'reason'>): Promise<OrderOutcome> {
    if (existing.status === 'PENDING') {
      const rec = await this.reconcile(existing, { allowFail: false });
      return { ...base, status: 'already-decided', ...(rec.detail ? { error: rec.detail } : {}) };
    }
    await this.freeSlot(existing);
    return { ...base, status: 'already-decided' };
  }

  private async takeSlot(pair: Pair, side: 'buy' | 'sell', clientOrderId: string): Promise<string | undefined> {
    const { store, mode, clock } = this.deps;
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await store.acquireOrderSlot(mode, { pair: marginSlotPair(pair), clientOrderId, side, atMs: clock.nowMs() });
      if (r.acquired) return undefined;
      const held = await store.getIntent(mode, r.holder.clientOrderId);
      const stale = held ? held.status !== 'PENDING' : clock.nowMs() - r.holder.atMs >= (this.deps.orphanSlotMs ?? 5 * 60_000);
      if (!stale) return `another margin ${side} on ${pair} is not final yet (${held ? `${held.reason} ${held.clientOrderId} is ${held.status}` : `${r.holder.clientOrderId} is being placed`})`;
      await store.releaseOrderSlot(mode, marginSlotPair(pair), side, r.holder.clientOrderId);
    }
    return `the margin order slot of ${pair} kept changing`;
  }

  private async freeSlot(intent: Pick<OrderIntent, 'pair' | 'side' | 'clientOrderId'>): Promise<void> {
    await this.deps.store.releaseOrderSlot(this.deps.mode, marginSlotPair(intent.pair), intent.side, intent.clientOrderId);
  }

  private async afterSendFailure(intent: OrderIntent, err: unknown, base: Pick<OrderOutcome, 'clientOrderId' | 'pair' | 'side' | 'reason'>): Promise<OrderOutcome> {
    const text = err instanceof ExchangeError ? (err.exchangeMessage ?? err.message) : String((err as Error)?.message ?? err);
    if (err instanceof ExchangeError && err.kind !== 'ambiguous') {
      await this.finishUnexecuted(intent, err.kind === 'rejected' ? 'REJECTED' : 'FAILED', text);
      this.deps.metrics.add('OrdersRejected', 'Count', 1);
      await this.deps.alerts.send(formatRejectionAlert(intent, `margin order: ${text}`));
      return { ...base, status: 'rejected', error: text };
    }
    // Ambiguous: the short may have opened (or closed). Look it up; never re-send blindly.
    this.deps.logger.warn('margin order outcome unknown; looking it up by client order id', { clientOrderId: intent.clientOrderId, error: text });
    await this.deps.clock.sleep(this.deps.lookupDelayMs ?? 1_500);
    const rec = await this.reconcile(intent, { allowFail: false });
    if (rec.result === 'filled') return { ...base, status: 'filled', error: text };
    if (rec.result === 'rejected' || rec.result === 'failed') return { ...base, status: rec.result, error: `${text}; ${rec.detail ?? ''}` };
    return { ...base, status: 'pending', error: `${text}; ${rec.detail ?? 'left for the next tick to reconcile'}` };
  }

  /** Reconciles a margin intent: PENDING ones by lookup (written off after the deadline), written-off ones re-checked for a day. */
  async reconcile(intent: OrderIntent, opts: { allowFail: boolean } = { allowFail: true }): Promise<ReconcileOutcome> {
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side } as const;
    const nowMs = this.deps.clock.nowMs();
    let found: ExchangeOrder | undefined;
    try {
      found = await this.deps.exchange.findOrderByClientId(intent.pair, intent.clientOrderId, intent.createdAtMs - 60_000);
    } catch (err) {
      return { ...base, result: intent.status === 'FAILED' ? 'written-off' : 'still-pending', detail: `lookup failed: ${(err as Error).message}` };
    }
    if (intent.status === 'FAILED') {
      if (!found || (isFinalOrderStatus(found.status) && found.filledBase <= 0)) {
        await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'FAILED', { recheckedAtMs: nowMs, ...(found ? { recheckUntilMs: nowMs } : {}) });
        return { ...base, result: 'written-off', detail: 'still not on the exchange' };
      }
      await this.deps.alerts.send(formatWriteOffAlert(intent, `Margin order ${found.exchangeOrderId} is ${found.status} with ${found.filledBase} filled.`, true));
      if (!isFinalOrderStatus(found.status)) {
        await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'FAILED', { status: 'PENDING', updatedAtMs: nowMs });
        return { ...base, result: 'reappeared', detail: `order ${found.exchangeOrderId} is ${found.status}` };
      }
      const r = await this.record(intent, found);
      return { ...base, result: r.result === 'filled' ? 'reappeared' : r.result };
    }
    if (!found) {
      const lookups = (intent.lookups ?? 0) + 1;
      await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', { lookups, updatedAtMs: nowMs });
      const after = (intent.deadlineMs ?? intent.createdAtMs) + (this.deps.writeOffMarginMs ?? 120_000);
      if (opts.allowFail && lookups >= WRITE_OFF_LOOKUPS && nowMs >= after) {
        // "Not found" is not evidence enough (ClosedOrders can lag): Kraken's open margin positions
        // must show that nothing moved, the recorded short and nothing more, before a write-off.
        const refusal = await this.writeOffRefusal(intent);
        if (refusal) {
          if (await this.deps.store.markOnce(intent.mode, `margin-writeoff-held#${intent.clientOrderId}`, nowMs, 2 * ONE_DAY_MS)) {
            await this.deps.alerts.send(formatWriteOffAlert(intent, `margin ${intent.side} ${intent.pair} is not found on the exchange, but it is not written off: ${refusal}. It stays pending and is looked up every tick.`));
          }
          return { ...base, result: 'still-pending', detail: `not found, not written off: ${refusal}` };
        }
        const moved = await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', {
          status: 'FAILED',
          error: 'written off: the exchange has no order with this client order id after its deadline',
          writtenOffAtMs: nowMs,
          recheckUntilMs: nowMs + RECHECK_WINDOW_MS,
          recheckedAtMs: nowMs,
          updatedAtMs: nowMs,
        });
        if (moved) {
          await this.releaseReservations(intent);
          await this.freeSlot(intent);
          await this.deps.alerts.send(formatWriteOffAlert(intent, `margin ${intent.side} ${intent.pair} (${intent.reason}) was not found on the exchange after its deadline`));
        }
        return { ...base, result: 'written-off', detail: 'not found on the exchange after its deadline; nothing executed (re-checked for 24 h)' };
      }
      return { ...base, result: 'still-pending', detail: 'not found on the exchange yet' };
    }
    const r = await this.record(intent, found);
    return { ...base, result: r.result, ...(r.outcome.error ? { detail: r.outcome.error } : {}) };
  }

  /** Why Kraken's open margin positions do not show that `intent` never executed, or undefined when they do. */
  private async writeOffRefusal(intent: OrderIntent): Promise<string | undefined> {
    let positions;
    try {
      positions = await this.deps.margin.fetchMarginPositions();
    } catch (err) {
      return `open margin positions could not be read (${(err as Error).message})`;
    }
    const onKraken = positions.filter((p) => p.pair === intent.pair && p.side === 'short').reduce((sum, p) => sum + p.amountBase, 0);
    const recorded = (await this.deps.store.getShort(intent.mode, intent.pair))?.amountBase ?? 0;
    const tolerance = Math.max(1e-8, (intent.amountBase ?? 0) * 0.02);
    if (Math.abs(onKraken - recorded) > tolerance) return `Kraken shows a ${intent.pair} short of ${onKraken}, the bot records ${recorded}`;
    return undefined;
  }

  private async record(intent: OrderIntent, order: ExchangeOrder): Promise<{ result: ReconcileOutcome['result']; outcome: OrderOutcome }> {
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, reason: intent.reason } as const;
    const nowMs = this.deps.clock.nowMs();
    const check = checkOrderReply(intent, order);
    const tooMuch = intent.amountBase !== undefined && order.filledBase > intent.amountBase * (1 + 1e-9) + 1e-12;
    if (!check.ok || tooMuch) {
      const problem = check.ok ? `filled ${order.filledBase} but the margin order was for ${intent.amountBase}` : check.problem;
      this.deps.metrics.add('RepliesInvalid', 'Count', 1);
      if (await this.deps.store.markOnce(intent.mode, `reply#${intent.clientOrderId}`, nowMs, 2 * ONE_DAY_MS)) await this.deps.alerts.send(formatReplyInvalidAlert(intent, problem));
      return { result: 'still-pending', outcome: { ...base, status: 'pending', error: `reply not recorded: ${problem}` } };
    }
    if (!isFinalOrderStatus(order.status)) {
      if (intent.status === 'PENDING') {
        await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', { observed: { status: order.status, filledBase: order.filledBase, exchangeOrderId: order.exchangeOrderId, atMs: nowMs }, updatedAtMs: nowMs });
      }
      return { result: 'still-pending', outcome: { ...base, status: 'pending', error: `margin order ${order.exchangeOrderId} is ${order.status}; settled when final` } };
    }
    if (order.filledBase <= 0) {
      await this.finishUnexecuted(intent, 'FAILED', `order ${order.exchangeOrderId} ${order.status} with nothing filled`);
      return { result: 'failed', outcome: { ...base, status: 'failed', error: `order ${order.status} unfilled` } };
    }
    return { result: 'filled', outcome: await this.settle(intent, order) };
  }

  private async finishUnexecuted(intent: OrderIntent, status: 'REJECTED' | 'FAILED', error: string): Promise<void> {
    const moved = await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', { status, error, updatedAtMs: this.deps.clock.nowMs() });
    if (moved) await this.releaseReservations(intent);
    await this.freeSlot(intent);
  }

  /** An entry that did not execute gives back its day's entry and its margin exposure. */
  private async releaseReservations(intent: OrderIntent): Promise<void> {
    if (intent.reservedDay) await this.deps.store.releaseEntry(intent.mode, intent.reservedDay, intent.pair, intent.clientOrderId);
    if (intent.side === 'sell') await this.deps.store.releaseMargin(intent.mode, intent.clientOrderId);
  }

  /** Records a final margin fill; each step idempotent (ledger per order, P&L once per order, applied ids on the short, FILLED last). */
  private async settle(intent: OrderIntent, order: ExchangeOrder): Promise<OrderOutcome> {
    const { store, mode } = this.deps;
    const fillTimeMs = intent.createdAtMs;
    const trade = {
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
      candleCloseIso: intent.candleCloseIso,
    } as const;
    let realizedPnlQuote: number | undefined;
    if (intent.side === 'sell') {
      const current = await store.getShort(mode, intent.pair);
      if (!current) {
        const position = openShort({
          mode,
          pair: intent.pair,
          entryClientOrderId: intent.clientOrderId,
          plan: intent.margin?.shortPlan ?? { strategy: 'short', rolloverRatePer4h: 0 },
          referencePrice: intent.referencePrice ?? order.averagePrice,
          leverage: intent.margin?.leverage ?? KRAKEN_ORDER_LEVERAGE,
          fill: order,
          entryTimeMs: fillTimeMs,
        });
        if (!(await store.createShort(position)) && !(await store.getShort(mode, intent.pair))?.appliedOrderIds.includes(intent.clientOrderId)) {
          this.deps.logger.error('short entry filled but another short holds the pair; ledger only', { clientOrderId: intent.clientOrderId });
        }
      } else if (!current.appliedOrderIds.includes(intent.clientOrderId)) {
        this.deps.logger.error('short entry filled but another short holds the pair; ledger only (the books check will show it)', { clientOrderId: intent.clientOrderId });
      }
      await store.appendTrade({ ...trade, positionId: intent.clientOrderId, note: `margin short opened ×${intent.margin?.leverage ?? KRAKEN_ORDER_LEVERAGE}` });
    } else {
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await store.getShort(mode, intent.pair);
        if (!current || current.entryClientOrderId !== intent.positionId || current.appliedOrderIds.includes(intent.clientOrderId)) {
          const already = (await store.listTrades(mode, fillTimeMs - 1, fillTimeMs + 1)).find((t) => t.clientOrderId === intent.clientOrderId);
          if (!already) await store.appendTrade({ ...trade, ...(intent.positionId ? { positionId: intent.positionId } : {}), note: 'margin short buy-back; its short was not found' });
          realizedPnlQuote = already?.realizedPnlQuote;
          break;
        }
        const outcome = applyShortClose(current, order, intent.clientOrderId, fillTimeMs);
        realizedPnlQuote = outcome.realizedPnlQuote;
        await store.appendTrade({
          ...trade,
          realizedPnlQuote,
          positionId: current.entryClientOrderId,
          ...(outcome.position ? {} : { closedPositionOrderIds: [...current.appliedOrderIds, intent.clientOrderId] }),
          note: `margin short closed; rollover ${outcome.rolloverQuote.toFixed(4)} included in the P&L`,
        });
        const { tripped } = await store.recordRealizedPnl(mode, utcDay(fillTimeMs), intent.clientOrderId, realizedPnlQuote, this.deps.maxDailyLossQuote);
        if (tripped) await this.deps.alerts.send(formatKillSwitchAlert(mode, utcDay(fillTimeMs), this.deps.maxDailyLossQuote));
        const ok = outcome.position ? await store.updateShort(outcome.position, current.version) : await store.deleteShort(mode, intent.pair, current.version);
        if (!ok) continue;
        if (!outcome.position) await store.releaseMargin(mode, current.entryClientOrderId);
        break;
      }
    }
    const from = intent.status === 'FAILED' ? 'FAILED' : 'PENDING';
    const moved = await store.transitionIntent(mode, intent.clientOrderId, from, { status: 'FILLED', fill: order, updatedAtMs: this.deps.clock.nowMs() });
    if (intent.reservedDay) await store.markEntryUsed(mode, intent.reservedDay, intent.clientOrderId);
    await this.freeSlot(intent);
    if (moved) {
      this.deps.metrics.add('OrdersFilled', 'Count', 1);
      await this.deps.alerts.send(formatFillAlert(intent, order));
    }
    return {
      clientOrderId: intent.clientOrderId,
      pair: intent.pair,
      side: intent.side,
      reason: intent.reason,
      status: 'filled',
      amountBase: order.filledBase,
      price: order.averagePrice,
      costQuote: order.costQuote,
      feeQuote: order.feeQuote,
      ...(realizedPnlQuote !== undefined ? { realizedPnlQuote } : {}),
    };
  }
}
