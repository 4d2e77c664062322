// Adapter: loads users' strategy files into the strategy registry. Each file is bundled with
// esbuild (TypeScript in, one ES module out, its packages resolved from this project's
// node_modules, the AWS SDK, ccxt and CDK refused), written under node_modules/.cache/kbot and
// imported; its default export must be a strategy definition (functions/core/engine/strategies/definition.ts).
// The CLI loads them at start, backtest workers from the list the main thread loaded, and the
// Lambda bundle imports them through a generated module (functions/tick/bundle.ts).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { IndicatorPlan } from '../core/engine/indicatorPlan.js';
import { PROJECT_ROOT } from '../projectRoot.js';
import type { StrategyDefinition } from '../core/engine/strategies/definition.js';
import { definitionProblem, strategyRegistry, StrategyDefinitionError, type StrategyRegistry } from '../core/engine/strategies/registry.js';

export { PROJECT_ROOT };

/** Where user strategies live unless KBOT_STRATEGIES_DIR or `--strategies <dir>` says otherwise. */
export const DEFAULT_STRATEGIES_DIR = 'strategies';

/** Extensions of strategy files (a file whose name ends in `.test.ts` or starts with `_` or `.` is not one). */
const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * What a user strategy may not import, and why: a strategy decides from candles; it never talks
 * to AWS or the exchange (the same boundary the lint rule keeps for functions/core).
 */
export const FORBIDDEN_IMPORTS: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /^@aws-sdk\/|^@smithy\//, reason: 'a strategy may not import the AWS SDK' },
  { pattern: /^ccxt(\/|$)/, reason: 'a strategy may not import ccxt (it decides from candles; the executor talks to Kraken)' },
  { pattern: /^(aws-cdk-lib|constructs|cdk-nag)(\/|$)/, reason: 'a strategy may not import CDK' },
  { pattern: /^@aws-lambda-powertools\//, reason: 'a strategy may not import Powertools' },
  { pattern: /^(node:)?(child_process|net|http|https|http2|dgram|dns|tls|cluster)$/, reason: 'a strategy may not start processes or open connections' },
];

/** A user strategy that was loaded. */
export interface LoadedStrategy {
  name: string;
  /** The source file. */
  file: string;
  /** The bundled module that was imported (workers import the same). */
  module: string;
}

const loaded: LoadedStrategy[] = [];

/** The strategies this process has loaded from users' files so far. */
export function loadedUserStrategies(): readonly LoadedStrategy[] {
  return loaded;
}

/** The strategies folder: `dir`, else KBOT_STRATEGIES_DIR, else ./strategies, resolved from `cwd`. */
export function userStrategiesDir(dir?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return resolve(cwd, dir ?? env.KBOT_STRATEGIES_DIR ?? DEFAULT_STRATEGIES_DIR);
}

/** The strategy files in `dir`, sorted (none when it does not exist). */
export function userStrategyFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && EXTENSIONS.has(extname(e.name)) && !/\.(test|spec)\.[mc]?[jt]s$/.test(e.name) && !/^[._]/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * Loads every strategy file in the folder into `registry`. Throws StrategyDefinitionError naming
 * the file and the reason for the first bad one (a syntax error, a forbidden import, a default
 * export that is not a definition, parameters without defaults, a `create` that throws).
 */
export async function loadUserStrategies(options: { dir?: string; registry?: StrategyRegistry } = {}): Promise<LoadedStrategy[]> {
  const registry = options.registry ?? strategyRegistry;
  const out: LoadedStrategy[] = [];
  for (const file of userStrategyFiles(userStrategiesDir(options.dir))) out.push(await loadUserStrategyFile(file, registry));
  return out;
}

/** Bundles, imports, checks and registers one strategy file. */
export async function loadUserStrategyFile(file: string, registry: StrategyRegistry = strategyRegistry): Promise<LoadedStrategy> {
  const module = await bundleStrategyFile(file);
  const definition = await importDefinition(module, file);
  registry.unregisterSource(file);
  registry.register(definition, file);
  const entry = { name: (definition as StrategyDefinition).name, file, module };
  if (!loaded.some((l) => l.file === file && l.module === module)) loaded.push(entry);
  return entry;
}

/** Imports a bundled strategy module (what a worker thread does with the main thread's list). */
export async function registerBundledStrategy(strategy: LoadedStrategy, registry: StrategyRegistry = strategyRegistry): Promise<void> {
  const definition = await importDefinition(strategy.module, strategy.file);
  registry.unregisterSource(strategy.file);
  registry.register(definition, strategy.file);
}

async function importDefinition(module: string, file: string): Promise<unknown> {
  let exported: { default?: unknown };
  try {
    exported = (await import(pathToFileURL(module).href)) as { default?: unknown };
  } catch (err) {
    throw new StrategyDefinitionError(file, `loading it threw: ${(err as Error).message}`);
  }
  const definition = exported.default;
  checkDefinition(definition, file);
  return definition;
}

/** Tries the definition the way the engine will use it: defaults for every parameter, `create` returning `entry`. */
export function checkDefinition(value: unknown, file: string): void {
  if (value === undefined) throw new StrategyDefinitionError(file, 'no default export (write `export default strategy;`)');
  const problem = definitionProblem(value);
  if (problem) throw new StrategyDefinitionError(file, problem);
  const definition = value as StrategyDefinition;
  const defaults = definition.parameters.safeParse({});
  if (!defaults.success) {
    const first = (defaults.error as { issues?: { path?: unknown[]; message?: string }[] }).issues?.[0];
    throw new StrategyDefinitionError(file, `parameters must all have defaults: {} does not parse (${first?.path?.join('.') || '(root)'}: ${first?.message ?? 'invalid'})`);
  }
  let instance: unknown;
  try {
    instance = definition.create(defaults.data, { plan: new IndicatorPlan(), strategy: (name) => { throw new Error(`strategy("${name}") is not available while the file is checked`); } });
  } catch (err) {
    throw new StrategyDefinitionError(file, `create() with the default parameters threw: ${(err as Error).message}`);
  }
  if (typeof (instance as { entry?: unknown } | undefined)?.entry !== 'function') throw new StrategyDefinitionError(file, 'create() must return an object with entry(series, i)');
}

/** Where bundled strategy modules are written. */
export function strategyCacheDir(): string {
  return join(PROJECT_ROOT, 'node_modules', '.cache', 'kbot', 'strategies');
}

/** Bundles one file into the cache; returns the module's path. */
export async function bundleStrategyFile(file: string): Promise<string> {
  const { build } = await import('esbuild');
  let code: string;
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [userStrategyImports(file)],
    });
    code = result.outputFiles[0]!.text;
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { line: number; file: string } | null }[] }).errors;
    const first = errors?.[0];
    const where = first?.location ? ` (line ${first.location.line})` : '';
    throw new StrategyDefinitionError(file, first ? `${first.text}${where}` : (err as Error).message);
  }
  const dir = strategyCacheDir();
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const out = join(dir, `${basename(file, extname(file))}-${hash}.mjs`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, out);
  }
  return out;
}

/**
 * Refuses forbidden imports (naming the file and why) and leaves packages to this project's
 * node_modules, imported from there (so a strategy shares the engine's zod), whichever folder
 * the strategy file is in.
 */
export function userStrategyImports(file: string): Plugin {
  return {
    name: 'kbot-user-strategy-imports',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === 'kbot-resolving') return undefined;
        const forbidden = FORBIDDEN_IMPORTS.find((f) => f.pattern.test(args.path));
        if (forbidden) return { errors: [{ text: `${forbidden.reason} (imports "${args.path}")` }] };
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const found = await b.resolve(args.path, { kind: args.kind, resolveDir: PROJECT_ROOT, pluginData: 'kbot-resolving' });
        if (found.errors.length) return { errors: [{ text: `cannot find package "${args.path}" in ${join(PROJECT_ROOT, 'node_modules')} (imported by ${basename(file)})` }] };
        if (found.external) return { path: found.path, external: true };
        return { path: pathToFileURL(found.path).href, external: true };
      });
    },
  };
}
