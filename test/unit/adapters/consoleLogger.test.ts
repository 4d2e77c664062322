// Unit tests: the local console logger (text and JSON lines, levels, keys, redaction).
import { describe, expect, it } from 'vitest';
import { ConsoleLogger } from '../../../functions/adapters/console/consoleLogger.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 3, 456);

describe('Class: ConsoleLogger', () => {
  it('writes JSON lines with level, message, timestamp, keys and redacted fields', () => {
    const lines: string[] = [];
    const logger = new ConsoleLogger({ format: 'json', keys: { mode: 'paper' }, write: (l) => lines.push(l), nowMs: () => NOW });
    logger.appendKeys({ correlationId: 'inv-1' });
    logger.info('order sent', { pair: 'BTC/USD', apiSecret: 'shh' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: 'INFO',
        message: 'order sent',
        timestamp: '2026-01-05T12:00:03.456Z',
        mode: 'paper',
        correlationId: 'inv-1',
        pair: 'BTC/USD',
        apiSecret: '[redacted]',
      },
    ]);
  });

  it('writes readable text lines and drops levels below the minimum', () => {
    const lines: string[] = [];
    const logger = new ConsoleLogger({ level: 'info', write: (l) => lines.push(l), nowMs: () => NOW });
    logger.debug('hidden');
    logger.warn('stale candles', { pair: 'ETH/USD', detail: 'last candle 11:50', count: 2 });
    expect(lines).toEqual(['12:00:03.456 WARN  stale candles pair=ETH/USD detail="last candle 11:50" count=2']);
  });

  it('forgets appended keys on resetKeys but keeps the constructor keys', () => {
    const lines: string[] = [];
    const logger = new ConsoleLogger({ format: 'json', keys: { mode: 'live' }, write: (l) => lines.push(l), nowMs: () => NOW });
    logger.appendKeys({ candle: '2026-01-05T12:00:00.000Z' });
    logger.resetKeys();
    logger.error('boom');
    expect(JSON.parse(lines[0]!)).toEqual({ level: 'ERROR', message: 'boom', timestamp: '2026-01-05T12:00:03.456Z', mode: 'live' });
  });
});
