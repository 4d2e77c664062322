// CLI: `kbot demo` (`npm run demo`): fully offline. The Kraken sandbox on generated data, dynalite as
// DynamoDB, and the real tick handler trading through ccxt on an accelerated clock.
import { Command, Option } from 'commander';
import { noMetrics, type Alert, type LoggerPort } from '../core/ports.js';
import { quoteCurrency, type BotConfig } from '../core/config.js';
import { recordsSnapshots } from '../core/market/recorder.js';
import type { TickResult } from '../core/tickResult.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, ONE_HOUR_MS } from '../core/types.js';
import { SANDBOX_MARKETS } from '../sandbox/sandboxMarkets.js';
import { startSandbox, type SandboxHandle } from '../sandbox/sandboxServer.js';
import { describeTick } from './format.js';
import { describeBehaviour, readBehaviourFile } from './sandbox.js';
import { LOCAL_TABLE, loadConfigFile, scheduledEvent, startLocalStack } from './localStack.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { createDynamoClient } from '../adapters/dynamo/localDynamo.js';
import { refuseUnlistedSandboxPairs } from './pairCheck.js';
import { installDemoModel, learnedFilterSummary, withLearningEnabled, type LearnedFilterSummary } from './demoLearning.js';

/** The demo's summary (also printed with --json). */
export interface DemoSummary {
  simulated: { from: string; to: string; hours: number };
  ticks: { run: number; completed: number; skipped: number };
  orders: { placedInSandbox: number; filled: number; buys: number; sells: number; rejected: number };
  realizedPnlQuote: number;
  feesQuote: number;
  startEquityQuote: number;
  endEquityQuote: number;
  openPositions: number;
  alerts: number;
  wallClockSeconds: number;
  /** With `--model`: what the learned filter did. */
  learnedFilter?: LearnedFilterSummary;
  /** With a universe: how often it was rebuilt, every pair it held, and the pairs that traded. */
  universe?: { rebuilds: number; pairsInUniverse: string[]; pairsTraded: string[] };
}

export interface DemoOptions {
  hours: number;
  seed: number;
  pairs: string[];
  startIso: string;
  balanceQuote: number;
  configFile?: string;
  /** A sandbox behaviour file (the `POST /_sandbox/behaviour` body) armed at start; default none. */
  behaviourFile?: string;
  /** Receives each printable line (omit for silence). */
  print?: (line: string) => void;
  /** A model file from `kbot learn`: promoted before the first tick, with learning.enabled (docs/learning.md). */
  modelFile?: string;
  /** Trade the demo universe (`DEMO_UNIVERSE`, or this definition) instead of `pairs`; a config file with a universe trades its own. */
  universe?: boolean | Record<string, unknown>;
}

/**
 * The universe `kbot demo --universe` trades: every USD pair the sandbox lists (sub-cent tokens
 * and the synthetic T01..T40 included), the top 8 by volume, rebuilt every 4 simulated hours so a
 * day shows the set change.
 */
export const DEMO_UNIVERSE = { quote: 'USD', topN: 8, refreshHours: 4 } as const;

/** Runs the demo and returns its summary. */
export async function runDemo(opts: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const startMs = Date.parse(opts.startIso);
  if (!Number.isFinite(startMs) || startMs % FIVE_MINUTES_MS !== 0) throw new Error(`--from must be an ISO time on a 5-minute boundary, got ${opts.startIso}`);
  // Without a config file the demo uses the default engine with the regime orchestrator's looser
  // thresholds, so a simulated day shows some trades.
  const base = { mode: 'live', allowLiveTrading: true, ...(opts.configFile ? {} : { strategies: { use: ['regime'], regime: { aggressive: true } } }) };
  const fromFile = opts.configFile ? await loadConfigFile(opts.configFile, base) : undefined;
  // A list is checked against the sandbox before it is parsed (a typo is named with the nearest pair).
  if (!opts.universe && !fromFile?.universe) refuseUnlistedSandboxPairs(opts.pairs);
  const loaded: BotConfig = opts.universe
    ? await loadConfigFile(opts.configFile, { ...base, pairs: fromFile?.universe ?? (typeof opts.universe === 'object' ? opts.universe : DEMO_UNIVERSE) })
    : fromFile?.universe
      ? fromFile
      : await loadConfigFile(opts.configFile, { ...base, pairs: opts.pairs });
  const universe = loaded.universe;
  // A universe chooses among every pair the sandbox can list; a list is checked against it.
  const sandboxPairs = universe ? SANDBOX_MARKETS.map((m) => m.symbol).filter((p) => p.endsWith(`/${universe.quote}`)) : opts.pairs;
  const quote = quoteCurrency(loaded);
  const config = opts.modelFile ? withLearningEnabled(loaded) : loaded;
  const behaviour = opts.behaviourFile === undefined ? undefined : readBehaviourFile(opts.behaviourFile);
  const sandbox = await startSandbox({
    pairs: sandboxPairs,
    seed: opts.seed,
    startTimeMs: startMs,
    speed: 0,
    historyMs: 3 * ONE_DAY_MS,
    // The microstructure strategy reads the book: let it move with the candles.
    bookDynamics: recordsSnapshots(config),
    balances: { [quote]: opts.balanceQuote },
    ...(behaviour !== undefined ? { behaviour } : {}),
  });
  const alerts: Alert[] = [];
  const print = opts.print ?? (() => undefined);
  const logger: LoggerPort = {
    debug() {},
    info() {},
    warn() {},
    error: (message, fields) => print(`  error: ${message} ${fields ? JSON.stringify(fields) : ''}`),
  };
  const stack = await startLocalStack({
    // The sandbox is the reference exchange too (its bookTicker follows its own prices).
    config: config.market.reference.enabled && !config.market.reference.url ? { ...config, market: { ...config.market, reference: { ...config.market.reference, url: sandbox.url } } } : config,
    exchangeUrl: sandbox.url,
    extraEnv: { KBOT_KEYS_PARAMETER: '/kbot/demo/sandbox-keys' },
    overrides: {
      // The handler's clock is the sandbox's: sleeping moves simulated time, not wall time.
      clock: { nowMs: () => sandbox.nowMs(), sleep: async (ms) => sandbox.advance(ms) },
      keyProvider: { get: async () => ({ apiKey: sandbox.apiKey, apiSecret: sandbox.apiSecret }) },
      alerts: { send: async (a) => void alerts.push(a) },
      logger,
      metrics: noMetrics,
      enableRateLimit: false,
    },
  });
  const model = opts.modelFile ? await installDemoModel(stack.dynamoEndpoint, config.mode, opts.modelFile, startMs) : undefined;
  const startEquity = equity(sandbox, quote);
  const ticks = Math.round((opts.hours * ONE_HOUR_MS) / FIVE_MINUTES_MS);
  const traded = universe ? `a universe of the top ${universe.topN} of ${sandboxPairs.length} ${quote} pairs (rebuilt every ${universe.refreshHours} h)` : opts.pairs.join(', ');
  print(`Demo: ${opts.hours} simulated hours of ${traded} from ${opts.startIso}, live mode against the local Kraken sandbox at ${sandbox.url} (no real money).`);
  const armed = describeBehaviour(sandbox.behaviour());
  print(`Starting balance ${opts.balanceQuote} ${quote}. Orders go through ccxt, signed, into the sandbox.${armed ? `\nSandbox behaviour (${opts.behaviourFile}): ${armed}.` : ''}\n`);
  const results: TickResult[] = [];
  const universeSets: string[][] = [];
  let openPositions = 0;
  try {
    for (let k = 1; k <= ticks; k++) {
      const boundary = startMs + k * FIVE_MINUTES_MS;
      sandbox.setTime(boundary);
      const result = await stack.handler(scheduledEvent(boundary), { awsRequestId: `demo-${k}` });
      results.push(result);
      const u = result.universe;
      if (u?.refreshed) {
        const before = new Set(universeSets[universeSets.length - 1] ?? []);
        const added = u.pairs.filter((p) => !before.has(p));
        const removed = [...before].filter((p) => !u.pairs.includes(p));
        universeSets.push(u.pairs);
        print(`${result.candleCloseIso.slice(0, 16).replace('T', ' ')}  universe rebuilt: ${u.pairs.join(', ')}${universeSets.length > 1 ? ` (+${added.join(' +') || ' none'}; -${removed.join(' -') || ' none'})` : ''}`);
      }
      for (const line of describeTick(result)) if (!line.includes('no trade (gap') && !line.includes('warming')) print(line);
    }
    // Counted from the bot's own records: orders settled by a later tick's reconcile count too.
    const client = createDynamoClient({ endpoint: stack.dynamoEndpoint });
    try {
      openPositions = (await new DynamoStore({ client, tableName: LOCAL_TABLE }).listPositions(config.mode)).length;
    } finally {
      client.destroy();
    }
  } finally {
    await stack.close();
    await sandbox.close();
  }
  const orders = results.flatMap((r) => r.pairs.flatMap((p) => p.orders));
  const filled = orders.filter((o) => o.status === 'filled');
  const summary: DemoSummary = {
    simulated: { from: new Date(startMs).toISOString(), to: new Date(startMs + ticks * FIVE_MINUTES_MS).toISOString(), hours: opts.hours },
    ticks: { run: results.length, completed: results.filter((r) => r.status === 'completed').length, skipped: results.filter((r) => r.status === 'skipped').length },
    orders: {
      placedInSandbox: sandbox.orders().length,
      filled: filled.length,
      buys: filled.filter((o) => o.side === 'buy').length,
      sells: filled.filter((o) => o.side === 'sell').length,
      rejected: orders.filter((o) => o.status === 'rejected').length,
    },
    realizedPnlQuote: round(filled.reduce((s, o) => s + (o.realizedPnlQuote ?? 0), 0)),
    feesQuote: round(filled.reduce((s, o) => s + (o.feeQuote ?? 0), 0)),
    startEquityQuote: round(startEquity),
    endEquityQuote: round(equity(sandbox, quote)),
    openPositions,
    alerts: alerts.length,
    wallClockSeconds: round((Date.now() - started) / 1000),
    ...(model ? { learnedFilter: learnedFilterSummary(model, results) } : {}),
    ...(universe
      ? {
          universe: {
            rebuilds: universeSets.length,
            pairsTraded: [...new Set(filled.map((o) => o.pair))].sort(),
            pairsInUniverse: [...new Set(universeSets.flat())].sort(),
          },
        }
      : {}),
  };
  return summary;
}

function equity(sandbox: SandboxHandle, quote: string): number {
  let total = 0;
  for (const [asset, amount] of Object.entries(sandbox.getBalances())) {
    if (asset === quote) total += amount;
    else {
      const pair = sandbox.pairs.find((p) => p.startsWith(`${asset}/`));
      if (pair) total += amount * sandbox.priceNow(pair);
    }
  }
  return total;
}

const round = (v: number) => Math.round(v * 100) / 100;

export function demoCommand(): Command {
  return new Command('demo')
    .description('offline demo: the real handler trades through ccxt against the local Kraken sandbox on an accelerated clock')
    .addOption(new Option('--hours <n>', 'simulated hours').default('24').argParser(positiveNumber('--hours')))
    .addOption(new Option('--seed <n>', 'seed of the generated market data').default('7').argParser(positiveNumber('--seed')))
    .option('--pairs <list>', 'comma-separated pairs', 'BTC/USD,ETH/USD,SOL/USD')
    .option('--from <iso>', 'simulated start (5-minute boundary)', '2026-03-02T00:00:00Z')
    // The option's name before the CLI settled on --from/--to for every time range.
    .addOption(new Option('--start <iso>').hideHelp())
    .addOption(new Option('--balance <[ASSET=]AMOUNT>', 'starting balance in the pairs\' quote currency, e.g. USD=10000 (or 10000)').default('10000').argParser(quoteAmount('--balance')))
    .option('--config <file>', 'bot configuration (JSON); mode is forced to live against the sandbox')
    .option('--behaviour <file.json>', 'arm sandbox misbehaviours at start (a POST /_sandbox/behaviour body; see docs/sandbox.md)')
    .option('--json', 'print only the summary, as JSON')
    .option('--universe', `trade a universe (top ${DEMO_UNIVERSE.topN} of every USD pair the sandbox lists, rebuilt every ${DEMO_UNIVERSE.refreshHours} h) instead of --pairs`)
    .option('--model <file>', 'with the learned trade filter: a model file from kbot learn, promoted before the first tick (see docs/learning.md)')
    .action(async (opts: { hours: number | string; seed: number | string; pairs: string; from: string; start?: string; balance: QuoteAmount | string; config?: string; behaviour?: string; json?: boolean; model?: string; universe?: boolean }) => {
      const pairs = opts.pairs.split(',').map((p) => p.trim()).filter(Boolean);
      const balance = typeof opts.balance === 'string' ? quoteAmount('--balance')(opts.balance) : opts.balance;
      const quote = pairs[0]?.split('/')[1];
      if (balance.asset !== undefined && quote !== undefined && balance.asset !== quote.toUpperCase()) throw new Error(`--balance ${balance.asset}=…: the demo's pairs are quoted in ${quote}`);
      const summary = await runDemo({
        hours: Number(opts.hours),
        seed: Number(opts.seed),
        pairs,
        startIso: opts.start ?? opts.from,
        balanceQuote: balance.amount,
        ...(opts.config ? { configFile: opts.config } : {}),
        ...(opts.behaviour ? { behaviourFile: opts.behaviour } : {}),
        ...(opts.model ? { modelFile: opts.model } : {}),
        ...(opts.universe ? { universe: true } : {}),
        ...(opts.json ? {} : { print: (line: string) => console.log(line) }),
      });
      if (opts.json) {
        console.log(JSON.stringify(summary, null, 2));
        return;
      }
      const s = summary;
      console.log('\nSummary');
      console.log(`  simulated      ${s.simulated.from} → ${s.simulated.to} (${s.simulated.hours} h)`);
      console.log(`  ticks          ${s.ticks.run} (${s.ticks.completed} completed, ${s.ticks.skipped} skipped)`);
      console.log(`  orders         ${s.orders.placedInSandbox} placed in the sandbox: ${s.orders.buys} buys, ${s.orders.sells} sells, ${s.orders.rejected} rejected`);
      console.log(`  realized P&L   ${s.realizedPnlQuote} (fees paid ${s.feesQuote})`);
      console.log(`  equity         ${s.startEquityQuote} → ${s.endEquityQuote} (${s.openPositions} position(s) still open)`);
      console.log(`  wall clock     ${s.wallClockSeconds} s`);
      const f = s.learnedFilter;
      if (s.universe) console.log(`  universe       rebuilt ${s.universe.rebuilds} times, ${s.universe.pairsInUniverse.length} pairs held at some point, traded ${s.universe.pairsTraded.join(', ') || 'none'}`);
      if (f) console.log(`  learned filter ${f.model.slice(0, 19)}: ${f.status} (${f.detail}); ${f.passed} entries let through, ${f.refused} refused, active in ${f.ticksActive} ticks`);
    });
}

/** A `--balance` value: `USD=500` or `500` (then in the quote currency). */
interface QuoteAmount {
  asset?: string;
  amount: number;
}

function quoteAmount(flag: string) {
  return (value: string): QuoteAmount => {
    const eq = value.indexOf('=');
    const asset = eq >= 0 ? value.slice(0, eq).trim().toUpperCase() : undefined;
    const amount = positiveNumber(flag)(eq >= 0 ? value.slice(eq + 1) : value);
    return asset ? { asset, amount } : { amount };
  };
}

function positiveNumber(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number, got ${value}`);
    return n;
  };
}
