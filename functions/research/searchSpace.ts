// Research: the search space of a sweep, declared against the bot's zod configuration schema.
// Each line (or --param) names a config path and its values: a range with a step, a list, `*` for
// every value an enum or boolean allows, or one fixed value. Every value is checked against the
// schema's own type and bounds before anything runs.
import { z } from 'zod';
import { botConfigSchema } from '../core/config.js';
import { strategiesConfigSchema } from '../core/engine/config.js';
import { strategyRegistry } from '../core/engine/strategies/registry.js';

/** One value of a parameter: what goes into the configuration at its path. */
export type ParamValue = number | string | boolean | string[];

/** A parameter of the sweep: a config path and the values it takes. */
export interface ParamSpec {
  /** Full path in the bot configuration, e.g. `strategies.momentum.fastSma`. */
  path: string;
  kind: 'number' | 'integer' | 'enum' | 'boolean' | 'strategies';
  values: ParamValue[];
  /** The spec as written (`5..50:5`). */
  spec: string;
}

/** A malformed space; the message names the line or argument. */
export class SearchSpaceError extends Error {
  override readonly name = 'SearchSpaceError';
}

/** Most grid points a space may declare (random search and halving sample from it). */
export const MAX_GRID_POINTS = 10_000_000;
/** Most values one range may expand to. */
const MAX_RANGE_VALUES = 10_000;

const STRATEGY_SECTIONS = new Set(Object.keys(strategiesConfigSchema.shape).filter((k) => k !== 'use' && k !== 'pairs'));

/** A strategy section: a built-in one, or a registered user strategy's. */
function isStrategySection(name: string): boolean {
  return STRATEGY_SECTIONS.has(name) || strategyRegistry.has(name);
}

/**
 * Parses a space file: one `path = spec` per line; `#` starts a comment; blank lines are ignored.
 * A path may leave out `strategies.` before a strategy's section (`momentum.fastSma`).
 */
export function parseSearchSpace(text: string, source = 'space'): ParamSpec[] {
  const params: ParamSpec[] = [];
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    params.push(parseParam(line, `${source}:${k + 1}`));
  });
  return checkedSpace(params, source);
}

/** Parses `--param path=spec` arguments (the same syntax as a space file's lines). */
export function parseParamArgs(args: readonly string[]): ParamSpec[] {
  return checkedSpace(args.map((a) => parseParam(a, `--param ${a}`)), '--param');
}

/** Joins spaces (a file, then --param arguments); a path given twice is an error. */
export function checkedSpace(params: ParamSpec[], source: string): ParamSpec[] {
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.path)) throw new SearchSpaceError(`${source}: ${p.path} is given twice`);
    seen.add(p.path);
  }
  const points = gridSize(params);
  if (points > MAX_GRID_POINTS) throw new SearchSpaceError(`${source}: the space has ${points.toExponential(2)} grid points, more than ${MAX_GRID_POINTS.toLocaleString('en-US')}; use coarser steps`);
  return params;
}

/** Number of grid points (the product of the parameters' value counts). */
export function gridSize(params: readonly ParamSpec[]): number {
  return params.reduce((n, p) => n * p.values.length, 1);
}

/** Parses one `path = spec`. */
export function parseParam(line: string, where: string): ParamSpec {
  const eq = line.indexOf('=');
  if (eq <= 0) throw new SearchSpaceError(`${where}: expected "path = values", e.g. "momentum.fastSma = 5..50:5"`);
  const path = resolvePath(line.slice(0, eq).trim());
  const spec = line.slice(eq + 1).trim();
  if (!spec) throw new SearchSpaceError(`${where}: no values for ${path}`);
  const leaf = leafSchema(path, where);
  const values = expand(spec, leaf, path, where);
  for (const v of values) {
    const r = leaf.schema.safeParse(v);
    if (!r.success) throw new SearchSpaceError(`${where}: ${path} = ${JSON.stringify(v)}: ${r.error.issues[0]?.message ?? 'not allowed by the schema'}`);
  }
  if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) throw new SearchSpaceError(`${where}: ${path} lists a value twice`);
  return { path, kind: leaf.kind, values, spec };
}

/** `momentum.fastSma` → `strategies.momentum.fastSma`; full paths stay as they are. */
export function resolvePath(path: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) throw new SearchSpaceError(`"${path}" is not a configuration path (dot-separated names)`);
  const first = path.split('.')[0]!;
  return isStrategySection(first) ? `strategies.${path}` : path;
}

interface Leaf {
  kind: ParamSpec['kind'];
  schema: z.ZodType;
  minValue?: number;
  maxValue?: number;
  options?: readonly string[];
}

/** The zod schema at a path of the bot configuration, unwrapped to its type. */
function leafSchema(path: string, where: string): Leaf {
  let node = unwrap(botConfigSchema as unknown as z.ZodType);
  const parts = path.split('.');
  for (let k = 0; k < parts.length; k++) {
    if (!(node instanceof z.ZodObject)) throw new SearchSpaceError(`${where}: ${parts.slice(0, k).join('.')} has no fields to set`);
    // A user strategy's section is its own schema (not in the configuration's).
    const user = k === 1 && parts[0] === 'strategies' && !STRATEGY_SECTIONS.has(parts[1]!) ? strategyRegistry.get(parts[1]!) : undefined;
    const next = user ? (user.parameters as unknown as z.ZodType) : (node.shape as Record<string, z.ZodType>)[parts[k]!];
    if (!next) {
      const known = Object.keys(node.shape).join(', ');
      throw new SearchSpaceError(`${where}: ${parts.slice(0, k + 1).join('.')} is not a configuration field (${parts.slice(0, k).join('.') || 'the top level'} has ${known})`);
    }
    node = unwrap(next);
  }
  if (node instanceof z.ZodNumber) {
    return { kind: node.isInt ? 'integer' : 'number', schema: node, ...(Number.isFinite(node.minValue) ? { minValue: node.minValue! } : {}), ...(Number.isFinite(node.maxValue) ? { maxValue: node.maxValue! } : {}) };
  }
  if (node instanceof z.ZodEnum) return { kind: 'enum', schema: node, options: node.options as string[] };
  if (node instanceof z.ZodBoolean) return { kind: 'boolean', schema: node };
  if (node instanceof z.ZodArray && path === 'strategies.use') return { kind: 'strategies', schema: node, options: strategyNames() };
  throw new SearchSpaceError(`${where}: ${path} is not a number, a choice or a switch, so it cannot be swept`);
}

function strategyNames(): string[] {
  return strategyRegistry.names();
}

function unwrap(node: z.ZodType): z.ZodType {
  let n: z.ZodType = node;
  for (;;) {
    if (n instanceof z.ZodDefault || n instanceof z.ZodPrefault || n instanceof z.ZodOptional || n instanceof z.ZodNullable) n = n._zod.def.innerType as z.ZodType;
    else if (n instanceof z.ZodPipe) n = n._zod.def.in as z.ZodType;
    else return n;
  }
}

/** The values a spec stands for. */
function expand(spec: string, leaf: Leaf, path: string, where: string): ParamValue[] {
  if (spec === '*') {
    if (leaf.kind === 'boolean') return [true, false];
    if (leaf.kind === 'enum') return [...leaf.options!];
    throw new SearchSpaceError(`${where}: "*" (every value) is for choices and switches; give ${path} a range such as 1..10:1`);
  }
  const range = /^(-?[\d.]+(?:e-?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e-?\d+)?)(?:\s*:\s*([\d.]+(?:e-?\d+)?))?$/i.exec(spec);
  if (range) {
    if (leaf.kind !== 'number' && leaf.kind !== 'integer') throw new SearchSpaceError(`${where}: ${path} is a ${leaf.kind}, not a number: list its values instead`);
    const from = Number(range[1]);
    const to = Number(range[2]);
    const step = range[3] !== undefined ? Number(range[3]) : leaf.kind === 'integer' ? 1 : NaN;
    if (!Number.isFinite(step)) throw new SearchSpaceError(`${where}: ${path} takes fractions: give the step, e.g. ${range[1]}..${range[2]}:0.01`);
    if (!(step > 0) || !Number.isFinite(from) || !Number.isFinite(to) || to < from) throw new SearchSpaceError(`${where}: "${spec}" is not a range from..to:step with from <= to and step > 0`);
    if (leaf.kind === 'integer' && (!Number.isInteger(from) || !Number.isInteger(step))) throw new SearchSpaceError(`${where}: ${path} is a whole number: use whole numbers in its range`);
    const decimals = Math.max(decimalsOf(range[1]!), decimalsOf(range[3] ?? '1'));
    const count = Math.floor((to - from) / step + 1e-9) + 1;
    if (count > MAX_RANGE_VALUES) throw new SearchSpaceError(`${where}: ${spec} makes ${count} values, more than ${MAX_RANGE_VALUES}`);
    return Array.from({ length: count }, (_, k) => Number((from + k * step).toFixed(decimals)));
  }
  return spec.split(',').map((raw) => scalar(raw.trim(), leaf, path, where));
}

function scalar(raw: string, leaf: Leaf, path: string, where: string): ParamValue {
  switch (leaf.kind) {
    case 'number':
    case 'integer': {
      const v = Number(raw);
      if (raw === '' || !Number.isFinite(v)) throw new SearchSpaceError(`${where}: ${path}: "${raw}" is not a number`);
      return v;
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new SearchSpaceError(`${where}: ${path} is true or false, not "${raw}"`);
    case 'enum':
      if (!leaf.options!.includes(raw)) throw new SearchSpaceError(`${where}: ${path} is one of ${leaf.options!.join(', ')}, not "${raw}"`);
      return raw;
    case 'strategies': {
      const names = raw.split('+').map((s) => s.trim());
      for (const n of names) if (!leaf.options!.includes(n)) throw new SearchSpaceError(`${where}: ${path}: "${n}" is not a strategy (${leaf.options!.join(', ')}); join several with +`);
      return names;
    }
  }
}

function decimalsOf(text: string): number {
  const m = /\.(\d+)/.exec(text);
  return m ? m[1]!.length : 0;
}

/** How a value is written in reports (`momentum+scalping` for strategy lists). */
export function formatValue(v: ParamValue): string {
  return Array.isArray(v) ? v.join('+') : String(v);
}
