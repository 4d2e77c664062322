// Deployment (Telegram, optional): the webhook function behind a function URL, its least-privilege
// role (the halt flag, audit and run-once items to write; the records it shows to read; the
// schedule rule; the exit-commands alias; the two Telegram parameters; Bedrock's one model when the
// assistant is on), and the alert forwarder subscribed to the alert topic. Nothing here exists
// unless the deployment settings have a `telegram` section.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, FunctionUrlAuthType, type Code, type FunctionUrl, type IDestination } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { quoteCurrency } from '../functions/core/config.js';
import { TICK_HANDLER } from '../functions/tick/bundle.js';
import { createsKeysKmsKey, type DeployConfig } from './deployConfig.js';
import { TelegramKey } from './telegramKey.js';
import { telegramBundleCode } from './telegramBundleCode.js';
import { parameterArn, TICK_RUNTIME, type TickService } from './tickService.js';

/** The table partitions the webhook reads (status, positions, ledger, counters, last tick, journal) and writes (halt flag, audit, run-once markers). */
export const TELEGRAM_READ_PARTITIONS = ['CONTROL', 'DAY', 'POS', 'TRADE', 'TICK', 'JOURNAL'] as const;
export const TELEGRAM_WRITE_PARTITIONS = ['CONTROL', 'AUDIT', 'ONCE'] as const;

/** The webhook's timeout: a flatten waits up to about two minutes for a busy tick, then the tick itself. */
export const TELEGRAM_WEBHOOK_TIMEOUT = Duration.minutes(5);

const RUNTIME_REASON =
  'Node.js 22, as the tick function: the tests run on Node 20 (no test runs on a Lambda runtime yet), and 22 is the supported LTS runtime closest to it; 24 is a tested change to make later.';
const NO_TRACING_REASON =
  'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords on Resource * (X-Ray has no resource-level permissions), which would break the role\'s no-wildcard rule; nothing in the bundle sends trace segments, and the REPORT log line and the Duration metric give what Lambda\'s own segments would.';

export interface TelegramBotProps {
  config: DeployConfig;
  telegram: NonNullable<DeployConfig['telegram']>;
  assistant?: DeployConfig['assistant'];
  table: ITable;
  topic: ITopic;
  failedEvents: IQueue;
  tick: TickService;
  /** Code overrides (tests use stubs instead of bundling). */
  webhookCode?: Code;
  alertsCode?: Code;
}

/** The Telegram webhook, its URL, and the alert forwarder. */
export class TelegramBot extends Construct {
  readonly webhook: LambdaFunction;
  readonly webhookUrl: FunctionUrl;
  readonly webhookRole: Role;
  readonly alerts: LambdaFunction | undefined;
  readonly alertsRole: Role | undefined;
  readonly key: TelegramKey | undefined;
  readonly tokenParameterArn: string;
  readonly secretParameterArn: string;

  constructor(scope: Construct, id: string, props: TelegramBotProps) {
    super(scope, id);
    const { config, telegram, table, topic, failedEvents, tick } = props;
    const stack = Stack.of(this);
    const mode = config.bot.mode;
    this.tokenParameterArn = parameterArn(stack, telegram.tokenParameterName);
    this.secretParameterArn = parameterArn(stack, telegram.secretParameterName);
    const onFailure: IDestination = { bind: () => ({ destination: failedEvents.queueArn }) };
    const logGroup = (logId: string) => new LogGroup(this, logId, { retention: config.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    const role = (roleId: string, description: string) => new Role(this, roleId, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description });

    // The webhook: reads what the commands show, writes only the halt flag, audit records and run-once markers.
    const webhookLogs = logGroup('WebhookLogs');
    this.webhookRole = role('WebhookRole', `${config.prefix} Telegram webhook: its log group, the records it shows, the halt flag, the schedule rule, the exit-commands alias, its two parameters`);
    const w = this.webhookRole;
    const leadingKeys = (partitions: readonly string[]) => ({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': partitions.map((p) => `${p}#${mode}`) } });
    w.addToPolicy(new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [webhookLogs.logGroupArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'ReadTheRecordsItShows', actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn], conditions: leadingKeys(TELEGRAM_READ_PARTITIONS) }));
    w.addToPolicy(new PolicyStatement({ sid: 'WriteHaltAuditAndMarkers', actions: ['dynamodb:PutItem'], resources: [table.tableArn], conditions: leadingKeys(TELEGRAM_WRITE_PARTITIONS) }));
    w.addToPolicy(new PolicyStatement({ sid: 'PauseResume', actions: ['events:DisableRule', 'events:EnableRule', 'events:DescribeRule'], resources: [tick.rule.ruleArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'FlattenAndForceExit', actions: ['lambda:InvokeFunction'], resources: [tick.exitCommandsAlias.functionArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'ReadLimits', actions: ['lambda:GetFunctionConfiguration'], resources: [tick.function.functionArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'ReadTokenAndSecret', actions: ['ssm:GetParameter'], resources: [this.tokenParameterArn, this.secretParameterArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'AlertCommands', actions: ['sns:Publish'], resources: [topic.topicArn] }));
    w.addToPolicy(new PolicyStatement({ sid: 'RecordFailedInvocations', actions: ['sqs:SendMessage'], resources: [failedEvents.queueArn] }));
    if (props.assistant) {
      for (const statement of bedrockStatements(stack, props.assistant.modelId)) w.addToPolicy(statement);
      if (PROFILE_PREFIX.test(props.assistant.modelId)) {
        Validations.of(w).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${props.assistant.modelId.replace(PROFILE_PREFIX, '')}]`,
          reason:
            'A cross-region inference profile sends each request to the model in a region Bedrock chooses among the profile\'s regions, so the model\'s ARN has a wildcard region; the statement names one model and holds only for calls through this account\'s profile (bedrock:InferenceProfileArn).',
        });
      }
    }

    this.webhook = new LambdaFunction(this, 'Webhook', {
      functionName: `${config.prefix}-telegram`,
      description: `${config.prefix} Telegram webhook (${mode}): commands, confirmations${props.assistant ? ', assistant' : ''}`,
      code: props.webhookCode ?? telegramBundleCode('webhookHandler.ts'),
      handler: TICK_HANDLER,
      runtime: TICK_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: TELEGRAM_WEBHOOK_TIMEOUT,
      role: w,
      logGroup: webhookLogs,
      retryAttempts: 0,
      onFailure,
      environment: {
        TELEGRAM_TOKEN_PARAMETER: telegram.tokenParameterName,
        TELEGRAM_SECRET_PARAMETER: telegram.secretParameterName,
        TELEGRAM_ALLOWED_CHAT_IDS: telegram.allowedChatIds.join(','),
        KBOT_TABLE_NAME: table.tableName,
        KBOT_MODE: mode,
        KBOT_QUOTE: quoteCurrency(config.bot),
        // A universe's pairs change daily: only its include list is known at deploy time.
        ...(config.bot.pairs.length ? { KBOT_PAIRS: config.bot.pairs.join(',') } : {}),
        KBOT_STACK_NAME: config.prefix,
        KBOT_RULE_NAME: tick.rule.ruleName,
        KBOT_FUNCTION_NAME: tick.function.functionName,
        KBOT_EXIT_COMMANDS_ALIAS_ARN: tick.exitCommandsAlias.functionArn,
        KBOT_ALERT_TOPIC_ARN: topic.topicArn,
        ...(props.assistant ? { KBOT_ASSISTANT_MODEL_ID: props.assistant.modelId } : {}),
        POWERTOOLS_LOG_LEVEL: config.logLevel,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    // Telegram calls the URL without AWS credentials; the function checks the secret token header
    // before it reads the body, and the chat id before it does anything.
    this.webhookUrl = this.webhook.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    acknowledgeFunction(this.webhook, 'The webhook is invoked synchronously through its function URL (Telegram waits for the answer); the on-failure destination to the failed-events queue covers any asynchronous invocation, and there is no asynchronous caller.');

    const decrypters: { role: Role; parameterArns: string[] }[] = [{ role: w, parameterArns: [this.tokenParameterArn, this.secretParameterArn] }];

    if (telegram.alertsMinSeverity !== 'off') {
      const alertsLogs = logGroup('AlertsLogs');
      this.alertsRole = role('AlertsRole', `${config.prefix} Telegram alerts: its log group, the bot token parameter, the failed-events queue`);
      this.alertsRole.addToPolicy(new PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [alertsLogs.logGroupArn] }));
      this.alertsRole.addToPolicy(new PolicyStatement({ sid: 'ReadToken', actions: ['ssm:GetParameter'], resources: [this.tokenParameterArn] }));
      this.alertsRole.addToPolicy(new PolicyStatement({ sid: 'RecordFailedInvocations', actions: ['sqs:SendMessage'], resources: [failedEvents.queueArn] }));
      this.alerts = new LambdaFunction(this, 'Alerts', {
        functionName: `${config.prefix}-telegram-alerts`,
        description: `${config.prefix}: forwards alerts of severity ${telegram.alertsMinSeverity} and above, and alarms, to Telegram`,
        code: props.alertsCode ?? telegramBundleCode('alertsHandler.ts'),
        handler: TICK_HANDLER,
        runtime: TICK_RUNTIME,
        architecture: Architecture.ARM_64,
        memorySize: 256,
        timeout: Duration.seconds(30),
        role: this.alertsRole,
        logGroup: alertsLogs,
        // One retry: a second copy of an alert is better than none; a third attempt rarely helps.
        retryAttempts: 1,
        onFailure,
        environment: {
          TELEGRAM_TOKEN_PARAMETER: telegram.tokenParameterName,
          TELEGRAM_ALLOWED_CHAT_IDS: telegram.allowedChatIds.join(','),
          TELEGRAM_ALERTS_MIN_SEVERITY: telegram.alertsMinSeverity,
          KBOT_MODE: mode,
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      acknowledgeFunction(this.alerts, 'Failed and expired asynchronous invocations go to the failed-events queue through the on-failure destination, whose record carries the error and the SNS event, where a dead-letter queue would get the bare event; the SNS subscription has the same queue as its dead-letter queue.');
      // No filter policy: alarm notifications carry no severity attribute, and the function counts them as critical.
      topic.addSubscription(new LambdaSubscription(this.alerts, { deadLetterQueue: failedEvents }));
      decrypters.push({ role: this.alertsRole, parameterArns: [this.tokenParameterArn] });
    }

    if (telegram.kmsKey ?? createsKeysKmsKey(config)) {
      this.key = new TelegramKey(this, 'Key', { prefix: config.prefix, parameterArns: [this.tokenParameterArn, this.secretParameterArn], decrypters });
    }
  }
}

/** The runtime, DLQ and tracing acknowledgements every Telegram function shares. */
function acknowledgeFunction(fn: LambdaFunction, dlqReason: string): void {
  Validations.of(fn).acknowledge(
    { id: 'AwsSolutions-L1', reason: RUNTIME_REASON },
    { id: 'Serverless-LambdaLatestVersion', reason: RUNTIME_REASON },
    { id: 'Serverless-LambdaDLQ', reason: dlqReason },
    { id: 'Serverless-LambdaTracing', reason: NO_TRACING_REASON },
  );
}

/** A cross-region inference profile id starts with its geography. */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|global)\./;

/**
 * bedrock:InvokeModel (what Converse needs) on the configured model only. A foundation model: its
 * ARN in this region. An inference profile: the profile in this account, and the model it routes
 * to in whichever region Bedrock picks, only when the call goes through that profile.
 */
export function bedrockStatements(stack: Stack, modelId: string): PolicyStatement[] {
  if (!PROFILE_PREFIX.test(modelId)) {
    return [new PolicyStatement({ sid: 'InvokeTheAssistantModel', actions: ['bedrock:InvokeModel'], resources: [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`] })];
  }
  const profileArn = `arn:${stack.partition}:bedrock:${stack.region}:${stack.account}:inference-profile/${modelId}`;
  return [
    new PolicyStatement({ sid: 'InvokeTheAssistantProfile', actions: ['bedrock:InvokeModel'], resources: [profileArn] }),
    new PolicyStatement({
      sid: 'InvokeTheProfilesModelInItsRegions',
      actions: ['bedrock:InvokeModel'],
      resources: [`arn:${stack.partition}:bedrock:*::foundation-model/${modelId.replace(PROFILE_PREFIX, '')}`],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    }),
  ];
}
