// Use case support (Telegram): the record of every operator command sent from a chat. Like the
// tick's own audit of flatten and force-exit (log line `operator command`, alert kind `command`),
// plus an audit record in the table (`AUDIT#<mode>`, a year) naming the chat and the user.
import type { Alert, AlertsPort, LoggerPort, StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import type { OperatorOutcome } from './operator.js';

/** Who sent a command. */
export interface TelegramActor {
  chatId: number;
  userId?: number;
  username?: string;
}

export interface TelegramCommandAudit {
  command: string;
  requestId: string;
  actor: TelegramActor;
  /** How it was asked for: a slash command, a Confirm button, or a confirmed assistant proposal. */
  via: 'command' | 'button' | 'assistant-proposal';
  pair?: string;
  reason?: string;
  outcome: OperatorOutcome;
}

/** Commands whose audit alert the tick sends itself (they run inside the tick function). */
const ALERTED_BY_THE_TICK = new Set(['flatten', 'force-exit']);

export function actorName(actor: TelegramActor): string {
  return `telegram:chat:${actor.chatId}${actor.userId !== undefined ? `:user:${actor.userId}` : ''}${actor.username ? `:@${actor.username}` : ''}`;
}

/**
 * Writes the audit record, the WARN log line and (for commands the tick does not audit) the
 * command alert. Never throws: the command already ran, and its outcome must reach the chat.
 */
export async function auditTelegramCommand(
  deps: { store: Pick<StorePort, 'appendAudit'>; mode: Mode; logger: LoggerPort; alerts: AlertsPort; nowMs(): number },
  audit: TelegramCommandAudit,
): Promise<void> {
  const fields = {
    source: 'telegram',
    command: audit.command,
    requestId: audit.requestId,
    via: audit.via,
    actor: actorName(audit.actor),
    ...(audit.pair ? { pair: audit.pair } : {}),
    ...(audit.reason ? { reason: audit.reason } : {}),
    exitCode: audit.outcome.code,
    output: audit.outcome.lines.slice(0, 30).map((line) => line.slice(0, 300)),
  };
  deps.logger.warn('operator command', fields);
  try {
    await deps.store.appendAudit({ mode: deps.mode, atMs: deps.nowMs(), id: audit.requestId, action: `telegram-${audit.command}`, actor: actorName(audit.actor), details: fields });
  } catch (error) {
    deps.logger.error('audit record not written', { requestId: audit.requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  }
  if (!ALERTED_BY_THE_TICK.has(audit.command)) await deps.alerts.send(formatTelegramCommandAlert(deps.mode, audit));
}

/** A warning when the command did what was asked, critical when it failed: someone used the chat. */
export function formatTelegramCommandAlert(mode: Mode, audit: TelegramCommandAudit): Alert {
  const m = mode.toUpperCase();
  const verdict = audit.outcome.code === 0 ? 'done' : 'FAILED';
  return {
    severity: audit.outcome.code === 0 ? 'warning' : 'critical',
    kind: 'command',
    subject: `[${m}] telegram command ${audit.command}${audit.pair ? ` ${audit.pair}` : ''}: ${verdict}`.slice(0, 100),
    message: [
      `operator command ${audit.command} from ${actorName(audit.actor)} (${audit.via}), request id ${audit.requestId}`,
      ...audit.outcome.lines.slice(0, 20),
    ].join('\n'),
    sms: `${m} tg cmd ${audit.command}: ${verdict}`.slice(0, 140),
  };
}
