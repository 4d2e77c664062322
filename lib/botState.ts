// Deployment, stateful half: the DynamoDB table (claims, positions, order intents, ledger), the SNS
// alert topics with their email/SMS subscriptions, and the queue that keeps whatever failed to be
// delivered. The stateless TickService receives them.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, PolicyStatement, ServicePrincipal, type IRole } from 'aws-cdk-lib/aws-iam';
import { Subscription, SubscriptionFilter, SubscriptionProtocol, Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/adapters/dynamo/tableDefinition.js';
import { SEVERITY_ATTRIBUTE, SMS_SEVERITIES } from '../functions/adapters/sns/snsAlerts.js';

export interface BotStateProps {
  /** Display name prefix of the topic (shown as the sender of SMS and email alerts). */
  prefix: string;
  alertEmail?: string;
  /** E.164 phone number for SMS alerts. */
  alertPhone?: string;
  /** A table retained by an earlier deployment, used instead of creating one. */
  existingTableName?: string;
}

/** The table, the alert topics and the failed-events queue: the resources whose loss would lose money or silence alerts. */
export class BotState extends Construct {
  readonly table: ITable;
  /** The bot's alerts (the function publishes) and every alarm; email gets all, SMS critical and warning only. */
  readonly topic: Topic;
  /**
   * SMS for alarms, when a phone is configured. Alarm notifications carry no message attributes, so
   * the SMS subscription's severity filter would drop every one of them; this second topic carries
   * alarms to the phone unfiltered.
   */
  readonly alarmSmsTopic: Topic | undefined;
  /**
   * What could not be delivered: asynchronous invocations that failed or expired (Lambda on-failure
   * destinations), schedule events EventBridge could not deliver, alerts SNS could not deliver.
   */
  readonly failedEvents: Queue;

  constructor(scope: Construct, id: string, props: BotStateProps) {
    super(scope, id);

    if (props.existingTableName) {
      // Not owned by this stack: a later `cdk destroy` cannot touch it. Its settings (deletion
      // protection, PITR, TTL) are the ones the stack that created it set.
      this.table = Table.fromTableName(this, 'Table', props.existingTableName);
    } else {
      this.table = new Table(this, 'Table', {
        partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
        sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
        timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // Positions and the trade ledger outlive the stack: `cdk destroy` leaves the table behind,
        // and neither the console nor the API deletes it until deletion protection is turned off.
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    // Encrypted with SQS's own key (SSE-SQS): Lambda, EventBridge and SNS can all write to it with
    // only the queue policy, where a KMS key would need a key policy for each and 1 USD a month.
    this.failedEvents = new Queue(this, 'FailedEvents', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failedEvents).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is a dead-letter queue: of the schedule target, of every SNS subscription and of the function\'s on-failure destinations; cdk-nag only recognizes a DLQ named by another queue\'s redrive policy or a Lambda DeadLetterConfig.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason: 'This queue is the end of the line for failed deliveries and nothing consumes it automatically; a redrive policy would move its records to yet another queue that nobody reads.',
      },
    );

    // Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with the
    // AWS managed aws/sns key, and a customer managed key costs 1 USD a month, more than the whole
    // bot. Alerts carry trade summaries, never keys, and the topic accepts TLS only.
    this.topic = new Topic(this, 'AlertTopic', {
      // SMS shows the display name as the sender (at most 10 characters are used).
      displayName: props.prefix.slice(0, 100),
      enforceSSL: true,
    });
    if (props.alertEmail) {
      new Subscription(this, 'AlertEmail', {
        topic: this.topic,
        protocol: SubscriptionProtocol.EMAIL,
        endpoint: props.alertEmail,
        deadLetterQueue: this.failedEvents,
      });
    }
    if (props.alertPhone) {
      new Subscription(this, 'AlertSms', {
        topic: this.topic,
        protocol: SubscriptionProtocol.SMS,
        endpoint: props.alertPhone,
        // Fills and profitable exits (info) stay in email; SMS costs money per message.
        filterPolicy: { [SEVERITY_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: [...SMS_SEVERITIES] }) },
        deadLetterQueue: this.failedEvents,
      });
      this.alarmSmsTopic = new Topic(this, 'AlarmSmsTopic', { displayName: props.prefix.slice(0, 100), enforceSSL: true });
      new Subscription(this, 'AlarmSms', {
        topic: this.alarmSmsTopic,
        protocol: SubscriptionProtocol.SMS,
        endpoint: props.alertPhone,
        deadLetterQueue: this.failedEvents,
      });
    }
  }

  /** The topics every alarm notifies. */
  get alarmTopics(): ITopic[] {
    return this.alarmSmsTopic ? [this.topic, this.alarmSmsTopic] : [this.topic];
  }

  /**
   * The topic policies: CloudWatch may publish only for this stack's `alarms` (aws:SourceArn), from
   * this account; the alert topic also names the function's role. A topic policy replaces SNS's
   * default one, so CloudWatch needs this grant; the role's own IAM policy grants it as well.
   */
  allowPublishers(alarms: readonly IAlarm[], functionRole: IRole): void {
    const stack = Stack.of(this);
    for (const topic of this.alarmTopics) {
      topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowAlarmsOfThisStack',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [topic.topicArn],
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnEquals: { 'aws:SourceArn': alarms.map((alarm) => alarm.alarmArn) },
          },
        }),
      );
    }
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowTheTickFunction',
        principals: [new ArnPrincipal(functionRole.roleArn)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
      }),
    );
  }
}
