// CLI: `kbot config validate FILE` (every problem of a bot configuration or a deployment settings
// file, with its path and the key meant) and `kbot config show` (the effective configuration).
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Command } from 'commander';
import { quoteCurrency, validateConfig, type BotConfig } from '../core/config.js';
import { formatIssue, issueField, type ConfigIssue } from '../core/configIssues.js';
import { DeployConfigError, type DeployConfig } from '../../lib/deployConfig.js';
import { loadDeployConfig } from '../../lib/loadDeployConfig.js';
import { loadConfigFile } from './configFile.js';

/** Where the config commands write: results on `out`, notes on `err`. */
export interface ConfigCliIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: ConfigCliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** What `kbot config validate` found; printed as one JSON document with `--json`. */
export type ValidationReport = {
  file: string;
  /** `bot-config` (what `--config` takes) or `deployment` (a `*.deploy.json` file for `cdk deploy`). */
  kind: 'bot-config' | 'deployment';
} & ({ ok: true; summary: string } | { ok: false; problems: ValidationProblem[] });

/** One problem: the dotted field, its path as segments, the reason and the nearest valid name. */
export interface ValidationProblem {
  field: string;
  path: (string | number)[];
  message: string;
  suggestion?: string;
}

/** `kbot config` with its `validate` and `show` subcommands. */
export function configCommand(io: ConfigCliIo = processIo): Command {
  const config = new Command('config').description('Check a configuration file, or print the effective configuration');
  config
    .command('validate')
    .description('Validate a bot configuration (or a *.deploy.json deployment file): OK and a summary, or every problem with its field and the key meant (exit 1)')
    .argument('<file>', 'the JSON file')
    .option('--json', 'print the result as one JSON document')
    .action((file: string, opts: { json?: boolean }) => {
      process.exitCode = runValidateCli(file, opts, io);
    });
  config
    .command('show')
    .description('Print the effective bot configuration as JSON, every default filled in')
    .option('--config <file>', 'bot configuration (JSON); without it, the defaults')
    .action(async (opts: { config?: string }) => {
      process.exitCode = await runShowCli(opts, io);
    });
  return config;
}

/** Runs `kbot config validate`; returns 0 when the file is valid, 1 when it has problems or cannot be read. */
export function runValidateCli(file: string, opts: { json?: boolean }, io: ConfigCliIo, cwd: string = process.cwd()): number {
  const report = validateFile(file, cwd, io);
  if (opts.json) io.out(JSON.stringify(report, null, 2));
  else if (report.ok) io.out(`OK ${file}: ${report.summary}`);
  else if (report.problems.length === 1 && report.problems[0]!.path.length === 0) io.out(`${file}: ${report.problems[0]!.message}`);
  else {
    io.out(`${file}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}`);
    for (const p of report.problems) io.out(`  ${formatIssue(p)}`);
  }
  return report.ok ? 0 : 1;
}

/** Runs `kbot config show`; returns 0. An invalid file throws `ConfigError` (the program prints it, exit 2). */
export async function runShowCli(opts: { config?: string }, io: ConfigCliIo): Promise<number> {
  io.out(JSON.stringify(await loadConfigFile(opts.config), null, 2));
  return 0;
}

/** A file named `*.deploy.json` (or `kbot.deploy.json`) holds deployment settings; anything else a bot configuration. */
export function isDeploymentFile(file: string): boolean {
  return /(^|\.)deploy\.json$/i.test(basename(file));
}

function validateFile(file: string, cwd: string, io: ConfigCliIo): ValidationReport {
  const kind = isDeploymentFile(file) ? 'deployment' : 'bot-config';
  const fail = (issues: readonly ConfigIssue[]): ValidationReport => ({ file, kind, ok: false, problems: issues.map(toProblem) });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail([{ path: [], message: code ? `cannot be read (${code})` : `not valid JSON (${(err as Error).message})` }]);
  }
  if (kind === 'bot-config') {
    const result = validateConfig(raw);
    return result.ok ? { file, kind, ok: true, summary: botSummary(result.config) } : fail(result.issues);
  }
  try {
    // The loader `cdk synth` runs, so the pair check against a saved AssetPairs snapshot applies too.
    const config = loadDeployConfig({ kbotConfigFile: resolve(cwd, file) }, cwd, { log: (line) => io.err(line) });
    return { file, kind, ok: true, summary: deploySummary(config) };
  } catch (err) {
    if (!(err instanceof DeployConfigError)) throw err;
    return fail(err.issues.length ? err.issues : [{ path: [], message: err.message }]);
  }
}

function toProblem(issue: ConfigIssue): ValidationProblem {
  return { field: issueField(issue.path), path: [...issue.path], message: issue.message, ...(issue.suggestion !== undefined ? { suggestion: issue.suggestion } : {}) };
}

/** `paper, BTC/USD and ETH/USD, strategies regime, at most 12 entries a day (4 per pair), daily loss limit 50 USD`. */
function botSummary(c: BotConfig): string {
  const quote = quoteCurrency(c);
  const mode = c.mode === 'live' ? `live${c.allowLiveTrading ? '' : ' (allowLiveTrading is false: refused at start)'}${c.validateOnly ? ', validate only' : ''}` : 'paper';
  return (
    `${mode}, ${c.universe ? `a universe of up to ${c.universe.topN} ${c.universe.quote} pairs${c.pairs.length ? ` (always ${c.pairs.join(', ')})` : ''}` : `pairs ${c.pairs.join(', ')}`}, strategies ${c.strategies.use.join(' + ')}, ` +
    `at most ${c.limits.maxTradesPerDay} entries a day (${c.limits.maxTradesPerPairPerDay} per pair), daily loss limit ${c.limits.maxDailyLossQuote} ${quote}`
  );
}

function deploySummary(d: DeployConfig): string {
  return `deployment settings for stack ${d.prefix}: ${botSummary(d.bot)}; schedule ${d.scheduleEnabled ? 'on' : 'off'}, alerts ${[d.alertEmail, d.alertPhone].filter(Boolean).join(' and ') || 'to the log only'}`;
}
