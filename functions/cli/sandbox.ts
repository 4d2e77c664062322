// CLI: `kbot sandbox`. Starts the local Kraken-compatible sandbox (generated or replayed market
// data, fake keys, fault injection, Kraken's misbehaviours from a behaviour file) and prints where
// it listens, until Ctrl-C.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { Candle } from '../core/types.js';
import { behaviourSchema, type BehaviourInput, type BehaviourSnapshot } from '../sandbox/sandboxBehaviour.js';
import { loadCandlesCsv } from '../sandbox/candlesCsv.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../sandbox/sandboxServer.js';

/** Default port of `kbot sandbox` (0 picks a free one). */
export const SANDBOX_DEFAULT_PORT = 8790;

/** The command-line flags as commander parses them. */
export interface SandboxFlags {
  port: string;
  host: string;
  data: string[];
  apiKey?: string;
  apiSecret?: string;
  balances?: string;
  balance: string[];
  start?: string;
  speed?: string;
  seed: string;
  pairs?: string;
  historyDays: string;
  behaviour?: string;
  verbose?: boolean;
  /** `--no-margin` sets it false: an account without margin (docs/shorts.md). */
  margin?: boolean;
  /** Rollover per 4 hours as a fraction of the notional. */
  rollover?: string;
}

/**
 * Reads a behaviour file: the JSON body `POST /_sandbox/behaviour` takes (docs/sandbox.md). Throws
 * naming the file and the bad field; names of pairs and assets are checked when the sandbox starts.
 */
export function readBehaviourFile(file: string): BehaviourInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--behaviour ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`--behaviour ${file} must hold JSON, e.g. {"orders": {"pendingLookups": 2}}`);
  }
  const result = behaviourSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`--behaviour ${file}: ${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  return parsed as BehaviourInput;
}

/**
 * Turns the flags into SandboxOptions (reading CSV and JSON files). Throws with a message naming
 * the bad flag. Without `--start` the clock follows the wall clock; `--speed` defaults to 1.
 */
export function sandboxOptionsFromFlags(flags: SandboxFlags): SandboxOptions {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be 0-65535, got ${flags.port}`);
  const options: SandboxOptions = { port, host: flags.host };
  if (flags.apiKey !== undefined) options.apiKey = flags.apiKey;
  if (flags.apiSecret !== undefined) options.apiSecret = flags.apiSecret;
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${flags.seed}`);
  options.seed = seed;
  const historyDays = Number(flags.historyDays);
  if (!(historyDays >= 3)) throw new Error(`--history-days must be at least 3 (720 candles), got ${flags.historyDays}`);
  options.historyMs = historyDays * 86_400_000;
  if (flags.pairs) options.pairs = flags.pairs.split(',').map((p) => p.trim().toUpperCase()).filter(Boolean);

  const data: Record<string, Candle[]> = {};
  for (const entry of flags.data) {
    const [pair, file] = splitPair(entry, '--data', 'BTC/USD=btc.csv');
    data[pair.toUpperCase()] = loadCandlesCsv(file);
  }
  if (Object.keys(data).length) options.data = data;

  const balances: Record<string, number> = {};
  if (flags.balances) {
    const parsed: unknown = JSON.parse(readFileSync(flags.balances, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`--balances ${flags.balances} must hold a JSON object like {"USD": 1000}`);
    for (const [asset, amount] of Object.entries(parsed)) balances[asset.toUpperCase()] = amountOf(amount, `--balances ${asset}`);
  }
  for (const entry of flags.balance) {
    const [asset, amount] = splitPair(entry, '--balance', 'USD=1000');
    balances[asset.toUpperCase()] = amountOf(amount, `--balance ${asset}`);
  }
  if (Object.keys(balances).length) options.balances = balances;
  if (flags.behaviour !== undefined) options.behaviour = readBehaviourFile(flags.behaviour);
  if (flags.margin === false || flags.rollover !== undefined) {
    const rate = flags.rollover === undefined ? undefined : Number(flags.rollover);
    if (rate !== undefined && !(rate >= 0 && rate <= 0.01)) throw new Error(`--rollover must be a fraction between 0 and 0.01, got ${flags.rollover}`);
    options.margin = { enabled: flags.margin !== false, ...(rate !== undefined ? { rolloverRatePer4h: rate } : {}) };
  }

  if (flags.start !== undefined) {
    const startMs = Date.parse(flags.start);
    if (!Number.isFinite(startMs)) throw new Error(`--start must be an ISO date/time, got ${flags.start}`);
    options.startTimeMs = startMs;
  }
  const speed = flags.speed === undefined ? 1 : Number(flags.speed);
  if (!(speed >= 0)) throw new Error(`--speed must be 0 or more, got ${flags.speed}`);
  options.speed = speed;
  if (flags.verbose) {
    options.onRequest = (e) =>
      console.log(`${new Date().toISOString()}  ${e.api.padEnd(7)} ${e.method.padEnd(14)} ${e.status}${e.error ? ` ${e.error}` : ''}${e.fault ? ` [fault: ${e.fault}]` : ''}`);
  }
  return options;
}

/** Lines describing a running sandbox (what `kbot sandbox` prints on start). */
export function describeSandbox(sandbox: SandboxHandle): string[] {
  const now = new Date(sandbox.nowMs()).toISOString();
  const balances = Object.entries(sandbox.getBalances()).map(([a, v]) => `${a} ${v}`).join(', ');
  const extensions = Object.entries(sandbox.krakenBalances()).filter(([key]) => key.includes('.')).map(([key, v]) => `${key} ${v}`).join(', ');
  const armed = describeBehaviour(sandbox.behaviour());
  return [
    `Kraken sandbox listening on ${sandbox.url}`,
    `  pairs       ${sandbox.pairs.join(', ')}`,
    `  clock       ${now} (speed ${sandbox.speed()})`,
    `  balances    ${balances}${extensions ? ` (extension balances: ${extensions})` : ''}`,
    ...(armed ? [`  behaviour   ${armed}`] : []),
    `  API key     ${sandbox.apiKey}`,
    `  API secret  ${sandbox.apiSecret}`,
    `  point the bot at it:  KRAKEN_API_URL=${sandbox.url}   (or kbot paper --exchange-url ${sandbox.url})`,
    `  control:    curl ${sandbox.url}/_sandbox/status`,
  ];
}

/** A one-line summary of what is armed; empty when the sandbox behaves as plain Kraken on a good day. */
export function describeBehaviour(b: BehaviourSnapshot): string {
  const parts: string[] = [];
  if (b.orders.length) parts.push(`${b.orders.length} order rule(s)`);
  if (b.feeInBase.buys || b.feeInBase.sells) parts.push(`fee in base on ${[b.feeInBase.buys ? 'buys' : '', b.feeInBase.sells ? 'sells' : ''].filter(Boolean).join(' and ')}`);
  const earn = Object.entries(b.autoEarn).map(([a, f]) => `${a} ${f}`);
  if (earn.length) parts.push(`Auto Earn ${earn.join(', ')}`);
  if (b.rateLimit) parts.push(`rate limit ${b.rateLimit.tier} (${b.limitsClock} clock)`);
  if (b.nonceWindow) parts.push(`nonce window ${b.nonceWindow}`);
  if (b.lockout) parts.push(`lockout after ${b.lockout.afterFailures} bad nonces/signatures`);
  for (const [pair, m] of Object.entries(b.markets)) parts.push(`${pair} ${m.delisted ? 'delisted' : m.status}`);
  if (b.maintenance) parts.push('maintenance');
  return parts.join('; ');
}

/** `kbot sandbox`: starts the sandbox and runs until Ctrl-C. */
export function sandboxCommand(): Command {
  const collect = (value: string, previous: string[]) => [...previous, value];
  return new Command('sandbox')
    .description('run the local Kraken-compatible sandbox (fake keys, play money, generated or replayed 5m data, fault injection)')
    .option('--port <n>', 'port to listen on (0 = any free port)', String(SANDBOX_DEFAULT_PORT))
    .option('--host <host>', 'interface to listen on (keep it local: the control routes need no key)', '127.0.0.1')
    .option('--data <pair=file.csv>', 'replay 5m candles for a pair (timestamp_ms,open,high,low,close,volume); repeatable', collect, [])
    .option('--api-key <key>', 'API key the sandbox accepts (default: the built-in fake key)')
    .option('--api-secret <base64>', 'API secret the sandbox accepts (default: the built-in fake secret)')
    .option('--balances <file.json>', 'starting balances from a JSON file, e.g. {"USD": 1000}')
    .option('--balance <asset=amount>', 'starting balance of one asset, e.g. USD=1000; repeatable', collect, [])
    .option('--start <iso>', 'sandbox time to start at (default: now, or the start of replayed data)')
    .option('--speed <x>', 'clock speed: 1 = real time, 60 = one minute per second, 0 = frozen')
    .option('--seed <n>', 'seed of the generated market data', '42')
    .option('--pairs <list>', 'pairs to list, comma-separated (default BTC/USD,ETH/USD,SOL/USD)')
    .option('--history-days <n>', 'days of generated history before the start', '7')
    .option('--behaviour <file.json>', 'arm Kraken misbehaviours at start: a POST /_sandbox/behaviour body (see docs/sandbox.md)')
    .option('--no-margin', 'an account without margin: TradeBalance, OpenPositions and leverage orders are refused (docs/shorts.md)')
    .option('--rollover <fraction>', 'margin rollover per 4 hours as a fraction of the notional (default 0.0001)')
    .option('--verbose', 'log every API call')
    .action(async (flags: SandboxFlags) => {
      const sandbox = await startSandbox(sandboxOptionsFromFlags(flags));
      for (const line of describeSandbox(sandbox)) console.log(line);
      console.log('Ctrl-C to stop.');
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sandbox.close();
    });
}

function splitPair(entry: string, flag: string, example: string): [string, string] {
  const at = entry.indexOf('=');
  if (at <= 0 || at === entry.length - 1) throw new Error(`${flag} expects NAME=VALUE, e.g. ${flag} ${example}; got ${entry}`);
  return [entry.slice(0, at), entry.slice(at + 1)];
}

function amountOf(value: unknown, what: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`${what} must be a non-negative number`);
  return n;
}
