// Unit tests: the DynamoDB client factory (local endpoints need no AWS account).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../functions/adapters/dynamo/createDynamoClient.js';

const ENV_KEYS = ['AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
});

afterEach(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('Function: createDynamoClient', () => {
  it('uses dummy credentials and a default region for an explicit local endpoint', async () => {
    const client = createDynamoClient({ endpoint: 'http://127.0.0.1:4567' });
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:4567');
    client.destroy();
  });

  it('treats AWS_ENDPOINT_URL_DYNAMODB on this machine as local too', async () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://localhost:8000';
    const client = createDynamoClient({ region: 'eu-west-1' });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'local' });
    client.destroy();
  });

  it('keeps configured credentials instead of the dummy ones', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'example-secret';
    const client = createDynamoClient({ endpoint: 'http://127.0.0.1:4567' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDEXAMPLE' });
    client.destroy();
  });
});
