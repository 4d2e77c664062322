// Kraken sandbox: public trades synthesized from candles. Each 5m candle with volume prints four
// trades along its intra-candle path (the two extremes included), so Trades, OHLC counts and the
// candles agree.
import { FIVE_MINUTES_MS, type Candle } from '../core/types.js';
import { pathPrice } from './intraCandlePath.js';

/** Where in a candle its trades print (fractions of the 5 minutes). */
export const TRADE_FRACTIONS: readonly number[] = [0.05, 1 / 3, 2 / 3, 1 - 1e-6];

/** One synthetic public trade. */
export interface PublicTrade {
  /** Monotonic id: candle index × 4 + position. */
  tradeId: number;
  timeMs: number;
  price: number;
  volume: number;
  side: 'b' | 's';
  type: 'm' | 'l';
}

/** The trades of candle `c` that printed before `untilMs` (all of them for a closed candle). */
export function tradesOfCandle(c: Candle, untilMs = Infinity): PublicTrade[] {
  if (c.volume <= 0) return [];
  const out: PublicTrade[] = [];
  const baseId = Math.floor(c.openTimeMs / FIVE_MINUTES_MS) * TRADE_FRACTIONS.length;
  let previous = c.open;
  for (let k = 0; k < TRADE_FRACTIONS.length; k++) {
    const fraction = TRADE_FRACTIONS[k]!;
    const timeMs = c.openTimeMs + fraction * FIVE_MINUTES_MS;
    if (timeMs >= untilMs) break;
    const price = pathPrice(c, fraction);
    out.push({
      tradeId: baseId + k,
      timeMs,
      price,
      volume: c.volume / TRADE_FRACTIONS.length,
      side: price >= previous ? 'b' : 's',
      type: k % 2 === 0 ? 'm' : 'l',
    });
    previous = price;
  }
  return out;
}

/** How many of a candle's trades printed before `untilMs`. */
export function tradeCount(c: Candle, untilMs = Infinity): number {
  if (c.volume <= 0) return 0;
  let n = 0;
  for (const fraction of TRADE_FRACTIONS) if (c.openTimeMs + fraction * FIVE_MINUTES_MS < untilMs) n++;
  return n;
}
