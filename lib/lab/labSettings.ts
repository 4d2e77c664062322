// Deployment (lab): the lab stack's settings from CDK context (`-c lab.maxConcurrency=100`).
import { DEFAULT_LAB_SETTINGS, type LabSettings } from './labStack.js';

const NUMERIC = ['maxConcurrency', 'workerMemoryMb', 'itemsPerBatch', 'runRetentionDays', 'dataRetentionDays'] as const;

/** Settings from context keys `lab.<name>`; unknown `lab.*` keys are refused so a typo is not ignored. */
export function labSettingsFromContext(context: Record<string, unknown>): LabSettings {
  const out: LabSettings = { ...DEFAULT_LAB_SETTINGS };
  for (const [key, raw] of Object.entries(context)) {
    if (!key.startsWith('lab.')) continue;
    const name = key.slice(4);
    if (name === 'prefix') out.prefix = String(raw);
    else if ((NUMERIC as readonly string[]).includes(name)) {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`Invalid lab settings: ${key} must be a number, got ${JSON.stringify(raw)}`);
      out[name as (typeof NUMERIC)[number]] = n;
    } else throw new Error(`Invalid lab settings: unknown context key ${key} (known: lab.prefix, ${NUMERIC.map((n) => `lab.${n}`).join(', ')})`);
  }
  return out;
}
