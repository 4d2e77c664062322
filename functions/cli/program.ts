// CLI: the `kbot` command tree. Each command lives in its own module; this file only assembles them.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../core/config.js';
import { analyzeCommand } from './analyze.js';
import { telegramCommand } from '../telegram/setupCommand.js';
import { askCommand } from './ask.js';
import { backtestCommand } from './backtest.js';
import { dashboardCommand } from './dashboard.js';
import { configCommand } from './configCommand.js';
import { checkCommand } from './check.js';
import { dataCommand } from './data.js';
import { demoCommand } from './demo.js';
import { learnCommand } from './learn.js';
import { opsCommands } from './ops/index.js';
import { cloudRunnerFactory, labCommand } from './lab.js';
import { optimizeCommand } from './optimize.js';
import { paperCommand } from './paper.js';
import { sandboxCommand } from './sandbox.js';
import { universeCommand } from './universe.js';

/** Builds the command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('kbot')
    .description('Kraken serverless trading bot: paper trading, demo, sandbox, backtests and operations')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(demoCommand());
  program.addCommand(paperCommand());
  program.addCommand(sandboxCommand());
  program.addCommand(backtestCommand());
  program.addCommand(dataCommand());
  program.addCommand(analyzeCommand());
  program.addCommand(learnCommand());
  program.addCommand(dashboardCommand());
  program.addCommand(configCommand());
  program.addCommand(optimizeCommand(cloudRunnerFactory()));
  program.addCommand(labCommand());
  program.addCommand(checkCommand());
  program.addCommand(universeCommand());
  for (const command of opsCommands()) program.addCommand(command);
  program.addCommand(askCommand());
  program.addCommand(telegramCommand());
  return program;
}

/** Runs the CLI and returns the process exit code; configuration errors print without a stack. */
export async function runCli(argv: string[]): Promise<number> {
  // The SDK's Node 20 end-of-support notice would precede every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    await buildProgram().parseAsync(argv);
    // Commands report failure through process.exitCode; hand it to the caller instead.
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    console.error(`kbot: ${(err as Error).message}`);
    return 1;
  }
}
