// Secondary adapter (local DynamoDB): runs dynalite inside this process for `npm start`, the demo
// and tests, so the DynamoDB store runs unchanged with no AWS account.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export { createDynamoClient } from './createDynamoClient.js';
export { ensureTable } from './ensureTable.js';

/** A running local DynamoDB. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for `createDynamoClient({ endpoint })` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  endpoint: string;
  /** Stops the server and closes its database (flushing it to disk when persisted). */
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (a random free port unless `port` is given). With `path` the data
 * persists in a LevelDB directory there (e.g. `.kbot/dynamo`), created if missing; one process at
 * a time may open it (a second one gets a clear error naming the holder's pid). Without `path`
 * everything lives in memory.
 */
export async function startLocalDynamo(options: { path?: string; port?: number } = {}): Promise<LocalDynamo> {
  const lockPath = options.path ? `${options.path.replace(/[\\/]+$/, '')}.lock` : undefined;
  if (options.path && lockPath) {
    await mkdir(options.path, { recursive: true });
    await acquireLock(lockPath, options.path);
  }
  // Tables become ACTIVE at once instead of dynalite's simulated 500 ms.
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (lockPath) await rm(lockPath, { force: true });
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from SDK clients would otherwise hold the close open.
        server.closeAllConnections();
      }).finally(async () => {
        if (lockPath) await rm(lockPath, { force: true });
      });
      return closing;
    },
  };
}

/**
 * LevelDB allows one opener per directory, and dynalite turns a second open into an uncaught
 * exception; a pid lock file next to the directory turns that into a readable error instead.
 */
async function acquireLock(lockPath: string, dataPath: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holderPid = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holderPid) && holderPid > 0 && isAlive(holderPid)) {
      throw new Error(
        `The local database ${dataPath} is in use by process ${holderPid} (another kbot run?). Stop it first, or use another path.`,
      );
    }
    // The holder is gone (crash or kill): the lock is stale.
    await rm(lockPath, { force: true });
  }
  throw new Error(`Could not lock the local database ${dataPath} (${lockPath}).`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
