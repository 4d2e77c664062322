// Secondary adapter (DynamoDB): the single table's shape. Local runs and tests create it from
// here; the CDK stack declares the same key schema and TTL attribute.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Attribute names of the table's keys and TTL, shared with the CDK stack. */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB deletes expired items lazily (typically within days). */
  ttlAttribute: 'ttl',
} as const;

/** CreateTable input for the bot's table: string `pk` + `sk`, on-demand billing. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}
