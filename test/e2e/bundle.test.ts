// End-to-end test of the Lambda artifact: builds the tick bundle with the shared esbuild options,
// checks its size and what it contains, loads it in plain Node with no node_modules anywhere above
// it, and runs one scheduled tick of its handler against the Kraken sandbox and dynalite.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS } from '../../functions/core/types.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { buildTickBundle, PROJECT_ROOT, TICK_BUNDLE_FILE, type TickBundle } from '../../functions/tick/bundle.js';
import { TICK_GRANTED_ACTIONS, TICK_TABLE_ACTIONS } from '../../lib/tickGrants.js';
import { startDynamoProxy, type DynamoProxy } from './harness.js';

const run = promisify(execFile);
// Node 20 here, 22 in Lambda: the AWS SDK's notice about it is noise in this test's own clients.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MAX_BUNDLE_BYTES = 1.5 * 1024 * 1024;
const TABLE = 'kbot-bundle-test';

/** Loads the bundle, then (unless `importOnly`) runs the handler once; writes what happened as JSON. */
const RUNNER = `
import { writeFileSync } from 'node:fs';
const [mode, outFile, eventJson] = process.argv.slice(2);
const wall0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const mod = await import('./${TICK_BUNDLE_FILE}');
const cpu = process.cpuUsage(cpu0);
const report = { importMs: Number(process.hrtime.bigint() - wall0) / 1e6, importCpuMs: (cpu.user + cpu.system) / 1000, handlerType: typeof mod.handler };
if (mode === 'tick') {
  const tickCpu0 = process.cpuUsage();
  report.result = await mod.handler(JSON.parse(eventJson), { awsRequestId: 'bundle-test-request' });
  const tickCpu = process.cpuUsage(tickCpu0);
  report.tickCpuMs = (tickCpu.user + tickCpu.system) / 1000;
}
report.maxRssMb = process.resourceUsage().maxRSS / 1024;
writeFileSync(outFile, JSON.stringify(report));
`;

interface RunnerReport {
  importMs: number;
  importCpuMs: number;
  handlerType: string;
  maxRssMb: number;
  tickCpuMs?: number;
  result?: TickResult;
}

describe('Bundle: the tick Lambda artifact', () => {
  let buildDir: string;
  let lambdaDir: string;
  let bundle: TickBundle;

  beforeAll(async () => {
    // Prepare: build once; copy the artifact alone into a directory with no node_modules above it.
    buildDir = mkdtempSync(join(tmpdir(), 'kbot-bundle-build-'));
    lambdaDir = mkdtempSync(join(tmpdir(), 'kbot-lambda-task-'));
    bundle = await buildTickBundle(buildDir);
    for (const file of readdirSync(buildDir)) copyFileSync(join(buildDir, file), join(lambdaDir, file));
    writeFileSync(join(lambdaDir, 'runner.mjs'), RUNNER);
  });

  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    rmSync(lambdaDir, { recursive: true, force: true });
  });

  it('is one ESM file plus its source map, under 1.5 MB', () => {
    expect(readdirSync(buildDir).sort()).toEqual([TICK_BUNDLE_FILE, `${TICK_BUNDLE_FILE}.map`]);
    console.log(`tick bundle: ${bundle.bundleBytes} bytes; largest parts: ${bundle.bytesByPackage.slice(0, 6).map(([p, b]) => `${p} ${b}`).join(', ')}`);
    expect(bundle.bundleBytes).toBeGreaterThan(100_000);
    expect(bundle.bundleBytes).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it('starts with the createRequire banner and links its source map', () => {
    const code = readFileSync(bundle.bundlePath, 'utf8');
    expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
    expect(code.trimEnd().endsWith(`//# sourceMappingURL=${TICK_BUNDLE_FILE}.map`)).toBe(true);
  });

  it('holds ccxt\'s Kraken class only, not the other exchanges, and none of the stubbed packages', () => {
    const packages = new Map(bundle.bytesByPackage);
    expect(packages.get('ccxt')).toBeLessThan(600_000);
    for (const stubbed of ['undici', 'ws', 'protobufjs', 'fflate']) expect(packages.has(stubbed)).toBe(false);
    const code = readFileSync(bundle.bundlePath, 'utf8');
    expect(code).toContain('"kraken"');
    for (const other of ['binance', 'coinbase', 'bybit']) expect(code).not.toContain(`"id":"${other}"`);
  });

  it('sends no AWS command the tick role is not granted', () => {
    // keepNames keeps command class names; esbuild has dropped those nothing calls (e.g. PutParameter).
    const code = readFileSync(bundle.bundlePath, 'utf8');
    const names = new Set([...code.matchAll(/"([A-Z][A-Za-z]+)Command"/g)].map((m) => m[1]!));
    const actions = [
      ...commandsOf('client-dynamodb', names).map((c) => `dynamodb:${c}`),
      ...commandsOf('client-ssm', names).map((c) => `ssm:${c}`),
      ...commandsOf('client-sns', names).map((c) => `sns:${c}`),
    ];
    const granted = new Set(TICK_GRANTED_ACTIONS);
    // DescribeEndpoints serves DynamoDB endpoint discovery, which is off unless configured.
    const notSent = new Set(['dynamodb:DescribeEndpoints']);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'ssm:GetParameter', 'sns:Publish']));
    expect(actions.filter((a) => !granted.has(a) && !notSent.has(a))).toEqual([]);
  });

  it('loads in plain Node with no node_modules beside or above it', async () => {
    expect(ancestorsWithNodeModules(lambdaDir)).toEqual([]);
    const samples: RunnerReport[] = [];
    for (let i = 0; i < 5; i++) samples.push(await runBundle(lambdaDir, 'import', {}));
    for (const sample of samples) expect(sample.handlerType).toBe('function');
    const wall = median(samples.map((s) => s.importMs));
    const cpu = median(samples.map((s) => s.importCpuMs));
    console.log(`cold import of the bundle in plain node (median of 5): ${wall.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU; peak RSS ${median(samples.map((s) => s.maxRssMb)).toFixed(0)} MB`);
  });

  it('fails the cold start on a bad environment, with the stack trace mapped to our sources', async () => {
    const failure = await runBundle(lambdaDir, 'import', { KBOT_TABLE_NAME: '' }).then(
      () => undefined,
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(failure).toBeDefined();
    expect(failure).toMatch(/KBOT_TABLE_NAME/);
    expect(failure).toMatch(/functions\/tick\/env\.ts:\d+/);
  });

  describe('one scheduled tick against the sandbox and dynalite', () => {
    let sandbox: SandboxHandle;
    let dynamo: LocalDynamo;
    let counter: DynamoProxy;

    beforeAll(async () => {
      sandbox = await startSandbox({ pairs: ['BTC/USD'] });
      dynamo = await startLocalDynamo();
      await ensureTable(createDynamoClient({ endpoint: dynamo.endpoint }), TABLE);
      counter = await startDynamoProxy(dynamo.endpoint);
    });

    afterAll(async () => {
      await sandbox?.close();
      await counter?.close();
      await dynamo?.close();
    });

    it('completes the tick, records its claim and emits metrics with the dimensions the alarms use', async () => {
      // Prepare: an EventBridge scheduled event for the last 5-minute boundary, not one about to roll over.
      await awayFromBoundary();
      const scheduledMs = Math.floor(Date.now() / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
      const event = {
        version: '0',
        id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date(scheduledMs).toISOString().replace('.000Z', 'Z'),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/KrakenBot-tick-schedule'],
        detail: {},
      };

      // Act
      const { report, stdout } = await runBundleWithOutput(lambdaDir, 'tick', {
        KBOT_TABLE_NAME: TABLE,
        KBOT_MODE: 'paper',
        KBOT_CONFIG: JSON.stringify({ pairs: ['BTC/USD'], tick: { closeDelayMs: 0 } }),
        POWERTOOLS_SERVICE_NAME: 'KrakenBot',
        POWERTOOLS_METRICS_NAMESPACE: 'KrakenBot',
        AWS_ENDPOINT_URL_DYNAMODB: counter.endpoint,
        KRAKEN_API_URL: sandbox.url,
      }, event);

      // Assess: the handler's own verdict...
      const result = report.result!;
      console.log(`tick in plain node: peak RSS ${report.maxRssMb.toFixed(0)} MB, import ${report.importMs.toFixed(0)} ms (${report.importCpuMs.toFixed(0)} ms CPU), tick ${result.finishedAtMs - result.startedAtMs} ms (${report.tickCpuMs?.toFixed(0)} ms CPU)`);
      expect(result.status).toBe('completed');
      expect(result.mode).toBe('paper');
      expect(result.candleCloseIso).toBe(new Date(scheduledMs).toISOString());
      expect(result.errors).toEqual([]);
      expect(result.pairs.map((p) => [p.pair, p.data.ok])).toEqual([['BTC/USD', true]]);
      // ...the claim it left in the table...
      const claims = await createDynamoClient({ endpoint: dynamo.endpoint }).send(
        new QueryCommand({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'TICK#paper' } } }),
      );
      expect(claims.Items?.map((item) => item.sk?.S)).toContain(new Date(scheduledMs).toISOString());
      // ...and the EMF line CloudWatch turns into metrics, with exactly the alarms' dimension set.
      const emf = stdout
        .split('\n')
        .filter((line) => line.includes('"_aws"'))
        .map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] }; service: string; mode: string });
      expect(emf.length).toBeGreaterThan(0);
      const directive = emf[0]!._aws.CloudWatchMetrics[0]!;
      expect(directive.Namespace).toBe('KrakenBot');
      expect(directive.Dimensions.map((set) => [...set].sort())).toEqual([['mode', 'service']]);
      expect(emf[0]).toMatchObject({ service: 'KrakenBot', mode: 'paper' });
      expect(directive.Metrics.map((m) => m.Name)).toContain('TickCompleted');
      // ...and it called only DynamoDB operations the role grants (inputs to the cost estimate too).
      const calls = counter.calls();
      console.log(`DynamoDB calls in one tick: ${JSON.stringify(calls)}; log output ${Buffer.byteLength(stdout)} bytes`);
      expect(Object.keys(calls).length).toBeGreaterThan(0);
      for (const operation of Object.keys(calls)) expect(TICK_TABLE_ACTIONS).toContain(`dynamodb:${operation}`);
    });
  });
});

function commandsOf(clientPackage: string, namesInBundle: Set<string>): string[] {
  const dir = join(PROJECT_ROOT, 'node_modules', '@aws-sdk', clientPackage, 'dist-types', 'commands');
  const commands = readdirSync(dir)
    .map((file) => /^([A-Z][A-Za-z]+)Command\.d\.ts$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined);
  return commands.filter((name) => namesInBundle.has(name)).sort();
}

function ancestorsWithNodeModules(dir: string): string[] {
  const found: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, 'node_modules'))) found.push(current);
    if (dirname(current) === current) return found;
  }
}

async function runBundle(dir: string, mode: 'import' | 'tick', env: Record<string, string>, event?: unknown): Promise<RunnerReport> {
  return (await runBundleWithOutput(dir, mode, env, event)).report;
}

/** Runs the runner in a child `node` with a clean environment (no NODE_PATH, dummy AWS credentials). */
async function runBundleWithOutput(dir: string, mode: 'import' | 'tick', env: Record<string, string>, event?: unknown): Promise<{ report: RunnerReport; stdout: string }> {
  const outFile = join(dir, `report-${mode}-${process.hrtime.bigint()}.json`);
  const { stdout } = await run(process.execPath, ['--enable-source-maps', 'runner.mjs', mode, outFile, JSON.stringify(event ?? {})], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      KBOT_TABLE_NAME: TABLE,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    maxBuffer: 10 * 1024 * 1024,
  });
  return { report: JSON.parse(readFileSync(outFile, 'utf8')) as RunnerReport, stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Waits past the next 5-minute boundary when it is under 15 s away, so the tick sees one candle boundary. */
async function awayFromBoundary(): Promise<void> {
  const untilNextMs = FIVE_MINUTES_MS - (Date.now() % FIVE_MINUTES_MS);
  if (untilNextMs < 15_000) await new Promise((resolve) => setTimeout(resolve, untilNextMs + 1_000));
}
