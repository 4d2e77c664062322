// Kraken sandbox: one pair's 5m market data on the sandbox clock. Holds replayed or generated
// candles (extended by the generator on demand) and answers "what did the market look like at
// time t": committed candles, the still-forming candle and the current price.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';
import { CandleGenerator, type CandleGeneratorOptions } from './candleGenerator.js';
import { pathPrice, sliceCandle } from './intraCandlePath.js';

/** Longest gap (in 5m candles) filled with flat candles when loading replay data. */
const MAX_FILLED_GAP = 12 * 24 * 30;

/** A contiguous 5m series that extends itself with generated candles when the clock runs past its end. */
export class CandleSeries {
  private readonly candles: Candle[];
  private generator: CandleGenerator;

  private constructor(candles: Candle[], generator: CandleGenerator) {
    this.candles = candles;
    this.generator = generator;
  }

  /** A generated series starting at `options.startOpenTimeMs`. */
  static generated(options: CandleGeneratorOptions): CandleSeries {
    return new CandleSeries([], new CandleGenerator(options));
  }

  /**
   * A replayed series. Gaps are filled with flat zero-volume candles (as Kraken's OHLC shows
   * intervals without trades); past its end it continues as a generated walk from the last close.
   */
  static replay(candles: readonly Candle[], extension: Omit<CandleGeneratorOptions, 'startOpenTimeMs' | 'startPrice'>): CandleSeries {
    const filled: Candle[] = [];
    for (const c of candles) {
      if (c.openTimeMs % FIVE_MINUTES_MS !== 0) {
        throw new Error(`replay candle at ${new Date(c.openTimeMs).toISOString()} is not aligned to 5 minutes`);
      }
      const prev = filled[filled.length - 1];
      if (prev) {
        const step = c.openTimeMs - prev.openTimeMs;
        if (step !== FIVE_MINUTES_MS && filled.length === 1 && step % FIVE_MINUTES_MS === 0 && step > FIVE_MINUTES_MS) {
          // A series whose very first step is longer is most likely another interval (15m, 1h).
          throw new Error(`replay data must be 5m candles; the first two rows are ${step / 60_000} minutes apart`);
        }
        const missing = step / FIVE_MINUTES_MS - 1;
        if (missing > MAX_FILLED_GAP) throw new Error(`replay data has a gap of ${missing} candles after ${new Date(prev.openTimeMs).toISOString()}`);
        for (let k = 1; k <= missing; k++) {
          const p = prev.close;
          filled.push({ openTimeMs: prev.openTimeMs + k * FIVE_MINUTES_MS, open: p, high: p, low: p, close: p, volume: 0 });
        }
      }
      filled.push({ ...c });
    }
    const last = filled[filled.length - 1];
    if (!last) throw new Error('replay data is empty');
    const generator = new CandleGenerator({ ...extension, startOpenTimeMs: last.openTimeMs + FIVE_MINUTES_MS, startPrice: last.close });
    return new CandleSeries(filled, generator);
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

  /** The full 5m candle opening at `openTimeMs` (generating up to it if needed), or undefined before the data starts. */
  candleAt(openTimeMs: number): Candle | undefined {
    this.ensureThrough(openTimeMs);
    const first = this.candles[0]!.openTimeMs;
    if (openTimeMs < first) return undefined;
    return this.candles[(openTimeMs - first) / FIVE_MINUTES_MS];
  }

  /** Committed (closed at `nowMs`) candles with open time in [fromOpenTimeMs, …], oldest first. */
  committed(nowMs: number, fromOpenTimeMs = -Infinity): Candle[] {
    const formingOpen = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    this.ensureThrough(formingOpen);
    const first = this.candles[0]!.openTimeMs;
    const start = Math.max(0, Math.ceil((fromOpenTimeMs - first) / FIVE_MINUTES_MS));
    const end = Math.max(0, (formingOpen - first) / FIVE_MINUTES_MS);
    return this.candles.slice(start, end);
  }

  /** The candle still forming at `nowMs`, as much of it as has happened; undefined before the data starts. */
  forming(nowMs: number): Candle | undefined {
    const openTimeMs = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const full = this.candleAt(openTimeMs);
    if (!full) return undefined;
    const fraction = (nowMs - openTimeMs) / FIVE_MINUTES_MS;
    return { ...sliceCandle(full, 0, fraction), openTimeMs };
  }

  /** The last traded price at `nowMs`; undefined before the data starts. */
  priceAt(nowMs: number): number | undefined {
    const openTimeMs = Math.floor(nowMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const full = this.candleAt(openTimeMs);
    if (!full) return undefined;
    return pathPrice(full, (nowMs - openTimeMs) / FIVE_MINUTES_MS);
  }

  private ensureThrough(openTimeMs: number): void {
    while (this.generator.upcomingOpenTimeMs <= openTimeMs || this.candles.length === 0) {
      this.candles.push(this.generator.next());
    }
  }
}
