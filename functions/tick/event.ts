// Primary adapter support: turns a Lambda event into a tick input (schedule or operator command),
// and decides whether the path it arrived through (the Lambda alias) may carry it.
import { tickCommandSchema, type TickCommand } from '../core/commands.js';
import { ConfigError } from '../core/config.js';

/** The parts of an EventBridge scheduled event the tick reads. */
export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  time: string;
}

export type ParsedEvent = { kind: 'schedule'; scheduledTimeMs: number } | { kind: 'command'; command: TickCommand };

/** Thrown for events the function refuses (nothing is claimed, nothing is traded). */
export class BadEventError extends ConfigError {}

/** Thrown for a well-formed command that arrived through a path not allowed to carry it. */
export class CommandRefusedError extends BadEventError {}

/**
 * How far EventBridge's `time` may lie ahead of the clock. EventBridge stamps the scheduled minute
 * and delivers after it, so a time ahead is clock skew (milliseconds in practice), or a forged
 * event: the tick would sleep until it and then claim a candle that has not closed yet.
 */
export const MAX_EVENT_LEAD_MS = 60_000;

/**
 * How far EventBridge's `time` may lie behind the clock. A genuine event can arrive late: the
 * rule retries delivery for up to its maximum event age (4 minutes) and Lambda's own queue holds
 * an event up to the function's maximum event age (4 minutes) while a tick still runs. Older than
 * that, it is a replay. The CDK stack checks its two event ages fit inside this window.
 */
export const MAX_EVENT_AGE_MS = 10 * 60_000;

/** Recognizes an EventBridge scheduled event or a `{ "kbot": { command } }` event. */
export function parseTickEvent(event: unknown): ParsedEvent {
  if (event && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    if (e['detail-type'] === 'Scheduled Event' && e.source === 'aws.events') {
      const t = typeof e.time === 'string' ? Date.parse(e.time) : Number.NaN;
      if (!Number.isFinite(t)) throw new BadEventError(`scheduled event has an invalid time: ${describeValue(e.time)}`);
      return { kind: 'schedule', scheduledTimeMs: t };
    }
    if ('kbot' in e) {
      const parsed = tickCommandSchema.safeParse(e.kbot);
      if (!parsed.success) {
        const lines = parsed.error.issues.map((i) => `  kbot.${i.path.join('.')}: ${i.message}`);
        throw new BadEventError(`invalid command event:\n${lines.join('\n')}`);
      }
      return { kind: 'command', command: parsed.data };
    }
  }
  throw new BadEventError('unrecognized event: expected an EventBridge "Scheduled Event" or {"kbot":{"command":...}}');
}

/**
 * Refuses a scheduled event whose `time` is more than `MAX_EVENT_LEAD_MS` ahead of `nowMs` or
 * more than `MAX_EVENT_AGE_MS` behind it.
 */
export function checkScheduledTime(scheduledTimeMs: number, nowMs: number): void {
  const aheadMs = scheduledTimeMs - nowMs;
  if (aheadMs > MAX_EVENT_LEAD_MS || -aheadMs > MAX_EVENT_AGE_MS) {
    const when = aheadMs > 0 ? `${formatDuration(aheadMs)} ahead of` : `${formatDuration(-aheadMs)} behind`;
    throw new BadEventError(
      `scheduled event time ${new Date(scheduledTimeMs).toISOString()} is ${when} the clock (${new Date(nowMs).toISOString()}); ` +
        `accepted: at most ${MAX_EVENT_LEAD_MS / 1000} s ahead and ${MAX_EVENT_AGE_MS / 60_000} min behind`,
    );
  }
}

/**
 * The Lambda aliases, one per invocation path. The schedule invokes `schedule`; operators invoke
 * `exit-commands` (flatten, force-exit: they only reduce exposure) or `entry-commands`
 * (force-entry: it adds exposure), each behind its own lambda:InvokeFunction grant.
 */
export const INVOCATION_ALIASES = {
  schedule: 'schedule',
  exitCommands: 'exit-commands',
  entryCommands: 'entry-commands',
} as const;

export type InvocationAlias = (typeof INVOCATION_ALIASES)[keyof typeof INVOCATION_ALIASES];

/** The alias an operator command must come through. */
export function aliasForCommand(command: TickCommand['command']): InvocationAlias {
  return command === 'force-entry' ? INVOCATION_ALIASES.entryCommands : INVOCATION_ALIASES.exitCommands;
}

/**
 * The path an invocation came through: in Lambda, the qualifier of `context.invokedFunctionArn`
 * (`arn:aws:lambda:<region>:<account>:function:<name>:<alias>`; absent for the unqualified
 * function, a number for a version); outside Lambda (no ARN: the demo, paper trading on a laptop,
 * tests) `local`, which accepts everything since the caller is the operator's own process.
 */
export type InvocationPath = { kind: 'local' } | { kind: 'lambda'; qualifier: string | undefined };

export function invocationPath(context: { invokedFunctionArn?: string } | undefined): InvocationPath {
  const arn = context?.invokedFunctionArn;
  if (!arn) return { kind: 'local' };
  const parts = arn.split(':');
  // arn:partition:lambda:region:account:function:name[:qualifier]
  return { kind: 'lambda', qualifier: parts.length > 7 ? parts.slice(7).join(':') : undefined };
}

/** Describes a path for logs and refusals. */
export function describePath(path: InvocationPath): string {
  if (path.kind === 'local') return 'local';
  return path.qualifier === undefined ? 'the unqualified function' : `qualifier ${path.qualifier}`;
}

/**
 * Refuses an event the path may not carry: the schedule alias takes scheduled events only, each
 * command alias its own commands only, and anything else (the unqualified function, a version
 * number, an unknown alias) nothing at all. Local runs take everything.
 */
export function checkInvocationPath(parsed: ParsedEvent, path: InvocationPath): void {
  if (path.kind === 'local') return;
  const expected = parsed.kind === 'schedule' ? INVOCATION_ALIASES.schedule : aliasForCommand(parsed.command.command);
  if (path.qualifier === expected) return;
  const what = parsed.kind === 'schedule' ? 'a scheduled event' : `command ${parsed.command.command}`;
  const message = `${what} arrived through ${describePath(path)}; it is accepted only through the alias ${expected}`;
  throw parsed.kind === 'command' ? new CommandRefusedError(message) : new BadEventError(message);
}

/** A short, single-line rendering of an untrusted value for error messages and logs. */
export function describeValue(value: unknown, maxChars = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}...` : text;
}

function formatDuration(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 3 * 86_400_000) return `${Math.round(ms / 3_600_000)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}
