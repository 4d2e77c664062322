// Deployment, stateless half: the tick function (role, log group, environment) and the 5-minute
// EventBridge schedule that invokes it. Receives the table and topic from BotState.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type Code } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TICK_HANDLER } from '../functions/tick/bundle.js';
import type { DeployConfig } from './deployConfig.js';
import { tickBundleCode } from './tickBundleCode.js';
import { TICK_ALERT_ACTIONS, TICK_KEY_ACTIONS, TICK_LOG_ACTIONS, TICK_TABLE_ACTIONS } from './tickGrants.js';
import { METRICS_NAMESPACE, type TickMetricDimensions } from './tickMetrics.js';

/** Every 5 minutes on the minute; the tick itself waits `tick.closeDelayMs` for the candle to close. */
export const TICK_SCHEDULE_EXPRESSION = 'cron(0/5 * * * ? *)';

export interface TickServiceProps {
  config: DeployConfig;
  table: ITable;
  topic: ITopic;
  /** The function's code; defaults to the real esbuild bundle. Tests pass a stub to stay fast. */
  code?: Code;
}

/** The tick Lambda and its schedule. */
export class TickService extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  readonly logGroup: LogGroup;
  /** Dimensions of the function's custom metrics (POWERTOOLS_SERVICE_NAME and the mode). */
  readonly metricDimensions: TickMetricDimensions;

  constructor(scope: Construct, id: string, props: TickServiceProps) {
    super(scope, id);
    const { config, table, topic } = props;
    const stack = Stack.of(this);
    this.metricDimensions = { service: config.prefix, mode: config.bot.mode };

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetentionDays as RetentionDays,
      // Logs are diagnostics; the trade ledger lives in the retained table.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${config.prefix} tick: its log group, its table, its alert topic, its key parameter`,
    });
    role.addToPolicy(
      new PolicyStatement({ sid: 'WriteOwnLogs', actions: TICK_LOG_ACTIONS, resources: [this.logGroup.logGroupArn] }),
    );
    role.addToPolicy(new PolicyStatement({ sid: 'UseStateTable', actions: TICK_TABLE_ACTIONS, resources: [table.tableArn] }));
    role.addToPolicy(new PolicyStatement({ sid: 'PublishAlerts', actions: TICK_ALERT_ACTIONS, resources: [topic.topicArn] }));
    role.addToPolicy(
      new PolicyStatement({
        sid: 'ReadKrakenKeys',
        actions: TICK_KEY_ACTIONS,
        resources: [parameterArn(stack, config.keysParameterName)],
      }),
    );
    if (config.keysKmsKeyArn) {
      // Only needed for a customer managed key; the default aws/ssm key already allows the account through SSM.
      role.addToPolicy(
        new PolicyStatement({
          sid: 'DecryptKrakenKeysThroughSsm',
          effect: Effect.ALLOW,
          actions: ['kms:Decrypt'],
          resources: [config.keysKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` } },
        }),
      );
    }

    this.function = new NodejsFunction(this, 'Function', {
      functionName: `${config.prefix}-tick`,
      description: `Kraken bot tick (${config.bot.mode}): exits, then entries, on closed 5m candles`,
      code: props.code ?? tickBundleCode(),
      handler: TICK_HANDLER,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: config.memoryMb,
      timeout: Duration.seconds(config.timeoutSeconds),
      // One tick at a time: a second concurrent tick is refused by Lambda rather than by the claim.
      reservedConcurrentExecutions: 1,
      role,
      logGroup: this.logGroup,
      // A failed or late tick is not replayed: the next tick, 5 minutes later, reconciles instead.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(4),
      environment: {
        KBOT_TABLE_NAME: table.tableName,
        KBOT_ALERT_TOPIC_ARN: topic.topicArn,
        KBOT_KEYS_PARAMETER: config.keysParameterName,
        KBOT_MODE: config.bot.mode,
        KBOT_CONFIG: config.botConfigJson,
        POWERTOOLS_SERVICE_NAME: this.metricDimensions.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is pinned on purpose: the bundle targets node22 and is tested on it; moving runtimes is a tested change, not a drift.',
    });

    this.rule = new Rule(this, 'Schedule', {
      ruleName: `${config.prefix}-tick-schedule`,
      description: `Runs the ${config.prefix} tick every 5 minutes (kbot pause / kbot resume toggle it)`,
      schedule: Schedule.expression(TICK_SCHEDULE_EXPRESSION),
      enabled: config.scheduleEnabled,
      targets: [new LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.minutes(4) })],
    });
  }
}

/** ARN of an SSM parameter; names with a leading slash keep it, others get one. */
function parameterArn(stack: Stack, parameterName: string): string {
  const path = parameterName.startsWith('/') ? parameterName : `/${parameterName}`;
  return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${path}`;
}
