// Core domain: the order protocol (DESIGN.md): intent before send, deterministic client order id,
// lookup after any ambiguous failure, no blind retry, idempotent settlement of fills.
import { formatExitAlert, formatFillAlert, formatKillSwitchAlert, formatRejectionAlert } from './alertText.js';
import { clientOrderIdFor } from './clientOrderId.js';
import { ExchangeError, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort, type StorePort } from './ports.js';
import { positionLevels } from './engine/entryPlan.js';
import { utcDay } from './utcDay.js';
import type { OrderOutcome, ReconcileOutcome } from './tickResult.js';
import type { EntryPlan, ExchangeOrder, Mode, OrderIntent, OrderReason, Pair, Position, TradeRecord } from './types.js';

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
  /** A PENDING intent younger than this is never declared failed (its sender may still be running). */
  pendingGraceMs?: number;
}

/** One order to place. */
export type OrderPlan =
  | { side: 'buy'; pair: Pair; reason: OrderReason; decidedOn: string; costQuote: number; entryPlan: EntryPlan; referencePrice: number; reservedDay?: string }
  | { side: 'sell'; pair: Pair; reason: OrderReason; decidedOn: string; amountBase: number };

const DUST_FRACTION = 1e-9;

/** Runs the order protocol for one decision and reconciles pending intents. */
export class OrderExecutor {
  private readonly lookupDelayMs: number;
  private readonly pendingGraceMs: number;

  constructor(private readonly deps: OrderDeps) {
    this.lookupDelayMs = deps.lookupDelayMs ?? 1_500;
    this.pendingGraceMs = deps.pendingGraceMs ?? 60_000;
  }

  /**
   * Places one market order exactly once for a decision. If an intent for the same decision already
   * exists (a concurrent or repeated invocation), nothing is sent: that intent is reconciled instead.
   * A buy's daily reservation (`reservedDay`) must already be held; it is released if the order
   * definitely did not execute, or if this decision was already taken.
   */
  async place(plan: OrderPlan, candleCloseIso: string): Promise<OrderOutcome> {
    const { mode, store, clock } = this.deps;
    const clientOrderId = clientOrderIdFor({ mode, pair: plan.pair, side: plan.side, reason: plan.reason, decidedOn: plan.decidedOn });
    const nowMs = clock.nowMs();
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
      ...(plan.side === 'buy'
        ? { costQuote: plan.costQuote, entryPlan: plan.entryPlan, referencePrice: plan.referencePrice, ...(plan.reservedDay ? { reservedDay: plan.reservedDay } : {}) }
        : { amountBase: plan.amountBase }),
    };
    const base = { clientOrderId, pair: plan.pair, side: plan.side, reason: plan.reason } as const;

    if (!(await store.createIntent(intent))) {
      // Someone already took this decision: never send twice. Give back our own reservation.
      if (plan.side === 'buy' && plan.reservedDay) await store.releaseEntry(mode, plan.reservedDay, plan.pair);
      const existing = await store.getIntent(mode, clientOrderId);
      this.deps.logger.warn('order intent already exists; reconciling instead of sending', { clientOrderId, status: existing?.status });
      if (existing?.status === 'PENDING') {
        const rec = await this.reconcile(existing, { allowFail: false });
        return { ...base, status: 'already-decided', ...(rec.detail ? { error: rec.detail } : {}) };
      }
      return { ...base, status: 'already-decided', ...fillFields(existing?.fill) };
    }

    let order: ExchangeOrder;
    try {
      order =
        plan.side === 'buy'
          ? await this.deps.exchange.placeMarketOrder({ side: 'buy', pair: plan.pair, clientOrderId, costQuote: plan.costQuote, validateOnly: this.deps.validateOnly })
          : await this.deps.exchange.placeMarketOrder({ side: 'sell', pair: plan.pair, clientOrderId, amountBase: plan.amountBase, validateOnly: this.deps.validateOnly });
    } catch (err) {
      return this.afterSendFailure(intent, err, base);
    }

    if (order.status === 'validated') {
      await this.finishUnexecuted(intent, 'FAILED', 'validate-only: checked by the exchange, not executed');
      return { ...base, status: 'validated' };
    }
    return this.settle(intent, order);
  }

  /** Decides what a failed send means: definite refusal (record, alert, release) or ambiguity (look up). */
  private async afterSendFailure(
    intent: OrderIntent,
    err: unknown,
    base: Pick<OrderOutcome, 'clientOrderId' | 'pair' | 'side' | 'reason'>,
  ): Promise<OrderOutcome> {
    const { logger, metrics, alerts } = this.deps;
    const definite = err instanceof ExchangeError && err.kind !== 'ambiguous';
    const text = err instanceof ExchangeError ? (err.exchangeMessage ?? err.message) : String((err as Error)?.message ?? err);
    if (definite) {
      const status = (err as ExchangeError).kind === 'rejected' ? 'REJECTED' : 'FAILED';
      await this.finishUnexecuted(intent, status, text);
      metrics.add('OrdersRejected', 'Count', 1);
      logger.warn('order refused by the exchange', { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, error: text });
      await alerts.send(formatRejectionAlert(intent, text));
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
    return { ...base, status: 'pending', error: `${text}; ${rec.detail ?? 'left for the next tick to reconcile'}` };
  }

  /**
   * Reconciles a PENDING intent with the exchange: records the fill if the order exists and is
   * done, marks it FAILED if the exchange positively has no such order (and the intent is past its
   * grace period), and otherwise leaves it PENDING.
   */
  async reconcile(intent: OrderIntent, opts: { allowFail: boolean } = { allowFail: true }): Promise<ReconcileOutcome> {
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side } as const;
    let found: ExchangeOrder | undefined;
    try {
      found = await this.deps.exchange.findOrderByClientId(intent.pair, intent.clientOrderId, intent.createdAtMs - 60_000);
    } catch (err) {
      return { ...base, result: 'still-pending', detail: `lookup failed: ${(err as Error).message}` };
    }
    if (!found) {
      const ageMs = this.deps.clock.nowMs() - intent.createdAtMs;
      if (opts.allowFail && ageMs >= this.pendingGraceMs) {
        await this.finishUnexecuted(intent, 'FAILED', 'the exchange has no order with this client order id');
        return { ...base, result: 'failed', detail: 'not found on the exchange; nothing executed' };
      }
      return { ...base, result: 'still-pending', detail: 'not found on the exchange yet' };
    }
    if (found.status === 'open' || found.status === 'pending') {
      return { ...base, result: 'still-pending', detail: `order ${found.exchangeOrderId} is ${found.status}` };
    }
    if (found.filledBase <= 0) {
      await this.finishUnexecuted(intent, 'FAILED', `order ${found.exchangeOrderId} ${found.status} with nothing filled`);
      return { ...base, result: 'failed', detail: `order ${found.status} unfilled` };
    }
    await this.settle(intent, found);
    return { ...base, result: 'filled' };
  }

  /** Marks an unexecuted intent final and gives back its daily reservation. */
  private async finishUnexecuted(intent: OrderIntent, status: 'REJECTED' | 'FAILED', error: string): Promise<void> {
    const moved = await this.deps.store.transitionIntent(intent.mode, intent.clientOrderId, 'PENDING', {
      status,
      error,
      updatedAtMs: this.deps.clock.nowMs(),
    });
    if (moved && intent.reservedDay) await this.deps.store.releaseEntry(intent.mode, intent.reservedDay, intent.pair);
  }

  /**
   * Records a fill. Every step is idempotent (trade ledger keyed by the order, P&L applied once
   * per order, the position remembers applied order ids, the intent moves PENDING→FILLED last), so
   * a crash at any point is repaired by running this again from reconcile.
   */
  async settle(intent: OrderIntent, order: ExchangeOrder): Promise<OrderOutcome> {
    const { store, mode } = this.deps;
    const base = { clientOrderId: intent.clientOrderId, pair: intent.pair, side: intent.side, reason: intent.reason } as const;
    if (order.filledBase <= 0) {
      await this.finishUnexecuted(intent, 'FAILED', `order ${order.exchangeOrderId} ${order.status} with nothing filled`);
      return { ...base, status: 'failed', error: 'nothing filled' };
    }
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
    };

    let realizedPnlQuote: number | undefined;
    if (intent.side === 'buy') {
      await this.applyBuy(intent, order, fillTimeMs);
      await store.appendTrade(trade);
    } else {
      realizedPnlQuote = await this.applySell(intent, order, trade, fillTimeMs);
    }
    const moved = await store.transitionIntent(mode, intent.clientOrderId, 'PENDING', {
      status: 'FILLED',
      fill: order,
      updatedAtMs: this.deps.clock.nowMs(),
    });
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
        intent.side === 'sell' && realizedPnlQuote !== undefined
          ? formatExitAlert(intent, order, realizedPnlQuote)
          : formatFillAlert(intent, order),
      );
    }
    return { ...base, status: 'filled', ...fillFields(order), ...(realizedPnlQuote !== undefined ? { realizedPnlQuote } : {}) };
  }

  private async applyBuy(intent: OrderIntent, order: ExchangeOrder, fillTimeMs: number): Promise<void> {
    const { store, mode } = this.deps;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.getPosition(mode, intent.pair);
      if (current?.appliedOrderIds.includes(intent.clientOrderId)) return;
      if (!current) {
        const plan = intent.entryPlan ?? { strategy: intent.reason };
        // Levels were computed at the decision price; move them with the actual fill price.
        const levels = positionLevels(plan, intent.referencePrice ?? order.averagePrice, order.averagePrice, fillTimeMs);
        const position: Position = {
          mode,
          pair: intent.pair,
          amountBase: order.filledBase,
          entryPrice: order.averagePrice,
          entryTimeMs: fillTimeMs,
          costQuote: order.costQuote,
          entryFeeQuote: order.feeQuote,
          entryClientOrderId: intent.clientOrderId,
          ...levels,
          appliedOrderIds: [intent.clientOrderId],
          version: 1,
        };
        if (await store.createPosition(position)) return;
        continue; // lost a race: re-read and merge
      }
      // A position already exists for the pair (e.g. a forced entry): merge at the average price.
      const amountBase = current.amountBase + order.filledBase;
      const merged: Position = {
        ...current,
        amountBase,
        costQuote: current.costQuote + order.costQuote,
        entryFeeQuote: current.entryFeeQuote + order.feeQuote,
        entryPrice: (current.costQuote + order.costQuote) / amountBase,
        appliedOrderIds: recentIds(current.appliedOrderIds, intent.clientOrderId),
      };
      if (await store.updatePosition(merged, current.version)) return;
    }
    throw new Error(`could not apply buy ${intent.clientOrderId} to position ${intent.pair}: too much contention`);
  }

  /** Applies a sell to the position; returns the realized P&L (net of entry and exit fees). */
  private async applySell(intent: OrderIntent, order: ExchangeOrder, trade: TradeRecord, fillTimeMs: number): Promise<number | undefined> {
    const { store, mode } = this.deps;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.getPosition(mode, intent.pair);
      const applied = !current || current.appliedOrderIds.includes(intent.clientOrderId);
      let pnl: number | undefined;
      if (current && !applied) {
        const fraction = Math.min(1, order.filledBase / current.amountBase);
        const entryCost = (current.costQuote + current.entryFeeQuote) * fraction;
        pnl = order.costQuote - order.feeQuote - entryCost;
      }
      // Ledger and daily P&L first (both idempotent per order), so a crash after this point is
      // repaired by re-running settle with the same numbers.
      if (pnl !== undefined || !current) {
        const existing = pnl === undefined ? await this.findTrade(intent, fillTimeMs) : undefined;
        const tradeWithPnl = pnl !== undefined ? { ...trade, realizedPnlQuote: pnl } : (existing ?? trade);
        await store.appendTrade(tradeWithPnl);
        if (tradeWithPnl.realizedPnlQuote !== undefined) {
          const day = utcDay(fillTimeMs);
          const { tripped } = await store.recordRealizedPnl(mode, day, intent.clientOrderId, tradeWithPnl.realizedPnlQuote, this.deps.maxDailyLossQuote);
          this.deps.metrics.add('RealizedPnlQuote', 'None', tradeWithPnl.realizedPnlQuote);
          if (tripped) {
            this.deps.metrics.add('KillSwitchTripped', 'Count', 1);
            this.deps.logger.error('daily loss kill switch tripped: entries halted for the rest of the UTC day', { day });
            await this.deps.alerts.send(formatKillSwitchAlert(mode, day, this.deps.maxDailyLossQuote));
          }
        }
        pnl = tradeWithPnl.realizedPnlQuote;
      }
      if (!current || applied) return pnl;
      const remaining = current.amountBase - order.filledBase;
      const ok =
        remaining <= current.amountBase * DUST_FRACTION || remaining <= 0
          ? await store.deletePosition(mode, intent.pair, current.version)
          : await store.updatePosition(
              {
                ...current,
                amountBase: remaining,
                costQuote: current.costQuote * (remaining / current.amountBase),
                entryFeeQuote: current.entryFeeQuote * (remaining / current.amountBase),
                appliedOrderIds: recentIds(current.appliedOrderIds, intent.clientOrderId),
              },
              current.version,
            );
      if (ok) return pnl;
    }
    throw new Error(`could not apply sell ${intent.clientOrderId} to position ${intent.pair}: too much contention`);
  }

  /** The ledger entry of an order already settled (to report its P&L after a crash-restart). */
  private async findTrade(intent: OrderIntent, fillTimeMs: number): Promise<TradeRecord | undefined> {
    const trades = await this.deps.store.listTrades(this.deps.mode, fillTimeMs - 1, fillTimeMs + 1);
    return trades.find((t) => t.clientOrderId === intent.clientOrderId);
  }
}

function recentIds(ids: readonly string[], id: string): string[] {
  return [...ids, id].slice(-20);
}

function fillFields(order: ExchangeOrder | undefined): Partial<OrderOutcome> {
  if (!order) return {};
  return { amountBase: order.filledBase, price: order.averagePrice, costQuote: order.costQuote, feeQuote: order.feeQuote };
}
