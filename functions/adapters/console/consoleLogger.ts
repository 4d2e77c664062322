// Secondary adapter: LoggerPort for local runs (npm start, demo, backtests), as JSON lines or
// human-readable lines, with the same secret redaction as the Lambda logger.
import type { LoggerPort } from '../../core/ports.js';
import { redactSecrets } from '../powertools/redactSecrets.js';

export type ConsoleLogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<ConsoleLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface ConsoleLoggerOptions {
  /** `json`: one JSON object per line; `text`: `HH:MM:SS.mmm INFO message key=value`. Default `text`. */
  format?: 'json' | 'text';
  /** Lowest level written. Default `info`. */
  level?: ConsoleLogLevel;
  /** Keys added to every line (e.g. `{ mode: 'paper' }`). */
  keys?: Record<string, unknown>;
  /** Where lines go; default stderr, keeping stdout for the command's own output. */
  write?: (line: string) => void;
  /** Time source for the timestamp (simulated clocks in the demo). */
  nowMs?: () => number;
}

/** Logs to the console; secret-named fields are replaced by `[redacted]`. */
export class ConsoleLogger implements LoggerPort {
  private readonly format: 'json' | 'text';
  private readonly minRank: number;
  private readonly write: (line: string) => void;
  private readonly nowMs: () => number;
  private readonly persistentKeys: Record<string, unknown>;
  private keys: Record<string, unknown> = {};

  constructor(options: ConsoleLoggerOptions = {}) {
    this.format = options.format ?? 'text';
    this.minRank = LEVEL_RANK[options.level ?? 'info'];
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.nowMs = options.nowMs ?? Date.now;
    this.persistentKeys = { ...options.keys };
  }

  /** Adds keys to every following line until `resetKeys` (e.g. the tick's correlation id). */
  appendKeys(keys: Record<string, unknown>): void {
    this.keys = { ...this.keys, ...keys };
  }

  /** Drops the keys added with `appendKeys`; the constructor's keys stay. */
  resetKeys(): void {
    this.keys = {};
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(level: ConsoleLogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    if (LEVEL_RANK[level] < this.minRank) return;
    const context = redactSecrets({ ...this.persistentKeys, ...this.keys, ...fields });
    const timestamp = new Date(this.nowMs()).toISOString();
    if (this.format === 'json') {
      this.write(JSON.stringify({ level: level.toUpperCase(), message, timestamp, ...context }));
      return;
    }
    const pairs = Object.entries(context).map(([key, value]) => `${key}=${formatValue(value)}`);
    this.write([timestamp.slice(11, 23), level.toUpperCase().padEnd(5), message, ...pairs].join(' '));
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? String(value);
}
