// Deployment (lab): the worker Lambda's code, built on this machine by the tick's own esbuild
// build (functions/tick/bundle.ts options, through tickBundleCode) from functions/lab/handler.ts.
import { join } from 'node:path';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT } from '../../functions/tick/bundle.js';
import { tickBundleCode } from '../tickBundleCode.js';

/** The worker's Lambda entry. */
export const LAB_WORKER_ENTRY = join(PROJECT_ROOT, 'functions', 'lab', 'handler.ts');

/** The bundled worker (`index.mjs`, `index.handler`), the same options as the tick bundle. */
export function labWorkerCode(): Code {
  return tickBundleCode(LAB_WORKER_ENTRY);
}
