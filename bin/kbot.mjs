#!/usr/bin/env node
// CLI launcher: runs the compiled CLI. The TypeScript sources are bundled once with esbuild into
// node_modules/.cache/kbot/<hash>/, where <hash> is the SHA-256 of every source file the bundle
// was built from (and of package-lock.json); a changed source builds a new bundle on the next run.
// No logic here: functions/cli holds it. Set KBOT_CLI_CACHE=0 to run the sources through tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = join(root, 'node_modules', '.cache', 'kbot');
const manifestFile = join(cacheRoot, 'manifest.json');
process.env.KBOT_PROJECT_ROOT ??= root;

/** SHA-256 of the listed files (relative to the root), in order; undefined when one is missing. */
function hashOf(files) {
  const hash = createHash('sha256').update(root);
  for (const file of files) {
    try {
      hash.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
    } catch {
      return undefined;
    }
  }
  return hash.digest('hex').slice(0, 20);
}

/** The cached bundle still matching its sources, if any. */
function cachedBundle() {
  try {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    const entry = join(cacheRoot, manifest.hash, 'kbot.js');
    return hashOf(manifest.inputs) === manifest.hash && existsSync(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Bundles the CLI (functions/cli/program.ts) (and the worker threads' entries) into a new cache folder; returns its entry. */
async function buildBundle() {
  const { build } = await import('esbuild');
  const tmp = join(cacheRoot, `build-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: {
      kbot: 'functions/cli/program.ts',
      prepareWorker: 'functions/backtest/prepareWorker.ts',
      sweepWorker: 'functions/research/sweepWorker.ts',
    },
    outdir: tmp,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [
      {
        // Files our sources import from node_modules by path (ccxt's Kraken class) stay there.
        name: 'kbot-node-modules-paths',
        setup(b) {
          b.onResolve({ filter: /node_modules[\\/]/ }, (args) => ({ path: pathToFileURL(resolve(args.resolveDir, args.path)).href, external: true }));
        },
      },
    ],
  });
  const inputs = [...Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules')).sort(), 'package-lock.json'];
  const hash = hashOf(inputs);
  const dir = join(cacheRoot, hash);
  // Another run may have built the same bundle meanwhile: keep the first, never replace one in use.
  try {
    renameSync(tmp, dir);
  } catch (err) {
    if (!existsSync(join(dir, 'kbot.js'))) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
  // Older bundles go; the manifest is replaced in one rename.
  for (const name of readdirSync(cacheRoot)) if (name !== hash && /^[0-9a-f]{20}$/.test(name)) rmSync(join(cacheRoot, name), { recursive: true, force: true });
  writeFileSync(`${manifestFile}.${process.pid}`, JSON.stringify({ hash, inputs }));
  renameSync(`${manifestFile}.${process.pid}`, manifestFile);
  return join(dir, 'kbot.js');
}

let entry;
if (process.env.KBOT_CLI_CACHE === '0') {
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'functions', 'cli', 'program.ts');
} else {
  mkdirSync(cacheRoot, { recursive: true });
  entry = cachedBundle() ?? (await buildBundle());
}
const { runCli } = await import(pathToFileURL(entry).href);
process.exitCode = await runCli(process.argv);
