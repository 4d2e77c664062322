// Operator CLI: kbot logs reads the log group and prints Powertools JSON compactly.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatLogEvent, logs, parseSince } from '../../functions/cli/ops/logs.js';
import { NOW_MS, OUTPUTS, mockStack, testContext } from './cli-ops-fixtures.js';

const powertools = (fields: Record<string, unknown>, id = 'e1', timestamp = NOW_MS - 60_000): FilteredLogEvent => ({
  eventId: id,
  timestamp,
  logStreamName: 's',
  message: JSON.stringify({
    level: 'INFO',
    message: 'tick completed',
    timestamp: new Date(timestamp).toISOString(),
    service: 'kraken-bot',
    cold_start: false,
    function_name: 'KrakenBot-TickFunction',
    function_request_id: 'req-1',
    correlation_id: 'abc',
    xray_trace_id: '1-2-3',
    sampling_rate: 0,
    ...fields,
  }),
});

describe('Function: formatLogEvent', () => {
  it('prints time, level, message and the key fields, dropping the envelope', () => {
    const line = formatLogEvent(powertools({ mode: 'paper', candleCloseIso: '2024-05-01T12:30:00.000Z', orders: 1, durationMs: 812 }));
    expect(line).toBe('2024-05-01T12:33:56.000Z INFO  tick completed mode=paper candleCloseIso=2024-05-01T12:30:00.000Z durationMs=812 orders=1');
  });

  it('puts errors first and shows them as name: message', () => {
    const line = formatLogEvent(powertools({ level: 'ERROR', message: 'order failed', pair: 'BTC/USD', error: { name: 'ExchangeError', message: 'EOrder:Insufficient funds', stack: 'at x' } }));
    expect(line).toBe('2024-05-01T12:33:56.000Z ERROR order failed error=ExchangeError: EOrder:Insufficient funds pair=BTC/USD');
  });

  it('quotes strings with spaces, shortens long values and caps the field count', () => {
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, i]));
    const line = formatLogEvent(powertools({ reason: 'two words', detail: 'x'.repeat(300), ...many }))!;
    expect(line).toContain('reason="two words"');
    expect(line).toMatch(/detail=x{119}…/);
    expect(line).toContain('(+4 more)');
  });

  it('reads JSON behind a Lambda text prefix, drops START/END, shortens REPORT', () => {
    const prefixed = formatLogEvent({ timestamp: NOW_MS, message: `2024-05-01T12:34:56.000Z\treq-1\tWARN\t${JSON.stringify({ level: 'WARN', message: 'stale candles', pair: 'ETH/USD', timestamp: '2024-05-01T12:34:56.000Z' })}\n` });
    expect(prefixed).toBe('2024-05-01T12:34:56.000Z WARN  stale candles pair=ETH/USD');
    expect(formatLogEvent({ timestamp: NOW_MS, message: 'START RequestId: 1 Version: $LATEST\n' })).toBeUndefined();
    expect(formatLogEvent({ timestamp: NOW_MS, message: 'END RequestId: 1\n' })).toBeUndefined();
    expect(formatLogEvent({ timestamp: NOW_MS, message: 'REPORT RequestId: 1\tDuration: 812.33 ms\tBilled Duration: 813 ms\tMemory Size: 256 MB\tMax Memory Used: 120 MB\t\n' })).toBe(
      '2024-05-01T12:34:56.000Z REPORT Duration: 812.33 ms Billed Duration: 813 ms Memory Size: 256 MB Max Memory Used: 120 MB',
    );
    expect(formatLogEvent({ timestamp: NOW_MS, message: 'plain text line' })).toBe('2024-05-01T12:34:56.000Z plain text line');
  });

  it('formats Lambda JSON platform reports and skips other platform events', () => {
    const report = { time: 'x', type: 'platform.report', record: { metrics: { durationMs: 812.3, billedDurationMs: 813, maxMemoryUsedMB: 120, initDurationMs: 410 } } };
    expect(formatLogEvent({ timestamp: NOW_MS, message: JSON.stringify(report) })).toBe('2024-05-01T12:34:56.000Z REPORT duration=812.3ms billed=813ms maxMemory=120MB init=410ms');
    expect(formatLogEvent({ timestamp: NOW_MS, message: JSON.stringify({ type: 'platform.start', record: {} }) })).toBeUndefined();
  });
});

describe('Function: parseSince', () => {
  it('reads durations and ISO times', () => {
    expect(parseSince('15m', NOW_MS)).toBe(NOW_MS - 15 * 60_000);
    expect(parseSince('2h', NOW_MS)).toBe(NOW_MS - 2 * 3_600_000);
    expect(parseSince('1d', NOW_MS)).toBe(NOW_MS - 86_400_000);
    expect(parseSince('2024-05-01T00:00:00Z', NOW_MS)).toBe(Date.parse('2024-05-01T00:00:00Z'));
    expect(() => parseSince('yesterday-ish', NOW_MS)).toThrow('--since must be a duration');
  });
});

describe('Function: logs (kbot logs)', () => {
  const cwl = mockClient(CloudWatchLogsClient);

  beforeEach(() => {
    cwl.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('reads LogGroupName from --since across pages, in time order', async () => {
    // Prepare
    cwl
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [powertools({ message: 'second' }, 'e2', NOW_MS - 30_000)], nextToken: 't1' })
      .resolvesOnce({ events: [powertools({ message: 'first' }, 'e1', NOW_MS - 60_000)] });
    const { ctx, io } = testContext();

    // Act
    const printed = await logs(ctx, { since: '15m', filter: 'ERROR' });

    // Assess
    const inputs = cwl.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { logGroupName: OUTPUTS.LogGroupName, startTime: NOW_MS - 15 * 60_000, filterPattern: 'ERROR' },
      { logGroupName: OUTPUTS.LogGroupName, startTime: NOW_MS - 15 * 60_000, filterPattern: 'ERROR', nextToken: 't1' },
    ]);
    expect(printed).toBe(2);
    expect(io.stdout.map((l) => l.split(/\s+/)[2])).toEqual(['first', 'second']);
  });

  it('--follow polls for new events, prints each once, and stops on abort', async () => {
    // Prepare
    cwl
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [powertools({ message: 'a' }, 'e1', NOW_MS - 60_000)] })
      .resolvesOnce({ events: [powertools({ message: 'a' }, 'e1', NOW_MS - 60_000), powertools({ message: 'b' }, 'e2', NOW_MS + 5_000)] })
      .resolves({ events: [] });
    const { ctx, io } = testContext();
    const controller = new AbortController();
    let polls = 0;
    const sleep = async () => {
      polls++;
      if (polls === 2) controller.abort();
    };

    // Act
    await logs(ctx, { since: '5m', follow: true, signal: controller.signal, sleep });

    // Assess
    expect(io.stdout.map((l) => l.split(/\s+/)[2])).toEqual(['a', 'b']);
    const starts = cwl.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input.startTime);
    // The second poll re-reads from a minute before the newest event, catching late ingestion.
    expect(starts).toEqual([NOW_MS - 5 * 60_000, NOW_MS - 2 * 60_000]);
  });
});
