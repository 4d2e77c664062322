// Deployment, optional: the weekly retraining of the learned trade filter (only with
// `bot.learning.enabled`). Its own function, role, log group and EventBridge rule; it reads the
// ledger and the model items of the state table, writes model files, the promotion and audit
// records, and publishes the promotion alert. Receives the table, topic and queue from BotState.
import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { ArnPrincipal, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type Code, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PROJECT_ROOT, TICK_HANDLER } from '../functions/tick/bundle.js';
import type { DeployConfig } from './deployConfig.js';
import { tickBundleCode } from './tickBundleCode.js';
import { TICK_RUNTIME } from './tickService.js';

/** Sundays at 03:17 UTC: a quiet hour, away from the 5-minute ticks' boundaries. */
export const RETRAIN_SCHEDULE_EXPRESSION = 'cron(17 3 ? * SUN *)';

/** What the job sends to the table (functions/adapters/dynamo/dynamoStore.ts): reads the ledger and models, writes models, the promotion and audit records. */
export const RETRAIN_TABLE_ACTIONS = ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:PutItem'];

export const RETRAIN_ENTRY = join(PROJECT_ROOT, 'functions', 'learning', 'retrainHandler.ts');

const RUNTIME_REASON =
  'Node.js 22 is kept deliberately, as for the tick: the tests run on Node 20 (no test runs on a Lambda runtime yet), and 22 is the supported LTS runtime closest to it; 24 is a tested change to make later.';

export interface LearningJobProps {
  config: DeployConfig;
  table: ITable;
  topic: ITopic;
  failedEvents: IQueue;
  /** The function's code; defaults to the esbuild bundle of functions/learning/retrainHandler.ts. Tests pass a stub. */
  code?: Code;
}

/** The weekly retraining: function, role, log group, schedule. */
export class LearningJob extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly rule: Rule;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LearningJobProps) {
    super(scope, id);
    const { config, table, topic, failedEvents } = props;
    this.logGroup = new LogGroup(this, 'Logs', { retention: config.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${config.prefix} retraining: its log group, the state table (read the ledger, write models), the alert topic, the failed-events queue`,
    });
    this.role.addToPolicy(new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    this.role.addToPolicy(new PolicyStatement({ sid: 'ReadLedgerWriteModels', actions: RETRAIN_TABLE_ACTIONS, resources: [table.tableArn] }));
    this.role.addToPolicy(new PolicyStatement({ sid: 'PublishPromotionAlerts', actions: ['sns:Publish'], resources: [topic.topicArn] }));
    this.role.addToPolicy(new PolicyStatement({ sid: 'RecordFailedInvocations', actions: ['sqs:SendMessage'], resources: [failedEvents.queueArn] }));
    // The topic's own policy names each publisher, as it does for the tick.
    topic.addToResourcePolicy(new PolicyStatement({ sid: 'AllowTheRetrainingFunction', principals: [new ArnPrincipal(this.role.roleArn)], actions: ['sns:Publish'], resources: [topic.topicArn] }));
    const onFailure: IDestination = { bind: () => ({ destination: failedEvents.queueArn }) };

    this.function = new NodejsFunction(this, 'Function', {
      functionName: `${config.prefix}-retrain`,
      description: `Weekly retraining of the ${config.prefix} learned trade filter (promotes only a model that beats the baseline and the current one out of sample)`,
      code: props.code ?? tickBundleCode(RETRAIN_ENTRY),
      handler: TICK_HANDLER,
      runtime: TICK_RUNTIME,
      architecture: Architecture.ARM_64,
      // Training a forest is CPU-bound: more memory buys more CPU; a few hundred trades train in seconds.
      memorySize: 1024,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup: this.logGroup,
      retryAttempts: 0,
      maxEventAge: Duration.hours(1),
      onFailure,
      environment: {
        KBOT_TABLE_NAME: table.tableName,
        KBOT_ALERT_TOPIC_ARN: topic.topicArn,
        KBOT_MODE: config.bot.mode,
        KBOT_CONFIG: config.botConfigJson,
        POWERTOOLS_SERVICE_NAME: `${config.prefix}-retrain`,
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
          'A failed or expired weekly run goes to the failed-events queue through the on-failure destination, whose record carries the error and the request context; a dead-letter queue would only get a second copy of the bare scheduled event.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords on Resource * (X-Ray has no resource-level permissions), which would break the role\'s no-wildcard rule; a weekly batch job with no X-Ray SDK in its bundle would record only Lambda\'s own segments, which its log and Duration metric already give.',
      },
    );

    this.rule = new Rule(this, 'Schedule', {
      ruleName: `${config.prefix}-retrain-schedule`,
      description: `Retrains the ${config.prefix} learned trade filter weekly from the ledger`,
      schedule: Schedule.expression(RETRAIN_SCHEDULE_EXPRESSION),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: failedEvents })],
    });
  }
}
