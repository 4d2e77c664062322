// Tick benchmark (`npm run bench:tick -- --pairs 4,20,50 [--record]`): the real Lambda handler against the
// sandbox with Kraken's limits on (ccxt's throttle as in Lambda, the sandbox's private rate counter
// for an Intermediate key decaying on the wall clock), DynamoDB on dynalite: wall time per tick, the
// Lambda GB-seconds it would bill, and the exchange calls it made, for each pair count. Prints the
// figures, or one JSON line with --json.
import { pathToFileURL } from 'node:url';
import { createDynamoClient, ensureTable, startLocalDynamo } from '../adapters/dynamo/localDynamo.js';
import { scheduledEvent } from '../cli/localStack.js';
import { parseConfig } from '../core/config.js';
import { simpleMomentumConfig } from '../core/engine/presets.js';
import { noMetrics, silentLogger } from '../core/ports.js';
import { FIVE_MINUTES_MS, type Pair } from '../core/types.js';
import { DEFAULT_SANDBOX_PAIRS, SANDBOX_MARKETS } from '../sandbox/sandboxMarkets.js';
import { startSandbox } from '../sandbox/sandboxServer.js';
import { createTickHandler } from './runtime.js';

/** The function's memory (lib/tickService.ts): GB-seconds = wall seconds × this. */
const MEMORY_GB = 0.25;

export interface TickBenchFigures {
  pairs: number;
  ticks: number;
  /** The first tick loads markets (a cold container); the others are warm. */
  coldSeconds: number;
  warmSecondsMedian: number;
  warmSecondsMax: number;
  gbSecondsPerTick: number;
  /** Kraken calls of one warm tick, by method. */
  callsPerWarmTick: Record<string, number>;
  errors: number;
}

/** Every USD pair the sandbox can list, majors first. */
export function benchPairs(n: number): Pair[] {
  const all = [...DEFAULT_SANDBOX_PAIRS, ...SANDBOX_MARKETS.map((m) => m.symbol).filter((p) => !DEFAULT_SANDBOX_PAIRS.includes(p))];
  if (n > all.length) throw new Error(`the sandbox lists ${all.length} pairs; asked for ${n}`);
  return all.slice(0, n);
}

/** Runs `ticks` scheduled ticks on `pairCount` pairs and measures them. */
export async function benchTicks(pairCount: number, ticks: number, options: { record?: boolean } = {}): Promise<TickBenchFigures> {
  const pairs = benchPairs(pairCount);
  const start = Math.floor(Date.UTC(2026, 5, 1, 12) / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
  const sandbox = await startSandbox({
    pairs,
    startTimeMs: start,
    speed: 1,
    balances: { USD: 100_000 },
    behaviour: { rateLimit: { tier: 'intermediate' }, limitsClock: 'wall' },
  });
  const dynamo = await startLocalDynamo();
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  await ensureTable(client, 'kbot-tick-bench');
  client.destroy();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const config = parseConfig({
    mode: 'live',
    allowLiveTrading: true,
    pairs,
    ...simpleMomentumConfig({ fastSma: 3, slowSma: 8 }),
    limits: { maxTradesPerDay: 200, maxTradesPerPairPerDay: 10, maxDailyLossQuote: 10_000 },
    // --record: the market recorder on (one Depth call per pair and tick, as the microstructure strategy needs).
    ...(options.record ? { market: { record: 'always' } } : {}),
  });
  const handler = createTickHandler({
    env: { KBOT_TABLE_NAME: 'kbot-tick-bench', KBOT_MODE: 'live', KBOT_CONFIG: JSON.stringify(config), KBOT_KEYS_PARAMETER: '/kbot/bench', KRAKEN_API_URL: sandbox.url },
    // The sandbox clock follows the wall clock from each tick's boundary, as Kraken's does.
    clock: { nowMs: () => sandbox.nowMs(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
    logger: process.env.KBOT_BENCH_DEBUG ? { debug() {}, info: (m: string) => console.error(Date.now() % 100000, m), warn: (m: string, f?: unknown) => console.error(Date.now() % 100000, m, JSON.stringify(f)), error: (m: string, f?: unknown) => console.error(Date.now() % 100000, m, JSON.stringify(f)) } : silentLogger,
    metrics: noMetrics,
    alerts: { send: async () => undefined },
    enableRateLimit: true,
    keyProvider: { get: async () => ({ apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret }) },
  });
  const walls: number[] = [];
  let errors = 0;
  let callsPerWarmTick: Record<string, number> = {};
  try {
    for (let k = 0; k < ticks; k++) {
      const boundary = start + (k + 1) * FIVE_MINUTES_MS;
      sandbox.setTime(boundary);
      const before = sandbox.callCounts();
      const t0 = performance.now();
      const result = await handler(scheduledEvent(boundary), { awsRequestId: `bench-${pairCount}-${k}` });
      walls.push((performance.now() - t0) / 1000);
      errors += result.errors.length;
      if (k === ticks - 1) {
        const after = sandbox.callCounts();
        callsPerWarmTick = Object.fromEntries(Object.entries(after).map(([m, n]) => [m, n - (before[m] ?? 0)]).filter(([, n]) => (n as number) > 0));
      }
    }
  } finally {
    await sandbox.close();
    await dynamo.close();
  }
  const warm = walls.slice(1).sort((a, b) => a - b);
  const median = warm.length ? warm[Math.floor(warm.length / 2)]! : walls[0]!;
  return {
    pairs: pairCount,
    ticks,
    coldSeconds: round(walls[0]!),
    warmSecondsMedian: round(median),
    warmSecondsMax: round(warm[warm.length - 1] ?? median),
    gbSecondsPerTick: round(median * MEMORY_GB),
    callsPerWarmTick,
    errors,
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const counts = (arg('--pairs') ?? '4,20,50').split(',').map(Number);
  const ticks = Number(arg('--ticks') ?? 3);
  const json = argv.includes('--json');
  const record = argv.includes('--record');
  const figures: TickBenchFigures[] = [];
  for (const n of counts) {
    const f = await benchTicks(n, ticks, { record });
    figures.push(f);
    if (!json) {
      const calls = Object.entries(f.callsPerWarmTick).map(([m, c]) => `${m} ${c}`).join(', ');
      process.stdout.write(
        `${String(n).padStart(3)} pairs: cold ${f.coldSeconds.toFixed(1)} s, warm ${f.warmSecondsMedian.toFixed(1)} s (max ${f.warmSecondsMax.toFixed(1)}), ${f.gbSecondsPerTick.toFixed(2)} GB-s per tick; calls: ${calls}${f.errors ? `; ${f.errors} errors` : ''}\n`,
      );
    }
  }
  if (json) process.stdout.write(`${JSON.stringify({ bench: 'tick', memoryGb: MEMORY_GB, record, figures })}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench:tick: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
