// Kraken sandbox: one pair's 5m market data on the sandbox clock. Holds replayed or generated
// candles (extended by the generator on demand) and answers "what did the market look like at
// time t": committed candles, the still-forming candle and the current price. Replayed data keeps
// its gaps: a missing candle is absent, as on Kraken, while the price stays at the last one known.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';
import { CandleGenerator, type CandleGeneratorOptions } from './candleGenerator.js';
import { pathPrice, sliceCandle } from './intraCandlePath.js';

/** Longest gap (in 5m candles) accepted in replay data (30 days). */
const MAX_GAP = 12 * 24 * 30;

/**
 * A 5m series on a fixed grid that extends itself with generated candles when the clock runs past
 * its end. Slots of replayed data without a candle are `undefined` (a gap).
 */
export class CandleSeries {
  private readonly candles: (Candle | undefined)[];
  private generator: CandleGenerator;

  private constructor(candles: (Candle | undefined)[], generator: CandleGenerator) {
    this.candles = candles;
    this.generator = generator;
  }

  /** A generated series starting at `options.startOpenTimeMs`. */
  static generated(options: CandleGeneratorOptions): CandleSeries {
    return new CandleSeries([], new CandleGenerator(options));
  }

  /**
   * A replayed series. Gaps stay gaps (Kraken's OHLC leaves out intervals without trades, and the
   * bot's gap rule must be able to see them); past its end it continues as a generated walk from
   * the last close.
   */
  static replay(candles: readonly Candle[], extension: Omit<CandleGeneratorOptions, 'startOpenTimeMs' | 'startPrice'>): CandleSeries {
    const slots: (Candle | undefined)[] = [];
    let prev: Candle | undefined;
    for (const c of candles) {
      if (c.openTimeMs % FIVE_MINUTES_MS !== 0) {
        throw new Error(`replay candle at ${new Date(c.openTimeMs).toISOString()} is not aligned to 5 minutes`);
      }
      if (prev) {
        const step = c.openTimeMs - prev.openTimeMs;
        if (step <= 0) throw new Error(`replay candles must be in increasing time order (at ${new Date(c.openTimeMs).toISOString()})`);
        if (slots.length === 1 && step > FIVE_MINUTES_MS) {
          // A series whose very first step is longer is most likely another interval (15m, 1h).
          throw new Error(`replay data must be 5m candles; the first two rows are ${step / 60_000} minutes apart`);
        }
        const missing = step / FIVE_MINUTES_MS - 1;
        if (missing > MAX_GAP) throw new Error(`replay data has a gap of ${missing} candles after ${new Date(prev.openTimeMs).toISOString()}`);
        for (let k = 1; k <= missing; k++) slots.push(undefined);
      }
      slots.push({ ...c });
      prev = c;
    }
    const last = prev;
    if (!last) throw new Error('replay data is empty');
    const generator = new CandleGenerator({ ...extension, startOpenTimeMs: last.openTimeMs + FIVE_MINUTES_MS, startPrice: last.close });
    return new CandleSeries(slots, generator);
  }

  /** Open time of the first candle (the series has no data before it). */
  get firstOpenTimeMs(): number {
    if (this.candles.length === 0) this.candles.push(this.generator.next());
    return this.candles[0]!.openTimeMs;
  }

  /** How many candles exist so far (replayed plus generated); grows only as time is asked about. */
  get length(): number {
    return this.candles.length;
  }

  /**
   * The full 5m candle opening at `openTimeMs` (generating up to it if needed); undefined before the
   * data starts and in a gap of replayed data.
   */
  candleAt(openTimeMs: number): Candle | undefined {
    this.ensureThrough(openTimeMs);
    const first = this.firstOpenTimeMs;
    if (openTimeMs < first) return undefined;
    return this.candles[(openTimeMs - first) / FIVE_MINUTES_MS];
  }

  /** Committed (closed at `nowMs`) candles with open time in [fromOpenTimeMs, …], oldest first; gaps are left out. */
  committed(nowMs: number, fromOpenTimeMs = -Infinity): Candle[] {
    const formingOpen = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    this.ensureThrough(formingOpen);
    const first = this.firstOpenTimeMs;
    const start = Math.max(0, Math.ceil((fromOpenTimeMs - first) / FIVE_MINUTES_MS));
    const end = Math.max(0, (formingOpen - first) / FIVE_MINUTES_MS);
    return this.candles.slice(start, end).filter((c): c is Candle => c !== undefined);
  }

  /** The candle still forming at `nowMs`, as much of it as has happened; undefined before the data starts or in a gap. */
  forming(nowMs: number): Candle | undefined {
    const openTimeMs = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const full = this.candleAt(openTimeMs);
    if (!full) return undefined;
    const fraction = (nowMs - openTimeMs) / FIVE_MINUTES_MS;
    return { ...sliceCandle(full, 0, fraction), openTimeMs };
  }

  /**
   * The last traded price at `nowMs`; in a gap, the close of the last candle before it (nothing
   * traded since). Undefined before the data starts.
   */
  priceAt(nowMs: number): number | undefined {
    const openTimeMs = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const full = this.candleAt(openTimeMs);
    if (full) return pathPrice(full, (nowMs - openTimeMs) / FIVE_MINUTES_MS);
    if (openTimeMs < this.firstOpenTimeMs) return undefined;
    for (let i = (openTimeMs - this.firstOpenTimeMs) / FIVE_MINUTES_MS - 1; i >= 0; i--) {
      const c = this.candles[i];
      if (c) return c.close;
    }
    return undefined;
  }

  private ensureThrough(openTimeMs: number): void {
    while (this.generator.upcomingOpenTimeMs <= openTimeMs || this.candles.length === 0) {
      this.candles.push(this.generator.next());
    }
  }
}
