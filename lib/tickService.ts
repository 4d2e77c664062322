// Deployment, stateless half: the tick function (role, log group, environment, its published
// version and one alias per invocation path) and the 5-minute EventBridge schedule that invokes the
// schedule alias. Receives the table, topic and failed-events queue from BotState.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, Runtime, type Code, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TICK_HANDLER } from '../functions/tick/bundle.js';
import { INVOCATION_ALIASES } from '../functions/tick/event.js';
import { createsKeysKmsKey, type DeployConfig } from './deployConfig.js';
import { KeysKey } from './keysKey.js';
import { tickBundleCode } from './tickBundleCode.js';
import { TICK_ALERT_ACTIONS, TICK_KEY_ACTIONS, TICK_LOG_ACTIONS, TICK_QUEUE_ACTIONS, TICK_TABLE_ACTIONS } from './tickGrants.js';
import { METRICS_NAMESPACE, type TickMetricDimensions } from './tickMetrics.js';

/** Every 5 minutes on the minute; the tick checks that Kraken has committed the candle before deciding on it. */
export const TICK_SCHEDULE_EXPRESSION = 'cron(0/5 * * * ? *)';

/** How long EventBridge keeps retrying delivery of a scheduled event. */
export const SCHEDULE_TARGET_MAX_EVENT_AGE = Duration.minutes(4);
/** How long Lambda's queue holds an asynchronous event (e.g. while a tick still runs). */
export const FUNCTION_MAX_EVENT_AGE = Duration.minutes(4);

/**
 * Node.js 22, and why it is not 24 (cdk-nag's runtime rules want the newest): the tests run on
 * Node 20 (this project's development machines and vitest 4), not on any Lambda runtime. Of the
 * two supported LTS runtimes, 22 is the one closer to what is tested; moving to 24 deserves a
 * test run on 24 first.
 */
export const TICK_RUNTIME = Runtime.NODEJS_22_X;

const RUNTIME_REASON =
  'Node.js 22 is kept deliberately: the tests run on Node 20 (no test runs on a Lambda runtime yet), and 22 is the supported LTS runtime closest to it; 24 is a tested change to make later, not a drift to accept silently.';

export interface TickServiceProps {
  config: DeployConfig;
  table: ITable;
  topic: ITopic;
  /** Where failed or expired asynchronous invocations and undeliverable schedule events go. */
  failedEvents: IQueue;
  /** The function's code; defaults to the real esbuild bundle. Tests pass a stub to stay fast. */
  code?: Code;
}

/** The tick Lambda, its aliases and its schedule. */
export class TickService extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  /** The only target of the schedule; the handler refuses commands that arrive through it. */
  readonly scheduleAlias: Alias;
  /** flatten and force-exit: commands that only reduce exposure. */
  readonly exitCommandsAlias: Alias;
  /** force-entry: the one command that adds exposure, granted separately. */
  readonly entryCommandsAlias: Alias;
  readonly rule: Rule;
  readonly logGroup: LogGroup;
  /** The key parameter's KMS key: the stack's own, or yours (`keysKmsKeyArn`); none with aws/ssm. */
  readonly keysKmsKeyArn: string | undefined;
  readonly keysKey: KeysKey | undefined;
  /** Dimensions of the function's custom metrics (POWERTOOLS_SERVICE_NAME and the mode). */
  readonly metricDimensions: TickMetricDimensions;

  constructor(scope: Construct, id: string, props: TickServiceProps) {
    super(scope, id);
    const { config, table, topic, failedEvents } = props;
    const stack = Stack.of(this);
    this.metricDimensions = { service: config.prefix, mode: config.bot.mode };
    const keysParameterArn = parameterArn(stack, config.keysParameterName);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: config.logRetentionDays as RetentionDays,
      // Kept after `cdk destroy`: the log is the record of what the bot did and why (orders,
      // operator commands, refused events); it still expires after the retention period.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${config.prefix} tick: its log group, its table, its alert topic, its key parameter, its failed-events queue`,
    });
    this.role = role;
    role.addToPolicy(
      new PolicyStatement({ sid: 'WriteOwnLogs', actions: TICK_LOG_ACTIONS, resources: [this.logGroup.logGroupArn] }),
    );
    role.addToPolicy(new PolicyStatement({ sid: 'UseStateTable', actions: TICK_TABLE_ACTIONS, resources: [table.tableArn] }));
    role.addToPolicy(new PolicyStatement({ sid: 'PublishAlerts', actions: TICK_ALERT_ACTIONS, resources: [topic.topicArn] }));
    role.addToPolicy(new PolicyStatement({ sid: 'ReadKrakenKeys', actions: TICK_KEY_ACTIONS, resources: [keysParameterArn] }));
    role.addToPolicy(new PolicyStatement({ sid: 'RecordFailedInvocations', actions: TICK_QUEUE_ACTIONS, resources: [failedEvents.queueArn] }));
    if (config.keysKmsKeyArn) {
      // A key of your own: its key policy must allow the account's IAM policies to grant this.
      role.addToPolicy(
        new PolicyStatement({
          sid: 'DecryptKrakenKeysThroughSsm',
          effect: Effect.ALLOW,
          actions: ['kms:Decrypt'],
          resources: [config.keysKmsKeyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com`, 'kms:EncryptionContext:PARAMETER_ARN': keysParameterArn },
          },
        }),
      );
      this.keysKmsKeyArn = config.keysKmsKeyArn;
    } else if (createsKeysKmsKey(config)) {
      // The stack's key: its key policy names the role, so no IAM statement is needed.
      this.keysKey = new KeysKey(this, 'KeysKey', { prefix: config.prefix, parameterArn: keysParameterArn, decrypter: role });
      this.keysKmsKeyArn = this.keysKey.key.keyArn;
    }

    // Lambda writes a record of each failed or expired asynchronous invocation (the event, the error,
    // the request context) to the queue, with the function's role.
    const onFailure: IDestination = { bind: () => ({ destination: failedEvents.queueArn }) };

    this.function = new NodejsFunction(this, 'Function', {
      functionName: `${config.prefix}-tick`,
      description: `Kraken bot tick (${config.bot.mode}): exits, then entries, on closed 5m candles`,
      code: props.code ?? tickBundleCode(undefined, { referenceExchange: config.bot.market.reference.enabled }),
      handler: TICK_HANDLER,
      runtime: TICK_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: config.memoryMb,
      timeout: Duration.seconds(config.timeoutSeconds),
      // One tick at a time, whichever alias it came through: a command and a scheduled tick never
      // overlap; a second invocation is refused by Lambda (throttled) rather than by the claim.
      reservedConcurrentExecutions: 1,
      role,
      logGroup: this.logGroup,
      // A failed or late tick is not replayed: the next tick, 5 minutes later, reconciles instead.
      // These settings cover the unqualified function; each alias has the same ones below.
      retryAttempts: 0,
      maxEventAge: FUNCTION_MAX_EVENT_AGE,
      onFailure,
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
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: RUNTIME_REASON },
      { id: 'Serverless-LambdaLatestVersion', reason: RUNTIME_REASON },
      {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Failed and expired asynchronous invocations go to the failed-events queue through on-failure destinations on the unqualified function and on every alias; their records carry the error and the request context, where a dead-letter queue would get the bare event as a second copy.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords on Resource * (X-Ray has no resource-level permissions), which would break the role\'s no-wildcard rule; with no X-Ray SDK or Powertools Tracer in the bundle it would record only Lambda\'s own init and invocation segments, which the REPORT log line and the Duration metric already give.',
      },
    );

    // Aliases point at the version published from this deployment's code and configuration.
    const version = this.function.currentVersion;
    const alias = (aliasId: string, aliasName: string, description: string): Alias =>
      new Alias(this, aliasId, { aliasName, version, description, retryAttempts: 0, maxEventAge: FUNCTION_MAX_EVENT_AGE, onFailure });
    this.scheduleAlias = alias('ScheduleAlias', INVOCATION_ALIASES.schedule, 'The schedule\'s path: scheduled events only');
    this.exitCommandsAlias = alias('ExitCommandsAlias', INVOCATION_ALIASES.exitCommands, 'Operators\' path for flatten and force-exit');
    this.entryCommandsAlias = alias('EntryCommandsAlias', INVOCATION_ALIASES.entryCommands, 'Operators\' path for force-entry');

    this.rule = new Rule(this, 'Schedule', {
      ruleName: `${config.prefix}-tick-schedule`,
      description: `Runs the ${config.prefix} tick every 5 minutes (kbot pause / kbot resume toggle it)`,
      schedule: Schedule.expression(TICK_SCHEDULE_EXPRESSION),
      enabled: config.scheduleEnabled,
      targets: [
        new LambdaFunction(this.scheduleAlias, {
          retryAttempts: 2,
          maxEventAge: SCHEDULE_TARGET_MAX_EVENT_AGE,
          // An event EventBridge could not hand to Lambda at all (permission, quota) lands here.
          deadLetterQueue: failedEvents,
        }),
      ],
    });
  }
}

/** ARN of an SSM parameter; names with a leading slash keep it, others get one. */
export function parameterArn(stack: Stack, parameterName: string): string {
  const path = parameterName.startsWith('/') ? parameterName : `/${parameterName}`;
  return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${path}`;
}
