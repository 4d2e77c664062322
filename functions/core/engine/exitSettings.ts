// Core domain: the exit rules in force for one strategy's positions: the global `exits` with the
// strategy's own override applied field by field.
import type { ExitsConfig, ExitsOverride } from './config.js';

/** Merges a strategy's exit override into the global exits (only the fields it names change). */
export function resolveExits(global: ExitsConfig, override: ExitsOverride | undefined): ExitsConfig {
  if (!override) return global;
  const { trailing, ...flat } = override;
  const merged: ExitsConfig = { ...global, trailing: { ...global.trailing } };
  for (const [key, value] of Object.entries(flat)) {
    if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
  }
  if (trailing) {
    for (const [key, value] of Object.entries(trailing)) {
      if (value !== undefined) (merged.trailing as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}
