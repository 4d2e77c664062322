// Where the project is (package.json, node_modules, functions/): two folders above this file
// when run from the sources; the compiled CLI, which runs from node_modules/.cache/kbot, says it
// through KBOT_PROJECT_ROOT.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. */
export const PROJECT_ROOT = process.env.KBOT_PROJECT_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..');
