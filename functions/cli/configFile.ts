// CLI support: reads and validates a bot configuration file.
import { readFile } from 'node:fs/promises';
import { ConfigError, parseConfig, type BotConfig } from '../core/config.js';
import { notAnObject } from '../core/configIssues.js';

/** Reads a JSON config file (or none) and validates it; the error names the file and fields. */
export async function loadConfigFile(path: string | undefined, overrides: Record<string, unknown> = {}): Promise<BotConfig> {
  let raw: Record<string, unknown> = {};
  if (path) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`Cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`Invalid config file ${path}: not valid JSON (${(err as Error).message})`);
    }
    // `null` or `[]` would otherwise spread into nothing and run on the defaults.
    const notObject = notAnObject(parsed);
    if (notObject) throw ConfigError.fromIssues(`config file ${path}`, [{ path: [], message: notObject }]);
    raw = parsed as Record<string, unknown>;
  }
  return parseConfig({ ...raw, ...overrides }, path ? `config file ${path}` : 'config');
}
