// Research: parameter sets. A set is one value per parameter of the space (a grid point); grid
// search takes every point, random search a seeded sample without repeats. A set becomes a bot
// configuration by writing its values into the base configuration at their paths, then parsing
// it with the schema the live bot uses (invalid combinations, e.g. fastSma >= slowSma, are left out).
import { parseConfig, type BotConfig } from '../core/config.js';
import { createDecisionEngine } from '../core/engine/index.js';
import { gridSize, type ParamSpec, type ParamValue } from './searchSpace.js';

/** The values of grid point `index` (the last parameter varies fastest). */
export function gridPoint(params: readonly ParamSpec[], index: number): ParamValue[] {
  const out = new Array<ParamValue>(params.length);
  let rest = index;
  for (let k = params.length - 1; k >= 0; k--) {
    const values = params[k]!.values;
    out[k] = values[rest % values.length]!;
    rest = Math.floor(rest / values.length);
  }
  return out;
}

/** Grid point indices: every one (grid), or `count` distinct ones drawn with `seed` (random), in ascending order. */
export function pickGridPoints(params: readonly ParamSpec[], method: 'grid' | 'random', count: number, seed: number): number[] {
  const size = gridSize(params);
  if (method === 'grid' || count >= size) return Array.from({ length: size }, (_, k) => k);
  const random = mulberry32(seed);
  const chosen = new Set<number>();
  // Floyd's algorithm: `count` distinct draws without materializing the grid.
  for (let j = size - count; j < size; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** A small, fast, seeded PRNG (mulberry32): the same seed draws the same sets everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The base configuration input with a set's values written at their paths (the base is not changed). */
export function applySet(base: Record<string, unknown>, params: readonly ParamSpec[], values: readonly ParamValue[]): Record<string, unknown> {
  const out = structuredClone(base);
  params.forEach((p, k) => {
    const parts = p.path.split('.');
    let node: Record<string, unknown> = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      node = (node[part] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
    }
    const v = values[k]!;
    node[parts[parts.length - 1]!] = Array.isArray(v) ? [...v] : v;
  });
  return out;
}

/** A set's parsed configuration, or why it cannot run (schema refusal, or an engine that cannot be built). */
export function setConfig(base: Record<string, unknown>, params: readonly ParamSpec[], values: readonly ParamValue[]): { ok: true; config: BotConfig } | { ok: false; reason: string } {
  try {
    const config = parseConfig(applySet(base, params, values), 'parameter set');
    createDecisionEngine(config);
    return { ok: true, config };
  } catch (err) {
    // The first line names the rule; the field lines follow it.
    const lines = (err as Error).message.split('\n').map((l) => l.trim()).filter(Boolean);
    return { ok: false, reason: lines.length > 1 ? lines.slice(1).join('; ') : lines[0] ?? 'invalid' };
  }
}

/** Parameter values by path, for reports. */
export function namedValues(params: readonly ParamSpec[], values: readonly ParamValue[]): Record<string, ParamValue> {
  return Object.fromEntries(params.map((p, k) => [p.path, values[k]!]));
}
