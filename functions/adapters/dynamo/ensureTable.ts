// Secondary adapter (DynamoDB): creates the bot's table on a local DynamoDB when it is missing.
// In AWS the CDK stack owns the table; this is for dynalite (npm start, demo, tests).
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition } from './tableDefinition.js';

const POLL_INTERVAL_MS = 25;
const ACTIVE_TIMEOUT_MS = 30_000;

/**
 * Creates `tableName` (see `tableDefinition`) unless it exists, then waits until it is ACTIVE.
 * Safe to call concurrently and on every start.
 */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  if ((await tableStatus(client, tableName)) === undefined) {
    try {
      await client.send(new CreateTableCommand(tableDefinition(tableName)));
    } catch (error) {
      // Another process created it between our describe and create.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  const deadlineMs = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const status = await tableStatus(client, tableName);
    if (status === 'ACTIVE') return;
    if (Date.now() > deadlineMs) throw new Error(`DynamoDB table ${tableName} is not ACTIVE (status ${status ?? 'missing'})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus ?? 'UNKNOWN';
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}
