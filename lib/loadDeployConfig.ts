// Deployment: where the settings come from. Defaults, then the file `kbot.deploy.json` (or the file
// named by context `kbotConfigFile`), then single fields from CDK context (`-c kbot.mode=live`).
// The pairs are checked against a saved Kraken AssetPairs snapshot when there is one: synth is offline.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pairFromKrakenName } from '../functions/backtest/krakenPairs.js';
import { AssetPairsError, ASSET_PAIRS_SNAPSHOT_FILE, readAssetPairsSnapshot } from '../functions/cli/assetPairsSnapshot.js';
import { notAnObject, unlistedPairs, type ConfigIssue } from '../functions/core/configIssues.js';
import { DeployConfigError, parseDeployConfig, type DeployConfig } from './deployConfig.js';

/** The settings file read from the working directory when no other file is named. */
export const DEPLOY_CONFIG_FILE = 'kbot.deploy.json';

/** Context key naming another settings file (`-c kbotConfigFile=live.deploy.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'kbotConfigFile';

/** Context keys starting with this override one top-level field each (`-c kbot.scheduleEnabled=false`). */
export const OVERRIDE_CONTEXT_PREFIX = 'kbot.';

const BOOLEAN_FIELDS = new Set(['allowLiveTrading', 'validateOnly', 'scheduleEnabled', 'keysKmsKey']);
const NUMBER_FIELDS = new Set(['logRetentionDays', 'memoryMb', 'timeoutSeconds']);

/** Context key naming another AssetPairs snapshot (`-c kbotAssetPairsFile=...`); default `.kbot/kraken-asset-pairs.json`. */
export const ASSET_PAIRS_CONTEXT_KEY = 'kbotAssetPairsFile';

/** Where the loader reports what it did not check (stderr by default). */
export interface LoadDeployConfigOptions {
  log?: (line: string) => void;
}

/**
 * Reads the deployment settings: `context` is the CDK app's context (cdk.json plus `-c` flags),
 * `cwd` the directory the default file is looked up in. A named file that is missing, a file that
 * is not JSON, or any invalid field throws `DeployConfigError` naming the source and field. The
 * pairs must be listed in the AssetPairs snapshot (`kbot data markets`) when it exists; without
 * one, one line says the check was skipped.
 */
export function loadDeployConfig(context: Record<string, unknown>, cwd: string = process.cwd(), options: LoadDeployConfigOptions = {}): DeployConfig {
  const namedFile = context[CONFIG_FILE_CONTEXT_KEY];
  const fileName = typeof namedFile === 'string' && namedFile !== '' ? namedFile : DEPLOY_CONFIG_FILE;
  const filePath = isAbsolute(fileName) ? fileName : resolve(cwd, fileName);
  let fromFile: Record<string, unknown> = {};
  if (existsSync(filePath)) {
    fromFile = readJsonObject(filePath);
  } else if (namedFile !== undefined) {
    throw new DeployConfigError(`Deployment config file ${filePath} (context ${CONFIG_FILE_CONTEXT_KEY}) does not exist`);
  }

  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!key.startsWith(OVERRIDE_CONTEXT_PREFIX)) continue;
    const field = key.slice(OVERRIDE_CONTEXT_PREFIX.length);
    overrides[field] = coerceContextValue(field, value);
  }
  const sources = [existsSync(filePath) ? fileName : undefined, Object.keys(overrides).length ? 'context kbot.*' : undefined].filter(Boolean);
  const source = `deployment config (${sources.join(' + ') || 'defaults'})`;
  const input = { ...fromFile, ...overrides };
  const config = parseDeployConfig(input, source);
  const namedSnapshot = context[ASSET_PAIRS_CONTEXT_KEY];
  const snapshotFile = typeof namedSnapshot === 'string' && namedSnapshot !== '' ? namedSnapshot : ASSET_PAIRS_SNAPSHOT_FILE;
  const pairsPath = 'pairs' in input ? ['pairs'] : isRecord(input.bot) && 'pairs' in input.bot ? ['bot', 'pairs'] : ['pairs'];
  checkListedPairs(config.bot.pairs, isAbsolute(snapshotFile) ? snapshotFile : resolve(cwd, snapshotFile), cwd, pairsPath, source, options.log ?? ((line) => console.error(line)));
  return config;
}

/** Refuses pairs the snapshot does not list, naming the nearest listed symbol; says so when there is no snapshot. */
function checkListedPairs(pairs: readonly string[], snapshotPath: string, cwd: string, pairsPath: string[], source: string, log: (line: string) => void): void {
  const inside = relative(cwd, snapshotPath);
  const shown = inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : snapshotPath;
  let snapshot;
  try {
    snapshot = readAssetPairsSnapshot(snapshotPath);
  } catch (error) {
    if (error instanceof AssetPairsError) throw new DeployConfigError(`Kraken AssetPairs snapshot ${error.message}`);
    throw error;
  }
  if (!snapshot) {
    log(`Pairs not checked against Kraken's listing: no ${shown} (save one with: npm run kbot -- data markets)`);
    return;
  }
  const issues: ConfigIssue[] = unlistedPairs(pairs, snapshot.symbols, pairFromKrakenName).map((u) => ({
    path: [...pairsPath, pairs.indexOf(u.pair)],
    message: `${u.pair} is not listed by Kraken (snapshot ${shown} of ${snapshot.savedAtIso.slice(0, 10)})`,
    ...(u.suggestion !== undefined ? { suggestion: u.suggestion } : {}),
  }));
  if (issues.length) throw DeployConfigError.fromIssues(source, issues);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJsonObject(filePath: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(filePath, 'utf8'));
  } catch (error) {
    throw new DeployConfigError(`Deployment config file ${filePath} is not valid JSON: ${(error as Error).message}`);
  }
  const notObject = notAnObject(parsed);
  if (notObject) throw new DeployConfigError(`Deployment config file ${filePath}: ${notObject}`);
  return parsed as Record<string, unknown>;
}

/** `-c key=value` always yields strings; cdk.json context may hold real JSON values. */
function coerceContextValue(field: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (BOOLEAN_FIELDS.has(field)) return value === 'true' ? true : value === 'false' ? false : value;
  if (NUMBER_FIELDS.has(field)) return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  if (field === 'pairs') return value.split(',').map((pair) => pair.trim()).filter(Boolean);
  if (field === 'bot') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new DeployConfigError(`Context ${OVERRIDE_CONTEXT_PREFIX}bot must be a JSON object, got ${value.slice(0, 40)}`);
    }
  }
  return value;
}
