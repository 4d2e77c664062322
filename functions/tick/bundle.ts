// Build: the one definition of the Lambda tick bundle (esbuild). The CDK stack, the bundle test and
// `npx tsx lib/scripts/buildTick.ts` all call buildTickBundle, so they ship the identical artifact.
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { BUILT_IN_STRATEGIES } from '../core/engine/strategies/builtins.js';
import { StrategyRegistry } from '../core/engine/strategies/registry.js';
import { FORBIDDEN_IMPORTS, loadUserStrategies, userStrategiesDir, userStrategyFiles } from '../strategies/userStrategies.js';

const TICK_DIR = dirname(fileURLToPath(import.meta.url));
const SHIMS_DIR = join(TICK_DIR, 'bundleShims');

/** The repository root (where package.json and node_modules live). */
export const PROJECT_ROOT = resolve(TICK_DIR, '..', '..');

/** The Lambda entry: `handler` exported from this file. */
export const TICK_ENTRY = join(TICK_DIR, 'handler.ts');

/** File name of the bundle inside the output directory (`.mjs`: the Lambda runtime loads it as ESM). */
export const TICK_BUNDLE_FILE = 'index.mjs';

/** Lambda handler string for the bundle. */
export const TICK_HANDLER = 'index.handler';

/**
 * ESM output has no `require`; some bundled CommonJS (the AWS SDK, ccxt helpers) calls it for
 * Node built-ins, so it is recreated at the top of the bundle.
 */
export const TICK_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Where the bundle went and how big it is. */
export interface TickBundle {
  /** Absolute path of `index.mjs`. */
  bundlePath: string;
  /** Absolute path of its source map. */
  sourceMapPath: string;
  bundleBytes: number;
  /** Bytes of output contributed per npm package (or `(project)`), largest first. */
  bytesByPackage: [string, number][];
}

/**
 * The esbuild options of the tick bundle. Node 22 ESM, minified, with an external source map
 * (without sources content: stack traces need only the mappings, and a smaller map keeps
 * `--enable-source-maps` cheap at cold start). Every dependency is bundled, the AWS SDK included,
 * so the versions the tests ran against are the versions that run in Lambda.
 */
export function tickBuildOptions(outdir: string, entry: string = TICK_ENTRY, strategyFiles: readonly string[] = [], options: { referenceExchange?: boolean } = {}): BuildOptions {
  return {
    entryPoints: [entry],
    outfile: join(outdir, TICK_BUNDLE_FILE),
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    // License notices stay in the artifact (about 2 kB at the end of the file).
    legalComments: 'eof',
    banner: { js: TICK_BANNER },
    metafile: true,
    logLevel: 'silent',
    // Only Kraken out of ccxt: the adapter imports ccxt's Kraken class and errors by file path
    // (functions/adapters/kraken/ccxtKraken.ts), never the package root, which would bundle every
    // exchange (about 6 MB); the bundle test's size limit guards it.
    alias: {
      // Code paths Kraken over REST in Node never takes (see each shim for why it is safe).
      protobufjs: join(SHIMS_DIR, 'protobufjs'),
      undici: join(SHIMS_DIR, 'undici.js'),
      ws: join(SHIMS_DIR, 'ws.js'),
      fflate: join(SHIMS_DIR, 'fflate.js'),
    },
    // User strategy files outside the project still find its packages.
    nodePaths: [join(PROJECT_ROOT, 'node_modules')],
    plugins: [userStrategiesPlugin(strategyFiles), unusedExchangeCodePlugin(), zodNamespacePlugin(), ...(options.referenceExchange ? [] : [noReferenceExchangePlugin()])],
  };
}

/** The module that registers the bundled user strategies (see functions/tick/userStrategies.ts). */
export const USER_STRATEGIES_MODULE = join(TICK_DIR, 'userStrategies.ts');

/**
 * Replaces functions/tick/userStrategies.ts with one import and registration per strategy file,
 * and refuses, naming the file, what a strategy may not import.
 */
function userStrategiesPlugin(files: readonly string[]): Plugin {
  const registry = join(TICK_DIR, '..', 'core', 'engine', 'strategies', 'registry.ts');
  const sources = new Set(files.map((f) => resolve(f)));
  return {
    name: 'kbot-user-strategies',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /[\\/]tick[\\/]userStrategies\.ts$/ }, (args) => {
        if (resolve(args.path) !== USER_STRATEGIES_MODULE) return undefined;
        const names = files.map((f) => relative(PROJECT_ROOT, f).split(sep).join('/'));
        const lines = [
          `import { strategyRegistry } from ${JSON.stringify(registry)};`,
          ...files.map((f, k) => `import s${k} from ${JSON.stringify(resolve(f))};`),
          ...files.map((_, k) => `strategyRegistry.register(s${k}, ${JSON.stringify(names[k])});`),
          `export const bundledUserStrategies = ${JSON.stringify(names)};`,
        ];
        return { contents: lines.join('\n'), loader: 'ts', resolveDir: TICK_DIR };
      });
      pluginBuild.onResolve({ filter: /^[^./]/ }, (args) => {
        if (!sources.has(resolve(args.importer))) return undefined;
        const forbidden = FORBIDDEN_IMPORTS.find((f) => f.pattern.test(args.path));
        return forbidden ? { errors: [{ text: `${relative(PROJECT_ROOT, args.importer)}: ${forbidden.reason} (imports "${args.path}")` }] } : undefined;
      });
    },
  };
}

/**
 * ccxt's Binance classes (about 400 kB) serve only the premium gap's reference exchange
 * (`market.reference.enabled`): a deployment without it gets a stub that refuses, so its bundle and
 * cold start stay Kraken-only. The CDK stack builds with them when the bot config enables it.
 */
function noReferenceExchangePlugin(): Plugin {
  return {
    name: 'kbot-no-reference-exchange',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /ccxt[\\/]js[\\/]src[\\/]binance(us)?\.js$/ }, () => ({ path: join(SHIMS_DIR, 'noReferenceExchange.js') }));
    },
  };
}

/**
 * Builds the tick bundle into `outdir` (created if missing): `index.mjs` plus `index.mjs.map`.
 * Throws with esbuild's messages when the build fails (e.g. a missing entry or an import the
 * Kraken-only shim does not provide).
 */
export async function buildTickBundle(outdir: string, options: { entry?: string; strategiesDir?: string; referenceExchange?: boolean } = {}): Promise<TickBundle> {
  const entry = options.entry ?? TICK_ENTRY;
  if (!existsSync(entry)) throw new Error(`tick bundle: entry ${entry} does not exist`);
  // User strategies are tried here first, so a bad one fails the build (and synth) naming its file.
  const strategiesDir = userStrategiesDir(options.strategiesDir, process.env, PROJECT_ROOT);
  await loadUserStrategies({ dir: strategiesDir, registry: new StrategyRegistry(BUILT_IN_STRATEGIES) });
  const buildOptions = tickBuildOptions(resolve(outdir), entry, userStrategyFiles(strategiesDir), { referenceExchange: options.referenceExchange ?? false });
  const result = await build(buildOptions);
  const bundlePath = buildOptions.outfile!;
  const sourceMapPath = `${bundlePath}.map`;
  await rootSourceMap(sourceMapPath);
  return {
    bundlePath,
    sourceMapPath,
    bundleBytes: statSync(bundlePath).size,
    bytesByPackage: bytesByPackage(result.metafile!, bundlePath),
  };
}

/**
 * esbuild writes source paths relative to the output directory, which differs between builds
 * (CDK builds in a temp dir). Relative to the project root instead, the map is the same wherever
 * it was built, and Lambda stack traces read `/var/task/functions/core/tick.ts:120`.
 */
async function rootSourceMap(sourceMapPath: string): Promise<void> {
  const map = JSON.parse(await readFile(sourceMapPath, 'utf8')) as { sources: string[] };
  const outdir = dirname(sourceMapPath);
  map.sources = map.sources.map((source) => relative(PROJECT_ROOT, resolve(outdir, source)).split(sep).join('/'));
  await writeFile(sourceMapPath, JSON.stringify(map));
}

/** mexc's compiled protobuf messages (about 100 kB) are imported by ccxt's base class, lazily, for mexc only. */
function unusedExchangeCodePlugin(): Plugin {
  return {
    name: 'kbot-unused-exchange-code',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /[\\/]protobuf[\\/]mexc[\\/]compiled\.cjs$/ }, () => ({
        path: join(SHIMS_DIR, 'unusedExchangeCode.js'),
      }));
    },
  };
}

/**
 * `import { z } from 'zod'` hands esbuild zod's whole namespace object, so every locale is bundled
 * (about 450 kB). `import * as z from 'zod'` means the same to the code and lets esbuild keep only
 * what is used (about 100 kB). This rewrites the former into the latter in our own sources.
 */
function zodNamespacePlugin(): Plugin {
  const zodImport = /import\s*\{([^}]*)\}\s*from\s*(['"])zod\2\s*;?/g;
  return {
    name: 'kbot-zod-namespace',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('zod')) return { contents: source, loader: 'ts' };
        return { contents: rewriteZodImports(source, zodImport), loader: 'ts' };
      });
    },
  };
}

function rewriteZodImports(source: string, zodImport: RegExp): string {
  return source.replace(zodImport, (statement, names: string) => {
    const specifiers = names.split(',').map((s) => s.trim()).filter(Boolean);
    if (!specifiers.includes('z')) return statement;
    const rest = specifiers.filter((s) => s !== 'z');
    return `import * as z from 'zod';${rest.length ? ` import { ${rest.join(', ')} } from 'zod';` : ''}`;
  });
}

function bytesByPackage(metafile: Metafile, bundlePath: string): [string, number][] {
  const output = Object.entries(metafile.outputs).find(([file]) => resolve(PROJECT_ROOT, file) === bundlePath)?.[1];
  const totals = new Map<string, number>();
  for (const [file, input] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(file);
    const key = match ? match[1]!.replace('\\', '/') : '(project)';
    totals.set(key, (totals.get(key) ?? 0) + input.bytesInOutput);
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]);
}
