// Chaos suite entry: `npm run chaos -- --runs N --seed S [--workers W] [--json]`. Drives the real
// Lambda handler in child processes against the sandbox and dynalite with random schedules of
// faults, duplicates, crashes, lease take-overs and operator commands, then checks the books. Prints
// one JSON summary line on stdout (progress goes to stderr); exits 1 when anything was violated,
// naming the seeds that reproduce it (`--runs 1 --seed <seed>`).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { createDynamoClient, startLocalDynamo } from '../adapters/dynamo/localDynamo.js';
import { chaosRun, type RunReport } from './chaosRun.js';
import { buildWorker, WorkerPool } from './workerPool.js';

/** The summary line. */
export interface ChaosSummary {
  runs: number;
  seed: number;
  broken?: string;
  invocations: number;
  steps: number;
  crashes: number;
  duplicates: number;
  takeovers: number;
  commands: number;
  exchangeOrders: number;
  /** Runs of the shorts variant, and the margin orders (short entries and buy-backs) they executed. */
  shortsRuns: number;
  marginOrders: number;
  faults: Record<string, number>;
  violations: Record<string, number>;
  /** Seeds of the runs that found a violation, with the first violation of each. */
  failing: Array<{ seed: number; kind: string; detail: string; log?: string }>;
  seconds: number;
}

export interface ChaosOptions {
  runs: number;
  seed: number;
  /** Worker processes (default: 2 per core, at least 4). */
  workers?: number;
  /** Runs at a time (default: the cores). */
  parallel?: number;
  /** Build the worker deliberately broken (`skip-intent`, `skip-margin-release`) to see the suite catch it. */
  broken?: 'skip-intent' | 'skip-margin-release';
  onProgress?: (done: number, report: RunReport) => void;
  /** Every step, invocation and order of each run, for reproducing a seed. */
  log?: (line: string) => void;
  /**
   * Where a failing run's own step log is written (`seed-<S>.log`): runs are timing-dependent
   * (crashes land at real-time offsets), so a failure under load may not repeat with --verbose.
   */
  logsDir?: string;
}

/** Runs the suite and returns its summary. */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const cores = availableParallelism();
  const bundle = await buildWorker();
  const pool = new WorkerPool(bundle, options.workers ?? Math.max(4, cores * 2), options.broken ? { KBOT_CHAOS_BREAK: options.broken } : {});
  const dynamo = await startLocalDynamo();
  const client = createDynamoClient({ endpoint: dynamo.endpoint });
  const summary: ChaosSummary = {
    runs: 0,
    seed: options.seed,
    ...(options.broken ? { broken: options.broken } : {}),
    invocations: 0,
    steps: 0,
    crashes: 0,
    duplicates: 0,
    takeovers: 0,
    commands: 0,
    exchangeOrders: 0,
    shortsRuns: 0,
    marginOrders: 0,
    faults: {},
    violations: {},
    failing: [],
    seconds: 0,
  };
  try {
    await pool.ready();
    let nextRun = 0;
    const lane = async () => {
      while (nextRun < options.runs) {
        const seed = options.seed + nextRun++;
        const lines: string[] = [];
        const log = (line: string) => {
          lines.push(line);
          options.log?.(line);
        };
        const report = await chaosRun({ seed, pool, dynamo: client, dynamoEndpoint: dynamo.endpoint, log });
        let logFile: string | undefined;
        if (report.violations.length && options.logsDir) {
          mkdirSync(options.logsDir, { recursive: true });
          logFile = join(options.logsDir, `seed-${seed}.log`);
          writeFileSync(logFile, [...lines, '', 'violations:', ...report.violations.map((v) => `${v.kind}: ${v.detail}`), ''].join('\n'));
        }
        summary.runs++;
        summary.invocations += report.invocations;
        summary.steps += report.steps;
        summary.crashes += report.crashes;
        summary.duplicates += report.duplicates;
        summary.takeovers += report.takeovers;
        summary.commands += report.commands;
        summary.exchangeOrders += report.orders;
        if (report.shorts) summary.shortsRuns++;
        summary.marginOrders += report.marginOrders;
        for (const [kind, n] of Object.entries(report.faults)) summary.faults[kind] = (summary.faults[kind] ?? 0) + n;
        for (const violation of report.violations) summary.violations[violation.kind] = (summary.violations[violation.kind] ?? 0) + 1;
        if (report.violations.length) summary.failing.push({ seed, kind: report.violations[0]!.kind, detail: report.violations[0]!.detail, ...(logFile ? { log: logFile } : {}) });
        options.onProgress?.(summary.runs, report);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.parallel ?? cores) }, lane));
  } finally {
    client.destroy();
    await pool.close();
    await dynamo.close();
    rmSync(dirname(bundle), { recursive: true, force: true });
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  return summary;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('chaos')
    .description('drive the real tick handler through random faults, crashes and duplicates, then check the books')
    .option('--runs <n>', 'how many runs', '20')
    .option('--seed <s>', 'seed of the first run (run k uses seed + k)', '1')
    .option('--workers <n>', 'worker processes (stand-ins for Lambda instances)')
    .option('--parallel <n>', 'runs at a time')
    .option('--broken <what>', 'deliberately broken build to check the suite catches it: skip-intent or skip-margin-release')
    .option('--json', 'print only the summary line (the default prints progress on stderr too)')
    .option('--verbose', 'print every step, invocation and order on stderr (to reproduce a seed: --runs 1 --seed S --verbose)')
    .option('--logs <dir>', 'write each failing run\'s step log to DIR/seed-<S>.log', join(tmpdir(), 'kbot-chaos-logs'));
  program.parse(argv);
  const o = program.opts<{ runs: string; seed: string; workers?: string; parallel?: string; broken?: string; json?: boolean; verbose?: boolean; logs: string }>();
  const int = (value: string, name: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${value}`);
    return n;
  };
  if (o.broken !== undefined && o.broken !== 'skip-intent' && o.broken !== 'skip-margin-release') throw new Error(`--broken: unknown build ${o.broken}; there are: skip-intent, skip-margin-release`);
  const summary = await runChaos({
    runs: int(o.runs, 'runs'),
    seed: int(o.seed, 'seed'),
    ...(o.workers ? { workers: int(o.workers, 'workers') } : {}),
    ...(o.parallel ? { parallel: int(o.parallel, 'parallel') } : {}),
    ...(o.broken ? { broken: o.broken as 'skip-intent' | 'skip-margin-release' } : {}),
    ...(o.verbose ? { log: (line: string) => void process.stderr.write(`${line}\n`) } : {}),
    logsDir: o.logs,
    onProgress: o.json
      ? undefined
      : (done, r) => process.stderr.write(`run ${done}: seed ${r.seed}, ${r.invocations} invocations, ${r.orders} orders${r.shorts ? ` (shorts variant: ${r.marginOrders} margin)` : ''}, ${r.violations.length ? `${r.violations.length} VIOLATIONS (${r.violations[0]!.kind})` : 'books agree'}\n`),
  });
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  return summary.failing.length ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chaos: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
