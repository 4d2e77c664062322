// Kraken sandbox: generated 5m market data. A seeded random walk that alternates trending and
// ranging regimes with volatility clustering and return-linked volume, so strategies find both
// trends and mean reversion to trade.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';
import { SeededRandom } from './seededRandom.js';

export interface CandleGeneratorOptions {
  seed: number;
  /** Open time of the first candle (aligned to 5 minutes). */
  startOpenTimeMs: number;
  startPrice: number;
  /** Standard deviation of one 5m log return. */
  volatility5m: number;
  /** Typical 5m volume in base. */
  baseVolume5m: number;
  /** Prices are rounded to this many decimals (Kraken `pair_decimals`). */
  priceDecimals: number;
}

type Regime = 'up' | 'down' | 'range';

/** Produces consecutive 5m candles; the same options always give the same series. */
export class CandleGenerator {
  private readonly random: SeededRandom;
  private nextOpenTimeMs: number;
  private price: number;
  private regime: Regime = 'range';
  private regimeLeft = 0;
  private anchorLog: number;
  private shock = 1;

  constructor(private readonly options: CandleGeneratorOptions) {
    this.random = new SeededRandom(options.seed);
    this.nextOpenTimeMs = Math.floor(options.startOpenTimeMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    this.price = options.startPrice;
    this.anchorLog = Math.log(options.startPrice);
  }

  /** Open time of the candle `next()` will return. */
  get upcomingOpenTimeMs(): number {
    return this.nextOpenTimeMs;
  }

  /** The next candle in the series. */
  next(): Candle {
    const { volatility5m: sigmaBase, baseVolume5m, priceDecimals } = this.options;
    const r = this.random;
    if (this.regimeLeft <= 0) this.pickRegime();
    this.regimeLeft--;

    // Volatility clusters: a large move makes the next ones larger for a while.
    this.shock = 0.85 * this.shock + 0.15 * (0.6 + Math.abs(r.normal()));
    const regimeVol = this.regime === 'range' ? 0.8 : 1.15;
    const sigma = sigmaBase * regimeVol * this.shock;
    const logPrice = Math.log(this.price);
    let drift = 0;
    if (this.regime === 'up') drift = 0.18 * sigmaBase;
    else if (this.regime === 'down') drift = -0.18 * sigmaBase;
    else drift = -0.04 * (logPrice - this.anchorLog);

    const open = this.price;
    const ret = drift + sigma * r.normal();
    const close = open * Math.exp(ret);
    const wickUp = Math.abs(r.normal()) * sigma * 0.6;
    const wickDown = Math.abs(r.normal()) * sigma * 0.6;
    const factor = 10 ** priceDecimals;
    const o = Math.round(open * factor) / factor;
    const c = Math.round(close * factor) / factor;
    const high = Math.ceil(Math.max(o, c) * (1 + wickUp) * factor) / factor;
    const low = Math.floor(Math.min(o, c) * (1 - wickDown) * factor) / factor;
    const activity = 1 + 1.5 * Math.min(4, Math.abs(ret) / sigmaBase) * 0.5;
    const volume = Math.round(baseVolume5m * activity * Math.exp(0.45 * r.normal() - 0.1) * 1e8) / 1e8;

    const candle: Candle = { openTimeMs: this.nextOpenTimeMs, open: o, high, low, close: c, volume };
    this.price = c;
    this.nextOpenTimeMs += FIVE_MINUTES_MS;
    return candle;
  }

  private pickRegime(): void {
    const r = this.random;
    const roll = r.next();
    this.regime = roll < 0.3 ? 'up' : roll < 0.55 ? 'down' : 'range';
    // Trends last 3 to 18 hours, ranges 4 to 24 hours.
    this.regimeLeft = this.regime === 'range' ? r.int(48, 288) : r.int(36, 216);
    this.anchorLog = Math.log(this.price);
  }
}
