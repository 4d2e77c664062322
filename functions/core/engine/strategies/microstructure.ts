// Core domain: the microstructure strategy. Four filters, each a named rule: order-book imbalance
// over the top levels, spread compression (the spread against its recent recorded median), the
// premium gap (Kraken's mid below the reference exchange's) and adaptive momentum (a move larger
// than the recent volatility says is noise). It buys when every enabled filter passes. The book,
// spread and reference price come from the series' market snapshots; without one at the candle it
// does not signal (and says so).
import type { MicrostructureConfig } from '../config.js';
import { bookImbalance, snapshotMid, snapshotSpreadFraction, type MarketSnapshot } from '../../market/marketSnapshot.js';
import type { PreparedPairSeries } from '../preparedPairSeries.js';
import type { Explanation } from '../types.js';
import { clamp01, refuse, type SignalExit, type Strategy, type StrategyRefusal, type StrategyVerdict } from './strategy.js';

/** Whether a configuration's microstructure filters read snapshots (the book, spreads or the reference). */
export function needsSnapshots(c: MicrostructureConfig): boolean {
  return c.filters.imbalance || c.filters.spreadCompression || c.filters.premium;
}

/** Book imbalance, spread compression, premium gap and adaptive momentum. */
export class MicrostructureStrategy implements Strategy, SignalExit {
  readonly name = 'microstructure' as const;

  constructor(private readonly config: MicrostructureConfig) {}

  /** Candles the strategy needs before it can decide (adaptive momentum's window). */
  get warmupCandles(): number {
    return this.config.filters.adaptiveMomentum ? this.config.volatilityWindow + this.config.momentumLookback + 1 : 1;
  }

  entry(s: PreparedPairSeries, i: number): StrategyVerdict {
    const e: Explanation = {};
    const no = this.firstRefusal(s, i, e);
    if (no) return no;
    const imbalance = typeof e.imbalance === 'number' ? e.imbalance : 0;
    return { ok: true, signal: { strategy: 'microstructure', confidence: this.confidenceOf(imbalance), explanation: e } };
  }

  signals(s: PreparedPairSeries, i: number): boolean {
    return this.firstRefusal(s, i, undefined) === undefined;
  }

  /** The regime orchestrator's range route asks for the confidence alone. */
  confidenceAt(s: PreparedPairSeries, i: number): number {
    const snap = s.snapshots?.[i];
    return this.confidenceOf(snap ? (bookImbalance(snap, this.config.bookLevels) ?? 0) : 0);
  }

  /** Microstructure positions leave through their fixed target, stop or time limit. */
  reversal(): Explanation | undefined {
    return undefined;
  }

  /** 0.5 at no imbalance, 1 at an imbalance of 0.5 or more. */
  private confidenceOf(imbalance: number): number {
    return clamp01(0.5 + imbalance);
  }

  /**
   * The first enabled filter that refuses at candle i, or undefined when all pass. `e`, when given,
   * collects the values each filter compared (the TickResult's explanation); without it nothing is
   * allocated on the way to a refusal (the replay's screen).
   */
  private firstRefusal(s: PreparedPairSeries, i: number, e: Explanation | undefined): StrategyRefusal | undefined {
    const c = this.config;
    const f = c.filters;
    const snap = s.snapshots?.[i];
    if (needsSnapshots(c) && !snap) return e ? refuse('microstructure.snapshot', 'no market snapshot (order book) was recorded for this candle', { index: i }) : NO;
    if (f.imbalance) {
      const imbalance = bookImbalance(snap!, c.bookLevels);
      if (e) Object.assign(e, { imbalance: imbalance ?? null, minImbalance: c.minImbalance, bookLevels: c.bookLevels });
      if (imbalance === undefined || !(imbalance >= c.minImbalance)) return e ? refuse('microstructure.imbalance', 'the order book leans to the asks (imbalance below minImbalance)', { ...e }) : NO;
    }
    if (f.spreadCompression) {
      const verdict = this.spreadCompression(s, i, snap!, e);
      if (verdict) return verdict;
    }
    if (f.premium) {
      const mid = snapshotMid(snap!);
      const reference = snap!.referencePrice;
      const premium = mid !== undefined && reference !== undefined && reference > 0 ? mid / reference - 1 : undefined;
      if (e) Object.assign(e, { krakenMid: mid ?? null, referencePrice: reference ?? null, premium: premium ?? null, minDiscountFraction: c.minDiscountFraction });
      if (premium === undefined) return e ? refuse('microstructure.premium', 'no reference exchange price was read for this candle', { ...e }) : NO;
      if (!(premium <= -c.minDiscountFraction)) return e ? refuse('microstructure.premium', 'Kraken does not trade at a large enough discount to the reference exchange', { ...e }) : NO;
    }
    if (f.adaptiveMomentum) {
      const L = c.momentumLookback;
      const W = c.volatilityWindow;
      if (i < W + L) return e ? refuse('microstructure.momentum', 'not enough candles for the volatility window yet', { index: i, needed: W + L }) : NO;
      const close = s.close;
      const move = close[i]! / close[i - L]! - 1;
      let sum = 0;
      let sumSq = 0;
      for (let k = i - W + 1; k <= i; k++) {
        const r = Math.log(close[k]! / close[k - 1]!);
        sum += r;
        sumSq += r * r;
      }
      const mean = sum / W;
      const volatility = Math.sqrt(Math.max(0, sumSq / W - mean * mean));
      const threshold = c.momentumVolMultiplier * volatility * Math.sqrt(L);
      if (e) Object.assign(e, { momentum: move, volatility5m: volatility, momentumThreshold: threshold });
      if (!(move > threshold)) return e ? refuse('microstructure.momentum', 'the move is within what recent volatility explains', { ...e }) : NO;
    }
    return undefined;
  }

  /** The current spread against the median of the recorded ones before it (within spreadWindow candles). */
  private spreadCompression(s: PreparedPairSeries, i: number, snap: MarketSnapshot, e: Explanation | undefined): StrategyRefusal | undefined {
    const c = this.config;
    const spread = snapshotSpreadFraction(snap);
    const history: number[] = [];
    for (let k = Math.max(0, i - c.spreadWindow); k < i; k++) {
      const past = s.snapshots?.[k];
      const x = past ? snapshotSpreadFraction(past) : undefined;
      if (x !== undefined) history.push(x);
    }
    const median = history.length ? medianOf(history) : undefined;
    const ratio = spread !== undefined && median !== undefined && median > 0 ? spread / median : undefined;
    if (e) Object.assign(e, { spreadFraction: spread ?? null, spreadMedian: median ?? null, spreadRatio: ratio ?? null, maxSpreadRatio: c.maxSpreadRatio, spreadHistory: history.length });
    if (history.length < c.minSpreadHistory) return e ? refuse('microstructure.spread', 'too few recorded spreads in the window to compare with', { ...e, minSpreadHistory: c.minSpreadHistory }) : NO;
    if (ratio === undefined || !(ratio <= c.maxSpreadRatio)) return e ? refuse('microstructure.spread', 'the spread is not compressed against its recent median', { ...e }) : NO;
    return undefined;
  }
}

/** A shared refusal for the screen (never shown: `entry` builds the real one). */
const NO: StrategyRefusal = Object.freeze({ ok: false, rule: 'microstructure', reason: '', explanation: {} }) as StrategyRefusal;

function medianOf(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
