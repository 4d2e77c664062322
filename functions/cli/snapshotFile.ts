// CLI support: recorded market snapshots as a file (one JSON snapshot per line), written by
// `kbot data export-snapshots` from the table and read by `kbot backtest --snapshots`.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import type { MarketSnapshot } from '../core/market/marketSnapshot.js';
import type { StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';
import { parseIsoTime } from '../backtest/parseIsoTime.js';

/** Writes the snapshots, one JSON document per line, oldest first (atomically). */
export function writeSnapshotFile(path: string, snapshots: readonly MarketSnapshot[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, snapshots.map((s) => JSON.stringify(s)).join('\n') + (snapshots.length ? '\n' : ''));
  renameSync(tmp, path);
}

/** Reads a snapshot file; a line that is not a snapshot throws naming the file and line. */
export function readSnapshotFile(path: string): MarketSnapshot[] {
  const out: MarketSnapshot[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, k) => {
      if (!line.trim()) return;
      let s: Partial<MarketSnapshot>;
      try {
        s = JSON.parse(line) as Partial<MarketSnapshot>;
      } catch (err) {
        throw new Error(`${path}:${k + 1}: not JSON (${(err as Error).message})`);
      }
      if (typeof s.pair !== 'string' || typeof s.closeMs !== 'number' || !Array.isArray(s.bids) || !Array.isArray(s.asks)) {
        throw new Error(`${path}:${k + 1}: not a market snapshot (pair, closeMs, bids, asks)`);
      }
      out.push(s as MarketSnapshot);
    });
  return out;
}

/** Reads the snapshots of [fromMs, toMs] from the store and writes them to `out`; returns how many. */
export async function exportSnapshots(store: Pick<StorePort, 'listSnapshots'>, mode: Mode, fromMs: number, toMs: number, out: string): Promise<number> {
  if (!store.listSnapshots) throw new Error('this store keeps no market snapshots');
  const snapshots = await store.listSnapshots(mode, fromMs, toMs);
  writeSnapshotFile(out, snapshots);
  return snapshots.length;
}

interface ExportOptions {
  out: string;
  from?: string;
  to?: string;
  mode: string;
  dataDir: string;
  stack?: string;
  region?: string;
  profile?: string;
}

/** `kbot data export-snapshots`: the market recorder's snapshots, from the local state or a deployed stack's table. */
export function exportSnapshotsCommand(io: { out(t: string): void; err(t: string): void }): Command {
  return new Command('export-snapshots')
    .description('Write the market snapshots the ticks recorded (order book top levels, spread, reference price) to a file for kbot backtest --snapshots')
    .option('--out <file>', 'file to write (one JSON snapshot per line)', join('.kbot', 'snapshots.jsonl'))
    .option('--from <ISO>', 'first candle close (default: 30 days ago)')
    .option('--to <ISO>', 'last candle close (default: now)')
    .option('--mode <mode>', 'paper or live', 'paper')
    .option('--data-dir <dir>', 'the local state of kbot paper', '.kbot')
    .option('--stack <name>', "read the deployed stack's table instead of the local state")
    .option('--region <region>', 'AWS region of the stack')
    .option('--profile <profile>', 'AWS profile')
    .action(async (opts: ExportOptions) => {
      const toMs = opts.to ? parseIsoTime(opts.to, '--to') : Date.now();
      const fromMs = opts.from ? parseIsoTime(opts.from, '--from') : toMs - 30 * 86_400_000;
      const mode: Mode = opts.mode === 'live' ? 'live' : 'paper';
      const target = opts.stack ? await openDeployed(opts) : await openLocal(opts.dataDir);
      try {
        const n = await exportSnapshots(target.store, target.mode ?? mode, fromMs, toMs, opts.out);
        io.err(`Wrote ${n} market snapshots (${target.label}, ${new Date(fromMs).toISOString()} .. ${new Date(toMs).toISOString()}) to ${opts.out}`);
        io.out(opts.out);
      } finally {
        await target.close();
      }
    });
}

/** The bot's state table: the local state of kbot paper, or a deployed stack's table. */
export interface StateTarget {
  label: string;
  store: StorePort;
  /** The stack's mode, when it is a deployed stack. */
  mode?: Mode;
  close(): Promise<void>;
}

/** Opens the local state under `dataDir` (kbot paper must not be running). */
export async function openLocal(dataDir: string): Promise<StateTarget> {
  const { startLocalDynamo, createDynamoClient, ensureTable } = await import('../adapters/dynamo/localDynamo.js');
  const { DynamoStore } = await import('../adapters/dynamo/dynamoStore.js');
  const { LOCAL_TABLE } = await import('./localStack.js');
  let dynamo;
  try {
    dynamo = await startLocalDynamo({ path: join(dataDir, 'dynamo') });
  } catch (err) {
    throw new Error(`cannot open the local state under ${dataDir} (${(err as Error).message}): stop kbot paper first`);
  }
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, LOCAL_TABLE);
  return {
    label: `local state ${dataDir}`,
    store: new DynamoStore({ client, tableName: LOCAL_TABLE }),
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}

/** Opens a deployed stack's table with the operator's AWS credentials. */
export async function openDeployed(opts: { stack?: string; region?: string; profile?: string; mode?: string }): Promise<StateTarget> {
  const { createAwsClients } = await import('./ops/awsClients.js');
  const { openDynamoStore } = await import('./ops/openDynamoStore.js');
  const { createOpsContext } = await import('./ops/opsContext.js');
  const { requireOutput, resolveMode } = await import('./ops/stackOutputs.js');
  const clients = createAwsClients({ ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) });
  const ctx = createOpsContext({ clients, io: { out: () => undefined, err: () => undefined, prompt: async () => undefined, interactive: false }, stackName: opts.stack!, openStore: openDynamoStore });
  const outputs = await ctx.outputs();
  return { label: `stack ${opts.stack}`, mode: resolveMode(outputs, opts.mode), close: async () => undefined, store: ctx.openStore(clients, requireOutput(outputs, 'TableName')) };
}
