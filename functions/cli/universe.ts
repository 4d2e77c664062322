// CLI: `kbot universe` previews the universe a configuration would trade, with the reason each pair
// is in or out. Offline by default: the Kraken sandbox (every pair it can list, sub-cent tokens
// included) answers AssetPairs and Ticker, and a saved AssetPairs snapshot may replace its listings;
// `--exchange-url https://api.kraken.com` asks Kraken itself. Same selection code as the tick.
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { KrakenExchangeAdapter } from '../adapters/kraken/krakenExchange.js';
import { marketsFromAssetPairs } from '../backtest/marketTable.js';
import { ConfigError } from '../core/config.js';
import { selectUniverse, type UniverseListing, type UniverseSelection, type UniverseSource } from '../core/universe/selectUniverse.js';
import { universeSchema, type UniverseConfig } from '../core/universe/universeConfig.js';
import { SANDBOX_MARKETS } from '../sandbox/sandboxMarkets.js';
import { startSandbox } from '../sandbox/sandboxServer.js';
import { ASSET_PAIRS_SNAPSHOT_FILE, AssetPairsError } from './assetPairsSnapshot.js';
import { loadConfigFile } from './localStack.js';
import { openDeployed, openLocal } from './snapshotFile.js';
import type { StorePort } from '../core/ports.js';
import type { Mode } from '../core/types.js';

interface UniverseCliOptions {
  /** Mark the stored universe stale instead of previewing: the next tick rebuilds it. */
  refresh?: boolean;
  mode?: string;
  dataDir?: string;
  stack?: string;
  region?: string;
  profile?: string;
  config?: string;
  exchangeUrl?: string;
  assetPairs?: string;
  at?: string;
  json?: boolean;
}

/** Where the command writes. */
export interface UniverseCliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: UniverseCliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** The `--json` document. */
export interface UniverseReport {
  source: { listings: string; tickers: string; atIso: string };
  definition: UniverseConfig;
  selection: UniverseSelection;
}

export function universeCommand(io: UniverseCliIo = processIo): Command {
  return new Command('universe')
    .description('Preview the universe a configuration trades: each pair in or out, and why (offline on the sandbox by default)')
    .option('--config <file>', 'bot configuration whose pairs is a universe definition (default: the default universe)')
    .option('--exchange-url <url>', 'read AssetPairs and Ticker from this Kraken (e.g. https://api.kraken.com) instead of the local sandbox')
    .option('--asset-pairs <file>', `a saved AssetPairs reply whose listings replace the source's (default ${ASSET_PAIRS_SNAPSHOT_FILE} when it exists, offline only)`)
    .option('--at <iso>', 'sandbox time of the preview (default now)')
    .option('--json', 'print one JSON document')
    .option('--refresh', "on demand: mark the stored universe stale, so the next tick rebuilds it from Kraken (the local state, or --stack's table)")
    .option('--mode <mode>', 'with --refresh: paper or live (default: the stack\'s mode, else paper)')
    .option('--data-dir <dir>', 'with --refresh: the local state of kbot paper', '.kbot')
    .option('--stack <name>', "with --refresh: the deployed stack's table")
    .option('--region <region>', 'with --stack: AWS region')
    .option('--profile <profile>', 'with --stack: AWS profile')
    .action(async (opts: UniverseCliOptions) => {
      if (opts.refresh) {
        const target = opts.stack ? await openDeployed(opts) : await openLocal(opts.dataDir ?? '.kbot');
        try {
          const mode: Mode = target.mode ?? (opts.mode === 'live' ? 'live' : 'paper');
          const line = await markUniverseStale(target.store, mode);
          if (opts.json) io.out(JSON.stringify({ refresh: line.stale, mode, where: target.label, ...(line.refreshedAtIso ? { refreshedAtIso: line.refreshedAtIso } : {}) }));
          else io.out(`${target.label}, ${mode}: ${line.text}`);
        } finally {
          await target.close();
        }
        return;
      }
      await runUniverseCli(opts, io);
    });
}

/**
 * On-demand refresh: the stored universe is marked stale (built at time 0) and keeps its pairs, so
 * the next tick rebuilds it, and keeps trading these pairs if the rebuild fails.
 */
export async function markUniverseStale(store: Pick<StorePort, 'getUniverse' | 'putUniverse'>, mode: Mode): Promise<{ stale: boolean; text: string; refreshedAtIso?: string }> {
  const record = await store.getUniverse?.(mode);
  if (!record) return { stale: false, text: 'no universe stored yet: the next tick of a universe configuration builds one' };
  const refreshedAtIso = new Date(record.refreshedAtMs).toISOString();
  await store.putUniverse!({ ...record, refreshedAtMs: 0 });
  return { stale: true, refreshedAtIso, text: `the universe built ${refreshedAtIso} (${record.pairs.length} pairs) is marked stale: the next tick rebuilds it` };
}

/** Runs the preview; throws `ConfigError` for a configuration without a universe. */
export async function runUniverseCli(opts: UniverseCliOptions, io: UniverseCliIo): Promise<UniverseReport> {
  const definition = opts.config ? (await loadConfigFile(opts.config)).universe : universeSchema.parse({});
  if (!definition) throw new ConfigError(`${opts.config}: pairs is a list, not a universe definition; see docs/configuration.md ("A universe")`);
  const atMs = opts.at ? Date.parse(opts.at) : Date.now();
  if (!Number.isFinite(atMs)) throw new ConfigError(`--at ${opts.at}: not an ISO time`);
  const report = opts.exchangeUrl ? await fromExchange(definition, opts.exchangeUrl, atMs) : await fromSandbox(definition, atMs, opts.assetPairs);
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of describeUniverse(report)) io.out(line);
  return report;
}

async function fromExchange(definition: UniverseConfig, url: string, atMs: number): Promise<UniverseReport> {
  const adapter = new KrakenExchangeAdapter({ baseUrl: url, enableRateLimit: false });
  const source = await adapter.fetchUniverseSource(definition.quote);
  return { source: { listings: `${url} AssetPairs`, tickers: `${url} Ticker`, atIso: new Date(atMs).toISOString() }, definition, selection: selectUniverse(definition, source, atMs) };
}

async function fromSandbox(definition: UniverseConfig, atMs: number, assetPairsFile: string | undefined): Promise<UniverseReport> {
  const snapshot = assetPairsFile ?? (existsSync(ASSET_PAIRS_SNAPSHOT_FILE) ? ASSET_PAIRS_SNAPSHOT_FILE : undefined);
  const sandbox = await startSandbox({ pairs: SANDBOX_MARKETS.map((m) => m.symbol), startTimeMs: atMs, speed: 0 });
  try {
    const adapter = new KrakenExchangeAdapter({ baseUrl: sandbox.url, enableRateLimit: false, clock: { nowMs: () => sandbox.nowMs(), sleep: async () => undefined } });
    let source: UniverseSource = await adapter.fetchUniverseSource(definition.quote);
    if (snapshot) source = { ...source, listings: listingsFromSnapshot(snapshot) };
    return {
      source: { listings: snapshot ? `${snapshot} (saved AssetPairs)` : 'sandbox AssetPairs', tickers: 'sandbox Ticker (generated market data)', atIso: new Date(atMs).toISOString() },
      definition,
      selection: selectUniverse(definition, source, atMs),
    };
  } finally {
    await sandbox.close();
  }
}

function listingsFromSnapshot(file: string): UniverseListing[] {
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AssetPairsError(`${file} cannot be read as JSON (${(err as Error).message})`);
  }
  return Object.values(marketsFromAssetPairs(body, 0)).map((m) => ({ pair: m.pair, base: m.base, quote: m.quote, active: m.active, ...(m.active ? {} : { status: 'not online' }) }));
}

/** The text form: the universe, then every candidate with its reason. */
export function describeUniverse(r: UniverseReport): string[] {
  const s = r.selection;
  const d = r.definition;
  const lines = [
    `Universe of ${d.quote} pairs at ${r.source.atIso.slice(0, 16).replace('T', ' ')} UTC: ${s.pairs.length} of top ${d.topN} (listings: ${r.source.listings}; tickers: ${r.source.tickers})`,
    `  ${s.pairs.join(', ') || '(none)'}`,
    '',
    `${'pair'.padEnd(12)} ${'in'.padEnd(3)} ${'tier'.padEnd(4)} ${'price'.padStart(12)} ${'24h volume'.padStart(12)} ${'spread'.padStart(7)}  reason`,
  ];
  for (const v of s.verdicts) {
    lines.push(
      `${v.pair.padEnd(12)} ${(v.included ? 'yes' : 'no').padEnd(3)} ${String(v.tier ?? '').padEnd(4)} ${(v.price !== undefined ? (v.price >= 1 ? v.price.toFixed(2) : v.price.toPrecision(4)) : '').padStart(12)} ${(v.quoteVolume24h !== undefined ? Math.round(v.quoteVolume24h).toLocaleString('en-US') : '').padStart(12)} ${(v.spreadFraction !== undefined ? `${(v.spreadFraction * 100).toFixed(2)}%` : '').padStart(7)}  ${v.reason}`,
    );
  }
  if (s.otherQuotes) lines.push('', `${s.otherQuotes} listings of other quote currencies not considered.`);
  return lines;
}
