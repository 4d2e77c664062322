// Unit tests: the Powertools logger and metrics wiring (JSON logs with keys, EMF, redaction).
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPowertoolsTelemetry } from '../../../functions/adapters/powertools/telemetry.js';

let written: string[];

beforeEach(() => {
  written = [];
  // Powertools writes warnings and errors to stderr; both streams end up in CloudWatch.
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function jsonLines(): Record<string, unknown>[] {
  return written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Function: createPowertoolsTelemetry', () => {
  it('logs JSON with service, mode, the invocation keys and redacted fields', () => {
    const telemetry = createPowertoolsTelemetry({ mode: 'live', serviceName: 'kbot-test' });
    telemetry.startInvocation('req-42', '2026-01-05T12:00:00.000Z');
    telemetry.logger.info('order placed', { pair: 'BTC/USD', apiKey: 'should-not-appear', nested: { 'API-Sign': 'sig' } });
    telemetry.endInvocation();
    telemetry.logger.warn('after the tick');
    const [during, after] = jsonLines();
    expect(during).toMatchObject({
      level: 'INFO',
      message: 'order placed',
      service: 'kbot-test',
      mode: 'live',
      correlationId: 'req-42',
      candle: '2026-01-05T12:00:00.000Z',
      pair: 'BTC/USD',
      apiKey: '[redacted]',
      nested: { 'API-Sign': '[redacted]' },
    });
    expect(written.join('')).not.toContain('should-not-appear');
    expect(after).toMatchObject({ level: 'WARN', message: 'after the tick', mode: 'live' });
    expect(after).not.toHaveProperty('correlationId');
  });

  it('publishes metrics as one EMF line per invocation in the KrakenBot namespace, without pair dimensions', () => {
    const telemetry = createPowertoolsTelemetry({ mode: 'paper', serviceName: 'kbot-test' });
    telemetry.startInvocation('req-1', '2026-01-05T12:05:00.000Z');
    telemetry.metrics.add('OrdersFilled', 'Count', 2);
    telemetry.metrics.add('TickDuration', 'Milliseconds', 812);
    telemetry.endInvocation();
    const emf = jsonLines().filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    const line = emf[0]!;
    expect(line).toMatchObject({ OrdersFilled: 2, TickDuration: 812, service: 'kbot-test', mode: 'paper' });
    const directive = (line._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] })
      .CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('KrakenBot');
    expect(directive.Dimensions).toEqual([['service', 'mode']]);
    expect(directive.Metrics).toEqual(
      expect.arrayContaining([
        { Name: 'OrdersFilled', Unit: 'Count' },
        { Name: 'TickDuration', Unit: 'Milliseconds' },
      ]),
    );
  });

  it('adds the Lambda context to every line: cold start once, then the request id and alias ARN of each invocation', () => {
    // Prepare: Lambda sets the initialization type; Powertools reports cold starts only for on-demand.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const telemetry = createPowertoolsTelemetry({ mode: 'live', serviceName: 'kbot-test' });
    const context = (awsRequestId: string): Context => ({
      callbackWaitsForEmptyEventLoop: true,
      functionName: 'KrakenBot-tick',
      functionVersion: '7',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:KrakenBot-tick:schedule',
      memoryLimitInMB: '256',
      awsRequestId,
      logGroupName: '/aws/lambda/KrakenBot-tick',
      logStreamName: '2026/01/05/[7]abc',
      getRemainingTimeInMillis: () => 60_000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    });

    // Act: two invocations of one container.
    telemetry.startInvocation('req-a', '2026-01-05T12:00:00.000Z', context('req-a'));
    telemetry.logger.info('first');
    telemetry.endInvocation();
    telemetry.startInvocation('req-b', '2026-01-05T12:05:00.000Z', context('req-b'));
    telemetry.logger.info('second');
    telemetry.endInvocation();

    // Assess
    const [first, second] = jsonLines();
    expect(first).toMatchObject({
      message: 'first',
      cold_start: true,
      function_request_id: 'req-a',
      function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:KrakenBot-tick:schedule',
      function_name: 'KrakenBot-tick',
      correlationId: 'req-a',
    });
    expect(second).toMatchObject({ message: 'second', cold_start: false, function_request_id: 'req-b', correlationId: 'req-b' });
  });

  it('writes nothing for an invocation without metrics', () => {
    const telemetry = createPowertoolsTelemetry({ mode: 'paper', serviceName: 'kbot-test' });
    telemetry.startInvocation('req-2', 'force-exit');
    telemetry.endInvocation();
    expect(written).toEqual([]);
  });
});
