// Dashboard: force-exit of one deployed position. The operator CLI has no command for it yet, so
// this is built from the CLI's own pieces: the exit-commands alias (the door flatten uses), the
// same invoke with its busy retries, and the function's command schema; it never writes the table.
import { randomBytes } from 'node:crypto';
import { tickCommandSchema } from '../core/commands.js';
import type { TickResult } from '../core/tickResult.js';
import { exitCommandsTarget, invokeTick } from '../cli/ops/flatten.js';
import type { OpsContext } from '../cli/ops/opsContext.js';
import { formatAmount, formatQuote } from '../cli/ops/textTable.js';

/** The force-exit event, checked against the schema the function parses commands with. */
export function forceExitEvent(pair: string, requestId: string): { kbot: { command: 'force-exit'; pair: string; requestId: string } } {
  tickCommandSchema.parse({ command: 'force-exit', pair, requestId });
  return { kbot: { command: 'force-exit', pair, requestId } };
}

/** A request id unique to this click: a retried invoke carries the same id and cannot sell twice. */
export function newForceExitRequestId(nowMs: number): string {
  return `force-exit-${new Date(nowMs).toISOString()}-${randomBytes(4).toString('hex')}`;
}

/** Prints what a force-exit did from the TickResult; returns the exit code (0: sold). */
export function reportForceExit(ctx: Pick<OpsContext, 'io'>, result: TickResult, requestId: string, pair: string): number {
  const command = result.command;
  if (!command || command.requestId !== requestId) {
    ctx.io.err(`the tick (${result.status}) did not report the force-exit ${requestId}: check kbot status and kbot logs`);
    return 1;
  }
  if (command.refused) {
    ctx.io.err(`force-exit ${pair} refused: ${command.refused}`);
    return 1;
  }
  for (const o of command.outcome) {
    ctx.io.out(
      `force-exit ${o.pair} (${result.mode}, request ${requestId}): ${o.status}` +
        `${o.amountBase !== undefined ? ` ${formatAmount(o.amountBase)}` : ''}${o.price !== undefined ? ` @ ${formatAmount(o.price)}` : ''}` +
        `${o.feeQuote !== undefined ? ` fee ${formatQuote(o.feeQuote)}` : ''}${o.realizedPnlQuote !== undefined ? ` P&L ${formatQuote(o.realizedPnlQuote, true)}` : ''}${o.error ? ` (${o.error})` : ''}`,
    );
  }
  for (const e of result.errors) ctx.io.err(`tick error: ${e}`);
  return command.outcome.length > 0 && command.outcome.every((o) => o.status === 'filled' || o.status === 'validated') ? 0 : 1;
}

/** Invokes the deployed function's exit-commands alias with a force-exit of `pair`; returns the exit code. */
export async function forceExit(ctx: OpsContext, pair: string): Promise<number> {
  const outputs = await ctx.outputs();
  const { functionName } = exitCommandsTarget(outputs);
  const requestId = newForceExitRequestId(ctx.nowMs());
  ctx.io.err(`invoking ${functionName} with force-exit ${pair} request ${requestId} ...`);
  const outcome = await invokeTick(ctx.clients.lambda, functionName, forceExitEvent(pair, requestId));
  if (!outcome.ok) {
    ctx.io.err(`the function failed (${outcome.errorType}): ${outcome.errorMessage}`);
    return 1;
  }
  return reportForceExit(ctx, outcome.result, requestId, pair);
}
