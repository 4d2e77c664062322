// Kraken sandbox: reads replay data from CSV (`timestamp_ms,open,high,low,close,volume`, header
// optional; also accepts Kraken's headerless OHLCVT files with unix seconds).
import { readFileSync } from 'node:fs';
import type { Candle } from '../core/types.js';

/**
 * Parses 5m candles from CSV text, oldest first. The time column may be milliseconds or unix
 * seconds (values below 1e11 are taken as seconds). Rows out of order or repeated are refused.
 */
export function parseCandlesCsv(text: string, source = 'csv'): Candle[] {
  const candles: Candle[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const cells = line.split(',');
    const first = Number(cells[0]);
    if (!Number.isFinite(first)) {
      if (candles.length === 0) continue; // header
      throw new Error(`${source}:${i + 1}: not a number in the time column`);
    }
    if (cells.length < 6) throw new Error(`${source}:${i + 1}: expected at least 6 columns`);
    const [open, high, low, close, volume] = cells.slice(1, 6).map(Number) as [number, number, number, number, number];
    if (![open, high, low, close, volume].every(Number.isFinite)) throw new Error(`${source}:${i + 1}: not a number`);
    const openTimeMs = first < 1e11 ? first * 1000 : first;
    const prev = candles[candles.length - 1];
    if (prev && openTimeMs <= prev.openTimeMs) throw new Error(`${source}:${i + 1}: rows must be in increasing time order`);
    candles.push({ openTimeMs, open, high, low, close, volume });
  }
  if (candles.length === 0) throw new Error(`${source}: no candles`);
  return candles;
}

/** Reads and parses a candle CSV file. */
export function loadCandlesCsv(path: string): Candle[] {
  return parseCandlesCsv(readFileSync(path, 'utf8'), path);
}
