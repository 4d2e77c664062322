// Operator CLI (kbot ops): `kbot status`. Collects the deployed bot's state (schedule rule, halt
// flag, today's counters and trades, kill switch, open positions, last tick) and prints it as a
// table or JSON. The state comes from any StorePort, so the same code reads DynamoDB or memory.
import type { StorePort } from '../../core/ports.js';
import type { ControlState, DayCounters, Mode, Position, TradeRecord } from '../../core/types.js';
import { ONE_DAY_MS } from '../../core/types.js';
import { readDeployedLimits } from './deployedLimits.js';
import type { OpsContext } from './opsContext.js';
import { describeScheduleRule, type RuleState } from './scheduleRule.js';
import { requireOutput, resolveMode } from './stackOutputs.js';
import { formatAge, formatAmount, formatQuote, textTable } from './textTable.js';

/** The deployed limits, when known (they live in the function's configuration). */
export interface StatusLimits {
  maxTradesPerDay: number;
  maxTradesPerPairPerDay: number;
  maxDailyLossQuote: number;
}

/** Everything `kbot status` shows; `--json` prints exactly this. */
export interface StatusReport {
  stackNames: string[];
  region: string;
  mode: Mode;
  generatedAtIso: string;
  /** The UTC day the counters belong to (yyyy-mm-dd). */
  day: string;
  schedule: RuleState | { error: string };
  halt: ControlState;
  today: DayCounters;
  killSwitch: { tripped: boolean; realizedPnlQuote: number; maxDailyLossQuote: number | null };
  limits: StatusLimits | null;
  positions: Position[];
  tradesToday: TradeRecord[];
  lastTick: { candleCloseIso: string; completedAtIso: string; ageSeconds: number; summary: unknown } | null;
}

/** A tick older than this while the schedule is enabled means ticks are failing or not running. */
export const STALE_TICK_MS = 15 * 60_000;

/** Reads the store for one mode at `nowMs` and assembles the report (schedule and limits given). */
export async function collectStatus(args: {
  store: StorePort;
  mode: Mode;
  nowMs: number;
  stackNames: string[];
  region: string;
  schedule: RuleState | { error: string };
  limits?: StatusLimits;
}): Promise<StatusReport> {
  const { store, mode, nowMs } = args;
  const day = new Date(nowMs).toISOString().slice(0, 10);
  const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
  const [halt, today, positions, tradesToday, lastTick] = await Promise.all([
    store.getControl(mode),
    store.getDay(mode, day),
    store.listPositions(mode),
    store.listTrades(mode, dayStartMs, dayStartMs + ONE_DAY_MS - 1),
    store.getLastTick(mode),
  ]);
  return {
    stackNames: args.stackNames,
    region: args.region,
    mode,
    generatedAtIso: new Date(nowMs).toISOString(),
    day,
    schedule: args.schedule,
    halt,
    today,
    killSwitch: {
      tripped: today.killSwitchTripped,
      realizedPnlQuote: today.realizedPnlQuote,
      maxDailyLossQuote: args.limits?.maxDailyLossQuote ?? null,
    },
    limits: args.limits ?? null,
    positions: [...positions].sort((a, b) => a.pair.localeCompare(b.pair)),
    tradesToday: [...tradesToday].sort((a, b) => a.timestampMs - b.timestampMs),
    lastTick: lastTick
      ? {
          candleCloseIso: lastTick.candleCloseIso,
          completedAtIso: new Date(lastTick.completedAtMs).toISOString(),
          ageSeconds: Math.round((nowMs - lastTick.completedAtMs) / 1000),
          summary: lastTick.summary,
        }
      : null,
  };
}

/** Width of the label column in the human-readable report. */
const LABEL_WIDTH = 13;

/** The human-readable form of a report. */
export function formatStatus(report: StatusReport): string[] {
  const lines: string[] = [];
  const scheduleText =
    'error' in report.schedule
      ? `unknown (${report.schedule.error})`
      : `${report.schedule.state === 'ENABLED' ? 'running' : report.schedule.state === 'DISABLED' ? 'PAUSED' : report.schedule.state} (rule ${report.schedule.name}, ${report.schedule.state})`;
  const row = (label: string, text: string) => lines.push(`${label.padEnd(LABEL_WIDTH)}${text}`);
  row('stack', `${report.stackNames.join(' + ')} (${report.region})`);
  row('mode', report.mode);
  row('schedule', scheduleText);
  row('halt', formatHalt(report.halt));

  const { today, limits } = report;
  const cap = (value: number | undefined) => (value === undefined ? '' : ` of ${value}`);
  row('today', `${report.day} UTC: ${today.trades}${cap(limits?.maxTradesPerDay)} entries, ${today.exits} exits, realized P&L ${formatQuote(today.realizedPnlQuote, true)}`);
  const pairCounts = Object.entries(today.tradesByPair).sort(([a], [b]) => a.localeCompare(b));
  if (pairCounts.length > 0) {
    row('', `entries by pair: ${pairCounts.map(([pair, n]) => `${pair} ${n}${cap(limits?.maxTradesPerPairPerDay)}`).join(', ')}`);
  }
  const lossLimit = report.killSwitch.maxDailyLossQuote;
  row(
    'kill switch',
    `${report.killSwitch.tripped ? 'TRIPPED: entries halted until the next UTC day' : 'off'}` +
      (lossLimit === null ? ' (loss limit unknown)' : ` (trips at a realized loss of ${formatQuote(lossLimit)})`),
  );
  if (limits) {
    row('limits', `${limits.maxTradesPerDay} entries/day, ${limits.maxTradesPerPairPerDay} per pair/day, max daily loss ${formatQuote(limits.maxDailyLossQuote)}`);
  }
  row('last tick', formatLastTick(report));

  lines.push('');
  if (report.positions.length === 0) {
    lines.push('open positions: none');
  } else {
    lines.push(`open positions (${report.positions.length}):`);
    const nowMs = Date.parse(report.generatedAtIso);
    lines.push(
      ...textTable(
        ['pair', 'amount', 'entry', 'cost', 'stop', 'take-profit', 'trailing', 'held', 'strategy'],
        report.positions.map((p) => [
          p.pair,
          formatAmount(p.amountBase),
          formatAmount(p.entryPrice),
          formatQuote(p.costQuote),
          p.stopPrice === undefined ? '-' : formatAmount(p.stopPrice),
          p.takeProfitPrice === undefined ? '-' : formatAmount(p.takeProfitPrice),
          formatTrailing(p),
          formatAge(nowMs - p.entryTimeMs),
          p.strategy,
        ]),
      ).map((line) => `  ${line}`),
    );
  }

  lines.push('');
  if (report.tradesToday.length === 0) {
    lines.push('trades today: none');
  } else {
    lines.push(`trades today (${report.tradesToday.length}):`);
    lines.push(
      ...textTable(
        ['time (UTC)', 'pair', 'side', 'reason', 'amount', 'price', 'cost', 'fee', 'P&L'],
        report.tradesToday.map((t) => [
          new Date(t.timestampMs).toISOString().slice(11, 19),
          t.pair,
          t.side,
          t.reason,
          formatAmount(t.amountBase),
          formatAmount(t.price),
          formatQuote(t.costQuote),
          formatQuote(t.feeQuote),
          t.realizedPnlQuote === undefined ? '' : formatQuote(t.realizedPnlQuote, true),
        ]),
      ).map((line) => `  ${line}`),
    );
  }
  return lines;
}

function formatHalt(halt: ControlState): string {
  if (!halt.halted) return 'off';
  const scope = halt.haltExits ? 'entries AND exits halted' : 'entries halted, exits still run';
  const since = halt.updatedAtMs === undefined ? '' : ` since ${new Date(halt.updatedAtMs).toISOString()}`;
  return `ON: ${scope}${since}${halt.reason ? ` (${halt.reason})` : ''}`;
}

function formatTrailing(p: Position): string {
  if (!p.trailing) return '-';
  const distance = `${formatAmount(p.trailing.distanceFraction * 100)}%`;
  return p.trailing.armed
    ? `armed, ${distance} below ${formatAmount(p.trailing.highestPrice)}`
    : `${distance} from ${formatAmount(p.trailing.activationPrice)}`;
}

function formatLastTick(report: StatusReport): string {
  const tick = report.lastTick;
  if (!tick) return 'none yet';
  const age = formatAge(tick.ageSeconds * 1000);
  let text = `candle ${tick.candleCloseIso}, completed ${tick.completedAtIso} (${age} ago)`;
  const summary = summarizeTick(tick.summary);
  if (summary) text += `: ${summary}`;
  const scheduleOn = !('error' in report.schedule) && report.schedule.state === 'ENABLED';
  if (scheduleOn && tick.ageSeconds * 1000 > STALE_TICK_MS) text += `\n${' '.repeat(LABEL_WIDTH)}WARNING: no completed tick for ${age} although the schedule is enabled: check kbot logs`;
  return text;
}

/**
 * A one-line reading of a stored tick summary (functions/core/tick.ts `summarize`: orders,
 * skipped pairs, reconciled count, halt, equity, errors). Tolerant of any shape, since older
 * ticks may have stored less.
 */
export function summarizeTick(summary: unknown): string {
  if (typeof summary !== 'object' || summary === null) return '';
  const s = summary as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof s.status === 'string') parts.push(s.skipReason ? `${s.status} (${String(s.skipReason)})` : s.status);
  if (Array.isArray(s.orders)) {
    const orders = s.orders.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null);
    parts.push(
      orders.length === 0
        ? 'no orders'
        : `orders: ${orders.map((o) => [o.side, o.pair, o.reason, o.status].filter((v) => typeof v === 'string').join(' ')).join(', ')}`,
    );
  }
  if (Array.isArray(s.skipped) && s.skipped.length > 0) {
    const skipped = s.skipped.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
    parts.push(`skipped ${skipped.map((x) => `${String(x.pair)} (${String(x.reason)})`).join(', ')}`);
  }
  if (typeof s.reconciled === 'number' && s.reconciled > 0) parts.push(`${s.reconciled} reconciled`);
  if (typeof s.equityQuote === 'number') parts.push(`equity ${formatQuote(s.equityQuote)}`);
  const halt = s.halt as { entries?: unknown; reasons?: unknown } | undefined;
  if (halt && halt.entries === true) parts.push(`entries halted${Array.isArray(halt.reasons) && halt.reasons.length ? ` (${halt.reasons.join('; ')})` : ''}`);
  if (Array.isArray(s.errors)) parts.push(s.errors.length === 0 ? 'no errors' : `${s.errors.length} errors: ${s.errors.slice(0, 2).map(String).join('; ')}`);
  return parts.join(', ');
}

/**
 * `kbot status`: reads the rule state, the stack's mode (or `mode`), the function's limits and
 * the table, and prints the report (JSON with `json`). The rule and the limits are best-effort,
 * so a missing permission still shows the rest.
 */
export async function status(ctx: OpsContext, options: { json?: boolean; mode?: string }): Promise<StatusReport> {
  const outputs = await ctx.outputs();
  const mode = resolveMode(outputs, options.mode);
  const store = ctx.openStore(ctx.clients, requireOutput(outputs, 'TableName'));
  let schedule: RuleState | { error: string };
  try {
    schedule = await describeScheduleRule(ctx.clients.eventBridge, requireOutput(outputs, 'RuleName'));
  } catch (error) {
    schedule = { error: errorText(error) };
  }
  let limits: StatusLimits | undefined;
  try {
    limits = await readDeployedLimits(ctx.clients.lambda, requireOutput(outputs, 'FunctionName'));
  } catch (error) {
    ctx.io.err(`note: limits unknown (could not read the function's configuration: ${errorText(error)})`);
  }
  const report = await collectStatus({
    store,
    mode,
    nowMs: ctx.nowMs(),
    stackNames: outputs.stackNames,
    region: outputs.region,
    schedule,
    ...(limits ? { limits } : {}),
  });
  if (options.json) ctx.io.out(JSON.stringify(report, null, 2));
  else for (const line of formatStatus(report)) ctx.io.out(line);
  return report;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message) : String(error);
}
