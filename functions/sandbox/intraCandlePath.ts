// Kraken sandbox: how price moves inside one 5m candle. A deterministic path open → first extreme →
// second extreme → close (low first on up candles, high first on down candles) lets the sandbox
// show a still-forming candle, 1m candles and trades that all agree with the 5m candle.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';

/** The path's corner points as [fraction of the candle, price]. */
function corners(c: Candle): Array<[number, number]> {
  const up = c.close >= c.open;
  return [
    [0, c.open],
    [1 / 3, up ? c.low : c.high],
    [2 / 3, up ? c.high : c.low],
    [1, c.close],
  ];
}

/** Price on the path at `fraction` (0 = open, 1 = close) of the candle. */
export function pathPrice(c: Candle, fraction: number): number {
  const f = Math.min(1, Math.max(0, fraction));
  const pts = corners(c);
  for (let i = 1; i < pts.length; i++) {
    const [f1, p1] = pts[i]!;
    const [f0, p0] = pts[i - 1]!;
    if (f <= f1) return f1 === f0 ? p1 : p0 + ((p1 - p0) * (f - f0)) / (f1 - f0);
  }
  return c.close;
}

/**
 * The part of candle `c` between two fractions, as a candle opening at `c.openTimeMs + from × 5m`.
 * Volume is spread evenly over time. `slice(c, 0, 1)` is `c` itself.
 */
export function sliceCandle(c: Candle, from: number, to: number, intervalMs = FIVE_MINUTES_MS): Candle {
  const open = pathPrice(c, from);
  const close = pathPrice(c, to);
  let high = Math.max(open, close);
  let low = Math.min(open, close);
  for (const [f, p] of corners(c)) {
    if (f > from && f < to) {
      high = Math.max(high, p);
      low = Math.min(low, p);
    }
  }
  return {
    openTimeMs: c.openTimeMs + Math.round(from * intervalMs),
    open,
    high,
    low,
    close,
    volume: c.volume * (to - from),
  };
}
