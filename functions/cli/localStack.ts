// CLI support: the local stand-in for the AWS side (dynalite as DynamoDB, console alerts) so the
// real Lambda handler runs on a laptop with no AWS account.
import { createDynamoClient, ensureTable, startLocalDynamo } from '../adapters/dynamo/localDynamo.js';
import type { BotConfig } from '../core/config.js';
import { createTickHandler, type TickHandler, type TickRuntimeOverrides } from '../tick/runtime.js';

export const LOCAL_TABLE = 'kbot-local';

// Re-exported: the commands that only read a configuration import it from ./configFile.js, which
// does not load the tick runtime (the AWS SDK, ccxt, dynalite).
export { loadConfigFile } from './configFile.js';

export interface LocalStack {
  handler: TickHandler;
  dynamoEndpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (persisted under `dataDir` when given), creates the table, and builds the real
 * tick handler with the environment pointing at it and at `exchangeUrl`.
 */
export async function startLocalStack(opts: {
  config: BotConfig;
  exchangeUrl?: string;
  dataDir?: string;
  overrides?: Omit<TickRuntimeOverrides, 'env'>;
  /** More environment for the handler (e.g. a keys parameter name when keys come from an override). */
  extraEnv?: Record<string, string>;
}): Promise<LocalStack> {
  const dynamo = await startLocalDynamo(opts.dataDir ? { path: opts.dataDir } : {});
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, LOCAL_TABLE);
  client.destroy();
  // The handler's SDK clients pick these up exactly as they would in Lambda.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const env: Record<string, string | undefined> = {
    KBOT_TABLE_NAME: LOCAL_TABLE,
    KBOT_MODE: opts.config.mode,
    KBOT_CONFIG: JSON.stringify(opts.config),
    ...(opts.exchangeUrl ? { KRAKEN_API_URL: opts.exchangeUrl } : {}),
    ...opts.extraEnv,
  };
  const handler = createTickHandler({ ...opts.overrides, env });
  return { handler, dynamoEndpoint: dynamo.endpoint, close: () => dynamo.close() };
}

/** An EventBridge scheduled event exactly as AWS delivers it. */
export function scheduledEvent(timeMs: number, ruleArn = 'arn:aws:events:us-east-1:123456789012:rule/kbot-local-tick'): Record<string, unknown> {
  return {
    version: '0',
    id: `local-${timeMs}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [ruleArn],
    detail: {},
  };
}
