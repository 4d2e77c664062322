// Deployment: where the settings come from. Defaults, then the file `kbot.deploy.json` (or the file
// named by context `kbotConfigFile`), then single fields from CDK context (`-c kbot.mode=live`).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { notAnObject } from '../functions/core/configIssues.js';
import { DeployConfigError, parseDeployConfig, type DeployConfig } from './deployConfig.js';

/** The settings file read from the working directory when no other file is named. */
export const DEPLOY_CONFIG_FILE = 'kbot.deploy.json';

/** Context key naming another settings file (`-c kbotConfigFile=live.deploy.json`). */
export const CONFIG_FILE_CONTEXT_KEY = 'kbotConfigFile';

/** Context keys starting with this override one top-level field each (`-c kbot.scheduleEnabled=false`). */
export const OVERRIDE_CONTEXT_PREFIX = 'kbot.';

const BOOLEAN_FIELDS = new Set(['allowLiveTrading', 'validateOnly', 'scheduleEnabled', 'keysKmsKey']);
const NUMBER_FIELDS = new Set(['logRetentionDays', 'memoryMb', 'timeoutSeconds']);

/**
 * Reads the deployment settings: `context` is the CDK app's context (cdk.json plus `-c` flags),
 * `cwd` the directory the default file is looked up in. A named file that is missing, a file that
 * is not JSON, or any invalid field throws `DeployConfigError` naming the source and field.
 */
export function loadDeployConfig(context: Record<string, unknown>, cwd: string = process.cwd()): DeployConfig {
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
  return parseDeployConfig({ ...fromFile, ...overrides }, `deployment config (${sources.join(' + ') || 'defaults'})`);
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
