// Backtest benchmark (`npm run bench`): replay throughput in candle-steps per second (one pair
// advancing one 5m candle through indicators, exits, strategy, risk and simulated fills) on seeded
// generated data held as columns, with one wallet shared by every pair: on one thread, and with the
// per-pair `prepare` on worker threads; wall and CPU time, peak memory; and on ../shared/data real
// candles when present. Generating the data is timed apart and never counted.
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig, type BotConfig } from '../core/config.js';
import { allocateColumns, candlesFromColumns, columnsFromCandles, type CandleColumns } from '../core/engine/candleColumns.js';
import { createDecisionEngine } from '../core/engine/index.js';
import type { DecisionEngine, PreparedSeries } from '../core/engine/types.js';
import type { Candle, Pair } from '../core/types.js';
import { CandleGenerator } from '../sandbox/candleGenerator.js';
import { seedFor } from '../sandbox/seededRandom.js';
import { loadCandleFile } from './candleFile.js';
import { builtInMarkets } from './marketTable.js';
import { PreparePool } from './parallelPrepare.js';
import { runBacktest, type BacktestSeries } from './runBacktest.js';

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

function generatorFor(pair: Pair): CandleGenerator {
  const spec = GENERATED.find((g) => g.pair === pair);
  if (!spec) throw new Error(`no generator for ${pair}`);
  return new CandleGenerator({
    seed: seedFor(BENCH_SEED, pair),
    startOpenTimeMs: START_MS,
    startPrice: spec.price,
    volatility5m: spec.vol,
    baseVolume5m: spec.volume,
    priceDecimals: spec.decimals,
  });
}

/** Seeded 5m candles for one of the generated pairs. */
export function generatedCandles(pair: Pair, count: number): Candle[] {
  const gen = generatorFor(pair);
  const out = new Array<Candle>(count);
  for (let k = 0; k < count; k++) out[k] = gen.next();
  return out;
}

/**
 * The same seeded candles as `generatedCandles`, written straight into columns (no candle kept
 * alive), in shared memory: the prepare workers read them without a copy.
 */
export function generatedColumns(pair: Pair, count: number): CandleColumns {
  const gen = generatorFor(pair);
  const cols = allocateColumns(count, true);
  for (let k = 0; k < count; k++) {
    const c = gen.next();
    cols.openTimeMs[k] = c.openTimeMs;
    cols.open[k] = c.open;
    cols.high[k] = c.high;
    cols.low[k] = c.low;
    cols.close[k] = c.close;
    cols.volume[k] = c.volume;
  }
  return cols;
}

/** Figures of one replay. */
export interface BenchRun {
  label: string;
  pairs: number;
  candleSteps: number;
  /** Wall time spent preparing (indicators, resampling, entry signals), on whichever threads. */
  prepareMs: number;
  replayMs: number;
  totalMs: number;
  /** CPU time of the whole process (every thread) during the run: the figure a loaded machine does not distort. */
  cpuMs: number;
  stepsPerSecond: number;
  stepsPerCpuSecond: number;
  trades: number;
  netPnlQuote: number;
  peakHeapMb: number;
}

function benchConfig(pairs: Pair[]): BotConfig {
  return parseConfig({ pairs, paper: { startingBalances: { USD: 10_000 } } });
}

/**
 * Replays `series` with one shared wallet and the default configuration, on this thread. The
 * clock covers everything a backtest does once the candles are in memory and the configuration
 * parsed: building the engine, preparing every series and the replay.
 */
export function benchReplay(label: string, series: readonly BacktestSeries[], makeEngine: (config: BotConfig) => DecisionEngine = createDecisionEngine): BenchRun {
  const config = benchConfig(series.map((s) => s.pair));
  const clock = startClock();
  const engine = makeEngine(config);
  const t = performance.now();
  const prepared = series.map((s) => ({ ...s, prepared: prepareHere(engine, s) }));
  return clock.finish(label, config, engine, prepared, performance.now() - t);
}

/** `benchReplay` with every series prepared on the pool's worker threads (arrays transferred back); the replay stays on this thread. */
export async function benchReplayOnPool(label: string, series: readonly BacktestSeries[], pool: PreparePool): Promise<BenchRun> {
  const config = benchConfig(series.map((s) => s.pair));
  const clock = startClock();
  const engine = createDecisionEngine(config);
  const t = performance.now();
  const prepared = await pool.prepare(config, engine, series);
  return clock.finish(label, config, engine, prepared, performance.now() - t);
}

/** What runBacktest would do itself, done here to time it apart. */
function prepareHere(engine: DecisionEngine, s: BacktestSeries): PreparedSeries {
  if (!('columns' in s)) return engine.prepare(s.pair, s.candles);
  return engine.prepareColumns ? engine.prepareColumns(s.pair, s.columns) : engine.prepare(s.pair, candlesFromColumns(s.columns));
}

function startClock() {
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  return {
    finish(label: string, config: BotConfig, engine: DecisionEngine, series: readonly BacktestSeries[], prepareMs: number): BenchRun {
      const pairs = series.map((s) => s.pair);
      let peakHeap = process.memoryUsage().heapUsed;
      let progressCalls = 0;
      const result = runBacktest({
        config,
        engine,
        series,
        markets: builtInMarkets(pairs, config.paper.takerFeeRate),
        startingQuote: 10_000,
        // Sampled every 8th progress call (about every 260,000 steps): reading memory use is not free.
        onProgress: (done, total) => {
          if (progressCalls++ % 8 === 0 || done === total) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        },
      });
      const totalMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuStart);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const steps = result.summary.candlesProcessed;
      return {
        label,
        pairs: pairs.length,
        candleSteps: steps,
        prepareMs,
        replayMs: totalMs - prepareMs,
        totalMs,
        cpuMs,
        stepsPerSecond: steps / (totalMs / 1000),
        stepsPerCpuSecond: steps / (cpuMs / 1000),
        trades: result.summary.trades,
        netPnlQuote: result.summary.netPnlQuote,
        peakHeapMb: peakHeap / 2 ** 20,
      };
    },
  };
}

/** An engine that never trades: what the replay loop itself costs per step. */
function noopEngine(): DecisionEngine {
  const none = { action: 'none', pair: '', stage: 'signal', rule: 'noop', reason: 'benchmark', explanation: {} } as const;
  return {
    warmupCandles: 1,
    prepare: (pair, candles) => ({ pair, candles }),
    // Nothing to prepare: a series of the right length (its candles are never read).
    prepareColumns: (pair, columns) => ({ pair, candles: new Array<Candle>(columns.length) }),
    checkEntry: () => none,
    checkForcedEntry: () => none,
    checkExit: (position) => ({ action: 'hold', pair: position.pair, explanation: {} }),
    screenEntry: () => none,
  };
}

/** Real candles from ../shared/data (OKX swaps, close to spot), named as their USD pairs, as columns. */
function sharedDataSeries(root: string): BacktestSeries[] | undefined {
  const dir = join(root, '..', 'shared', 'data', 'okx-swap-2026');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((f) => /_5m\.csv$/.test(f))
    .sort()
    .map((f) => {
      const base = /okx_swap_([A-Z]+)USDT_5m\.csv$/.exec(f)?.[1] ?? 'BTC';
      return { pair: `${base}/USD`, columns: columnsFromCandles(loadCandleFile(join(dir, f)).candles) };
    });
}

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const sec = (ms: number) => (ms / 1000).toFixed(2);

function line(r: BenchRun): string {
  return (
    `${r.label.padEnd(52)} ${fmtInt(r.candleSteps).padStart(10)} steps ${sec(r.totalMs).padStart(6)} s ${fmtInt(r.stepsPerSecond).padStart(10)} steps/s | ` +
    `CPU ${sec(r.cpuMs)} s = ${fmtInt(r.stepsPerCpuSecond).padStart(9)} steps/CPU-s | prepare ${sec(r.prepareMs)} s, replay ${sec(r.replayMs)} s | ` +
    `${r.trades} trades, heap peak ${r.peakHeapMb.toFixed(0)} MB`
  );
}

/** The fastest of `n` runs (a shared machine makes single runs noisy). */
async function bestOf(n: number, run: () => BenchRun | Promise<BenchRun>): Promise<BenchRun> {
  let best = await run();
  for (let k = 1; k < n; k++) {
    const r = await run();
    if (r.totalMs < best.totalMs) best = r;
  }
  return best;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;

async function main(): Promise<void> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const years = Number(process.env.KBOT_BENCH_YEARS ?? 1);
  const perPair = Math.round(CANDLES_PER_YEAR * years);
  const cores = availableParallelism();
  console.log(`kbot backtest benchmark: default strategy set, one shared wallet, generated 5m candles (seed ${BENCH_SEED}), Node ${process.version}, ${cores} cores`);
  console.log('One step = one pair advancing one 5m candle through indicators, exits, strategy, risk and simulated fills.');
  console.log('The clock covers engine, prepare and replay (the candles already in memory, as columns); CPU counts every thread of the process.');
  console.log('"first" is the first run of its kind in this process (the JIT still compiling); "again" repeats it.');
  console.log(`Load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);

  let t = performance.now();
  const all: BacktestSeries[] = GENERATED.map((g) => ({ pair: g.pair, columns: generatedColumns(g.pair, perPair) }));
  console.log(`Data: ${fmtInt(all.length * perPair)} generated candles (${all.length} pairs x ${fmtInt(perPair)}) in ${sec(performance.now() - t)} s, not counted below; RSS peak so far ${rssMb().toFixed(0)} MB.\n`);

  const one = all.slice(0, 1);
  const runs: BenchRun[] = [];
  const show = (r: BenchRun) => {
    runs.push(r);
    console.log(line(r));
    return r;
  };
  show(benchReplay(`1 pair-year (${one[0]!.pair}), 1 thread, first`, one));
  show(await bestOf(3, () => benchReplay(`1 pair-year (${one[0]!.pair}), 1 thread, again`, one)));
  show(await bestOf(2, () => benchReplay('  same, no-op engine (replay loop alone)', one, noopEngine)));
  const ten = show(benchReplay(`${all.length} pair-years, 1 thread, first`, all));
  const tenAgain = show(await bestOf(2, () => benchReplay(`${all.length} pair-years, 1 thread, again`, all)));

  console.log(`  (RSS peak so far: ${rssMb().toFixed(0)} MB)`);

  t = performance.now();
  const pool = await PreparePool.start();
  const poolStartMs = performance.now() - t;
  let par: BenchRun;
  let parAgain: BenchRun;
  try {
    const threads = `${pool.size + 1} threads`;
    par = show(await benchReplayOnPool(`${all.length} pair-years, prepare on ${threads}, first`, all, pool));
    parAgain = show(await bestOf(2, () => benchReplayOnPool(`${all.length} pair-years, prepare on ${threads}, again`, all, pool)));
  } finally {
    await pool.close();
  }
  console.log(
    `  (prepare on this thread and ${pool.size} worker thread(s), a pair at a time; starting the workers took ${sec(poolStartMs)} s, once per process, not counted above; the replay stays on this thread)`,
  );

  const real = sharedDataSeries(root);
  if (real) {
    const r = show(benchReplay(`../shared/data: ${real.length} pairs x ${fmtInt('columns' in real[0]! ? real[0].columns.length : 0)} candles`, real));
    console.log(`  real candles: ${r.trades} trades, net P&L ${r.netPnlQuote.toFixed(2)} USD on 10,000 (default config; OKX swaps stand in for Kraken spot)`);
  } else {
    console.log('../shared/data not found: skipping the real-candle figures.');
  }

  const mem = process.memoryUsage();
  console.log(
    `\nPeak memory: RSS ${rssMb().toFixed(0)} MB (whole process, workers included; ${(mem.rss / 2 ** 20).toFixed(0)} MB now); ` +
      `heap peak ${Math.max(...runs.map((r) => r.peakHeapMb)).toFixed(0)} MB on the main thread (${all.length} pair-years of candles held as columns, outside the heap).`,
  );
  const tenYear = [ten, tenAgain, par, parAgain];
  const best = tenYear.reduce((a, b) => (b.stepsPerSecond > a.stepsPerSecond ? b : a));
  const bestCpu = Math.max(...tenYear.map((r) => r.stepsPerCpuSecond));
  console.log(
    `Target 500,000 steps/s for ${all.length} pair-years: ${best.stepsPerSecond >= 500_000 ? 'met' : 'not met'} (best wall: ${fmtInt(best.stepsPerSecond)} steps/s, "${best.label.trim()}"; ` +
      `best per CPU-second: ${fmtInt(bestCpu)}).`,
  );
  console.log(`Load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cores} cores (wall-clock figures assume an otherwise idle machine).`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
