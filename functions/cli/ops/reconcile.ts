// Operator CLI: `kbot reconcile`. Asks the tick function (deployed) or the local handler (paper on
// this machine) to compare Kraken's holdings with the bot's positions, and optionally to adopt a
// surplus, release a position record, or accept a difference as the owner's own coins.
import { randomBytes } from 'node:crypto';
import { tickCommandSchema } from '../../core/commands.js';
import type { ReconcileReport } from '../../core/reconcileCommand.js';
import type { TickResult } from '../../core/tickResult.js';
import { exitCommandsTarget, invokeTick } from './flatten.js';
import type { OpsContext } from './opsContext.js';
import type { OpsIo } from './opsIo.js';
import { formatAmount, textTable } from './textTable.js';

export type ReconcileAction = 'show' | 'adopt' | 'release' | 'accept';

/** The command event, checked against the schema the function parses commands with. */
export function reconcileEvent(action: ReconcileAction, pair: string | undefined, requestId: string): { kbot: Record<string, unknown> } {
  const command = { command: 'reconcile', action, ...(pair ? { pair } : {}), requestId };
  tickCommandSchema.parse(command);
  return { kbot: command };
}

/** A request id unique to this run; a retried invoke carries the same one and changes nothing twice. */
export function newReconcileRequestId(nowMs: number): string {
  return `reconcile-${new Date(nowMs).toISOString()}-${randomBytes(4).toString('hex')}`;
}

const WHAT: Record<Exclude<ReconcileAction, 'show'>, (pair: string) => string> = {
  adopt: (pair) => `take the surplus ${pair.split('/')[0]} Kraken holds into the bot's ${pair} position, at the current price`,
  release: (pair) => `drop the bot's ${pair} position record (the bot stops tracking and selling it)`,
  accept: (pair) => `record the ${pair.split('/')[0]} difference as your own coins, outside the bot`,
};

/** Prints a reconcile's outcome (a table, or one JSON document); returns the exit code. */
export function reportReconcile(io: Pick<OpsIo, 'out' | 'err'>, result: TickResult, requestId: string, json: boolean): number {
  const command = result.command;
  if (!command || command.requestId !== requestId || !command.reconcile) {
    io.err(`the function did not report the reconcile request ${requestId} (${result.status}${result.skipReason ? `: ${result.skipReason}` : ''})`);
    return 1;
  }
  const report: ReconcileReport = command.reconcile;
  if (json) {
    io.out(JSON.stringify({ mode: result.mode, ...report, ...(command.refused ? { refused: command.refused } : {}), errors: result.errors }));
    return command.refused ? 1 : 0;
  }
  io.out(`holdings (${result.mode}): Kraken against the bot's positions`);
  const rows = report.holdings.map((h) => [
    h.asset,
    h.status,
    h.krakenBase === undefined ? '' : formatAmount(h.krakenBase),
    h.externalBase === undefined ? '' : formatAmount(h.externalBase),
    h.dustBase ? formatAmount(h.dustBase) : '',
    formatAmount(h.botBase),
    h.diffBase === undefined ? '' : formatAmount(h.diffBase),
    h.detail ?? '',
  ]);
  for (const line of textTable(['asset', 'status', 'kraken', "owner's", 'dust', 'bot', 'difference', 'detail'], rows)) io.out(`  ${line}`);
  for (const error of result.errors) io.err(`tick error: ${error}`);
  if (command.refused) {
    io.err(`${report.action} refused: ${command.refused}`);
    return 1;
  }
  if (report.done) io.out(report.done);
  const mismatched = report.holdings.filter((h) => h.status === 'mismatch');
  if (report.action === 'show' && mismatched.length > 0) {
    io.out(
      `to resolve: kbot reconcile --adopt PAIR (surplus: the coins become the bot's), --release PAIR (the bot's record has no coins behind it), or --accept PAIR (the difference is yours)`,
    );
  }
  return 0;
}

/**
 * `kbot reconcile` against the deployed stack: confirms an action (unless `yes`), invokes the
 * function with the command and reports.
 */
export async function reconcile(
  ctx: OpsContext,
  options: { action: ReconcileAction; pair?: string; yes?: boolean; json?: boolean; busyRetryDelaysMs?: readonly number[] },
): Promise<number> {
  const outputs = await ctx.outputs();
  // The exit-commands alias: reconcile changes records, never buys.
  const { functionName } = exitCommandsTarget(outputs);
  if (options.action !== 'show' && !options.yes) {
    const answer = await ctx.io.prompt(`${WHAT[options.action](options.pair ?? '')} (stack ${outputs.stackNames[0]}, ${outputs.region})? [y/N] `);
    if (!answer || !/^y(es)?$/i.test(answer.trim())) {
      ctx.io.err(`not ${options.action}ed: nothing was changed`);
      return 1;
    }
  }
  const requestId = newReconcileRequestId(ctx.nowMs());
  const event = reconcileEvent(options.action, options.pair, requestId);
  ctx.io.err(`invoking ${functionName} with reconcile request ${requestId} ...`);
  const outcome = await invokeTick(ctx.clients.lambda, functionName, event, options.busyRetryDelaysMs);
  if (!outcome.ok) {
    ctx.io.err(`the function failed (${outcome.errorType}): ${outcome.errorMessage}`);
    return 1;
  }
  return reportReconcile(ctx.io, outcome.result, requestId, options.json ?? false);
}
