// Backtest data in: reads candle CSV files (the project's `timestamp_ms,...` format and Kraken's
// headerless OHLCVT downloads) into 5m candles, refusing malformed rows with file and line.
import { readFileSync } from 'node:fs';
import { candleProblem } from '../core/candles.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../core/types.js';
import { aggregateCandles } from './candleBuckets.js';
import { parseKrakenFileName } from './krakenPairs.js';

/** The header of the project's own CSV format. */
export const CANDLE_CSV_HEADER = 'timestamp_ms,open,high,low,close,volume';

const ONE_MINUTE_MS = 60_000;

/** A malformed candle file; the message names the file and line. */
export class CandleFileError extends Error {
  override readonly name = 'CandleFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`);
  }
}

/** What a candle file held. */
export interface CandleFile {
  file: string;
  /** `header`: `timestamp_ms,open,high,low,close,volume`; `kraken-ohlcvt`: headerless `unix_seconds,...,trades`. */
  format: 'header' | 'kraken-ohlcvt';
  /** Pair named by a Kraken file name (`XBTUSD_5.csv`), if any. */
  pair?: Pair;
  /** Interval of the rows in the file; 1-minute rows are aggregated to 5 minutes. */
  sourceIntervalMinutes: number;
  /** 5-minute candles, oldest first (only those within the requested range). */
  candles: Candle[];
}

/** Which rows to keep (by candle open time); everything is still validated. */
export interface CandleRange {
  fromMs?: number;
  toMs?: number;
}

/** Reads and parses a candle file. Throws `CandleFileError` for a malformed file. */
export function loadCandleFile(path: string, range: CandleRange = {}): CandleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CandleFileError(path, 0, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseCandleCsv(text, path, range);
}

/**
 * Parses candle CSV text. Rows must be strictly increasing, aligned to the interval, with finite,
 * positive, self-consistent prices. The interval comes from a Kraken file name (`_5`), else from
 * the data; 1-minute data is aggregated to 5 minutes, longer intervals are refused.
 */
export function parseCandleCsv(text: string, file: string, range: CandleRange = {}): CandleFile {
  const named = parseKrakenFileName(file);
  const fromMs = range.fromMs ?? -Infinity;
  const toMs = range.toMs ?? Infinity;
  const rows: Candle[] = [];
  let format: CandleFile['format'] | undefined;
  let lineNo = 0;
  let prevTime = -Infinity;
  let minStepMs = Infinity;
  /** First row off the 5-minute grid: an error once the interval turns out to be 5 minutes. */
  let offGridLine = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (format === undefined) {
      if (/[a-z]/i.test(line)) {
        const header = line.replace(/\s+/g, '').toLowerCase();
        if (!header.startsWith(CANDLE_CSV_HEADER)) {
          throw new CandleFileError(file, lineNo, `unexpected header "${line.slice(0, 80)}"; expected "${CANDLE_CSV_HEADER}" or Kraken's headerless OHLCVT rows`);
        }
        format = 'header';
        continue;
      }
      format = 'kraken-ohlcvt';
    }
    const cols = line.split(',');
    if (cols.length < 6) throw new CandleFileError(file, lineNo, `expected at least 6 columns (time,open,high,low,close,volume), got ${cols.length}`);
    const rawTime = Number(cols[0]);
    if (!Number.isFinite(rawTime) || cols[0]!.trim() === '') throw new CandleFileError(file, lineNo, `time "${cols[0]}" is not a number`);
    if (format === 'kraken-ohlcvt' && rawTime > 1e11) {
      throw new CandleFileError(file, lineNo, `time ${cols[0]} looks like milliseconds; headerless rows are Kraken's unix seconds (add the header "${CANDLE_CSV_HEADER}" for milliseconds)`);
    }
    const candle: Candle = {
      openTimeMs: format === 'kraken-ohlcvt' ? Math.round(rawTime * 1000) : rawTime,
      open: num(cols[1]),
      high: num(cols[2]),
      low: num(cols[3]),
      close: num(cols[4]),
      volume: num(cols[5]),
    };
    const problem = candleProblem(candle);
    if (problem) throw new CandleFileError(file, lineNo, `${problem}: "${line.slice(0, 120)}"`);
    if (candle.openTimeMs % ONE_MINUTE_MS !== 0) throw new CandleFileError(file, lineNo, `time ${cols[0]} is not on a minute boundary`);
    if (candle.openTimeMs <= prevTime) {
      throw new CandleFileError(file, lineNo, candle.openTimeMs === prevTime ? 'duplicate candle time' : 'candle time goes backwards');
    }
    if (offGridLine === 0 && candle.openTimeMs % FIVE_MINUTES_MS !== 0) offGridLine = lineNo;
    if (prevTime > -Infinity) minStepMs = Math.min(minStepMs, candle.openTimeMs - prevTime);
    prevTime = candle.openTimeMs;
    if (candle.openTimeMs >= fromMs && candle.openTimeMs < toMs) rows.push(candle);
  }
  if (format === undefined) throw new CandleFileError(file, 0, 'no candles in file');

  const intervalMinutes = named?.intervalMinutes ?? (Number.isFinite(minStepMs) ? minStepMs / ONE_MINUTE_MS : 5);
  if (intervalMinutes !== 1 && intervalMinutes !== 5) {
    throw new CandleFileError(file, 0, `holds ${intervalMinutes}-minute candles; the bot decides on 5-minute candles (use a 1- or 5-minute file)`);
  }
  if (intervalMinutes === 5 && offGridLine > 0) throw new CandleFileError(file, offGridLine, 'time is not on a 5-minute boundary');
  const candles = intervalMinutes === 5 ? rows : aggregateCandles(rows, FIVE_MINUTES_MS);
  return { file, format, ...(named ? { pair: named.pair } : {}), sourceIntervalMinutes: intervalMinutes, candles };
}

function num(s: string | undefined): number {
  // Number('') is 0, which would pass as a volume: treat empty cells as missing.
  return s === undefined || s.trim() === '' ? NaN : Number(s);
}

/** Writes candles in the project's CSV format. */
export function formatCandleCsv(candles: readonly Candle[]): string {
  const lines = [CANDLE_CSV_HEADER];
  for (const c of candles) lines.push(`${c.openTimeMs},${c.open},${c.high},${c.low},${c.close},${c.volume}`);
  return lines.join('\n') + '\n';
}
