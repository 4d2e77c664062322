// Deployment: the custom metrics the tick emits (EMF through Powertools), as CloudWatch sees them.
// Alarms and the dashboard read these; the function writes them through the MetricsPort.
import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

/** CloudWatch namespace of the custom metrics (POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'KrakenBot';

/** Every custom metric name; the contract with the function. No per-pair dimensions. */
export const TICK_METRIC_NAMES = [
  'TickCompleted',
  'TickSkipped',
  'OrdersFilled',
  'OrdersRejected',
  'KillSwitchTripped',
  'OpenPositions',
  'EquityQuote',
  'RealizedPnlQuote',
  'TickErrors',
  /** Gauge, every scheduled tick: order intents still PENDING (outcome not final yet). */
  'PendingIntents',
  /** Gauge, every scheduled tick: traded assets whose Kraken holdings disagree with the positions. */
  'HoldingsMismatches',
  /** Count: intents written off as never executed. */
  'WriteOffs',
  /** Count: exits that fired but could not be sent. */
  'ExitsBlocked',
  /** Count: Kraken refused the API key or signature. */
  'AuthErrors',
  /** Count: events refused by the handler (unparseable, or a scheduled time far from now). */
  'BadEvents',
  /** Count: operator commands run (force-entry, force-exit, flatten). */
  'CommandsRun',
  /** Count: exchange replies that did not add up and were not recorded. */
  'RepliesInvalid',
] as const;

export type TickMetricName = (typeof TICK_METRIC_NAMES)[number];

/**
 * The dimension set every custom metric carries, exactly as the function's Powertools Metrics
 * writes it (functions/adapters/powertools/telemetry.ts): `service` from POWERTOOLS_SERVICE_NAME
 * plus the default dimension `mode`. CloudWatch treats another dimension set as another metric.
 */
export interface TickMetricDimensions {
  service: string;
  mode: 'paper' | 'live';
}

/** A custom tick metric with the function's dimension set. */
export function tickMetric(
  dimensions: TickMetricDimensions,
  metricName: TickMetricName,
  options: { statistic?: string; period?: Duration; label?: string } = {},
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { service: dimensions.service, mode: dimensions.mode },
    statistic: options.statistic ?? 'Sum',
    period: options.period ?? Duration.minutes(5),
    ...(options.label ? { label: options.label } : {}),
  });
}
