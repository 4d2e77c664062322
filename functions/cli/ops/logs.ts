// Operator CLI (kbot ops): `kbot logs`. Reads the tick function's CloudWatch log group
// (FilterLogEvents) and prints Powertools' JSON lines compactly; `--follow` polls until Ctrl-C.
import { FilterLogEventsCommand, type CloudWatchLogsClient, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import type { OpsContext } from './opsContext.js';
import { OpsError } from './opsIo.js';
import { requireOutput } from './stackOutputs.js';

/** Keys every Powertools/Lambda line carries; hidden because they repeat on every line. */
const ENVELOPE_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'time',
  'service',
  'cold_start',
  'function_name',
  'function_memory_size',
  'function_arn',
  'function_request_id',
  'xray_trace_id',
  'sampling_rate',
  'correlation_id',
  'requestId',
  'logger',
]);

/** Fields worth showing first when a line has them; the rest follow in their order. */
const KEY_FIELDS = ['mode', 'candleCloseIso', 'candle', 'pair', 'side', 'reason', 'status', 'clientOrderId', 'durationMs'];

const MAX_FIELDS = 8;
const MAX_VALUE_CHARS = 120;

/**
 * Parses `15m`, `2h`, `30s`, `1d` (ago from `nowMs`) or an ISO time into epoch milliseconds.
 */
export function parseSince(text: string, nowMs: number): number {
  const relative = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/i.exec(text.trim());
  if (relative) {
    const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'];
    return nowMs - Number(relative[1]) * unitMs;
  }
  const absoluteMs = Date.parse(text);
  if (Number.isFinite(absoluteMs)) return absoluteMs;
  throw new OpsError(`--since must be a duration like 15m, 2h, 1d or an ISO time, got ${JSON.stringify(text)}`);
}

function scalar(value: unknown): string {
  if (value instanceof Object && 'message' in value && typeof (value as { message: unknown }).message === 'string') {
    const error = value as { name?: unknown; message: string };
    return typeof error.name === 'string' ? `${error.name}: ${error.message}` : error.message;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  const shown = flat.length > MAX_VALUE_CHARS ? `${flat.slice(0, MAX_VALUE_CHARS - 1)}…` : flat;
  return /[\s"=]/.test(shown) && typeof value === 'string' ? JSON.stringify(shown) : shown;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(text.slice(start));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A Lambda platform report (JSON log format) as one short line. */
function formatPlatform(record: Record<string, unknown>): string | undefined {
  if (record.type !== 'platform.report') return undefined;
  const metrics = (record.record as { metrics?: Record<string, unknown> } | undefined)?.metrics ?? {};
  const parts = [`duration=${String(metrics.durationMs)}ms`, `billed=${String(metrics.billedDurationMs)}ms`, `maxMemory=${String(metrics.maxMemoryUsedMB)}MB`];
  if (metrics.initDurationMs !== undefined) parts.push(`init=${String(metrics.initDurationMs)}ms`);
  return `REPORT ${parts.join(' ')}`;
}

/**
 * One log event as one line: `time LEVEL message key=value ...`. Powertools JSON is read for its
 * level, message and a few fields; Lambda's START/END lines are dropped (undefined); other text
 * is printed as it is.
 */
export function formatLogEvent(event: FilteredLogEvent): string | undefined {
  const raw = (event.message ?? '').trim();
  const fallbackTime = event.timestamp === undefined ? '' : new Date(event.timestamp).toISOString();
  if (/^(START|END) RequestId:/.test(raw)) return undefined;
  if (/^REPORT RequestId:/.test(raw)) {
    return `${fallbackTime} REPORT ${raw.replace(/^REPORT RequestId: \S+\s*/, '').replace(/\s+/g, ' ')}`;
  }
  const record = parseJsonObject(raw);
  if (!record) return `${fallbackTime} ${raw.replace(/\s+/g, ' ')}`;
  if (typeof record.type === 'string' && record.type.startsWith('platform.')) {
    const report = formatPlatform(record);
    return report === undefined ? undefined : `${fallbackTime} ${report}`;
  }

  const time = typeof record.timestamp === 'string' ? record.timestamp : typeof record.time === 'string' ? record.time : fallbackTime;
  const level = String(record.level ?? 'INFO').toUpperCase().padEnd(5);
  const message = typeof record.message === 'string' ? record.message : JSON.stringify(record.message ?? '');
  const keys = Object.keys(record).filter((key) => !ENVELOPE_KEYS.has(key) && record[key] !== undefined && record[key] !== null);
  keys.sort((a, b) => rank(a) - rank(b));
  const fields = keys.slice(0, MAX_FIELDS).map((key) => `${key}=${scalar(record[key])}`);
  if (keys.length > MAX_FIELDS) fields.push(`(+${keys.length - MAX_FIELDS} more)`);
  return [time, level, message, ...fields].join(' ').trimEnd();
}

function rank(key: string): number {
  const index = KEY_FIELDS.indexOf(key);
  // Errors come first: they are why people read logs.
  if (key === 'error') return -1;
  return index < 0 ? KEY_FIELDS.length : index;
}

/** Every event from `startTimeMs` on, across pages, capped at `maxEvents`. */
async function fetchEvents(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  startTimeMs: number,
  filterPattern: string | undefined,
  maxEvents: number,
): Promise<{ events: FilteredLogEvent[]; truncated: boolean }> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime: Math.floor(startTimeMs),
        ...(filterPattern ? { filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
    if (events.length >= maxEvents) return { events: events.slice(0, maxEvents), truncated: true };
  } while (nextToken);
  return { events, truncated: false };
}

export interface LogsOptions {
  since?: string;
  follow?: boolean;
  /** CloudWatch filter pattern, e.g. `ERROR` or `{ $.level = "ERROR" }`. */
  filter?: string;
  /** Stops `follow` (Ctrl-C). */
  signal?: AbortSignal;
  /** Waits between polls; injectable so tests do not wait. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  pollMs?: number;
  maxEvents?: number;
}

/** Late-arriving events (CloudWatch ingests with a delay) are caught by re-reading this far back. */
const FOLLOW_OVERLAP_MS = 60_000;

/**
 * `kbot logs`: prints the log group's events since `since` (default 15m) in time order, then,
 * with `follow`, polls for new ones until the signal aborts. Events are de-duplicated by id.
 * Returns how many events were printed.
 */
export async function logs(ctx: OpsContext, options: LogsOptions): Promise<number> {
  const logGroupName = requireOutput(await ctx.outputs(), 'LogGroupName');
  const sleep = options.sleep ?? abortableSleep;
  const pollMs = options.pollMs ?? 5_000;
  const maxEvents = options.maxEvents ?? 10_000;
  let startTimeMs = parseSince(options.since ?? '15m', ctx.nowMs());
  const seen = new Map<string, number>();
  let printed = 0;

  while (!options.signal?.aborted) {
    const { events, truncated } = await fetchEvents(ctx.clients.logs, logGroupName, startTimeMs, options.filter, maxEvents);
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0) || (a.ingestionTime ?? 0) - (b.ingestionTime ?? 0));
    let newestMs = startTimeMs;
    for (const event of events) {
      const id = event.eventId ?? `${event.logStreamName}:${event.timestamp}:${event.message}`;
      newestMs = Math.max(newestMs, event.timestamp ?? 0);
      if (seen.has(id)) continue;
      seen.set(id, event.timestamp ?? 0);
      const line = formatLogEvent(event);
      if (line !== undefined) {
        ctx.io.out(line);
        printed++;
      }
    }
    if (truncated) ctx.io.err(`(stopped after ${maxEvents} events: use a shorter --since or a --filter)`);
    if (!options.follow) break;
    startTimeMs = Math.max(startTimeMs, newestMs - FOLLOW_OVERLAP_MS);
    for (const [id, timestampMs] of seen) if (timestampMs < startTimeMs) seen.delete(id);
    await sleep(pollMs, options.signal);
  }
  return printed;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
