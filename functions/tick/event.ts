// Primary adapter support: turns a Lambda event into a tick input (schedule or operator command).
import { tickCommandSchema, type TickCommand } from '../core/commands.js';
import { ConfigError } from '../core/config.js';

/** The parts of an EventBridge scheduled event the tick reads. */
export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  time: string;
}

export type ParsedEvent = { kind: 'schedule'; scheduledTimeMs: number } | { kind: 'command'; command: TickCommand };

/** Thrown for events the function does not understand (nothing is traded). */
export class BadEventError extends ConfigError {}

/** Recognizes an EventBridge scheduled event or a `{ "kbot": { command } }` event. */
export function parseTickEvent(event: unknown): ParsedEvent {
  if (event && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    if (e['detail-type'] === 'Scheduled Event' && e.source === 'aws.events') {
      const t = typeof e.time === 'string' ? Date.parse(e.time) : Number.NaN;
      if (!Number.isFinite(t)) throw new BadEventError(`scheduled event has an invalid time: ${JSON.stringify(e.time)}`);
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
