// Deployment, observability: one CloudWatch dashboard with equity, realized P&L, trades, open
// positions, tick duration and errors (the first three dashboards of an account are free).
import { Duration, Fn, Stack } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { tickMetric, type TickMetricDimensions } from './tickMetrics.js';

export interface TickDashboardProps {
  prefix: string;
  function: IFunction;
  metricDimensions: TickMetricDimensions;
  /** Quote currency of the configured pairs, for axis labels. */
  quoteCurrency: string;
}

/** The bot's dashboard. */
export class TickDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: TickDashboardProps) {
    super(scope, id);
    const fiveMinutes = Duration.minutes(5);
    const oneHour = Duration.hours(1);
    const metric = tickMetric.bind(undefined, props.metricDimensions);
    const quote = props.quoteCurrency;

    this.dashboard = new Dashboard(this, 'Dashboard', {
      // Dashboard names are unique per account across regions.
      dashboardName: Fn.join('-', [props.prefix, Stack.of(this).region]),
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `## ${props.prefix}\nEvery tick is logged; \`kbot status\` shows positions and limits, \`kbot logs\` tails the log.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `Equity (${quote})`,
        left: [metric('EquityQuote', { statistic: 'Average', period: fiveMinutes, label: 'equity' })],
        leftYAxis: { showUnits: false },
        width: 12,
      }),
      new GraphWidget({
        title: `Realized P&L (${quote}, per hour)`,
        left: [metric('RealizedPnlQuote', { statistic: 'Sum', period: oneHour, label: 'realized P&L' })],
        leftYAxis: { showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Trades (per hour)',
        left: [
          metric('OrdersFilled', { statistic: 'Sum', period: oneHour, label: 'filled' }),
          metric('OrdersRejected', { statistic: 'Sum', period: oneHour, label: 'rejected' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Open positions',
        left: [metric('OpenPositions', { statistic: 'Maximum', period: fiveMinutes, label: 'open positions' })],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Tick duration (ms)',
        left: [
          props.function.metricDuration({ statistic: 'Average', period: fiveMinutes, label: 'average' }),
          props.function.metricDuration({ statistic: 'Maximum', period: fiveMinutes, label: 'maximum' }),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Ticks and errors',
        left: [
          metric('TickCompleted', { statistic: 'Sum', period: oneHour, label: 'completed' }),
          metric('TickSkipped', { statistic: 'Sum', period: oneHour, label: 'skipped' }),
        ],
        right: [
          metric('TickErrors', { statistic: 'Sum', period: oneHour, label: 'tick errors' }),
          props.function.metricErrors({ statistic: 'Sum', period: oneHour, label: 'function errors' }),
          props.function.metricThrottles({ statistic: 'Sum', period: oneHour, label: 'throttles' }),
          metric('KillSwitchTripped', { statistic: 'Sum', period: oneHour, label: 'kill switch' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'The books (at every tick)',
        left: [
          metric('PendingIntents', { statistic: 'Maximum', period: fiveMinutes, label: 'pending order intents' }),
          metric('HoldingsMismatches', { statistic: 'Maximum', period: fiveMinutes, label: 'holdings mismatches' }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new GraphWidget({
        title: 'Refused and operator (per hour)',
        left: [
          metric('BadEvents', { statistic: 'Sum', period: oneHour, label: 'refused events' }),
          metric('CommandsRun', { statistic: 'Sum', period: oneHour, label: 'operator commands' }),
          metric('AuthErrors', { statistic: 'Sum', period: oneHour, label: 'auth errors' }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
  }
}
