// CLI: the `kbot` command tree. Each command lives in its own module, loaded only when it runs
// (so `kbot --help` and a light command start without the AWS SDK or ccxt); this file assembles them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { ConfigError } from '../core/config.js';
import { PROJECT_ROOT } from '../projectRoot.js';

/** A top-level command (or the ops group of commands), with what `kbot --help` says before it is loaded. */
interface CommandEntry {
  /** Name and description of each command the module gives. */
  summaries: readonly (readonly [string, string])[];
  load(): Promise<Command[]>;
}

/** Every top-level command in help order; a test checks the summaries against the loaded commands. */
export const COMMANDS: readonly CommandEntry[] = [
  { summaries: [['demo', 'offline demo: the real handler trades through ccxt against the local Kraken sandbox on an accelerated clock']], load: async () => [(await import('./demo.js')).demoCommand()] },
  { summaries: [['paper', 'paper trade on live Kraken public data (no keys, no AWS): one tick every 5 minutes']], load: async () => [(await import('./paper.js')).paperCommand()] },
  { summaries: [['sandbox', 'run the local Kraken-compatible sandbox (fake keys, play money, generated or replayed 5m data, fault injection)']], load: async () => [(await import('./sandbox.js')).sandboxCommand()] },
  { summaries: [['backtest', 'Replay candle history through the live decision engine with simulated fills (fee, slippage, Kraken minimums)']], load: async () => [(await import('./backtest.js')).backtestCommand()] },
  { summaries: [['data', 'Market data: candles for backtests (download, check) and the AssetPairs snapshot (markets)']], load: async () => [(await import('./data.js')).dataCommand()] },
  { summaries: [['analyze', 'trade analyzer: win rate, expectancy, profit factor, P&L by strategy, pair, regime, exit reason, hour and weekday']], load: async () => [(await import('./analyze.js')).analyzeCommand()] },
  { summaries: [['learn', 'train the learned trade filter (random forest) on closed trades, walk-forward; write a model file; --promote puts it live if it beats the baseline']], load: async () => [(await import('./learn.js')).learnCommand()] },
  { summaries: [['dashboard', 'local web dashboard for the deployed bot: overview, positions, trades, decisions, analyzer, controls (kbot paper --dashboard for the local bot)']], load: async () => [(await import('./dashboard.js')).dashboardCommand()] },
  { summaries: [['config', 'Check a configuration file, or print the effective configuration']], load: async () => [(await import('./configCommand.js')).configCommand()] },
  {
    summaries: [['optimize', 'Walk-forward parameter optimization: sweep a search space over the live decision engine, rank by an objective, test the winners out of sample']],
    load: async () => {
      const [{ optimizeCommand }, { cloudRunnerFactory }] = await Promise.all([import('./optimize.js'), import('./lab.js')]);
      return [optimizeCommand(cloudRunnerFactory())];
    },
  },
  { summaries: [['lab', 'The optional sweep stack in AWS for kbot optimize --cloud (S3, a worker Lambda, a Step Functions Distributed Map)']], load: async () => [(await import('./lab.js')).labCommand()] },
  { summaries: [['check', 'Bias checks of the strategies on recorded candles (look-ahead, recursive warm-up)']], load: async () => [(await import('./check.js')).checkCommand()] },
  { summaries: [['universe', 'Preview the universe a configuration trades: each pair in or out, and why (offline on the sandbox by default)']], load: async () => [(await import('./universe.js')).universeCommand()] },
  { summaries: [['strategies', 'List the built-in and user strategies with their parameters (user strategies: ./strategies or KBOT_STRATEGIES_DIR)']], load: async () => [(await import('./strategies.js')).strategiesCommand()] },
  { summaries: [['strategy', 'Write your own strategy (see docs/strategies.md)']], load: async () => [(await import('./strategies.js')).strategyCommand()] },
  {
    summaries: [
      ['keys', 'manage the Kraken API keys the deployed bot uses'],
      ['pause', 'disable the schedule rule: no ticks run (open positions are not watched)'],
      ['resume', 'enable the schedule rule: ticks run every 5 minutes again'],
      ['status', "show schedule, mode, halt flag, open positions, today's trades, P&L, kill switch and the last tick"],
      ['flatten', 'sell every open position at market now and halt entries (asks first)'],
      ['halt', 'set the halt flag: no new entries (exits still run unless --exits)'],
      ['unhalt', 'clear the halt flag: entries allowed again from the next tick'],
      ['logs', "print the tick function's CloudWatch logs compactly"],
      ['alerts', 'the SNS alert topic'],
      ['reconcile', "compare Kraken's holdings with the bot's positions; adopt, release or accept a difference (asks first)"],
    ],
    load: async () => (await import('./ops/index.js')).opsCommands(),
  },
  { summaries: [['ask', "ask the assistant (Amazon Bedrock) about the deployed bot; it answers only from the bot's records and runs nothing"]], load: async () => [(await import('./ask.js')).askCommand()] },
  { summaries: [['telegram', 'the Telegram bot of the deployed stack']], load: async () => [(await import('../telegram/setupCommand.js')).telegramCommand()] },
];

/** The package version (package.json). */
export function kbotVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Builds the command tree. `only` names the command about to run: only its module is loaded,
 * the others stand in with their name and description (enough for help). Without it every
 * command is loaded (tests).
 */
export async function buildProgram(only?: string | null): Promise<Command> {
  const program = new Command('kbot')
    .description('Kraken serverless trading bot: paper trading, demo, sandbox, backtests and operations')
    .version(kbotVersion(), '-V, --version', 'print the version')
    .option('--strategies-dir <dir>', 'folder of your own strategies (default: KBOT_STRATEGIES_DIR or ./strategies)')
    .addHelpText('after', '\nExit codes: 0 done, 1 failed (or a check found a problem), 2 bad configuration or strategy file, 3 the exchange could not be reached (paper).\nDocs: docs/cli.md')
    .showHelpAfterError()
    .exitOverride();
  // Users' strategy files load before any command runs (help and --version never get here).
  program.hook('preAction', async () => {
    const dir = program.opts<{ strategiesDir?: string }>().strategiesDir;
    const { loadUserStrategies } = await import('../strategies/userStrategies.js');
    await loadUserStrategies(dir !== undefined ? { dir } : {});
  });
  for (const entry of COMMANDS) {
    const names = entry.summaries.map(([name]) => name);
    if (only === undefined || (only !== null && names.includes(only))) {
      for (const command of await entry.load()) program.addCommand(command);
    } else {
      for (const [name, description] of entry.summaries) program.addCommand(new Command(name).description(description).allowUnknownOption().helpOption(false));
    }
  }
  return program;
}

/** The command `argv` runs (`kbot help X` runs X's help), or null for none. */
export function commandOf(argv: readonly string[]): string | null {
  const args = argv.slice(2);
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!;
    if (a === '--strategies-dir') {
      k++;
      continue;
    }
    if (a.startsWith('-')) continue;
    if (a === 'help') return args[k + 1] ?? null;
    return a;
  }
  return null;
}

/** Runs the CLI and returns the process exit code; configuration errors print without a stack. */
export async function runCli(argv: string[]): Promise<number> {
  // The SDK's Node 20 end-of-support notice would precede every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await (await buildProgram(commandOf(argv))).parseAsync(argv);
    // Commands report failure through process.exitCode; hand it to the caller instead.
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    // By name, not instanceof: importing the classes would load zod before every command, help included.
    if ((err as Error).name === 'StrategyDefinitionError') {
      console.error(`kbot: bad strategy file ${(err as Error).message}`);
      return 2;
    }
    if ((err as ConfigError).name === 'ConfigError') {
      console.error((err as ConfigError).message);
      return 2;
    }
    console.error(`kbot: ${(err as Error).message}`);
    return 1;
  }
}
