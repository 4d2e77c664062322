// Benchmark against the limit (`npm run bench:refs [-- --json]`): this project's replay of the
// plain SMA configuration and of the default strategy, beside two references doing the same simple
// work on the same candles (SMA 20/50 crossover, RSI 14 filter, 2% stop, 3% target, reversal exit,
// taker fee, 10 pair-years): a lean pandas loop and the same loop compiled with numba. Prints the
// figures and the ratios; `--json` prints one JSON line instead. Every "first" run is a fresh
// process (the JIT still cold); "again" is the best of three in one process.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CANDLES_PER_YEAR, generatedColumns } from '../functions/backtest/bench.js';
import { encodeCandleColumns } from '../functions/backtest/candleCache.js';
import { builtInMarkets } from '../functions/backtest/marketTable.js';
import { runBacktest } from '../functions/backtest/runBacktest.js';
import { parseConfig } from '../functions/core/config.js';
import { createDecisionEngine, simpleMomentumConfig } from '../functions/core/engine/index.js';

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Debian's interpreter (where apt installs pandas and numba) unless KBOT_PYTHON names another. */
const PYTHON = process.env.KBOT_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const PAIRS = ['BTC/USD', 'ETH/USD', 'SOL/USD', 'XRP/USD', 'DOGE/USD', 'ADA/USD', 'DOT/USD', 'LTC/USD', 'LINK/USD', 'AVAX/USD'];

/** The configurations measured: the plain SMA crossover with its reversal exit, and the default strategy set. */
const CONFIGS = {
  plain: { ...simpleMomentumConfig({ fastSma: 20, slowSma: 50, stopLossFraction: 0.02, takeProfitFraction: 0.03, exitOnReversal: true }) },
  default: {},
} as const;

interface Figure {
  label: string;
  candleSteps: number;
  seconds: number;
  cpuSeconds?: number;
  stepsPerSecond: number;
  trades: number;
}

function series(years: number) {
  const n = Math.round(CANDLES_PER_YEAR * years);
  return PAIRS.map((pair) => ({ pair, columns: generatedColumns(pair, n) }));
}

/** Engine, prepare and replay on this thread (the candles already in memory). */
function measure(label: string, which: keyof typeof CONFIGS, data: ReturnType<typeof series>): Figure {
  const config = parseConfig({ pairs: PAIRS, ...CONFIGS[which], paper: { startingBalances: { USD: 10_000 } } });
  const cpu = process.cpuUsage();
  const t = performance.now();
  const engine = createDecisionEngine(config);
  const result = runBacktest({ config, engine, series: data, markets: builtInMarkets(PAIRS, config.paper.takerFeeRate), startingQuote: 10_000 });
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(cpu);
  const steps = result.summary.candlesProcessed;
  return { label, candleSteps: steps, seconds, cpuSeconds: (used.user + used.system) / 1e6, stepsPerSecond: steps / seconds, trades: result.summary.trades };
}

async function child(which: keyof typeof CONFIGS, years: number): Promise<Figure> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', which, '--years', String(years)], { cwd: ROOT, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Figure;
}

async function python(script: string, files: string[]): Promise<(Figure & { skipped?: string; compileSeconds?: number }) | { skipped: string }> {
  try {
    const { stdout } = await run(PYTHON, [join(ROOT, 'bench', script), ...files], { cwd: join(ROOT, 'bench'), maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as { reference: string; skipped?: string; seconds: number; candleSteps: number; stepsPerSecond: number; trades: number; compileSeconds?: number };
    if (r.skipped) return { skipped: r.skipped };
    return { label: r.reference, candleSteps: r.candleSteps, seconds: r.seconds, stepsPerSecond: r.stepsPerSecond, trades: r.trades, ...(r.compileSeconds !== undefined ? { compileSeconds: r.compileSeconds } : {}) };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { skipped: `${script} failed: ${(e.stderr ?? e.message).trim().split('\n').pop()} (python3 with python3-pandas is needed: apt-get install python3-pandas python3-numba)` };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const years = Number(args[args.indexOf('--years') + 1] ?? 1) || 1;
  if (args[0] === '--child') {
    console.log(JSON.stringify(measure(`${args[1]} first`, args[1] as keyof typeof CONFIGS, series(years))));
    return;
  }
  const json = args.includes('--json');
  const log = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
  const data = series(years);
  const dir = join(ROOT, '.kbot', 'bench');
  mkdirSync(dir, { recursive: true });
  const files = data.map((s) => {
    const f = join(dir, `${s.pair.replace('/', '-')}.kbc`);
    writeFileSync(f, encodeCandleColumns(s.columns, { format: 'header', sourceIntervalMinutes: 5, pair: s.pair }));
    return f;
  });
  log(`kbot against the references: ${PAIRS.length} pairs x ${Math.round(CANDLES_PER_YEAR * years).toLocaleString('en-US')} generated 5m candles, Node ${process.version}, ${availableParallelism()} cores, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const plainFirst = await child('plain', years);
  const defaultFirst = await child('default', years);
  let plainAgain = measure('plain again', 'plain', data);
  for (let k = 0; k < 2; k++) {
    const r = measure('plain again', 'plain', data);
    if (r.seconds < plainAgain.seconds) plainAgain = r;
  }
  let defaultAgain = measure('default again', 'default', data);
  for (let k = 0; k < 2; k++) {
    const r = measure('default again', 'default', data);
    if (r.seconds < defaultAgain.seconds) defaultAgain = r;
  }
  const pandas = await python('pandas_loop.py', files);
  const numba = await python('numba_loop.py', files);
  const show = (f: Figure | { skipped: string }) =>
    'skipped' in f && f.skipped ? `  ${f.skipped}` : `  ${(f as Figure).label.padEnd(16)} ${((f as Figure).stepsPerSecond / 1e6).toFixed(2).padStart(7)} M candle-steps/s (${(f as Figure).seconds.toFixed(2)} s, ${(f as Figure).trades} trades)`;
  for (const f of [plainFirst, plainAgain, defaultFirst, defaultAgain, pandas, numba]) log(show(f));
  const rate = (f: Figure | { skipped: string }) => ('stepsPerSecond' in f ? f.stepsPerSecond : null);
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  const ratios = {
    plainAgainToNumba: ratio(rate(plainAgain), rate(numba)),
    plainAgainToPandas: ratio(rate(plainAgain), rate(pandas)),
    defaultFirstToPandas: ratio(rate(defaultFirst), rate(pandas)),
    defaultAgainToPandas: ratio(rate(defaultAgain), rate(pandas)),
  };
  const fmt = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}x`);
  log(
    `Ratios: plain (again) / numba ${fmt(ratios.plainAgainToNumba)} (target at least 0.2x, i.e. within 5 times), plain / pandas ${fmt(ratios.plainAgainToPandas)}, ` +
      `default (first run) / pandas ${fmt(ratios.defaultFirstToPandas)} (target at least 2x), default (again) / pandas ${fmt(ratios.defaultAgainToPandas)}`,
  );
  log('The references trade a fixed 10% of cash per entry on one pair at a time; the project shares one wallet over the pairs with its risk rules, exchange minimums and reconciled books.');
  if (json) console.log(JSON.stringify({ pairs: PAIRS.length, candlesPerPair: Math.round(CANDLES_PER_YEAR * years), plainFirst, plainAgain, defaultFirst, defaultAgain, pandas, numba, ratios, loadAverage: loadavg() }));
}

await main();
