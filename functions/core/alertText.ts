// Core domain: alert wording. Email gets the detail; SMS gets one short line.
import type { Alert } from './ports.js';
import type { DayCounters, ExchangeOrder, Mode, OrderIntent, Pair } from './types.js';

const money = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(2) : v.toPrecision(4));
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;

/** A buy (or any non-closing) fill. */
export function formatFillAlert(intent: OrderIntent, order: ExchangeOrder): Alert {
  const mode = intent.mode.toUpperCase();
  return {
    severity: 'info',
    kind: 'fill',
    subject: `[${mode}] ${intent.side.toUpperCase()} ${intent.pair} filled (${intent.reason})`,
    message: [
      `${intent.side} ${order.filledBase} ${intent.pair} at ${money(order.averagePrice)}`,
      `cost ${money(order.costQuote)}, fee ${money(order.feeQuote)}`,
      `reason: ${intent.reason}; candle ${intent.candleCloseIso}`,
      `client order id ${intent.clientOrderId}, exchange order ${order.exchangeOrderId}`,
    ].join('\n'),
    sms: `${mode} ${intent.side} ${intent.pair} ${order.filledBase}@${money(order.averagePrice)} fee ${money(order.feeQuote)} (${intent.reason})`,
  };
}

/** A sell that closed (part of) a position, with realized P&L. */
export function formatExitAlert(intent: OrderIntent, order: ExchangeOrder, pnlQuote: number): Alert {
  const mode = intent.mode.toUpperCase();
  return {
    severity: pnlQuote < 0 ? 'warning' : 'info',
    kind: 'exit',
    subject: `[${mode}] EXIT ${intent.pair} ${intent.reason}: P&L ${signed(pnlQuote)}`,
    message: [
      `sold ${order.filledBase} ${intent.pair} at ${money(order.averagePrice)} (${intent.reason})`,
      `proceeds ${money(order.costQuote)}, fee ${money(order.feeQuote)}`,
      `realized P&L ${signed(pnlQuote)} (net of entry and exit fees)`,
      `client order id ${intent.clientOrderId}, exchange order ${order.exchangeOrderId}`,
    ].join('\n'),
    sms: `${mode} exit ${intent.pair} ${intent.reason} ${order.filledBase}@${money(order.averagePrice)} P&L ${signed(pnlQuote)}`,
  };
}

/** The exchange refused an order. */
export function formatRejectionAlert(intent: OrderIntent, error: string): Alert {
  const mode = intent.mode.toUpperCase();
  return {
    severity: 'warning',
    kind: 'rejection',
    subject: `[${mode}] order REJECTED ${intent.side} ${intent.pair}: ${error}`.slice(0, 100),
    message: [
      `${intent.side} ${intent.pair} (${intent.reason}) was refused by the exchange and will not be retried.`,
      `error: ${error}`,
      intent.costQuote !== undefined ? `requested cost ${money(intent.costQuote)}` : `requested amount ${intent.amountBase}`,
      `client order id ${intent.clientOrderId}`,
    ].join('\n'),
    sms: `${mode} REJECTED ${intent.side} ${intent.pair}: ${error}`.slice(0, 140),
  };
}

/** The daily realized-loss kill switch tripped. */
export function formatKillSwitchAlert(mode: Mode, day: string, maxLossQuote: number): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'kill-switch',
    subject: `[${m}] kill switch: daily loss limit ${maxLossQuote} reached, entries halted`,
    message: `Realized losses on ${day} (UTC) reached the limit of ${maxLossQuote}. New entries are halted until the next UTC day; exits keep running.`,
    sms: `${m} KILL SWITCH: daily loss ${maxLossQuote} hit on ${day}; entries halted`,
  };
}

/** A tick failed or a pair could not be processed. */
export function formatErrorAlert(mode: Mode, what: string, detail: string): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'error',
    subject: `[${m}] ${what}`.slice(0, 100),
    message: detail,
    sms: `${m} ERROR ${what}`.slice(0, 140),
  };
}

/** The end-of-day report, sent by the first tick of the next UTC day. */
export function formatDailySummaryAlert(
  mode: Mode,
  s: { day: DayCounters; fills: number; feesQuote: number; openPositions: Pair[]; equityQuote: number | undefined; quote: string },
): Alert {
  const m = mode.toUpperCase();
  const equity = s.equityQuote === undefined ? 'unknown' : `${s.equityQuote.toFixed(2)} ${s.quote}`;
  return {
    severity: 'info',
    kind: 'daily-summary',
    subject: `[${m}] daily summary ${s.day.day}: P&L ${signed(s.day.realizedPnlQuote)} ${s.quote}, ${s.day.trades} entries`,
    message: [
      `UTC day ${s.day.day}`,
      `entries ${s.day.trades}, exits ${s.day.exits}, fills ${s.fills}`,
      `realized P&L ${signed(s.day.realizedPnlQuote)} ${s.quote} (net of fees), fees ${s.feesQuote.toFixed(2)} ${s.quote}`,
      `kill switch ${s.day.killSwitchTripped ? 'TRIPPED' : 'not tripped'}`,
      `open positions: ${s.openPositions.length ? s.openPositions.join(', ') : 'none'}`,
      `equity now ${equity}`,
    ].join('\n'),
    sms: `${m} ${s.day.day}: P&L ${signed(s.day.realizedPnlQuote)}, ${s.day.trades} entries, ${s.openPositions.length} open, equity ${equity}`,
  };
}

/** Kraken's holdings of an asset and the bot's positions disagree. */
export function formatHoldingsMismatchAlert(
  mode: Mode,
  m: { asset: string; krakenBase: number; externalBase: number; dustBase: number; botBase: number; diffBase: number; pairs: Pair[] },
): Alert {
  const md = mode.toUpperCase();
  const what = m.diffBase < 0 ? 'Kraken holds less than the bot recorded' : 'Kraken holds more than the bot recorded';
  return {
    severity: 'critical',
    kind: 'holdings-mismatch',
    subject: `[${md}] holdings mismatch ${m.asset}: ${what} (${m.diffBase > 0 ? '+' : ''}${m.diffBase})`.slice(0, 100),
    message: [
      `${what}.`,
      `Kraken ${m.asset}: ${m.krakenBase} (tradable, incl. Auto Earn); owner's own coins: ${m.externalBase}; recorded dust: ${m.dustBase}`,
      `bot positions: ${m.botBase}; difference: ${m.diffBase}`,
      `New entries in ${m.pairs.join(', ')} are locked; exits sell at most the bot's own recorded amount.`,
      'Run `kbot reconcile` to see the difference and adopt, release or accept it.',
    ].join('\n'),
    sms: `${md} HOLDINGS MISMATCH ${m.asset}: diff ${m.diffBase}; entries locked; run kbot reconcile`.slice(0, 140),
  };
}

/** An intent was written off as never executed, or a written-off order turned up after all. */
export function formatWriteOffAlert(intent: OrderIntent, detail: string, reappeared = false): Alert {
  const m = intent.mode.toUpperCase();
  return {
    severity: reappeared ? 'critical' : 'warning',
    kind: 'write-off',
    subject: reappeared
      ? `[${m}] written-off order APPEARED: ${intent.side} ${intent.pair} (${intent.reason})`
      : `[${m}] order written off: ${intent.side} ${intent.pair} (${intent.reason}) never appeared on the exchange`,
    message: [
      detail,
      `client order id ${intent.clientOrderId}, decided on candle ${intent.candleCloseIso}`,
      reappeared
        ? 'Its fill is being recorded now; check the position and `kbot reconcile`.'
        : 'It is looked up again for 24 hours; if it appears its fill is recorded and you are alerted.',
    ].join('\n'),
    sms: `${m} ${reappeared ? 'WRITTEN-OFF ORDER APPEARED' : 'order written off'} ${intent.side} ${intent.pair} ${intent.reason}`.slice(0, 140),
  };
}

/** An order nobody can find after its deadline, kept PENDING because the balance says it may have executed. */
export function formatWriteOffRefusedAlert(intent: OrderIntent, why: string): Alert {
  const m = intent.mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'write-off',
    subject: `[${m}] order NOT FOUND, kept pending: ${intent.side} ${intent.pair} (${intent.reason})`,
    message: [
      `Kraken does not list this order after its deadline, but it is not written off: ${why}.`,
      `client order id ${intent.clientOrderId}, decided on candle ${intent.candleCloseIso}`,
      `It stays pending and is looked up every tick, so no second ${intent.side === 'sell' ? 'exit' : 'entry'} is sent for ${intent.pair}; once Kraken lists it, its fill is recorded.`,
      'If it stays like this, compare Kraken\'s trade history with `kbot status` and `kbot reconcile`.',
    ].join('\n'),
    sms: `${m} order not found, kept pending ${intent.side} ${intent.pair} ${intent.reason}`.slice(0, 140),
  };
}

/** An exit fired but could not be sent, or an exit check could not run. */
export function formatExitBlockedAlert(mode: Mode, pair: Pair, reason: string): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'exit-blocked',
    subject: `[${m}] exit BLOCKED ${pair}`,
    message: `${pair}: ${reason}\nThe bot keeps trying every tick; this alert is sent once per position and reason.`,
    sms: `${m} EXIT BLOCKED ${pair}: ${reason}`.slice(0, 140),
  };
}

/** A leftover too small to sell was closed and booked as dust. */
export function formatDustAlert(mode: Mode, pair: Pair, amountBase: number, writtenOffQuote: number): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'warning',
    kind: 'dust',
    subject: `[${m}] dust closed ${pair}: ${amountBase} below Kraken's minimum`,
    message: `${amountBase} ${pair.split('/')[0]} is below Kraken's minimum order and cannot be sold on its own. The position is closed; its cost basis (${writtenOffQuote.toFixed(4)}) is booked as a realized loss. The coins stay on the account.`,
    sms: `${m} dust closed ${pair} ${amountBase}`,
  };
}

/** An exchange reply did not add up and was not recorded. */
export function formatReplyInvalidAlert(intent: OrderIntent, problem: string): Alert {
  const m = intent.mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'reply-invalid',
    subject: `[${m}] exchange reply not recorded: ${intent.side} ${intent.pair}`,
    message: `The exchange's report of order ${intent.clientOrderId} does not add up: ${problem}.\nNothing was recorded from it; the order stays pending and is read again every tick.`,
    sms: `${m} bad exchange reply ${intent.side} ${intent.pair}: ${problem}`.slice(0, 140),
  };
}

/** Kraken refused the API key or signature. */
export function formatAuthAlert(mode: Mode, detail: string): Alert {
  const m = mode.toUpperCase();
  return {
    severity: 'critical',
    kind: 'auth',
    subject: `[${m}] Kraken refused the API key`,
    message: `${detail}\nNo private call works until the key is fixed (kbot keys set). Exits cannot be sent.`,
    sms: `${m} KRAKEN AUTH ERROR: ${detail}`.slice(0, 140),
  };
}
