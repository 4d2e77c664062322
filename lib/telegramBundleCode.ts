// Deployment (Telegram, optional): the code assets of the webhook and the alert forwarder, built on
// this machine with the tick's esbuild options (lib/scripts/buildTick.ts --entry, never Docker).
// Each asset names its entry in the bundling options: CDK caches bundling per source path and
// options, so two assets that differ only in `tryBundle` would otherwise share one bundle.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT } from '../functions/tick/bundle.js';

const BUILD_SCRIPT = join(PROJECT_ROOT, 'lib', 'scripts', 'buildTick.ts');

/** The Lambda code for one Telegram entry (`functions/telegram/<file>.ts`): `index.mjs` exporting `handler`. */
export function telegramBundleCode(entryFile: 'webhookHandler.ts' | 'alertsHandler.ts'): Code {
  const entry = join(PROJECT_ROOT, 'functions', 'telegram', entryFile);
  return Code.fromAsset(join(PROJECT_ROOT, 'functions', 'telegram'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('local-bundling-only'),
      // Not read by the local build: it makes each entry's cache key its own.
      environment: { KBOT_BUNDLE_ENTRY: relative(PROJECT_ROOT, entry) },
      local: {
        tryBundle(outputDir: string): boolean {
          const tsxLoader = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;
          const result = spawnSync(process.execPath, ['--import', tsxLoader, BUILD_SCRIPT, outputDir, '--entry', entry, '--quiet'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
          if (result.status !== 0) {
            throw new Error(`Bundling ${entryFile} failed (${BUILD_SCRIPT}):\n${[result.error?.message, result.stderr?.trim(), result.stdout?.trim()].filter(Boolean).join('\n')}`);
          }
          return true;
        },
      },
    },
  });
}
