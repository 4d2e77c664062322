// Docs script: `npm run docs:config` rewrites the generated reference in docs/configuration.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withReference } from '../../functions/docs/configReference.js';
import { PROJECT_ROOT } from '../../functions/projectRoot.js';

const file = join(PROJECT_ROOT, 'docs', 'configuration.md');
writeFileSync(file, withReference(readFileSync(file, 'utf8')));
console.log(`${file}: reference regenerated`);
