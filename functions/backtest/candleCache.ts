// Backtest data in: a columnar binary cache of parsed candle files. Parsing and validating a
// year of CSV takes about half a second; reading the same candles back as six Float64 columns
// takes milliseconds. Entries are keyed by the SHA-256 of the file's bytes, so an edited file is
// parsed again and two copies of one file share an entry. The same encoding is what a cloud sweep
// uploads (`data/<hash>.kbc`).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allocateColumns, sliceColumns, type CandleColumns } from '../core/engine/candleColumns.js';
import type { Pair } from '../core/types.js';
import { CandleFileError, parseCandleCsv, type CandleFile, type CandleRange } from './candleFile.js';

/** First bytes of an encoded file. */
const MAGIC = 'KBC1';
/** Header bytes: magic, version, candle count, format, source interval, pair; the columns start 8-byte aligned after it. */
const HEADER_BYTES = 64;
const PAIR_BYTES = 32;
const FORMATS: readonly CandleFile['format'][] = ['header', 'kraken-ohlcvt'];

/** Where `loadCandleColumns` keeps its entries unless told otherwise. */
export const DEFAULT_CANDLE_CACHE_DIR = join('.kbot', 'cache', 'candles');

/** What an encoded file says about its candles besides the columns. */
export interface CandleColumnsMeta {
  format: CandleFile['format'];
  sourceIntervalMinutes: number;
  pair?: Pair | undefined;
}

/** Candles read from a file (or its cache entry), as columns. */
export interface LoadedColumns extends CandleColumnsMeta {
  file: string;
  /** The candles within the requested range. */
  columns: CandleColumns;
  /** SHA-256 of the file's bytes. */
  fileHash: string;
  /** Whether the columns came from the cache (false: parsed now, and stored). */
  cached: boolean;
}

/** Encodes 5m columns and what the file said into the cache format (little-endian). */
export function encodeCandleColumns(columns: CandleColumns, meta: CandleColumnsMeta): Uint8Array {
  const n = columns.length;
  const out = new Uint8Array(HEADER_BYTES + n * 6 * 8);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  view.setUint32(4, 1, true);
  view.setUint32(8, n, true);
  view.setUint8(12, FORMATS.indexOf(meta.format));
  view.setUint16(14, meta.sourceIntervalMinutes, true);
  const pair = new TextEncoder().encode(meta.pair ?? '');
  if (pair.length > PAIR_BYTES) throw new Error(`pair name too long for the candle cache: ${meta.pair}`);
  out.set(pair, 16);
  const fields = [columns.openTimeMs, columns.open, columns.high, columns.low, columns.close, columns.volume];
  for (let k = 0; k < 6; k++) {
    const bytes = new Uint8Array(fields[k]!.buffer, fields[k]!.byteOffset, n * 8);
    out.set(bytes, HEADER_BYTES + k * n * 8);
  }
  return out;
}

/**
 * Decodes the cache format into fresh columns (one buffer, in shared memory when `shared`: worker
 * threads then read them without a copy). Throws on anything that is not a complete entry.
 */
export function decodeCandleColumns(bytes: Uint8Array, options: { shared?: boolean } = {}): { columns: CandleColumns; meta: CandleColumnsMeta } {
  if (bytes.length < HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('not a kbot candle cache file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 1) throw new Error(`candle cache version ${version} is not supported`);
  const n = view.getUint32(8, true);
  if (bytes.length !== HEADER_BYTES + n * 6 * 8) throw new Error(`candle cache file is truncated: ${bytes.length} bytes for ${n} candles`);
  const format = FORMATS[view.getUint8(12)];
  if (!format) throw new Error('candle cache file names an unknown format');
  const pairText = new TextDecoder().decode(bytes.subarray(16, 16 + PAIR_BYTES)).replace(/\0+$/, '');
  const columns = allocateColumns(n, options.shared ?? false);
  const fields = [columns.openTimeMs, columns.open, columns.high, columns.low, columns.close, columns.volume];
  for (let k = 0; k < 6; k++) {
    new Uint8Array(fields[k]!.buffer, fields[k]!.byteOffset, n * 8).set(bytes.subarray(HEADER_BYTES + k * n * 8, HEADER_BYTES + (k + 1) * n * 8));
  }
  return { columns, meta: { format, sourceIntervalMinutes: view.getUint16(14, true), ...(pairText ? { pair: pairText } : {}) } };
}

/** SHA-256 (hex) of some bytes: the id of a file, or of an encoded entry. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads a candle file as columns through the cache: the file's bytes are hashed, and an entry
 * for that hash is read instead of parsing; otherwise the file is parsed (with every check of
 * `loadCandleFile`) and the entry written (atomically) for next time. `range` cuts the result
 * (the entry always holds the whole file). `cacheDir: null` parses without a cache.
 */
export function loadCandleColumns(path: string, options: { range?: CandleRange; cacheDir?: string | null; shared?: boolean } = {}): LoadedColumns {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new CandleFileError(path, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const fileHash = sha256Hex(bytes);
  const cacheDir = options.cacheDir === undefined ? DEFAULT_CANDLE_CACHE_DIR : options.cacheDir;
  const entry = cacheDir === null ? undefined : join(cacheDir, `${fileHash}.kbc`);
  let decoded: { columns: CandleColumns; meta: CandleColumnsMeta } | undefined;
  let cached = false;
  if (entry) {
    try {
      decoded = decodeCandleColumns(readFileSync(entry), options);
      cached = true;
    } catch {
      decoded = undefined;
    }
  }
  if (!decoded) {
    const parsed = parseCandleCsv(bytes.toString('utf8'), path);
    const meta: CandleColumnsMeta = { format: parsed.format, sourceIntervalMinutes: parsed.sourceIntervalMinutes, ...(parsed.pair ? { pair: parsed.pair } : {}) };
    const columns = allocateColumns(parsed.candles.length, options.shared ?? false);
    parsed.candles.forEach((c, i) => {
      columns.openTimeMs[i] = c.openTimeMs;
      columns.open[i] = c.open;
      columns.high[i] = c.high;
      columns.low[i] = c.low;
      columns.close[i] = c.close;
      columns.volume[i] = c.volume;
    });
    decoded = { columns, meta };
    if (entry && cacheDir) {
      try {
        mkdirSync(cacheDir, { recursive: true });
        const tmp = `${entry}.${process.pid}.tmp`;
        writeFileSync(tmp, encodeCandleColumns(columns, meta));
        renameSync(tmp, entry);
      } catch {
        // A cache that cannot be written only costs the next run a parse.
      }
    }
  }
  return { file: path, ...decoded.meta, columns: cutColumns(decoded.columns, options.range ?? {}), fileHash, cached };
}

/** The candles opening in [fromMs, toMs), as views on the same memory. */
export function cutColumns(columns: CandleColumns, range: CandleRange): CandleColumns {
  const t = columns.openTimeMs;
  const fromMs = range.fromMs ?? -Infinity;
  const toMs = range.toMs ?? Infinity;
  let from = 0;
  while (from < columns.length && t[from]! < fromMs) from++;
  let to = columns.length;
  while (to > from && t[to - 1]! >= toMs) to--;
  return from === 0 && to === columns.length ? columns : sliceColumns(columns, from, to);
}
