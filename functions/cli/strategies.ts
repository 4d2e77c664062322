// CLI: `kbot strategies` lists the built-in and user strategies with their parameters' defaults;
// `kbot strategy new NAME` writes a starter strategy and its test into the strategies folder.
import { relative } from 'node:path';
import { Command } from 'commander';
import { strategyRegistry, type StrategyRegistry } from '../core/engine/strategies/registry.js';
import { writeStarterStrategy } from '../strategies/starter.js';
import { userStrategiesDir } from '../strategies/userStrategies.js';

/** One strategy as `kbot strategies --json` prints it. */
export interface StrategyListing {
  name: string;
  description: string;
  /** `built-in`, or the file it was loaded from. */
  source: string;
  /** Every parameter at its default (what an empty section means). */
  defaults: unknown;
}

/** The registered strategies, built-ins first. */
export function listStrategies(registry: StrategyRegistry = strategyRegistry): StrategyListing[] {
  return registry.list().map(({ definition, source }) => {
    const parsed = definition.parameters.safeParse({});
    return { name: definition.name, description: definition.description, source, defaults: parsed.success ? parsed.data : null };
  });
}

/** `kbot strategies` as text: a line per strategy, then its parameters at their defaults. */
export function formatStrategies(list: readonly StrategyListing[], cwd = process.cwd()): string {
  const lines: string[] = [];
  for (const s of list) {
    const where = s.source === 'built-in' ? 'built-in' : relative(cwd, s.source);
    lines.push(`${s.name}  (${where})`, `  ${s.description}`);
    for (const [key, value] of Object.entries((s.defaults ?? {}) as Record<string, unknown>)) {
      const text = JSON.stringify(value);
      lines.push(`    ${key} = ${text.length > 100 ? `${text.slice(0, 97)}...` : text}`);
    }
  }
  lines.push('', 'Select with "strategies": { "use": ["<name>"] }; parameters go in "strategies": { "<name>": { ... } }.');
  return `${lines.join('\n')}\n`;
}

/** `kbot strategies`. */
export function strategiesCommand(): Command {
  return new Command('strategies')
    .description('List the built-in and user strategies with their parameters (user strategies: ./strategies or KBOT_STRATEGIES_DIR)')
    .option('--json', 'print the list as one JSON document')
    .action((opts: { json?: boolean }) => {
      const list = listStrategies();
      process.stdout.write(opts.json ? `${JSON.stringify({ strategies: list }, null, 2)}\n` : formatStrategies(list));
    });
}

/** `kbot strategy new NAME`. */
export function strategyCommand(): Command {
  const group = new Command('strategy').description('Write your own strategy (see docs/strategies.md)');
  group.addCommand(
    new Command('new')
      .description('Write a starter strategy NAME.ts and its test NAME.test.ts into the strategies folder')
      .argument('<name>', 'the strategy name (letters, digits, - or _): what strategies.use selects')
      .option('--dir <dir>', 'the strategies folder (default: KBOT_STRATEGIES_DIR or ./strategies)')
      .action((name: string, opts: { dir?: string }) => {
        if (strategyRegistry.has(name)) throw new Error(`a strategy named "${name}" already exists (${strategyRegistry.list().find((s) => s.definition.name === name)?.source})`);
        const files = writeStarterStrategy(name, userStrategiesDir(opts.dir));
        const rel = (f: string) => relative(process.cwd(), f);
        process.stdout.write(
          [
            `wrote ${rel(files.strategyFile)} and ${rel(files.testFile)}`,
            `test it:      npx vitest run ${rel(files.testFile)}`,
            `backtest it:  npx kbot backtest --data BTC/USD=<kraken-ohlcvt.csv> --config <config.json>   with "strategies": { "use": ["${name}"] }`,
            `list:         npx kbot strategies`,
            '',
          ].join('\n'),
        );
      }),
  );
  return group;
}
