// Indicators: average directional index with +DI/-DI (Wilder), the trend-strength input of the regime.
import { nanPrefixed } from './nanPrefix.js';

/** ADX with its directional indicators, each indexed like the candles. */
export interface AdxSeries {
  /** Trend strength 0..100; NaN before index `2 * period - 1`. */
  adx: Float64Array;
  /** +DI 0..100; NaN before index `period`. */
  plusDi: Float64Array;
  /** -DI 0..100; NaN before index `period`. */
  minusDi: Float64Array;
}

/**
 * Wilder's ADX as technicalindicators computes it: true range and directional movements from
 * index 1, Wilder-smoothed as running sums (first value the plain sum of `period` values, then
 * `s = s - s / period + x`), DI = 100 * smoothed DM / smoothed TR, DX = 100 * |+DI - -DI| / (+DI + -DI),
 * and ADX the Wilder average of DX seeded with the mean of the first `period` DX values.
 *
 * One deliberate difference: a flat stretch (no range, no movement) gives DI = DX = 0 where
 * technicalindicators divides 0 by 0 and stays NaN for the rest of the series.
 */
export function adx(high: ArrayLike<number>, low: ArrayLike<number>, close: ArrayLike<number>, period: number): AdxSeries {
  if (!Number.isInteger(period) || period < 1) throw new Error(`adx: period must be a positive integer, got ${period}`);
  const n = high.length;
  const adxOut = nanPrefixed(n, 2 * period - 1);
  const plusDi = nanPrefixed(n, period);
  const minusDi = nanPrefixed(n, period);
  let trS = 0;
  let pdmS = 0;
  let mdmS = 0;
  let dxSum = 0;
  let adxValue = 0;
  const k = 1 / period;
  for (let i = 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const tr = Math.max(h - l, Math.abs(h - pc), Math.abs(l - pc));
    const upMove = h - high[i - 1]!;
    const downMove = low[i - 1]! - l;
    const pdm = upMove > downMove && upMove > 0 ? upMove : 0;
    const mdm = downMove > upMove && downMove > 0 ? downMove : 0;
    if (i <= period) {
      trS += tr;
      pdmS += pdm;
      mdmS += mdm;
      if (i < period) continue;
    } else {
      trS = trS - trS / period + tr;
      pdmS = pdmS - pdmS / period + pdm;
      mdmS = mdmS - mdmS / period + mdm;
    }
    const pdi = trS > 0 ? (pdmS * 100) / trS : 0;
    const mdi = trS > 0 ? (mdmS * 100) / trS : 0;
    plusDi[i] = pdi;
    minusDi[i] = mdi;
    const diSum = pdi + mdi;
    const dx = diSum > 0 ? (Math.abs(pdi - mdi) / diSum) * 100 : 0;
    const dxCount = i - period + 1;
    if (dxCount < period) {
      dxSum += dx;
    } else if (dxCount === period) {
      dxSum += dx;
      adxValue = dxSum / period;
      adxOut[i] = adxValue;
    } else {
      adxValue = (dx - adxValue) * k + adxValue;
      adxOut[i] = adxValue;
    }
  }
  return { adx: adxOut, plusDi, minusDi };
}
