// Operator CLI (kbot ops): the one factory for AWS SDK clients. Commands receive clients from
// here (or from a test, as aws-sdk-client-mock mocks) and never construct their own.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { OpsError } from './opsIo.js';

/** The AWS clients the operator commands use. */
export interface AwsClients {
  cloudFormation: CloudFormationClient;
  eventBridge: EventBridgeClient;
  ssm: SSMClient;
  lambda: LambdaClient;
  logs: CloudWatchLogsClient;
  sns: SNSClient;
  dynamoDb: DynamoDBClient;
  /** The region the clients talk to, resolved the SDK's way (flag, AWS_REGION, profile). */
  region(): Promise<string>;
}

/** Where to connect: both optional, falling back to the SDK's default chain. */
export interface AwsTarget {
  region?: string;
  /** Named profile from ~/.aws/config and ~/.aws/credentials (same as AWS_PROFILE). */
  profile?: string;
}

/**
 * Creates one client per service for the given region and profile. Credentials come from the
 * SDK's default chain (environment, profile, SSO, instance role); nothing is read here.
 */
export function createAwsClients(target: AwsTarget = {}): AwsClients {
  // The SDK's eight-line notice about Node 20 would precede every command's output; the project
  // supports Node 20.11+ and says so itself. Set the variable to "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = {
    ...(target.region ? { region: target.region } : {}),
    ...(target.profile ? { profile: target.profile } : {}),
  };
  const cloudFormation = new CloudFormationClient(config);
  return {
    cloudFormation,
    eventBridge: new EventBridgeClient(config),
    ssm: new SSMClient(config),
    // Flatten waits for a whole tick (sells through the order protocol); the SDK's default
    // socket settings allow it, and Lambda's own timeout bounds it.
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    sns: new SNSClient(config),
    dynamoDb: new DynamoDBClient(config),
    region: async () => {
      try {
        return await cloudFormation.config.region();
      } catch {
        throw new OpsError('no AWS region configured: pass --region, or set AWS_REGION or a region in your AWS profile');
      }
    },
  };
}
