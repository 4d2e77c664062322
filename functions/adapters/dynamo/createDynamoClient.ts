// Secondary adapter (DynamoDB): builds the SDK client for Lambda, laptop and tests alike.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Credentials for a local endpoint: dynalite does not check signatures, so no AWS account is needed. */
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * A DynamoDB client. With an `endpoint` (or `AWS_ENDPOINT_URL_DYNAMODB` pointing at this machine)
 * it talks to a local DynamoDB such as dynalite with dummy credentials; otherwise it uses the
 * SDK's default region and credential chain (the Lambda role).
 */
export function createDynamoClient(options: { endpoint?: string; region?: string } = {}): DynamoDBClient {
  const envEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const local = options.endpoint !== undefined || (envEndpoint !== undefined && isLoopback(envEndpoint));
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined);
  return new DynamoDBClient({
    ...(region ? { region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // Only substitute dummy credentials when none are configured, so a real profile still wins.
    ...(local && !process.env.AWS_ACCESS_KEY_ID ? { credentials: LOCAL_CREDENTIALS } : {}),
    // Resolve each command's middleware chain once instead of on every call (nothing here adds
    // middleware after the first call); a tick makes about ten calls, a demo thousands.
    cacheMiddleware: true,
  });
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}
