// Deployment, stateful half: the DynamoDB table (claims, positions, order intents, ledger) and the
// SNS alert topic with its email/SMS subscriptions. The stateless TickService receives both.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Subscription, SubscriptionProtocol, Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TABLE_KEYS } from '../functions/adapters/dynamo/tableDefinition.js';

export interface BotStateProps {
  /** Display name prefix of the topic (shown as the sender of SMS and email alerts). */
  prefix: string;
  alertEmail?: string;
  /** E.164 phone number for SMS alerts. */
  alertPhone?: string;
}

/** The table and the alert topic: the resources whose loss would lose money or silence alerts. */
export class BotState extends Construct {
  readonly table: Table;
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: BotStateProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Positions and the trade ledger outlive the stack: `cdk destroy` leaves the table behind.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Not KMS-encrypted on purpose: CloudWatch alarms cannot publish to a topic encrypted with the
    // AWS managed aws/sns key, and a customer managed key costs 1 USD a month, more than the whole
    // bot. Alerts carry trade summaries, never keys, and the topic accepts TLS only.
    this.topic = new Topic(this, 'AlertTopic', {
      // SMS shows the display name as the sender (at most 10 characters are used).
      displayName: props.prefix.slice(0, 100),
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch alarms need an explicit grant to publish.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
        },
      }),
    );
    if (props.alertEmail) {
      new Subscription(this, 'AlertEmail', { topic: this.topic, protocol: SubscriptionProtocol.EMAIL, endpoint: props.alertEmail });
    }
    if (props.alertPhone) {
      new Subscription(this, 'AlertSms', { topic: this.topic, protocol: SubscriptionProtocol.SMS, endpoint: props.alertPhone });
    }
  }
}
