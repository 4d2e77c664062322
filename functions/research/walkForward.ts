// Research: walk-forward windows. Optimize on an in-sample window, test the winner on the
// out-of-sample window right after it, slide by the out-of-sample length and repeat. Rolling
// windows keep the in-sample length; anchored ones grow it from the start. Every window's
// backtest still warms its indicators up on all the candles before it.
import { ONE_DAY_MS } from '../core/types.js';

/** A time range replayed: candles opening in [fromMs, toMs). */
export interface Segment {
  fromMs: number;
  toMs: number;
}

/** One walk-forward step. */
export interface WalkWindow {
  index: number;
  inSample: Segment;
  outOfSample: Segment;
}

/** How to cut the range into windows. */
export interface WalkForwardOptions {
  /** Number of windows (default 4; with both lengths given, as many as fit, the latest kept). */
  windows?: number;
  inSampleMs?: number;
  outOfSampleMs?: number;
  /** In-sample windows all start at the beginning (and grow) instead of sliding. */
  anchored?: boolean;
}

/**
 * The windows over [startMs, endMs). Without lengths, the range holds an in-sample window of
 * three out-of-sample lengths and then `windows` out-of-sample windows.
 */
export function walkForwardWindows(startMs: number, endMs: number, options: WalkForwardOptions = {}): WalkWindow[] {
  const span = endMs - startMs;
  if (!(span > 0)) throw new Error('walk-forward: no candles to trade on after the warm-up');
  let count = options.windows;
  let oos = options.outOfSampleMs;
  let is = options.inSampleMs;
  if (is === undefined && oos === undefined) {
    count ??= 4;
    oos = span / (count + 3);
    is = 3 * oos;
  } else if (is === undefined) {
    count ??= 4;
    is = span - count * oos!;
  } else if (oos === undefined) {
    count ??= 4;
    oos = (span - is) / count;
  } else {
    const fit = Math.floor((span - is) / oos + 1e-9);
    count = Math.min(count ?? fit, fit);
  }
  if (!(count! >= 1) || !(is > 0) || !(oos! > 0) || is + count! * oos! > span + 1) {
    throw new Error(
      `walk-forward: ${count ?? 0} window(s) of ${days(is)} in sample and ${days(oos ?? 0)} out of sample do not fit in the ${days(span)} after the warm-up`,
    );
  }
  // Round to whole 5m candles from the end, so the latest window ends with the data.
  const grid = 300_000;
  const oosMs = Math.floor(oos! / grid) * grid;
  const isMs = Math.floor(is / grid) * grid;
  const out: WalkWindow[] = [];
  for (let k = 0; k < count!; k++) {
    const oosTo = endMs - (count! - 1 - k) * oosMs;
    const oosFrom = oosTo - oosMs;
    out.push({ index: k, inSample: { fromMs: options.anchored ? startMs : oosFrom - isMs, toMs: oosFrom }, outOfSample: { fromMs: oosFrom, toMs: oosTo } });
  }
  return out;
}

/** Parses a duration such as `90d`, `12w` or `36h`. */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([hdw])$/.exec(text.trim());
  if (!m) throw new Error(`${option} ${text}: expected a duration such as 90d, 12w or 36h`);
  const unit = m[2] === 'h' ? 3_600_000 : m[2] === 'd' ? ONE_DAY_MS : 7 * ONE_DAY_MS;
  return Number(m[1]) * unit;
}

function days(ms: number): string {
  return `${(ms / ONE_DAY_MS).toFixed(1)} days`;
}
