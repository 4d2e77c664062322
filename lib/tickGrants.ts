// Deployment: the IAM actions the tick role is granted, each on its one resource (see TickService).
// Kept free of CDK imports so tests of the bundle can check the code against them cheaply.

/** On the function's own log group. */
export const TICK_LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** On the state table: what functions/adapters/dynamo/dynamoStore.ts sends; no Scan. */
export const TICK_TABLE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'];

/** On the alert topic. */
export const TICK_ALERT_ACTIONS = ['sns:Publish'];

/**
 * On the Kraken key parameter. Decrypting needs no IAM grant with the default aws/ssm key or the
 * stack's key (its key policy names the role); a key of your own gets kms:Decrypt through SSM.
 */
export const TICK_KEY_ACTIONS = ['ssm:GetParameter'];

/** On the failed-events queue: Lambda sends on-failure records with the function's role. */
export const TICK_QUEUE_ACTIONS = ['sqs:SendMessage'];

/** Every action the role may be granted (kms:Decrypt only with a customer managed key of your own). */
export const TICK_GRANTED_ACTIONS = [...TICK_LOG_ACTIONS, ...TICK_TABLE_ACTIONS, ...TICK_ALERT_ACTIONS, ...TICK_KEY_ACTIONS, ...TICK_QUEUE_ACTIONS];
