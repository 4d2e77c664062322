// Deployment, observability: the alarms that page the alert topic when the tick fails, stalls,
// runs out of time or trips the daily-loss kill switch.
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { tickMetric, type TickMetricDimensions } from './tickMetrics.js';

/** Alarm when the slowest tick of a 5-minute window used more than this share of the timeout. */
export const DURATION_ALARM_FRACTION = 0.8;

/** Three scheduled ticks in a row without a completed one (15 minutes) means the bot is not running. */
export const HEARTBEAT_MISSED_TICKS = 3;

export interface TickAlarmsProps {
  prefix: string;
  function: IFunction;
  timeout: Duration;
  topic: ITopic;
  /** Dimensions of the function's custom metrics. */
  metricDimensions: TickMetricDimensions;
  /** Whether ticks are expected at all; a paused schedule must not page about missing ticks. */
  scheduleEnabled: boolean;
}

/** The bot's alarms, all sending to the alert topic. */
export class TickAlarms extends Construct {
  readonly functionErrors: Alarm;
  readonly tickErrors: Alarm;
  readonly throttles: Alarm;
  readonly durationNearTimeout: Alarm;
  readonly heartbeat: Alarm;
  readonly killSwitch: Alarm;

  constructor(scope: Construct, id: string, props: TickAlarmsProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const action = new SnsAction(props.topic);
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
      alarm.addAlarmAction(action);
      if (options.notifyOk) alarm.addOkAction(action);
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
  }
}
