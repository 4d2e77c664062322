// Deployment: the one stack of a bot. BotState (table, topics, failed-events queue) feeds
// TickService (function, aliases, schedule); alarms and the dashboard watch it; the outputs are
// what the kbot CLI reads.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { quoteCurrency } from '../functions/core/config.js';
import { BotState } from './botState.js';
import type { DeployConfig } from './deployConfig.js';
import { LearningJob } from './learningJob.js';
import { TelegramBot } from './telegramBot.js';
import { TickAlarms } from './tickAlarms.js';
import { TickDashboard } from './tickDashboard.js';
import { TickService } from './tickService.js';

export interface KrakenBotStackProps extends StackProps {
  config: DeployConfig;
  /** Lambda code override (tests use a stub instead of bundling); defaults to the real bundle. */
  tickCode?: Code;
  /** The retraining job's code override (tests); defaults to its bundle. */
  learningCode?: Code;
  /** Code overrides of the Telegram functions (tests), when `config.telegram` is set. */
  telegramCode?: { webhook: Code; alerts: Code };
}

/**
 * The deployed bot, named after `config.prefix` (default `KrakenBot`). One stack rather than a
 * stateful and a stateless one: `kbot` reads a single stack's outputs, there are no cross-stack
 * exports to untangle, and the table survives `cdk destroy` anyway (RETAIN, deletion protection;
 * a new stack takes it back with `existingTableName`).
 */
export class KrakenBotStack extends Stack {
  readonly state: BotState;
  readonly tick: TickService;
  readonly alarms: TickAlarms;
  readonly dashboard: TickDashboard;
  /** The weekly retraining of the learned filter, only with `bot.learning.enabled`. */
  readonly learning: LearningJob | undefined;
  /** The Telegram webhook and alert forwarder; only with `config.telegram`. */
  readonly telegram: TelegramBot | undefined;

  /** `id` is the stack name; the app uses `config.prefix`, the name the kbot CLI looks for. */
  constructor(scope: Construct, id: string, props: KrakenBotStackProps) {
    const { config, tickCode, learningCode, telegramCode, ...stackProps } = props;
    super(scope, id, {
      description: `Kraken trading bot ${config.prefix} (${config.bot.mode}): 5-minute Lambda tick, DynamoDB state, SNS alerts`,
      ...stackProps,
    });

    this.state = new BotState(this, 'State', {
      prefix: config.prefix,
      ...(config.alertEmail ? { alertEmail: config.alertEmail } : {}),
      ...(config.alertPhone ? { alertPhone: config.alertPhone } : {}),
      ...(config.existingTableName ? { existingTableName: config.existingTableName } : {}),
    });
    this.tick = new TickService(this, 'Tick', {
      config,
      table: this.state.table,
      topic: this.state.topic,
      failedEvents: this.state.failedEvents,
      ...(tickCode ? { code: tickCode } : {}),
    });
    this.alarms = new TickAlarms(this, 'Alarms', {
      prefix: config.prefix,
      function: this.tick.function,
      timeout: this.tick.function.timeout!,
      topics: this.state.alarmTopics,
      alertTopics: this.state.alarmTopics,
      failedEvents: this.state.failedEvents,
      metricDimensions: this.tick.metricDimensions,
      scheduleEnabled: config.scheduleEnabled,
    });
    this.learning = config.bot.learning.enabled
      ? new LearningJob(this, 'Learning', { config, table: this.state.table, topic: this.state.topic, failedEvents: this.state.failedEvents, ...(learningCode ? { code: learningCode } : {}) })
      : undefined;
    this.state.allowPublishers(this.alarms.all, this.tick.role);
    this.dashboard = new TickDashboard(this, 'Dashboard', {
      prefix: config.prefix,
      function: this.tick.function,
      metricDimensions: this.tick.metricDimensions,
      quoteCurrency: quoteCurrency(config.bot),
    });

    // Output keys are a contract with the kbot CLI (functions/cli/ops/stackOutputs.ts).
    const output = (key: string, value: string, description: string): CfnOutput => new CfnOutput(this, key, { value, description });
    output('RuleName', this.tick.rule.ruleName, 'EventBridge rule that runs the tick every 5 minutes (kbot pause / resume)');
    output('FunctionName', this.tick.function.functionName, 'The tick Lambda function (kbot status reads its configuration)');
    output('ExitCommandsAliasArn', this.tick.exitCommandsAlias.functionArn, 'Alias operators invoke for flatten and force-exit (kbot flatten)');
    output('EntryCommandsAliasArn', this.tick.entryCommandsAlias.functionArn, 'Alias operators invoke for force-entry, granted separately');
    output('TableName', this.state.table.tableName, 'DynamoDB table with positions, orders and the trade ledger (retained on delete)');
    output('TopicArn', this.state.topic.topicArn, 'SNS topic for alerts (kbot alerts test)');
    output('KeysParameterName', config.keysParameterName, 'SSM SecureString parameter the tick reads the Kraken keys from (kbot keys set)');
    if (this.tick.keysKmsKeyArn) output('KeysKmsKeyArn', this.tick.keysKmsKeyArn, 'KMS key kbot keys set encrypts the key parameter with');
    output('FailedEventsQueueUrl', this.state.failedEvents.queueUrl, 'SQS queue with failed or expired invocations and undeliverable events or alerts');
    output('LogGroupName', this.tick.logGroup.logGroupName, 'CloudWatch log group of the tick (kbot logs)');
    output('DashboardName', this.dashboard.dashboard.dashboardName, 'CloudWatch dashboard');
    output('Mode', config.bot.mode, 'paper or live');
    output('HeartbeatAlarmName', this.alarms.heartbeat.alarmName, 'Alarm for missing ticks; kbot pause may disable its actions');
    if (this.learning) output('RetrainFunctionName', this.learning.function.functionName, 'The weekly retraining of the learned trade filter');

    // Telegram and the assistant (docs/telegram.md): nothing of it exists unless configured.
    if (config.telegram) {
      this.telegram = new TelegramBot(this, 'Telegram', {
        config,
        telegram: config.telegram,
        ...(config.assistant ? { assistant: config.assistant } : {}),
        table: this.state.table,
        topic: this.state.topic,
        failedEvents: this.state.failedEvents,
        tick: this.tick,
        ...(telegramCode ? { webhookCode: telegramCode.webhook, alertsCode: telegramCode.alerts } : {}),
      });
      output('TelegramWebhookUrl', this.telegram.webhookUrl.url, 'Function URL Telegram posts updates to (kbot telegram setup registers it)');
      output('TelegramWebhookFunctionName', this.telegram.webhook.functionName, 'The Telegram webhook function');
      output('TelegramTokenParameterName', config.telegram.tokenParameterName, 'SSM SecureString parameter holding the bot token (kbot telegram setup)');
      output('TelegramSecretParameterName', config.telegram.secretParameterName, 'SSM SecureString parameter holding the webhook secret token (kbot telegram setup)');
      if (this.telegram.key) output('TelegramKmsKeyArn', this.telegram.key.key.keyArn, 'KMS key kbot telegram setup encrypts the two Telegram parameters with');
      if (config.assistant) output('AssistantModelId', config.assistant.modelId, 'Bedrock model the assistant calls');
    }
  }
}
