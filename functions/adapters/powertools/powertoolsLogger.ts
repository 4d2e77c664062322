// Secondary adapter: LoggerPort on Powertools Logger (JSON lines in CloudWatch, with the service
// name, the mode and, per tick, the correlation id and candle).
import type { Logger } from '@aws-lambda-powertools/logger';
import type { LoggerPort } from '../../core/ports.js';
import { redactSecrets } from './redactSecrets.js';

/** Forwards to a Powertools Logger, scrubbing secret-named fields first. */
export class PowertoolsLogger implements LoggerPort {
  constructor(private readonly logger: Logger) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.logger.debug(message, ...extra(fields));
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.logger.info(message, ...extra(fields));
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.logger.warn(message, ...extra(fields));
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.logger.error(message, ...extra(fields));
  }
}

function extra(fields: Record<string, unknown> | undefined): [Record<string, unknown>] | [] {
  return fields ? [redactSecrets(fields)] : [];
}
