// Core domain: checks the strategies a configuration selects against the strategy registry (the
// schema only knows names are well formed): unknown names and unknown sections are refused with
// the nearest registered name, and a user strategy's section is parsed with its own schema.
import { issuesFromZod, nearestName, prefixIssues, type ConfigIssue } from '../../configIssues.js';
import type { StrategiesConfig } from '../config.js';
import { exitsOverrideSchema, strategiesConfigSchema } from '../config.js';
import { strategyRegistry, type StrategyRegistry } from './registry.js';

const SCHEMA_KEYS = new Set(Object.keys(strategiesConfigSchema.shape));

/** Issues of the `strategies` section (paths from the document root), none when every name is registered. */
export function strategySelectionIssues(strategies: StrategiesConfig, registry: StrategyRegistry = strategyRegistry): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = registry.names();
  const checkUse = (use: readonly string[] | undefined, path: (string | number)[]) => {
    (use ?? []).forEach((name, k) => {
      if (registry.has(name)) return;
      const suggestion = nearestName(name, names);
      issues.push({ path: [...path, k], message: `unknown strategy "${name}" (known: ${names.join(', ')})`, ...(suggestion !== undefined ? { suggestion } : {}) });
    });
  };
  checkUse(strategies.use, ['strategies', 'use']);
  for (const [pair, own] of Object.entries(strategies.pairs)) checkUse(own.use, ['strategies', 'pairs', pair, 'use']);
  for (const [key, section] of Object.entries(strategies)) {
    if (SCHEMA_KEYS.has(key)) continue;
    const definition = registry.get(key);
    if (!definition) {
      const suggestion = nearestName(key, [...SCHEMA_KEYS, ...names]);
      issues.push({ path: ['strategies', key], message: 'unknown key', ...(suggestion !== undefined ? { suggestion } : {}) });
      continue;
    }
    const parsed = parseStrategyParameters(definition.parameters, section);
    if (!parsed.ok) issues.push(...prefixIssues(['strategies', key], parsed.issues));
  }
  return issues;
}

/**
 * A strategy section parsed with the strategy's schema. `exits` is the engine's key (exit
 * overrides) and is taken out first, unless the schema declares it (the built-ins do).
 */
export function parseStrategyParameters(
  schema: { safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: { issues: unknown[] } } },
  section: unknown,
): { ok: true; params: unknown; exits: unknown } | { ok: false; issues: ConfigIssue[] } {
  const raw = section === undefined ? {} : section;
  const declaresExits = typeof (schema as { shape?: unknown }).shape === 'object' && 'exits' in ((schema as { shape?: object }).shape ?? {});
  let input = raw;
  let exits: unknown;
  if (!declaresExits && typeof raw === 'object' && raw !== null && !Array.isArray(raw) && 'exits' in raw) {
    const { exits: own, ...rest } = raw as Record<string, unknown>;
    exits = own;
    input = rest;
  }
  const issues: ConfigIssue[] = [];
  if (exits !== undefined) {
    const own = exitsOverrideSchema.safeParse(exits);
    if (own.success) exits = own.data;
    else issues.push(...prefixIssues(['exits'], issuesFromZod(own.error.issues, exitsOverrideSchema, exits)));
  }
  const result = schema.safeParse(input);
  if (!result.success) issues.push(...issuesFromZod(result.error.issues as never, schema as never, input));
  if (issues.length || !result.success) return { ok: false, issues };
  return { ok: true, params: result.data, exits };
}
