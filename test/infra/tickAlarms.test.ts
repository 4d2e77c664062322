// Infra tests: each alarm's metric, dimensions, threshold, missing-data treatment and actions, and
// the dashboard's metrics.
import { describe, expect, it } from 'vitest';
import { TICK_METRIC_NAMES } from '../../lib/tickMetrics.js';
import { onlyResource, synthBotStack } from './synthBotStack.js';

type AlarmProps = Record<string, unknown>;

function alarmsByName(template: ReturnType<typeof synthBotStack>['template']): Record<string, AlarmProps> {
  const out: Record<string, AlarmProps> = {};
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
    const props = (alarm as { Properties: AlarmProps }).Properties;
    out[props.AlarmName as string] = props;
  }
  return out;
}

describe('Alarms: TickAlarms', () => {
  const { template } = synthBotStack();
  const topic = { Ref: onlyResource(template, 'AWS::SNS::Topic').logicalId };
  const fnRef = { Ref: onlyResource(template, 'AWS::Lambda::Function').logicalId };
  const alarms = alarmsByName(template);
  // Powertools writes `service` (POWERTOOLS_SERVICE_NAME) and the default dimension `mode`.
  const customDimensions = [
    { Name: 'mode', Value: 'paper' },
    { Name: 'service', Value: 'KrakenBot' },
  ];
  const lambdaDimensions = [{ Name: 'FunctionName', Value: fnRef }];

  it('has exactly these twelve alarms, each paging the alert topic', () => {
    expect(Object.keys(alarms).sort()).toEqual([
      'KrakenBot-alert-delivery-failed',
      'KrakenBot-async-events-dropped',
      'KrakenBot-auth-errors',
      'KrakenBot-failed-events',
      'KrakenBot-holdings-mismatch',
      'KrakenBot-kill-switch-tripped',
      'KrakenBot-no-completed-tick',
      'KrakenBot-orders-pending',
      'KrakenBot-tick-duration-near-timeout',
      'KrakenBot-tick-errors',
      'KrakenBot-tick-reported-errors',
      'KrakenBot-tick-throttles',
    ]);
    for (const alarm of Object.values(alarms)) expect(alarm.AlarmActions).toEqual([topic]);
  });

  it('with a phone number, pages the alarm SMS topic too (alarm notifications cannot pass the SMS severity filter)', () => {
    const { template: withSms } = synthBotStack({ alertPhone: '+15551234567' });
    const topics = Object.keys(withSms.findResources('AWS::SNS::Topic')).map((id) => ({ Ref: id }));
    expect(topics).toHaveLength(2);
    for (const alarm of Object.values(alarmsByName(withSms))) expect(alarm.AlarmActions).toEqual(expect.arrayContaining(topics));
    expect(alarmsByName(withSms)['KrakenBot-no-completed-tick']!.OKActions).toEqual(expect.arrayContaining(topics));
  });

  it('pages when order intents stay pending at every tick for 15 minutes, holding its state when the gauge stops', () => {
    expect(alarms['KrakenBot-orders-pending']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'PendingIntents',
      Dimensions: customDimensions,
      Statistic: 'Minimum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('pages on any holdings mismatch, holding its state when the gauge stops', () => {
    expect(alarms['KrakenBot-holdings-mismatch']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'HoldingsMismatches',
      Dimensions: customDimensions,
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('pages on any auth error; no data means none happened', () => {
    expect(alarms['KrakenBot-auth-errors']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'AuthErrors',
      Dimensions: customDimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('pages on any asynchronous event Lambda dropped, whatever alias it came through', () => {
    expect(alarms['KrakenBot-async-events-dropped']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventsDropped',
      Dimensions: lambdaDimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('pages while the failed-events queue holds a message, holding its state when an idle queue stops reporting', () => {
    const queue = onlyResource(template, 'AWS::SQS::Queue').logicalId;
    expect(alarms['KrakenBot-failed-events']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
    });
  });

  it('pages when SNS fails to deliver an alert, on every alert topic', () => {
    expect(alarms['KrakenBot-alert-delivery-failed']).toMatchObject({
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      Dimensions: [{ Name: 'TopicName', Value: { 'Fn::GetAtt': [topic.Ref, 'TopicName'] } }],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    // With the alarm SMS topic: one alarm on the sum of both topics' failures.
    const { template: withSms } = synthBotStack({ alertPhone: '+15551234567' });
    const delivery = alarmsByName(withSms)['KrakenBot-alert-delivery-failed']!;
    const queries = delivery.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string } } }[];
    expect(queries.find((q) => q.Expression)!.Expression).toBe('FILL(topic0, 0) + FILL(topic1, 0)');
    expect(queries.filter((q) => q.MetricStat).map((q) => [q.Id, q.MetricStat!.Metric.Namespace, q.MetricStat!.Metric.MetricName])).toEqual([
      ['topic0', 'AWS/SNS', 'NumberOfNotificationsFailed'],
      ['topic1', 'AWS/SNS', 'NumberOfNotificationsFailed'],
    ]);
  });

  it('pages on any function error in 5 minutes', () => {
    expect(alarms['KrakenBot-tick-errors']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: lambdaDimensions,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('pages when two ticks in a row report errors', () => {
    expect(alarms['KrakenBot-tick-reported-errors']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'TickErrors',
      Dimensions: customDimensions,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
  });

  it('pages on any throttle', () => {
    expect(alarms['KrakenBot-tick-throttles']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Dimensions: lambdaDimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('pages when the slowest tick passes 80% of the timeout', () => {
    expect(alarms['KrakenBot-tick-duration-near-timeout']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Duration',
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 72_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const slow = alarmsByName(synthBotStack({ timeoutSeconds: 150 }).template);
    expect(slow['KrakenBot-tick-duration-near-timeout']!.Threshold).toBe(120_000);
  });

  it('pages when no tick completed for 15 minutes, counting missing data as breaching, and says when ticks resume', () => {
    expect(alarms['KrakenBot-no-completed-tick']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'TickCompleted',
      Dimensions: customDimensions,
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      ActionsEnabled: true,
      OKActions: [topic],
    });
  });

  it('keeps the heartbeat quiet when the schedule is deployed disabled', () => {
    const paused = alarmsByName(synthBotStack({ scheduleEnabled: false }).template);
    expect(paused['KrakenBot-no-completed-tick']!.ActionsEnabled).toBe(false);
    expect(paused['KrakenBot-tick-errors']!.ActionsEnabled).toBe(true);
  });

  it('pages when the kill switch trips', () => {
    expect(alarms['KrakenBot-kill-switch-tripped']).toMatchObject({
      Namespace: 'KrakenBot',
      MetricName: 'KillSwitchTripped',
      Dimensions: customDimensions,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('uses the live mode dimension and the prefix as service for a live bot', () => {
    const live = alarmsByName(synthBotStack({ prefix: 'KbLive', mode: 'live', allowLiveTrading: true }).template);
    expect(live['KbLive-kill-switch-tripped']!.Dimensions).toEqual([
      { Name: 'mode', Value: 'live' },
      { Name: 'service', Value: 'KbLive' },
    ]);
  });
});

describe('Dashboard: TickDashboard', () => {
  const { template } = synthBotStack();
  const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
  // The body is a Fn::Join of JSON fragments and tokens; its literal parts carry the metrics.
  const body = JSON.stringify(dashboard.resource.Properties.DashboardBody);

  it('graphs equity, realized P&L, trades, open positions, ticks, errors and the books by the function\'s dimensions', () => {
    for (const name of ['EquityQuote', 'RealizedPnlQuote', 'OrdersFilled', 'OpenPositions', 'TickCompleted', 'TickErrors', 'KillSwitchTripped', 'PendingIntents', 'HoldingsMismatches', 'BadEvents', 'CommandsRun', 'AuthErrors']) {
      expect(body).toContain(`\\"KrakenBot\\",\\"${name}\\",\\"mode\\",\\"paper\\",\\"service\\",\\"KrakenBot\\"`);
    }
  });

  it('graphs the Lambda duration, errors and throttles', () => {
    for (const name of ['Duration', 'Errors', 'Throttles']) expect(body).toContain(`\\"AWS/Lambda\\",\\"${name}\\",\\"FunctionName\\"`);
  });

  it('only uses metric names from the contract', () => {
    const used = [...body.matchAll(/\\"KrakenBot\\",\\"([A-Za-z]+)\\"/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(TICK_METRIC_NAMES).toContain(name);
  });

  it('is named after the prefix and the region (dashboard names are global to the account)', () => {
    expect(dashboard.resource.Properties.DashboardName).toEqual({ 'Fn::Join': ['-', ['KrakenBot', { Ref: 'AWS::Region' }]] });
  });
});
