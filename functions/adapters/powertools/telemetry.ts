// Secondary adapter: wires the Powertools logger and metrics the tick uses in Lambda, once per
// process, with per-invocation keys (correlation id, candle) and a metrics flush per invocation.
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { LoggerPort, MetricsPort } from '../../core/ports.js';
import type { Mode } from '../../core/types.js';
import { PowertoolsLogger } from './powertoolsLogger.js';
import { PowertoolsMetrics } from './powertoolsMetrics.js';

export const DEFAULT_SERVICE_NAME = 'kraken-bot';
export const DEFAULT_METRICS_NAMESPACE = 'KrakenBot';

/** The logger and metrics of one function, plus the per-invocation hooks. */
export interface PowertoolsTelemetry {
  logger: LoggerPort;
  metrics: MetricsPort;
  /**
   * Adds the invocation's correlation id and candle (or command) to every following log line and,
   * in Lambda, the context Powertools reads from it: cold start, request id, function name, ARN
   * (with the alias the invocation came through), memory and version.
   */
  startInvocation(correlationId: string, candle: string, lambdaContext?: Context): void;
  /** Publishes the invocation's metrics and drops its log keys (the mode stays). */
  endInvocation(): void;
}

/**
 * Creates the Powertools Logger (service name, persistent `mode` key, level from
 * `POWERTOOLS_LOG_LEVEL`, default INFO) and Metrics (namespace `KrakenBot`, dimension `mode`).
 * Call once at cold start, not per invocation.
 */
export function createPowertoolsTelemetry(options: {
  mode: Mode;
  serviceName?: string;
  namespace?: string;
  /** Powertools instances to use instead (tests). */
  logger?: Logger;
  metrics?: Metrics;
}): PowertoolsTelemetry {
  const serviceName = options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME;
  const logger = options.logger ?? new Logger({ serviceName, persistentKeys: { mode: options.mode } });
  const metrics =
    options.metrics ??
    new Metrics({
      serviceName,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? options.namespace ?? DEFAULT_METRICS_NAMESPACE,
      defaultDimensions: { mode: options.mode },
    });
  const metricsPort = new PowertoolsMetrics(metrics);
  return {
    logger: new PowertoolsLogger(logger),
    metrics: metricsPort,
    startInvocation(correlationId, candle, lambdaContext) {
      logger.resetKeys();
      if (lambdaContext) logger.addContext(lambdaContext);
      logger.appendKeys({ correlationId, candle });
    },
    endInvocation() {
      metricsPort.flush();
      logger.resetKeys();
    },
  };
}
