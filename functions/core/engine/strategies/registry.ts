// Core domain: the strategy registry. The engine looks strategies up here by the names the
// configuration selects; the built-ins are registered at load, users' files by the loader (the CLI
// at start, the Lambda bundle's generated module at cold start).
import { nearestName } from '../../configIssues.js';
import { BUILT_IN_STRATEGIES } from './builtins.js';
import type { StrategyDefinition } from './definition.js';

/** A strategy name: letters, digits, `-` and `_`, starting with a letter. */
export const STRATEGY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Names a strategy may not take: they are other keys of the `strategies` section. */
const RESERVED = new Set(['use', 'pairs', 'exits']);

/** A registered strategy and where it came from. */
export interface RegisteredStrategy {
  definition: StrategyDefinition;
  /** `built-in`, or the file a user strategy was loaded from. */
  source: string;
}

/** Raised for a definition that cannot be registered (names its source and the reason). */
export class StrategyDefinitionError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
    this.name = 'StrategyDefinitionError';
  }
}

/** Strategies by name. */
export class StrategyRegistry {
  private readonly byName = new Map<string, RegisteredStrategy>();

  constructor(definitions: readonly StrategyDefinition<never>[] = []) {
    for (const d of definitions) this.register(d, 'built-in');
  }

  /** Registers `value` (checked to be a definition), loaded from `source`. Throws StrategyDefinitionError. */
  register(value: unknown, source: string): StrategyDefinition {
    const reason = definitionProblem(value);
    if (reason) throw new StrategyDefinitionError(source, reason);
    const definition = value as StrategyDefinition;
    const existing = this.byName.get(definition.name);
    if (existing && existing.source !== source) {
      throw new StrategyDefinitionError(source, `a strategy named "${definition.name}" is already registered (${existing.source})`);
    }
    this.byName.set(definition.name, { definition, source });
    return definition;
  }

  /** Removes the strategies loaded from `source` (a reload replaces them). */
  unregisterSource(source: string): void {
    for (const [name, r] of this.byName) if (r.source === source) this.byName.delete(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): StrategyDefinition | undefined {
    return this.byName.get(name)?.definition;
  }

  /** Every registered strategy, built-ins first. */
  list(): RegisteredStrategy[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The error for a name nothing is registered under, with the nearest registered name. */
  unknownName(name: string, field: string): string {
    const near = nearestName(name, this.names());
    return `${field}: unknown strategy "${name}"${near ? `; did you mean ${near}?` : ''} (known: ${this.names().join(', ')})`;
  }
}

/** Why `value` is not a strategy definition, or undefined when it is one. */
export function definitionProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `the default export must be a strategy definition object, got ${value === null ? 'null' : typeof value}`;
  const d = value as Record<string, unknown>;
  if (typeof d.name !== 'string' || !STRATEGY_NAME.test(d.name)) return `name must be letters, digits, - or _, starting with a letter (got ${JSON.stringify(d.name)})`;
  if (RESERVED.has(d.name)) return `name "${d.name}" is reserved (a key of the strategies section)`;
  if (typeof d.description !== 'string') return 'description must be a string';
  const p = d.parameters as { safeParse?: unknown } | undefined;
  if (typeof p !== 'object' || p === null || typeof p.safeParse !== 'function') return 'parameters must be a zod schema (e.g. z.strictObject({ … }))';
  if (typeof d.create !== 'function') return 'create(params, context) must be a function';
  return undefined;
}

/** The registry the engine uses unless given another: the built-ins, plus whatever the loader adds. */
export const strategyRegistry = new StrategyRegistry(BUILT_IN_STRATEGIES);
