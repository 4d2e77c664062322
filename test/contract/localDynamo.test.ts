// Contract tests: the local dynalite helper (127.0.0.1, table creation, on-disk persistence, lock).
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../functions/adapters/dynamo/dynamoStore.js';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';

const TABLE = 'kbot-local-test';

describe('Function: startLocalDynamo', () => {
  let dir: string;
  const opened: LocalDynamo[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kbot-dynamo-'));
  });

  afterEach(async () => {
    for (const dynamo of opened.splice(0)) await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and creates the table once, ACTIVE, with pk/sk string keys', async () => {
    const dynamo = await startLocalDynamo();
    opened.push(dynamo);
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    await Promise.all([ensureTable(client, TABLE), ensureTable(client, TABLE)]);
    await ensureTable(client, TABLE);
    const table = (await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table;
    expect(table?.TableStatus).toBe('ACTIVE');
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    client.destroy();
  });

  it('persists the store on disk across restarts when given a path', async () => {
    const path = join(dir, 'dynamo');
    const first = await startLocalDynamo({ path });
    let client = createDynamoClient({ endpoint: first.endpoint });
    await ensureTable(client, TABLE);
    await new DynamoStore({ client, tableName: TABLE }).putWallet({ USD: 1_000.25, BTC: 0.00123457 }, -1);
    client.destroy();
    await first.close();

    const second = await startLocalDynamo({ path });
    opened.push(second);
    client = createDynamoClient({ endpoint: second.endpoint });
    await ensureTable(client, TABLE);
    expect(await new DynamoStore({ client, tableName: TABLE }).getWallet()).toEqual({ balances: { USD: 1_000.25, BTC: 0.00123457 }, version: 0 });
    client.destroy();
  });

  it('refuses a second opener of the same path with a readable error, and frees the path on close', async () => {
    const path = join(dir, 'dynamo');
    const first = await startLocalDynamo({ path });
    await expect(startLocalDynamo({ path })).rejects.toThrow(`The local database ${path} is in use by process ${process.pid}`);
    await first.close();
    await expect(stat(`${path}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
    const again = await startLocalDynamo({ path });
    opened.push(again);
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const path = join(dir, 'dynamo');
    // Pids are capped far below this on Linux and macOS, so no live process has it.
    await writeFile(`${path}.lock`, '2147483646');
    const dynamo = await startLocalDynamo({ path });
    opened.push(dynamo);
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});
