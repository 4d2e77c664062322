// Primary adapter support (Telegram): the chat's wording of the bot's records. Plain text (no
// parse mode), so nothing in a record can turn into markup; one message stays under Telegram's
// 4,096 characters.
import type { DailyRow, ProfitWindow } from '../assistant/botRecords.js';
import type { StatusReport } from '../cli/ops/status.js';
import { summarizeTick } from '../cli/ops/status.js';
import { formatAge, formatAmount, formatQuote } from '../cli/ops/textTable.js';
import type { Position, TradeRecord } from '../core/types.js';

/** Telegram's limit on one message's text. */
export const TELEGRAM_MESSAGE_MAX_CHARS = 4096;

/** Cuts a text to Telegram's limit at code points, marking the cut. */
export function fitMessage(text: string, maxChars = TELEGRAM_MESSAGE_MAX_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 12).join('')}\n[cut short]`;
}

/** The commands, for /start and /help. */
export const HELP_TEXT = [
  'kbot commands:',
  '/status - schedule, halt, today, kill switch, last tick',
  '/positions - open positions with their exits',
  '/trades [n] - the last n ledger rows (7 days, default 10)',
  '/profit - realized P&L today, 7 and 30 days, all time',
  '/daily - the last 7 UTC days',
  '/why PAIR [time] - what the bot decided for PAIR (time: ISO or HH:MM UTC)',
  '/pause, /resume - stop or restart the 5-minute schedule',
  '/halt [reason], /unhalt - stop or allow new entries (exits keep running)',
  '/flatten - sell every open position now and halt entries (asks first)',
  '/forceexit PAIR - sell one position now (asks first)',
].join('\n');

export function formatStatusMessage(report: StatusReport): string {
  const schedule = 'error' in report.schedule ? `unknown (${report.schedule.error})` : report.schedule.state === 'ENABLED' ? 'running' : report.schedule.state === 'DISABLED' ? 'PAUSED' : report.schedule.state;
  const halt = report.halt.halted ? `ON (${report.halt.haltExits ? 'entries and exits' : 'entries only'})${report.halt.reason ? `: ${report.halt.reason}` : ''}` : 'off';
  const cap = report.limits ? ` of ${report.limits.maxTradesPerDay}` : '';
  const loss = report.killSwitch.maxDailyLossQuote === null ? '' : ` (trips at a loss of ${formatQuote(report.killSwitch.maxDailyLossQuote)})`;
  const tick = report.lastTick
    ? `candle ${report.lastTick.candleCloseIso}, ${formatAge(report.lastTick.ageSeconds * 1000)} ago${summarizeTick(report.lastTick.summary) ? `: ${summarizeTick(report.lastTick.summary)}` : ''}`
    : 'none yet';
  return [
    `${report.stackNames.join(' + ')} (${report.mode}, ${report.region})`,
    `schedule: ${schedule}`,
    `halt: ${halt}`,
    `today ${report.day} UTC: ${report.today.trades}${cap} entries, ${report.today.exits} exits, realized P&L ${formatQuote(report.today.realizedPnlQuote, true)}`,
    `kill switch: ${report.killSwitch.tripped ? 'TRIPPED' : 'off'}${loss}`,
    `open positions: ${report.positions.length}`,
    `last tick: ${tick}`,
  ].join('\n');
}

export function formatPositions(positions: readonly Position[], nowMs: number): string {
  if (positions.length === 0) return 'open positions: none';
  return [
    `open positions (${positions.length}):`,
    ...positions.map((p) => {
      const trailing = p.trailing ? `trailing ${formatAmount(p.trailing.distanceFraction * 100)}%${p.trailing.armed ? ` armed below ${formatAmount(p.trailing.highestPrice)}` : ` from ${formatAmount(p.trailing.activationPrice)}`}` : 'no trailing';
      return (
        `${p.pair} ${formatAmount(p.amountBase)} @ ${formatAmount(p.entryPrice)} (cost ${formatQuote(p.costQuote)}, fee ${formatQuote(p.entryFeeQuote)})\n` +
        `  stop ${p.stopPrice === undefined ? '-' : formatAmount(p.stopPrice)}, take-profit ${p.takeProfitPrice === undefined ? '-' : formatAmount(p.takeProfitPrice)}, ${trailing}, held ${formatAge(nowMs - p.entryTimeMs)}, ${p.strategy}`
      );
    }),
  ].join('\n');
}

export function formatTrades(trades: readonly TradeRecord[]): string {
  if (trades.length === 0) return 'no ledger rows in the last 7 days';
  return [
    `last ${trades.length} ledger rows (newest first):`,
    ...trades.map(
      (t) =>
        `${new Date(t.timestampMs).toISOString().slice(0, 16).replace('T', ' ')} ${t.pair} ${t.side} ${t.reason} ${formatAmount(t.amountBase)} @ ${formatAmount(t.price)} fee ${formatQuote(t.feeQuote)}` +
        `${t.realizedPnlQuote === undefined ? '' : ` P&L ${formatQuote(t.realizedPnlQuote, true)}`}`,
    ),
  ].join('\n');
}

const WINDOW_LABEL: Record<ProfitWindow['window'], string> = { today: 'today (UTC)', '7d': 'last 7 days', '30d': 'last 30 days', all: 'all time' };

export function formatProfit(windows: readonly ProfitWindow[], quote: string): string {
  const lines = ['realized P&L (net of fees, from the trade ledger):'];
  for (const w of windows) {
    lines.push(`${WINDOW_LABEL[w.window]}: ${formatQuote(w.realizedPnlQuote, true)} ${quote}, ${w.closed} closed (${w.wins} won, ${w.losses} lost), fees ${formatQuote(w.feesQuote)}`);
  }
  const all = windows.find((w) => w.window === 'all');
  if (all && all.byPair.length) lines.push(`by pair, all time: ${all.byPair.map((p) => `${p.pair} ${formatQuote(p.realizedPnlQuote, true)}`).join(', ')}`);
  return lines.join('\n');
}

export function formatDaily(rows: readonly DailyRow[], quote: string): string {
  return [
    `the last ${rows.length} UTC days (entries, exits, realized P&L ${quote}):`,
    ...rows.map((r) => `${r.day}: ${r.entries} entries, ${r.exits} exits, ${formatQuote(r.realizedPnlQuote, true)}${r.killSwitchTripped ? ', kill switch tripped' : ''}`),
  ].join('\n');
}
