// Core domain: how a configuration mistake is reported. One format for the bot config, the Lambda
// environment, the deploy file and the CLI: `limits.maxDailyLoss: unknown key; did you mean
// maxDailyLossQuote?`. Pure: zod issues in, lines out.
import { z } from 'zod';

/** One problem in a configuration document. */
export interface ConfigIssue {
  /** Where, as segments (`['limits', 'maxDailyLossQuote']`); empty for the whole document. */
  path: readonly (string | number)[];
  /** What is wrong, without the suggestion (`unknown key`). */
  message: string;
  /** The nearest valid name, when one is close enough to be a likely typo. */
  suggestion?: string;
}

/** Dotted field name of a path (`limits.maxDailyLossQuote`), or `root` for the whole document. */
export function issueField(path: readonly (string | number)[], root = '(root)'): string {
  return path.length ? path.map(String).join('.') : root;
}

/** `field: message; did you mean X?` */
export function formatIssue(issue: ConfigIssue, root?: string): string {
  const hint = issue.suggestion !== undefined ? `; did you mean ${issue.suggestion}?` : '';
  return `${issueField(issue.path, root)}: ${issue.message}${hint}`;
}

/** `title:` then one indented line per issue: the text of every configuration error. */
export function formatIssues(title: string, issues: readonly ConfigIssue[], root?: string): string {
  return [`${title}:`, ...issues.map((issue) => `  ${formatIssue(issue, root)}`)].join('\n');
}

/** The same issues one level down (`limits.x` → `bot.limits.x`). */
export function prefixIssues(prefix: readonly (string | number)[], issues: readonly ConfigIssue[]): ConfigIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
}

/** `null`, `an array`, `a string`, ...: what a JSON value is, for "expected a JSON object, got X". */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** The problem with a value that must be a JSON object (null, arrays and scalars are refused), or undefined. */
export function notAnObject(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : `expected a JSON object, got ${describeJsonValue(value)}`;
}

/**
 * Turns zod issues into configuration issues. `schema` is the schema that produced them and
 * `input` what it was given: an unknown key is matched against the keys valid at its path, so the
 * nearest one can be suggested, and a value that should be an object is named (`got null`).
 * Custom issues may carry `params.suggestion` (a suggestion computed by a refinement).
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'invalid_union') {
      // A list or an object (`pairs`): report the branch of the value's own kind, with its paths.
      const value = valueAt(input, path);
      const branch = issue.errors.find((errs) => !(errs.length === 1 && errs[0]!.code === 'invalid_type' && errs[0]!.path.length === 0));
      if (branch && value !== undefined) {
        out.push(...issuesFromZod(branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })), schema, input));
        continue;
      }
      if (value !== undefined) {
        const kinds = issue.errors.map((errs) => errs[0]?.code === 'invalid_type' ? (errs[0] as { expected?: string }).expected : undefined).filter(Boolean);
        out.push({ path, message: `expected ${kinds.join(' or ')}, got ${describeJsonValue(value)}` });
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(schema, path) ?? [];
      for (const key of issue.keys) {
        const suggestion = nearestName(key, valid);
        out.push({ path: [...path, key], message: 'unknown key', ...(suggestion !== undefined ? { suggestion } : {}) });
      }
      continue;
    }
    if (issue.code === 'invalid_type') {
      const value = valueAt(input, path);
      if (value === undefined) out.push({ path, message: 'required' });
      else if (issue.expected === 'object' || issue.expected === 'record') out.push({ path, message: notAnObject(value) ?? issue.message });
      else out.push({ path, message: `expected ${issue.expected}, got ${describeJsonValue(value)}` });
      continue;
    }
    if (issue.code === 'invalid_key') {
      out.push({ path, message: `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}` });
      continue;
    }
    const suggestion = issue.code === 'custom' ? (issue.params as { suggestion?: unknown } | undefined)?.suggestion : undefined;
    out.push({ path, message: issue.message, ...(typeof suggestion === 'string' ? { suggestion } : {}) });
  }
  return out;
}

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[String(segment)];
  }
  return value;
}

/** The keys an object schema accepts at `path` (through defaults, optionals, records and arrays), or undefined. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] | undefined {
  let node: z.ZodType | undefined = unwrap(schema);
  for (const segment of path) {
    if (!node) return undefined;
    if (node instanceof z.ZodUnion) node = (node.options as z.ZodType[]).map(unwrap).find((o) => (typeof segment === 'number' ? o instanceof z.ZodArray : o instanceof z.ZodObject || o instanceof z.ZodRecord));
    if (!node) return undefined;
    if (node instanceof z.ZodObject) node = node.shape[String(segment)] as z.ZodType | undefined;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else return undefined;
    node = node ? unwrap(node) : undefined;
  }
  if (node instanceof z.ZodUnion) node = (node.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (;;) {
    if (node instanceof z.ZodDefault || node instanceof z.ZodPrefault || node instanceof z.ZodOptional || node instanceof z.ZodNullable) {
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodPipe) {
      node = node.in as z.ZodType;
    } else {
      return node;
    }
  }
}

/**
 * The candidate closest to `input`, when it is close enough to be a typo: edit distance (with
 * transpositions, ignoring case) at most 40% of the longer name, or one name a prefix of the other
 * (`maxDailyLoss` → `maxDailyLossQuote`). Ties go to the exact-case distance, then to a prefix,
 * then alphabetically, so `DOGE/USDD` suggests `DOGE/USD` over `DOGE/USDT`. Undefined when nothing is close.
 */
export function nearestName(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: { name: string; rank: [number, number, number] } | undefined;
  for (const name of new Set(candidates)) {
    if (name === input) continue;
    const other = name.toLowerCase();
    const distance = editDistance(lower, other);
    const prefix = lower.length >= 3 && other.length >= 3 && (other.startsWith(lower) || lower.startsWith(other));
    if (!prefix && distance > Math.floor(0.4 * Math.max(lower.length, other.length))) continue;
    const rank: [number, number, number] = [distance, editDistance(input, name), prefix ? 0 : 1];
    if (!best || compareRank(rank, best.rank) < 0 || (compareRank(rank, best.rank) === 0 && name < best.name)) best = { name, rank };
  }
  return best?.name;
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b` (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, beforePrev[j - 2]! + 1);
      row.push(d);
    }
    beforePrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** A configured pair the venue does not list, and the nearest listed symbol. */
export interface UnlistedPair {
  pair: string;
  suggestion?: string;
}

/**
 * The pairs `listed` does not contain, each with the nearest listed symbol (base and quote each
 * close to the pair's). `rename` may map a venue-specific spelling to the unified one first
 * (`XBT/USD` → `BTC/USD`); that wins when listed.
 */
export function unlistedPairs(pairs: readonly string[], listed: Iterable<string>, rename?: (pair: string) => string | undefined): UnlistedPair[] {
  const symbols = [...listed];
  const known = new Set(symbols);
  const out: UnlistedPair[] = [];
  for (const pair of pairs) {
    if (known.has(pair)) continue;
    const renamed = rename?.(pair);
    const suggestion = renamed !== undefined && renamed !== pair && known.has(renamed) ? renamed : nearestPair(pair, symbols);
    out.push({ pair, ...(suggestion !== undefined ? { suggestion } : {}) });
  }
  return out;
}

/**
 * The nearest symbol whose base and quote are each close to the pair's (so the shared `/USD` of
 * `FOO/USD` and `DOT/USD` does not make them look alike); plain `nearestName` for other names.
 */
function nearestPair(pair: string, symbols: readonly string[]): string | undefined {
  const [base, quote, ...rest] = pair.split('/');
  if (base === undefined || quote === undefined || rest.length) return nearestName(pair, symbols);
  const close = (a: string, b: string | undefined) => b !== undefined && (a.toLowerCase() === b.toLowerCase() || nearestName(a, [b]) !== undefined);
  return nearestName(
    pair,
    symbols.filter((symbol) => {
      const [b, q] = symbol.split('/');
      return close(base, b) && close(quote, q);
    }),
  );
}

/** `DOGE/USDD is not listed by Kraken; did you mean DOGE/USD?` */
export function formatUnlistedPair(unlisted: UnlistedPair, listedBy: string): string {
  return `${unlisted.pair} is not listed by ${listedBy}${unlisted.suggestion !== undefined ? `; did you mean ${unlisted.suggestion}?` : ''}`;
}
