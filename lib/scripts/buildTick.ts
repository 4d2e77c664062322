// Build script: `npx tsx lib/scripts/buildTick.ts [outdir] [--entry file] [--with-reference] [--quiet]` writes the tick
// bundle with buildTickBundle. The CDK stack runs this same script to build the Lambda asset.
import { parseArgs } from 'node:util';
import { buildTickBundle } from '../../functions/tick/bundle.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { entry: { type: 'string' }, quiet: { type: 'boolean', default: false }, 'with-reference': { type: 'boolean', default: false } },
});
const outdir = positionals[0] ?? 'dist/tick';

try {
  const bundle = await buildTickBundle(outdir, { ...(values.entry ? { entry: values.entry } : {}), referenceExchange: values['with-reference'] });
  if (!values.quiet) {
    console.log(`${bundle.bundlePath}: ${bundle.bundleBytes} bytes`);
    for (const [pkg, bytes] of bundle.bytesByPackage.slice(0, 15)) console.log(`  ${String(bytes).padStart(9)}  ${pkg}`);
  }
} catch (error) {
  console.error(`tick bundle failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
