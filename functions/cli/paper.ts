// CLI: `kbot paper` (and `npm start`): paper trading on the laptop with real Kraken public data,
// the real tick handler, and embedded dynalite persisted under .kbot/.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, Option } from 'commander';
import { lastClosedCandleCloseMs } from '../core/candles.js';
import { quoteCurrency } from '../core/config.js';
import { systemClock } from '../core/ports.js';
import { FIVE_MINUTES_MS } from '../core/types.js';
import { createSerializer, localBackend, type LocalBackendOptions, type LocalSchedule } from '../dashboard/localBackend.js';
import { describePairs, describeTick } from './format.js';
import { loadConfigFile, scheduledEvent, startLocalStack } from './localStack.js';
import { refuseUnlistedKrakenPairs } from './pairCheck.js';

export const KRAKEN_PUBLIC_URL = 'https://api.kraken.com';

/** Checks the exchange answers before starting; returns a message for the user when it does not. */
export async function probeExchange(baseUrl: string, timeoutMs = 8_000): Promise<string | undefined> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/0/public/Time`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `Kraken answered HTTP ${res.status} at ${baseUrl}`;
    const body = (await res.json()) as { error?: string[] };
    if (body.error?.length) return `Kraken answered ${body.error.join(', ')} at ${baseUrl}`;
    return undefined;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    return `Kraken cannot be reached at ${baseUrl} (${cause}).`;
  }
}

export function paperCommand(): Command {
  return new Command('paper')
    .description('paper trade on live Kraken public data (no keys, no AWS): one tick every 5 minutes')
    .option('--once', 'run one tick now and exit')
    .option('--json', 'print each TickResult as JSON: with --once one document, else one document per line per tick')
    .option('--log <file>', 'also append the readable lines of each tick to this file (default: <data-dir>/paper.log; none with --memory)')
    .option('--config <file>', 'bot configuration (JSON)')
    .option('--exchange-url <url>', 'Kraken REST base URL (e.g. a local `kbot sandbox`)', KRAKEN_PUBLIC_URL)
    .addOption(new Option('--data-dir <dir>', 'where the local DynamoDB (dynalite) keeps its data').default('.kbot'))
    .option('--memory', 'keep state in memory only (nothing written under .kbot/)')
    .option('--dashboard', 'serve the local web dashboard from this process (127.0.0.1, URL with a session token)')
    .option('--dashboard-port <n>', 'with --dashboard: port on 127.0.0.1 (default: a free one)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { once?: boolean; json?: boolean; log?: string; config?: string; exchangeUrl: string; dataDir: string; memory?: boolean; dashboard?: boolean; dashboardPort?: number }) => {
      const config = await loadConfigFile(opts.config, { mode: 'paper' });
      const problem = await probeExchange(opts.exchangeUrl);
      if (problem) {
        console.error(`${problem}\nPaper trading needs Kraken's public market data. Offline? Run the fully offline demo instead: npm run demo`);
        process.exitCode = 3;
        return;
      }
      // A pair Kraken does not list would only show up as a skipped pair in every tick: refuse it now.
      await refuseUnlistedKrakenPairs(config.pairs, opts.exchangeUrl);
      const stack = await startLocalStack({
        config,
        exchangeUrl: opts.exchangeUrl,
        ...(opts.memory ? {} : { dataDir: join(opts.dataDir, 'dynamo') }),
        // No CloudWatch here: the tick's metrics would print as EMF lines on stdout.
        overrides: { metrics: { add() {} }, logger: opts.json ? quietLogger : readableLogger },
      });
      const logFile = opts.log ?? (opts.memory ? undefined : join(opts.dataDir, 'paper.log'));
      if (logFile) mkdirSync(dirname(logFile), { recursive: true });
      // The dashboard's flatten and force-exit run the handler too: one invocation at a time, as in Lambda.
      const serialize = createSerializer();
      const schedule: LocalSchedule = { paused: false };
      const dashboard = opts.dashboard && !opts.once ? await startLocalDashboard({ stack, config, exchangeUrl: opts.exchangeUrl, dataDir: opts.memory ? 'memory' : opts.dataDir, schedule, serialize, ...(opts.dashboardPort !== undefined ? { port: opts.dashboardPort } : {}) }) : undefined;
      const runOne = async (timeMs: number) => {
        if (schedule.paused) {
          console.error(`${new Date(timeMs).toISOString().slice(0, 16).replace('T', ' ')}  paused from the dashboard: no tick`);
          return;
        }
        const result = await serialize(() => stack.handler(scheduledEvent(timeMs)));
        const lines = [...describeTick(result), ...describePairs(result), `${result.candleCloseIso.slice(0, 16).replace('T', ' ')}  equity ${result.equityQuote?.toFixed(2) ?? '?'} ${quoteCurrency(config)}`];
        if (logFile) appendFileSync(logFile, `${lines.join('\n')}\n`);
        if (opts.json) console.log(opts.once ? JSON.stringify(result, null, 2) : JSON.stringify(result));
        else for (const line of lines) console.log(line);
      };
      try {
        if (opts.once) {
          await runOne(systemClock.nowMs());
          return;
        }
        // On stderr with --json, so stdout holds only the documents.
        (opts.json ? console.error : console.log)(`Paper trading ${config.universe ? `a universe of up to ${config.universe.topN} ${config.universe.quote} pairs` : config.pairs.join(', ')} on ${opts.exchangeUrl}; state in ${opts.memory ? 'memory' : opts.dataDir}${logFile ? `, log in ${logFile}` : ''}. Ctrl-C to stop.`);
        let stop = false;
        process.once('SIGINT', () => {
          stop = true;
          console.error('\nstopping after the current tick');
        });
        await runOne(systemClock.nowMs());
        while (!stop) {
          const next = lastClosedCandleCloseMs(Date.now()) + FIVE_MINUTES_MS;
          while (!stop && Date.now() < next) await systemClock.sleep(Math.min(1_000, next - Date.now()));
          if (!stop) await runOne(next);
        }
      } finally {
        await dashboard?.close();
        await stack.close();
      }
    });
}

/** `--dashboard`: the dashboard on the running paper bot (its handler, its dynalite, its loop). */
async function startLocalDashboard(o: Omit<LocalBackendOptions, 'nowMs'> & { port?: number }): Promise<{ close(): Promise<void> }> {
  const { serveDashboard } = await import('./dashboard.js');
  const backend = localBackend(o);
  const server = await serveDashboard(backend, o.port !== undefined ? { port: o.port } : {});
  return {
    close: async () => {
      await server.close();
      await backend.close?.();
    },
  };
}

/** Text mode: the per-pair lines say what info logs would; warnings and errors go to stderr, readable. */
const readableLogger = {
  debug() {},
  info() {},
  warn: (m: string, f?: Record<string, unknown>) => console.error(`warning: ${m}${f && Object.keys(f).length ? ` ${JSON.stringify(f)}` : ''}`),
  error: (m: string, f?: Record<string, unknown>) => console.error(`error: ${m}${f && Object.keys(f).length ? ` ${JSON.stringify(f)}` : ''}`),
};

const quietLogger = { debug() {}, info() {}, warn() {}, error: (m: string, f?: Record<string, unknown>) => console.error(m, f ?? '') };
