// Operator CLI (kbot ops): opens the deployed state table through the same DynamoStore the tick
// uses, so the CLI reads and writes exactly the items the function does.
import { DynamoStore } from '../../adapters/dynamo/dynamoStore.js';
import type { StorePort } from '../../core/ports.js';
import type { AwsClients } from './awsClients.js';

/** The production StoreFactory: a DynamoStore on the operator's DynamoDB client and the stack's table. */
export function openDynamoStore(clients: AwsClients, tableName: string): StorePort {
  return new DynamoStore({ client: clients.dynamoDb, tableName });
}
