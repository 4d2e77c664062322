// Backtest benchmark (`npm run bench`): replay throughput in candle-steps per second (one pair
// advancing one 5m candle through indicators, exits, strategy, risk and simulated fills) on seeded
// generated data, single-threaded and on worker threads, plus peak memory; and on ../shared/data
// real candles when present.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { parseConfig } from '../core/config.js';
import { createDecisionEngine } from '../core/engine/index.js';
import type { DecisionEngine } from '../core/engine/types.js';
import type { Candle, Pair } from '../core/types.js';
import { CandleGenerator } from '../sandbox/candleGenerator.js';
import { seedFor } from '../sandbox/seededRandom.js';
import { loadCandleFile } from './candleFile.js';
import { builtInMarkets } from './marketTable.js';
import { runBacktest } from './runBacktest.js';

/** One pair-year of 5m candles. */
export const CANDLES_PER_YEAR = 105_120;
const BENCH_SEED = 20_240_101;
const START_MS = Date.UTC(2023, 0, 1);

/** Generated pairs: start price and 5m volatility roughly like the real markets. */
const GENERATED: readonly { pair: Pair; price: number; vol: number; volume: number; decimals: number }[] = [
  { pair: 'BTC/USD', price: 42_000, vol: 0.0015, volume: 6, decimals: 1 },
  { pair: 'ETH/USD', price: 2_300, vol: 0.002, volume: 90, decimals: 2 },
  { pair: 'SOL/USD', price: 100, vol: 0.003, volume: 1_500, decimals: 2 },
  { pair: 'XRP/USD', price: 0.6, vol: 0.0025, volume: 200_000, decimals: 5 },
  { pair: 'DOGE/USD', price: 0.09, vol: 0.003, volume: 1_000_000, decimals: 7 },
  { pair: 'ADA/USD', price: 0.5, vol: 0.0025, volume: 150_000, decimals: 6 },
  { pair: 'DOT/USD', price: 7, vol: 0.0025, volume: 9_000, decimals: 4 },
  { pair: 'LTC/USD', price: 70, vol: 0.002, volume: 500, decimals: 2 },
  { pair: 'LINK/USD', price: 14, vol: 0.0028, volume: 6_000, decimals: 5 },
  { pair: 'AVAX/USD', price: 30, vol: 0.003, volume: 2_500, decimals: 2 },
];

/** Seeded 5m candles for one of the generated pairs. */
export function generatedCandles(pair: Pair, count: number): Candle[] {
  const spec = GENERATED.find((g) => g.pair === pair);
  if (!spec) throw new Error(`no generator for ${pair}`);
  const gen = new CandleGenerator({
    seed: seedFor(BENCH_SEED, pair),
    startOpenTimeMs: START_MS,
    startPrice: spec.price,
    volatility5m: spec.vol,
    baseVolume5m: spec.volume,
    priceDecimals: spec.decimals,
  });
  const out = new Array<Candle>(count);
  for (let k = 0; k < count; k++) out[k] = gen.next();
  return out;
}

/** Figures of one replay. */
export interface BenchRun {
  label: string;
  pairs: number;
  candleSteps: number;
  prepareMs: number;
  replayMs: number;
  totalMs: number;
  /** CPU time of the process during the run (the machine may be shared: this is the load-independent figure). */
  cpuMs: number;
  stepsPerSecond: number;
  trades: number;
  netPnlQuote: number;
  peakHeapMb: number;
}

/**
 * Replays `series` with one shared wallet and the default configuration; times `prepare`
 * (indicators) apart from the rest of the loop.
 */
export function benchReplay(label: string, series: { pair: Pair; candles: Candle[] }[], makeEngine = createDecisionEngine): BenchRun {
  const pairs = series.map((s) => s.pair);
  const config = parseConfig({ pairs, paper: { startingBalances: { USD: 10_000 } } });
  const engine = timedEngine(makeEngine(config));
  let peakHeap = process.memoryUsage().heapUsed;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const result = runBacktest({
    config,
    engine,
    series,
    markets: builtInMarkets(pairs, config.paper.takerFeeRate),
    startingQuote: 10_000,
    onProgress: () => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    },
  });
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const steps = result.summary.candlesProcessed;
  return {
    label,
    pairs: pairs.length,
    candleSteps: steps,
    prepareMs: engine.prepareMs,
    replayMs: totalMs - engine.prepareMs,
    totalMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    stepsPerSecond: steps / (totalMs / 1000),
    trades: result.summary.trades,
    netPnlQuote: result.summary.netPnlQuote,
    peakHeapMb: peakHeap / 2 ** 20,
  };
}

/** Wraps an engine to add up the time spent in `prepare`. */
function timedEngine(engine: DecisionEngine): DecisionEngine & { prepareMs: number } {
  const timed = {
    prepareMs: 0,
    warmupCandles: engine.warmupCandles,
    prepare: (pair: Pair, candles: readonly Candle[]) => {
      const t = performance.now();
      const prepared = engine.prepare(pair, candles);
      timed.prepareMs += performance.now() - t;
      return prepared;
    },
    checkExit: engine.checkExit.bind(engine),
    checkEntry: engine.checkEntry.bind(engine),
    checkForcedEntry: engine.checkForcedEntry.bind(engine),
  };
  return timed;
}

/**
 * Runs pair groups on worker threads in parallel (each group its own wallet: independent
 * backtests, as when comparing configurations). Data is generated in each worker before the
 * clock starts; the wall time covers prepare and replay of all groups.
 */
export async function benchWorkers(groups: Pair[][], candlesPerPair: number): Promise<{ wallMs: number; candleSteps: number; runs: BenchRun[] }> {
  const workers = groups.map((pairs) => new Worker(workerEntry(), { workerData: { pairs, candlesPerPair } }));
  const ready = workers.map((w) => new Promise<void>((res, rej) => w.once('message', () => res()).once('error', rej)));
  await Promise.all(ready);
  const started = performance.now();
  const done = workers.map((w) => new Promise<BenchRun>((res, rej) => w.once('message', (m: BenchRun) => res(m)).once('error', rej)));
  for (const w of workers) w.postMessage('go');
  const runs = await Promise.all(done);
  const wallMs = performance.now() - started;
  await Promise.all(workers.map((w) => w.terminate()));
  return { wallMs, candleSteps: runs.reduce((n, r) => n + r.candleSteps, 0), runs };
}

/** This module as a worker entry; run from TypeScript (tsx), the worker registers tsx first. */
function workerEntry(): URL | string {
  if (!import.meta.url.endsWith('.ts')) return fileURLToPath(import.meta.url);
  const code = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); await import(${JSON.stringify(import.meta.url)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** Real candles from ../shared/data (OKX swaps, close to spot), named as their USD pairs. */
function sharedDataSeries(root: string): { pair: Pair; candles: Candle[] }[] | undefined {
  const dir = join(root, '..', 'shared', 'data', 'okx-swap-2026');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => /_5m\.csv$/.test(f))
    .sort()
    .map((f) => {
      const base = /okx_swap_([A-Z]+)USDT_5m\.csv$/.exec(f)?.[1] ?? 'BTC';
      return { pair: `${base}/USD`, candles: loadCandleFile(join(dir, f)).candles };
    });
}

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');

function line(r: BenchRun): string {
  return (
    `${r.label.padEnd(44)} ${fmtInt(r.candleSteps).padStart(10)} steps  ${(r.totalMs / 1000).toFixed(2).padStart(6)} s  ` +
    `${fmtInt(r.stepsPerSecond).padStart(9)} steps/s  | CPU ${(r.cpuMs / 1000).toFixed(2)} s = ${fmtInt(r.candleSteps / (r.cpuMs / 1000))} steps/CPU-s | ` +
    `prepare ${(r.prepareMs / 1000).toFixed(2)} s, replay ${(r.replayMs / 1000).toFixed(2)} s | ${r.trades} trades, heap peak ${r.peakHeapMb.toFixed(0)} MB`
  );
}

/** An engine that never trades: what the replay loop itself costs per step. */
function noopEngine(): DecisionEngine {
  const none = { action: 'none', pair: '', stage: 'signal', rule: 'noop', reason: 'benchmark', explanation: {} } as const;
  return {
    warmupCandles: 1,
    prepare: (pair, candles) => ({ pair, candles }),
    checkEntry: () => none,
    checkForcedEntry: () => none,
    checkExit: (position) => ({ action: 'hold', pair: position.pair, explanation: {} }),
  };
}

async function main(): Promise<void> {
  const os = await import('node:os');
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const years = Number(process.env.KBOT_BENCH_YEARS ?? 1);
  const perPair = Math.round(CANDLES_PER_YEAR * years);
  console.log(`kbot backtest benchmark: default strategy set, generated 5m candles (seed ${BENCH_SEED}), Node ${process.version}, ${os.availableParallelism()} cores`);
  console.log('One step = one pair advancing one 5m candle through indicators, exits, strategy, risk and simulated fills.');
  console.log('"first" is a cold process (the JIT still compiling); "again" repeats the same replay in the same process.\n');

  const all = GENERATED.map((g) => ({ pair: g.pair, candles: generatedCandles(g.pair, perPair) }));
  const one = all.slice(0, 1);
  console.log(line(benchReplay('1 pair-year (BTC/USD), 1 thread, first', one)));
  const oneAgain = bestOf(2, () => benchReplay('1 pair-year (BTC/USD), 1 thread, again', one));
  console.log(line(oneAgain));
  console.log(line(bestOf(2, () => benchReplay('  same, no-op engine (replay loop alone)', one, noopEngine))));
  const ten = benchReplay('10 pair-years, one wallet, 1 thread, first', all);
  console.log(line(ten));
  const tenAgain = benchReplay('10 pair-years, one wallet, 1 thread, again', all);
  console.log(line(tenAgain));

  const groups = [GENERATED.slice(0, 5).map((g) => g.pair), GENERATED.slice(5).map((g) => g.pair)];
  const par = await benchWorkers(groups, perPair);
  const parRate = par.candleSteps / (par.wallMs / 1000);
  console.log(
    `${'10 pair-years, 2 workers x 5 pairs'.padEnd(44)} ${fmtInt(par.candleSteps).padStart(10)} steps  ${(par.wallMs / 1000).toFixed(2).padStart(6)} s  ${fmtInt(parRate).padStart(9)} steps/s  | two independent 5-pair wallets in parallel, each warmed up`,
  );

  const real = sharedDataSeries(root);
  if (real) {
    const r = benchReplay(`../shared/data: ${real.length} pairs x ${fmtInt(real[0]!.candles.length)} candles`, real);
    console.log(line(r));
    console.log(`  real candles: ${r.trades} trades, net P&L ${r.netPnlQuote.toFixed(2)} USD on 10,000 (default config; OKX swaps stand in for Kraken spot)`);
  } else {
    console.log('../shared/data not found: skipping the real-candle figures.');
  }

  const mem = process.memoryUsage();
  console.log(
    `\nPeak memory: RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (whole process, workers included; ${(mem.rss / 2 ** 20).toFixed(0)} MB now); ` +
      `heap peak ${Math.max(oneAgain.peakHeapMb, ten.peakHeapMb, tenAgain.peakHeapMb).toFixed(0)} MB on the main thread (10 pair-years of candles held in memory).`,
  );
  const best = Math.max(ten.stepsPerSecond, tenAgain.stepsPerSecond, parRate);
  console.log(`Target 500,000 steps/s for 10 pair-years: ${best >= 500_000 ? 'met' : 'not met'} (best: ${fmtInt(best)} steps/s).`);
  console.log(`Load average: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.availableParallelism()} cores (wall-clock figures assume an otherwise idle machine).`);
}

/** The fastest of `n` runs (a shared machine makes single runs noisy). */
function bestOf(n: number, run: () => BenchRun): BenchRun {
  let best = run();
  for (let k = 1; k < n; k++) {
    const r = run();
    if (r.totalMs < best.totalMs) best = r;
  }
  return best;
}

if (!isMainThread) {
  // Worker: generate this group's data, say ready, then replay on 'go'.
  const { pairs, candlesPerPair } = workerData as { pairs: Pair[]; candlesPerPair: number };
  const series = pairs.map((pair) => ({ pair, candles: generatedCandles(pair, candlesPerPair) }));
  // Warm the JIT up on one pair-year of this group first, as the main thread's 'again' runs are.
  benchReplay('warm-up', series.slice(0, 1));
  parentPort!.once('message', () => {
    parentPort!.postMessage(benchReplay(`worker ${pairs.join(',')}`, series));
  });
  parentPort!.postMessage('ready');
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
