// CLI support: Kraken's public AssetPairs reply, fetched (`kbot data markets`) and kept on disk as a
// snapshot, so the pairs a user typed can be checked where there is no internet (`cdk synth`).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { marketsFromAssetPairs } from '../backtest/marketTable.js';
import type { Pair } from '../core/types.js';

/** Where `kbot data markets` saves the reply, and where the deploy-config loader looks for it. */
export const ASSET_PAIRS_SNAPSHOT_FILE = '.kbot/kraken-asset-pairs.json';

/** Kraken's envelope around the AssetPairs result. */
export interface AssetPairsReply {
  error: string[];
  result: Record<string, unknown>;
}

/** A reply that is not a usable AssetPairs answer (network, HTTP, Kraken error, shape). */
export class AssetPairsError extends Error {
  override readonly name = 'AssetPairsError';
}

/** `GET <baseUrl>/0/public/AssetPairs`, checked: Kraken's errors and a reply without pairs throw `AssetPairsError`. */
export async function fetchAssetPairs(baseUrl: string, timeoutMs = 15_000, fetchFn: typeof fetch = fetch): Promise<AssetPairsReply> {
  const url = `${baseUrl.replace(/\/+$/, '')}/0/public/AssetPairs`;
  let body: unknown;
  try {
    const res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new AssetPairsError(`${url} answered HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    if (err instanceof AssetPairsError) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new AssetPairsError(`${url} cannot be read (${cause})`);
  }
  return checkedReply(body, url);
}

/** The unified symbols (`BTC/USD`, `DOGE/USD`) an AssetPairs reply lists, dark-pool pairs left out. */
export function listedSymbols(reply: unknown): Pair[] {
  return Object.keys(marketsFromAssetPairs(reply, 0)).sort();
}

/** Writes the reply atomically (a half-written snapshot would refuse every pair). */
export function writeAssetPairsSnapshot(path: string, reply: AssetPairsReply): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(reply, null, 2)}\n`);
  renameSync(tmp, path);
}

/** A snapshot read back: what it lists and when it was saved. */
export interface AssetPairsSnapshot {
  path: string;
  symbols: Pair[];
  savedAtIso: string;
}

/** Reads a saved snapshot, or undefined when there is none; a file that is not one throws `AssetPairsError`. */
export function readAssetPairsSnapshot(path: string): AssetPairsSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AssetPairsError(`${path} is not valid JSON (${(err as Error).message}); save it again with kbot data markets`);
  }
  const reply = checkedReply(body, path);
  return { path, symbols: listedSymbols(reply), savedAtIso: statSync(path).mtime.toISOString() };
}

function checkedReply(body: unknown, where: string): AssetPairsReply {
  const envelope = body as Partial<AssetPairsReply> | null;
  if (!envelope || typeof envelope !== 'object' || !Array.isArray(envelope.error)) {
    throw new AssetPairsError(`${where} is not a Kraken reply (expected {"error":[...],"result":{...}})`);
  }
  if (envelope.error.length) throw new AssetPairsError(`${where} answered ${envelope.error.join(', ')}`);
  const result = envelope.result;
  if (!result || typeof result !== 'object' || Array.isArray(result) || Object.keys(result).length === 0) {
    throw new AssetPairsError(`${where} lists no asset pairs`);
  }
  return { error: [], result: result as Record<string, unknown> };
}
