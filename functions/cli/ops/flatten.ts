// Operator CLI (kbot ops): `kbot flatten`. Invokes the tick function's exit-commands alias with a
// flatten command, which sells every open position at market through the order protocol and halts
// entries, then reports each order's outcome from the returned TickResult.
import { randomBytes } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { tickCommandSchema } from '../../core/commands.js';
import type { OrderOutcome, TickResult } from '../../core/tickResult.js';
import type { Mode } from '../../core/types.js';
import type { OpsContext } from './opsContext.js';
import { OpsError } from './opsIo.js';
import { requireOutput, type StackOutputs } from './stackOutputs.js';
import { formatAmount, formatQuote, textTable } from './textTable.js';

/** The Lambda event carrying an operator command (see functions/core/commands.ts). */
export interface FlattenEvent {
  kbot: { command: 'flatten'; requestId: string };
}

/**
 * A request id unique to this run: retries of the same Invoke (by the SDK) carry the same id, so
 * the function derives the same client order ids and cannot sell twice for one request.
 */
export function newFlattenRequestId(nowMs: number): string {
  return `flatten-${new Date(nowMs).toISOString()}-${randomBytes(4).toString('hex')}`;
}

/**
 * What flatten invokes: the exit-commands alias, the only path the function takes flatten and
 * force-exit through. A stack deployed before the aliases has no such output, and its function
 * still takes commands unqualified, so the function name is used then.
 */
export function exitCommandsTarget(outputs: StackOutputs): { functionName: string; viaAlias: boolean } {
  const alias = outputs.values.ExitCommandsAliasArn;
  if (alias) return { functionName: alias, viaAlias: true };
  return { functionName: requireOutput(outputs, 'FunctionName'), viaAlias: false };
}

/** Builds the flatten event, checked against the schema the function parses commands with. */
export function flattenEvent(requestId: string): FlattenEvent {
  tickCommandSchema.parse({ command: 'flatten', requestId });
  return { kbot: { command: 'flatten', requestId } };
}

/** What the function answered: the TickResult, or the function's own error. */
export type InvokeOutcome = { ok: true; result: TickResult } | { ok: false; errorType: string; errorMessage: string };

/**
 * Waits between invoke attempts while the function is busy. Reserved concurrency 1 throttles an
 * invoke that arrives during a scheduled tick (up to the 90 s timeout), so retry for about two minutes.
 * Retrying is safe: the command's request id makes it idempotent.
 */
export const BUSY_RETRY_DELAYS_MS: readonly number[] = [2_000, 5_000, 10_000, 20_000, 30_000, 30_000, 30_000];

/** Invokes the function synchronously with `event` and decodes its reply. */
export async function invokeTick(
  lambda: LambdaClient,
  functionName: string,
  event: unknown,
  busyRetryDelaysMs: readonly number[] = BUSY_RETRY_DELAYS_MS,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<InvokeOutcome> {
  let reply;
  for (let attempt = 0; ; attempt++) {
    try {
      reply = await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
      break;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name !== 'TooManyRequestsException') throw error;
      const delay = busyRetryDelaysMs[attempt];
      if (delay === undefined) {
        throw new OpsError('the function is busy (a scheduled tick is running; it runs one at a time): try again in a minute');
      }
      await sleep(delay);
    }
  }
  const text = reply.Payload ? new TextDecoder().decode(reply.Payload) : '';
  let payload: unknown;
  try {
    payload = text ? JSON.parse(text) : undefined;
  } catch {
    payload = text;
  }
  if (reply.FunctionError) {
    const body = (typeof payload === 'object' && payload !== null ? payload : {}) as { errorType?: unknown; errorMessage?: unknown };
    return {
      ok: false,
      errorType: typeof body.errorType === 'string' ? body.errorType : reply.FunctionError,
      errorMessage: typeof body.errorMessage === 'string' ? body.errorMessage : typeof payload === 'string' ? payload : JSON.stringify(payload),
    };
  }
  if (typeof payload !== 'object' || payload === null || !('mode' in payload)) {
    throw new OpsError(`the function returned something that is not a tick result: ${text.slice(0, 200)}`);
  }
  return { ok: true, result: payload as TickResult };
}

/** Order outcomes that mean the position was sold (or checked, in validate-only live mode). */
const DONE: ReadonlySet<OrderOutcome['status']> = new Set(['filled', 'validated']);

/** Prints a flatten's outcome; returns the exit code (0 when every position was sold). */
export function reportFlatten(ctx: Pick<OpsContext, 'io'>, result: TickResult, requestId: string): number {
  const { io } = ctx;
  const command = result.command;
  if (!command || command.requestId !== requestId) {
    io.err(`the tick (${result.status}${result.skipReason ? `: ${result.skipReason}` : ''}) did not report the flatten command ${requestId}: check kbot status and kbot logs`);
    return 1;
  }
  if (command.refused) {
    io.err(`flatten refused: ${command.refused}`);
    return 1;
  }
  if (command.outcome.length === 0) {
    io.out(`no ${result.mode} position was sold: none was open, or none was above the market minimum.`);
  } else {
    io.out(`flatten (${result.mode}, request ${requestId}):`);
    const rows = command.outcome.map((o) => [
      o.pair,
      o.side,
      o.status,
      o.amountBase === undefined ? '' : formatAmount(o.amountBase),
      o.price === undefined ? '' : formatAmount(o.price),
      o.feeQuote === undefined ? '' : formatQuote(o.feeQuote),
      o.realizedPnlQuote === undefined ? '' : formatQuote(o.realizedPnlQuote, true),
      o.error ?? '',
    ]);
    for (const line of textTable(['pair', 'side', 'status', 'amount', 'price', 'fee', 'P&L', 'error'], rows)) io.out(`  ${line}`);
  }
  for (const error of result.errors) io.err(`tick error: ${error}`);
  io.out('entries are halted: run kbot unhalt to let the bot open positions again.');
  const unfinished = command.outcome.filter((o) => !DONE.has(o.status));
  if (unfinished.length > 0) {
    io.err(
      `${unfinished.length} position(s) not sold (${unfinished.map((o) => `${o.pair}: ${o.status}`).join(', ')}): ` +
        'pending orders are reconciled by the next tick; check kbot status, and run kbot flatten again if positions remain',
    );
    return 1;
  }
  return 0;
}

/**
 * `kbot flatten`: confirms (unless `yes`), invokes the function and reports. Returns the exit
 * code; a FunctionError from Lambda is printed and gives 1. `requestId` (default: a new one per
 * run) lets a caller that confirmed elsewhere (the Telegram button) repeat the same request.
 */
export async function flatten(ctx: OpsContext, options: { yes?: boolean; busyRetryDelaysMs?: readonly number[]; requestId?: string }): Promise<number> {
  const outputs = await ctx.outputs();
  const { functionName, viaAlias } = exitCommandsTarget(outputs);
  // Only shown to the operator: a missing Mode output must not block an emergency flatten.
  const mode = outputs.values.Mode ?? 'deployed';
  if (!options.yes) {
    const answer = await ctx.io.prompt(
      `Sell every open ${mode.toUpperCase()} position at market now and halt entries (stack ${outputs.stackNames[0]}, ${outputs.region})? [y/N] `,
    );
    if (!answer || !/^y(es)?$/i.test(answer.trim())) {
      ctx.io.err('not flattened: nothing was sent');
      return 1;
    }
  }
  const requestId = options.requestId ?? newFlattenRequestId(ctx.nowMs());
  if (!viaAlias) ctx.io.err('note: the stack has no ExitCommandsAliasArn output (deployed before the command aliases); invoking the function itself');
  ctx.io.err(`invoking ${functionName} with flatten request ${requestId} ...`);
  const outcome = await invokeTick(ctx.clients.lambda, functionName, flattenEvent(requestId), options.busyRetryDelaysMs);
  if (!outcome.ok) {
    ctx.io.err(`the function failed (${outcome.errorType}): ${outcome.errorMessage}`);
    ctx.io.err('positions may be partly sold: check kbot status and kbot logs before trying again');
    return 1;
  }
  const code = reportFlatten(ctx, outcome.result, requestId);
  return Math.max(code, await reportRemainingPositions(ctx, outcome.result.mode));
}

/**
 * Reads the table after the flatten and lists positions still open (a pending sell, an amount
 * below the market minimum). Returns 1 when some remain; best-effort, since reading the table
 * needs permissions the flatten itself does not.
 */
async function reportRemainingPositions(ctx: OpsContext, mode: Mode): Promise<number> {
  const tableName = (await ctx.outputs()).values.TableName;
  if (!tableName) return 0;
  try {
    const remaining = await ctx.openStore(ctx.clients, tableName).listPositions(mode);
    if (remaining.length === 0) {
      ctx.io.out(`no open ${mode} positions remain.`);
      return 0;
    }
    ctx.io.err(`still open: ${remaining.map((p) => `${p.pair} ${formatAmount(p.amountBase)}`).join(', ')}: a pending sell is settled by the next tick; an amount below the market minimum cannot be sold by the bot (see kbot status)`);
    return 1;
  } catch (error) {
    ctx.io.err(`note: could not read the remaining positions (${error instanceof Error ? error.message : String(error)}): check kbot status`);
    return 0;
  }
}
