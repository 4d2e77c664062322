// Core domain: an exchange's report of an order is checked before anything is recorded from it. A
// reply that does not add up (more filled than ordered, a negative or absurd fee, a cost that does
// not match price × amount) is treated as unknown: the intent stays PENDING and is read again.
import type { ExchangeOrder, OrderIntent } from './types.js';

export type ReplyCheck = { ok: true } | { ok: false; problem: string };

/** Kraken spot's highest taker fee is 0.40%; anything above this share of the cost is not a fee. */
const MAX_FEE_FRACTION = 0.02;
/** Average price × amount may differ from the reported cost by rounding only. */
const COST_TOLERANCE = 0.01;
/** A buy by cost may fill a little over the requested cost through rounding, never more. */
const BUY_COST_TOLERANCE = 0.01;

/**
 * Whether `order` can be recorded against `intent`. Checks identity (client order id, side), that
 * every number is finite and not negative, that a fill has a price, that cost, price and amount agree,
 * that no more was executed than ordered, and that the fee is plausible.
 */
export function checkOrderReply(intent: Pick<OrderIntent, 'clientOrderId' | 'side' | 'costQuote' | 'amountBase'>, order: ExchangeOrder): ReplyCheck {
  const bad = (problem: string): ReplyCheck => ({ ok: false, problem });
  if (order.clientOrderId && order.clientOrderId !== intent.clientOrderId) return bad(`client order id ${order.clientOrderId} is not ${intent.clientOrderId}`);
  if (order.side !== intent.side) return bad(`side ${order.side} is not ${intent.side}`);
  for (const field of ['filledBase', 'costQuote', 'feeQuote', 'averagePrice'] as const) {
    const v = order[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${field} is not a finite number (${String(v)})`);
    if (v < 0) return bad(`${field} is negative (${v})`);
  }
  if (order.feeBase !== undefined && !(Number.isFinite(order.feeBase) && order.feeBase >= 0 && order.feeBase < order.filledBase)) {
    return bad(`feeBase ${order.feeBase} is not between 0 and the filled amount ${order.filledBase}`);
  }
  if (order.filledBase === 0) {
    if (order.costQuote > 0 || order.feeQuote > 0) return bad(`nothing filled but cost ${order.costQuote} and fee ${order.feeQuote}`);
    return { ok: true };
  }
  if (!(order.averagePrice > 0) || !(order.costQuote > 0)) return bad(`filled ${order.filledBase} at price ${order.averagePrice} for cost ${order.costQuote}`);
  const implied = order.averagePrice * order.filledBase;
  if (Math.abs(implied - order.costQuote) > COST_TOLERANCE * order.costQuote) {
    return bad(`cost ${order.costQuote} does not match price ${order.averagePrice} × amount ${order.filledBase} = ${implied}`);
  }
  if (order.feeQuote > MAX_FEE_FRACTION * order.costQuote) return bad(`fee ${order.feeQuote} is more than ${MAX_FEE_FRACTION * 100}% of the cost ${order.costQuote}`);
  if (intent.side === 'sell' && intent.amountBase !== undefined && order.filledBase > intent.amountBase * (1 + 1e-9) + 1e-12) {
    return bad(`filled ${order.filledBase} but the sell was for ${intent.amountBase}`);
  }
  if (intent.side === 'buy' && intent.costQuote !== undefined && order.costQuote > intent.costQuote * (1 + BUY_COST_TOLERANCE) + 1e-9) {
    return bad(`cost ${order.costQuote} but the buy was for ${intent.costQuote}`);
  }
  return { ok: true };
}

/** Whether an order status is final: only closed, canceled and expired orders never change again. */
export function isFinalOrderStatus(status: ExchangeOrder['status']): boolean {
  return status === 'closed' || status === 'canceled' || status === 'expired';
}
