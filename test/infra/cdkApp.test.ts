// Infra test: the real CDK app (bin/app.ts, as `cdk synth` runs it) synthesizes offline, bundles the
// tick locally with esbuild — byte for byte what buildTickBundle builds — and passes cdk-nag.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTickBundle, PROJECT_ROOT, TICK_BUNDLE_FILE } from '../../functions/tick/bundle.js';

const run = promisify(execFile);
const TSX_LOADER = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;

/** Runs bin/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR. */
async function synthApp(outdir: string, context: Record<string, unknown>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX_LOADER, join(PROJECT_ROOT, 'bin', 'app.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        // CloudFormation schema validation takes many seconds; `npx cdk synth` in CI runs it.
        CDK_VALIDATION: 'false',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('App: bin/app.ts', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'kbot-app-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('synthesizes from a settings file with the real bundle, identical to buildTickBundle\'s', async () => {
    // Prepare
    const settings = join(work, 'paper.deploy.json');
    writeFileSync(settings, JSON.stringify({ prefix: 'KbAppTest', alertEmail: 'me@example.com', pairs: ['BTC/USD'] }));
    const outdir = join(work, 'cdk.out');

    // Act: the app's synthesis and an independent build, side by side.
    const noSnapshot = join(work, 'no-asset-pairs.json');
    const [synth, reference] = await Promise.all([
      synthApp(outdir, { kbotConfigFile: settings, kbotAssetPairsFile: noSnapshot }),
      buildTickBundle(join(work, 'reference')),
    ]);

    // Assess: the stack, named after the prefix, with the settings applied (offline, the pair check says it was skipped)...
    expect(synth.stderr.replace(/Bundling asset .*\.\.\.\n?/g, '')).toBe(
      `Pairs not checked against Kraken's listing: no ${noSnapshot} (save one with: npm run kbot -- data markets)\n`,
    );
    expect(synth.code).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'KbAppTest.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const resources = Object.values(template.Resources);
    expect(resources.find((r) => r.Type === 'AWS::SNS::Subscription')?.Properties.Endpoint).toBe('me@example.com');
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function')!;
    expect(fn.Properties.FunctionName).toBe('KbAppTest-tick');
    // ...cdk-nag ran and found nothing...
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
    expect(report.pluginReports).toEqual([]);
    // ...and the Lambda asset is exactly the bundle the tests build.
    const assets = JSON.parse(readFileSync(join(outdir, 'KbAppTest.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const [assetHash, asset] = Object.entries(assets.files).find(([, f]) => f.source.path.startsWith('asset.'))!;
    const assetDir = join(outdir, asset.source.path);
    expect(readdirSync(assetDir).sort()).toEqual([TICK_BUNDLE_FILE, `${TICK_BUNDLE_FILE}.map`]);
    expect(readFileSync(join(assetDir, TICK_BUNDLE_FILE)).equals(readFileSync(reference.bundlePath))).toBe(true);
    expect(readFileSync(join(assetDir, `${TICK_BUNDLE_FILE}.map`)).equals(readFileSync(reference.sourceMapPath))).toBe(true);
    expect(JSON.stringify(fn.Properties.Code)).toContain(`${assetHash}.zip`);
  });

  it('refuses bad settings naming the field, without a stack trace and before bundling', async () => {
    const synth = await synthApp(join(work, 'bad.out'), { 'kbot.alertPhone': '555-1234', 'kbot.mode': 'live' });
    expect(synth.code).toBe(1);
    expect(synth.stderr).toMatch(/alertPhone: must be an E\.164 phone number/);
    expect(synth.stderr).not.toMatch(/\n\s+at /);
    expect(synth.stderr).not.toMatch(/Bundling asset/);
  });
});
