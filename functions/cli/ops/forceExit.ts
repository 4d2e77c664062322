// Operator CLI (kbot ops): force-exit. Invokes the tick function's exit-commands alias with a
// force-exit command for one pair (the same alias and invoke as `kbot flatten`), which sells that
// position at market through the order protocol, then reports the order from the TickResult.
// Shared by the Telegram /forceexit button; `aws lambda invoke` sends the same event by hand.
import { randomBytes } from 'node:crypto';
import { tickCommandSchema } from '../../core/commands.js';
import type { OrderOutcome, TickResult } from '../../core/tickResult.js';
import { exitCommandsTarget, invokeTick } from './flatten.js';
import type { OpsContext } from './opsContext.js';
import { formatAmount, formatQuote } from './textTable.js';

/** The Lambda event carrying a force-exit (see functions/core/commands.ts). */
export interface ForceExitEvent {
  kbot: { command: 'force-exit'; pair: string; requestId: string };
}

/** A request id unique to this run; a retried invoke carries the same one and sells once. */
export function newForceExitRequestId(nowMs: number): string {
  return `force-exit-${new Date(nowMs).toISOString()}-${randomBytes(4).toString('hex')}`;
}

/** Builds the event, checked against the schema the function parses commands with. */
export function forceExitEvent(pair: string, requestId: string): ForceExitEvent {
  tickCommandSchema.parse({ command: 'force-exit', pair, requestId });
  return { kbot: { command: 'force-exit', pair, requestId } };
}

const DONE: ReadonlySet<OrderOutcome['status']> = new Set(['filled', 'validated']);

/** Prints a force-exit's outcome; returns the exit code (0 when the position was sold). */
export function reportForceExit(ctx: Pick<OpsContext, 'io'>, result: TickResult, pair: string, requestId: string): number {
  const { io } = ctx;
  const command = result.command;
  if (!command || command.requestId !== requestId) {
    io.err(`the tick (${result.status}${result.skipReason ? `: ${result.skipReason}` : ''}) did not report the force-exit ${requestId}: check kbot status and kbot logs`);
    return 1;
  }
  if (command.refused) {
    io.err(`force-exit ${pair} refused: ${command.refused}`);
    return 1;
  }
  for (const error of result.errors) io.err(`tick error: ${error}`);
  if (command.outcome.length === 0) {
    io.err(`no ${result.mode} ${pair} position was sold: none was open, or it was below the market minimum`);
    return 1;
  }
  for (const o of command.outcome) {
    io.out(
      `force-exit ${o.pair} (${result.mode}, request ${requestId}): ${o.side} ${o.status}` +
        `${o.amountBase === undefined ? '' : ` ${formatAmount(o.amountBase)}`}${o.price === undefined ? '' : ` @ ${formatAmount(o.price)}`}` +
        `${o.feeQuote === undefined ? '' : `, fee ${formatQuote(o.feeQuote)}`}${o.realizedPnlQuote === undefined ? '' : `, P&L ${formatQuote(o.realizedPnlQuote, true)}`}${o.error ? ` (${o.error})` : ''}`,
    );
  }
  const unfinished = command.outcome.filter((o) => !DONE.has(o.status));
  if (unfinished.length > 0) {
    io.err(`${pair} not sold (${unfinished.map((o) => o.status).join(', ')}): a pending order is reconciled by the next tick; check kbot status`);
    return 1;
  }
  return 0;
}

/**
 * Force-exit `pair`: invokes the exit-commands alias (never the entry alias: selling only reduces
 * exposure) and reports. The caller confirms first; there is no prompt here. Returns the exit code.
 */
export async function forceExit(ctx: OpsContext, options: { pair: string; requestId?: string; busyRetryDelaysMs?: readonly number[] }): Promise<number> {
  const outputs = await ctx.outputs();
  const { functionName } = exitCommandsTarget(outputs);
  const requestId = options.requestId ?? newForceExitRequestId(ctx.nowMs());
  const event = forceExitEvent(options.pair, requestId);
  ctx.io.err(`invoking ${functionName} with force-exit ${options.pair} request ${requestId} ...`);
  const outcome = await invokeTick(ctx.clients.lambda, functionName, event, options.busyRetryDelaysMs);
  if (!outcome.ok) {
    ctx.io.err(`the function failed (${outcome.errorType}): ${outcome.errorMessage}`);
    return 1;
  }
  return reportForceExit(ctx, outcome.result, options.pair, requestId);
}
