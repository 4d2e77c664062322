// Deployment, observability: the alarms that page the alert topics when the tick fails, stalls,
// runs out of time or trips the daily-loss kill switch, and when something fails silently: orders
// left pending, holdings that disagree, a refused API key, events dropped or undeliverable, alerts
// that did not reach you.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { tickMetric, type TickMetricDimensions } from './tickMetrics.js';

/** Alarm when the slowest tick of a 5-minute window used more than this share of the timeout. */
export const DURATION_ALARM_FRACTION = 0.8;

/** Three scheduled ticks in a row without a completed one (15 minutes) means the bot is not running. */
export const HEARTBEAT_MISSED_TICKS = 3;

/** An order intent may stay PENDING for a tick or two; three ticks in a row (15 minutes) is stuck. */
export const PENDING_INTENT_TICKS = 3;

export interface TickAlarmsProps {
  prefix: string;
  function: IFunction;
  timeout: Duration;
  /** Every alarm notifies each of these (the alert topic, and the alarm SMS topic when configured). */
  topics: ITopic[];
  /** Topics whose failed deliveries (NumberOfNotificationsFailed) page. */
  alertTopics: ITopic[];
  /** The failed-events queue (Lambda on-failure destinations, schedule target and SNS dead letters). */
  failedEvents: IQueue;
  /** Dimensions of the function's custom metrics. */
  metricDimensions: TickMetricDimensions;
  /** Whether ticks are expected at all; a paused schedule must not page about missing ticks. */
  scheduleEnabled: boolean;
}

/** The bot's alarms, all sending to the alert topics. */
export class TickAlarms extends Construct {
  readonly functionErrors: Alarm;
  readonly tickErrors: Alarm;
  readonly throttles: Alarm;
  readonly durationNearTimeout: Alarm;
  readonly heartbeat: Alarm;
  readonly killSwitch: Alarm;
  readonly pendingIntents: Alarm;
  readonly holdingsMismatch: Alarm;
  readonly authErrors: Alarm;
  readonly asyncEventsDropped: Alarm;
  readonly failedEvents: Alarm;
  readonly alertDeliveryFailed: Alarm;
  /** Every alarm above (the topic policies name each one). */
  readonly all: Alarm[] = [];

  constructor(scope: Construct, id: string, props: TickAlarmsProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const actions = props.topics.map((topic) => new SnsAction(topic));
    const make = (
      alarmId: string,
      suffix: string,
      description: string,
      metric: IMetric,
      threshold: number,
      options: { comparison?: ComparisonOperator; periods?: number; missing?: TreatMissingData; actionsEnabled?: boolean; notifyOk?: boolean } = {},
    ): Alarm => {
      const alarm = new Alarm(this, alarmId, {
        alarmName: `${props.prefix}-${suffix}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.periods ?? 1,
        datapointsToAlarm: options.periods ?? 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
        actionsEnabled: options.actionsEnabled ?? true,
      });
      alarm.addAlarmAction(...actions);
      if (options.notifyOk) alarm.addOkAction(...actions);
      this.all.push(alarm);
      return alarm;
    };

    this.functionErrors = make(
      'FunctionErrors',
      'tick-errors',
      'The tick function threw (a bug or an infrastructure failure). See kbot logs.',
      props.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    // Two ticks in a row: one failed Kraken call is routine, a second one in a row is not.
    this.tickErrors = make(
      'TickErrors',
      'tick-reported-errors',
      'Two ticks in a row reported errors (TickErrors), e.g. Kraken or DynamoDB calls failing.',
      tickMetric(props.metricDimensions, 'TickErrors', { period: fiveMinutes }),
      1,
      { periods: 2 },
    );
    this.throttles = make(
      'Throttles',
      'tick-throttles',
      'A tick invocation was throttled: another invocation was still running (reserved concurrency 1).',
      props.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    this.durationNearTimeout = make(
      'DurationNearTimeout',
      'tick-duration-near-timeout',
      `The slowest tick used more than ${DURATION_ALARM_FRACTION * 100}% of the ${props.timeout.toSeconds()} s timeout.`,
      props.function.metricDuration({ period: fiveMinutes, statistic: 'Maximum' }),
      props.timeout.toMilliseconds() * DURATION_ALARM_FRACTION,
      { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD },
    );
    // Missing data is the failure here (no tick at all), so it counts as breaching.
    this.heartbeat = make(
      'Heartbeat',
      'no-completed-tick',
      `No tick completed for ${HEARTBEAT_MISSED_TICKS * 5} minutes (TickCompleted missing): the bot is not trading or exiting.`,
      tickMetric(props.metricDimensions, 'TickCompleted', { period: fiveMinutes }),
      1,
      {
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        periods: HEARTBEAT_MISSED_TICKS,
        missing: TreatMissingData.BREACHING,
        actionsEnabled: props.scheduleEnabled,
        notifyOk: true,
      },
    );
    this.killSwitch = make(
      'KillSwitch',
      'kill-switch-tripped',
      'The daily-loss kill switch tripped: entries are halted for the rest of the UTC day.',
      tickMetric(props.metricDimensions, 'KillSwitchTripped', { period: fiveMinutes }),
      1,
    );

    // Gauges the core writes at every scheduled tick. Missing data keeps the alarm's state (ignore):
    // the gauge stops when ticks stop, which says nothing about the books and must neither clear a
    // raised alarm (notBreaching would: a paused bot with a stuck order would report OK) nor raise
    // one (breaching would page on every pause; the heartbeat alarm reports missing ticks).
    this.pendingIntents = make(
      'PendingIntents',
      'orders-pending',
      `Order intents stayed PENDING for ${PENDING_INTENT_TICKS * 5} minutes (PendingIntents > 0 at every tick): an order's outcome is unknown. See kbot status.`,
      // Minimum: a period in which any tick saw none pending does not count.
      tickMetric(props.metricDimensions, 'PendingIntents', { statistic: 'Minimum', period: fiveMinutes }),
      0,
      { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD, periods: PENDING_INTENT_TICKS, missing: TreatMissingData.IGNORE },
    );
    this.holdingsMismatch = make(
      'HoldingsMismatch',
      'holdings-mismatch',
      'Kraken\'s holdings and the bot\'s positions disagree for an asset (HoldingsMismatches > 0); the pair is locked until an operator resolves it.',
      tickMetric(props.metricDimensions, 'HoldingsMismatches', { statistic: 'Maximum', period: fiveMinutes }),
      0,
      { comparison: ComparisonOperator.GREATER_THAN_THRESHOLD, missing: TreatMissingData.IGNORE },
    );
    // Counts, written only when something happens: missing data means nothing happened (notBreaching).
    this.authErrors = make(
      'AuthErrors',
      'auth-errors',
      'Kraken refused the API key or its signature (AuthErrors): nothing trades until the key is fixed (kbot keys set).',
      tickMetric(props.metricDimensions, 'AuthErrors', { period: fiveMinutes }),
      1,
    );
    this.asyncEventsDropped = make(
      'AsyncEventsDropped',
      'async-events-dropped',
      'Lambda dropped an asynchronous invocation (a scheduled tick that failed, or expired waiting); its record is in the failed-events queue.',
      props.function.metric('AsyncEventsDropped', { period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    // A queue depth, not a count. SQS publishes its metrics only while the queue is active, so an
    // idle queue reports nothing: keep the state (ignore) so messages left unread for hours still
    // show as ALARM, and a new message (which makes the queue active) raises it.
    this.failedEvents = make(
      'FailedEvents',
      'failed-events',
      'The failed-events queue holds records: failed or expired asynchronous invocations, undeliverable schedule events or alerts. Read them, then purge the queue.',
      props.failedEvents.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      1,
      { missing: TreatMissingData.IGNORE },
    );
    // SNS publishes NumberOfNotificationsFailed only when it delivers something: missing is fine.
    this.alertDeliveryFailed = make(
      'AlertDeliveryFailed',
      'alert-delivery-failed',
      'SNS could not deliver an alert (email or SMS: unconfirmed address, SMS sandbox or spending limit, opted-out number); undelivered ones are in the failed-events queue.',
      notificationsFailed(props.alertTopics, fiveMinutes),
      1,
    );
  }
}

/** NumberOfNotificationsFailed of one topic, or the sum over several (missing counted as 0). */
function notificationsFailed(topics: ITopic[], period: Duration): IMetric {
  const metrics = topics.map((topic) => topic.metricNumberOfNotificationsFailed({ period, statistic: 'Sum' }));
  if (metrics.length === 1) return metrics[0]!;
  const usingMetrics = Object.fromEntries(metrics.map((metric, i) => [`topic${i}`, metric]));
  return new MathExpression({
    expression: Object.keys(usingMetrics).map((id) => `FILL(${id}, 0)`).join(' + '),
    usingMetrics,
    period,
    label: 'NumberOfNotificationsFailed (all alert topics)',
  });
}
