// Deployment: the tick function's code asset. CDK bundles it locally (never in Docker) by running
// lib/scripts/buildTick.ts, i.e. buildTickBundle, the same build the bundle test checks.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT, TICK_ENTRY } from '../functions/tick/bundle.js';

const BUILD_SCRIPT = join(PROJECT_ROOT, 'lib', 'scripts', 'buildTick.ts');

/**
 * The Lambda code for the tick: `index.mjs` + source map built by esbuild on this machine. The
 * asset hash is the hash of the output, so an unchanged bundle is not uploaded again.
 * `referenceExchange` bundles ccxt's Binance classes (the premium gap's reference exchange).
 */
export function tickBundleCode(entry: string = TICK_ENTRY, options: { referenceExchange?: boolean } = {}): Code {
  return Code.fromAsset(join(PROJECT_ROOT, 'functions', 'tick'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the API but never pulled: local bundling either succeeds or throws.
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildInChildProcess(outputDir, entry, options.referenceExchange ?? false);
          return true;
        },
      },
    },
  });
}

/**
 * CDK's bundling hook is synchronous and esbuild plugins need its async API, so the build runs in
 * a child Node process (with tsx to load the TypeScript build script).
 */
function buildInChildProcess(outputDir: string, entry: string, referenceExchange: boolean): void {
  const tsxLoader = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;
  const result = spawnSync(process.execPath, ['--import', tsxLoader, BUILD_SCRIPT, outputDir, '--entry', entry, '--quiet', ...(referenceExchange ? ['--with-reference'] : [])], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    const detail = [result.error?.message, result.stderr?.trim(), result.stdout?.trim()].filter(Boolean).join('\n');
    throw new Error(`Bundling the tick function failed (${BUILD_SCRIPT}):\n${detail}`);
  }
}
