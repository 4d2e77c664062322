// Infra test (lab): the real lab app (bin/lab.ts, as `kbot lab deploy` runs it) synthesizes offline,
// bundles the worker locally with the tick's esbuild options and passes cdk-nag; the bundle runs
// the worker handler.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, TICK_BUNDLE_FILE } from '../../functions/tick/bundle.js';

const run = promisify(execFile);
const TSX_LOADER = pathToFileURL(createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).href;

describe('App: bin/lab.ts', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'kbot-lab-app-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('synthesizes with the real worker bundle and its settings from context', async () => {
    const outdir = join(work, 'cdk.out');
    await run(process.execPath, ['--import', TSX_LOADER, join(PROJECT_ROOT, 'bin', 'lab.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ 'lab.prefix': 'LabTest', 'lab.maxConcurrency': 7 }), CDK_VALIDATION: 'false' },
    });
    const template = JSON.parse(readFileSync(join(outdir, 'LabTest.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const definition = JSON.stringify(Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!.Properties.DefinitionString);
    expect(definition).toContain('\\"MaxConcurrency\\":7');
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: unknown[] }[] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    // The worker's asset: the esbuild bundle with the S3 client and the engine, and its handler.
    const asset = readdirSync(outdir).filter((d) => d.startsWith('asset.')).map((d) => join(outdir, d, TICK_BUNDLE_FILE)).find((f) => statSync(f, { throwIfNoEntry: false }));
    expect(asset).toBeDefined();
    const mod = (await import(pathToFileURL(asset!).href)) as { handler: (e: unknown) => Promise<unknown> };
    await expect(mod.handler({ Items: [], BatchInput: { bucket: 'b', runId: 'r', stage: 0 } })).rejects.toThrow(/no Items/);
  });
});
