// Kraken sandbox: the assets and pairs the sandbox lists, with Kraken's real identifiers, precision,
// minimums and fee schedule, plus the defaults its generated market data starts from.

/** One Kraken asset as `Assets` lists it. */
export interface SandboxAsset {
  /** Kraken asset id, e.g. `XXBT`, `ZUSD`, `SOL`. */
  id: string;
  /** The code the bot (and ccxt) uses, e.g. `BTC`, `USD`. */
  code: string;
  altname: string;
  decimals: number;
  displayDecimals: number;
}

/** One Kraken spot pair as `AssetPairs` lists it, plus the sandbox's market-data defaults. */
export interface SandboxMarket {
  /** Unified symbol, e.g. `BTC/USD`. */
  symbol: string;
  /** Kraken pair id, e.g. `XXBTZUSD`. */
  id: string;
  altname: string;
  wsname: string;
  baseId: string;
  quoteId: string;
  pairDecimals: number;
  lotDecimals: number;
  costDecimals: number;
  /** Minimum order amount in base, as Kraken writes it (a string). */
  ordermin: string;
  /** Minimum order cost in quote. */
  costmin: string;
  tickSize: string;
  status: 'online' | 'cancel_only' | 'post_only' | 'limit_only' | 'reduce_only';
  /** Generated data: first price. */
  initialPrice: number;
  /** Generated data: standard deviation of a 5m log return (0.0015 = 0.15%). */
  volatility5m: number;
  /** Generated data: typical 5m volume in base. */
  baseVolume5m: number;
  /** Synthetic book: total spread in basis points. */
  spreadBps: number;
  /** Synthetic book: quote value resting on the best level (deeper levels hold more). */
  levelQuote: number;
}

/** Kraken Pro spot fee schedule: [30-day USD volume, fee in percent], lowest tier first. */
export const TAKER_FEE_TIERS: ReadonlyArray<readonly [number, number]> = [
  [0, 0.4],
  [10_000, 0.35],
  [50_000, 0.24],
  [100_000, 0.22],
  [250_000, 0.2],
  [500_000, 0.18],
  [1_000_000, 0.16],
  [2_500_000, 0.14],
  [5_000_000, 0.12],
  [10_000_000, 0.1],
];

/** Maker side of the same schedule. */
export const MAKER_FEE_TIERS: ReadonlyArray<readonly [number, number]> = [
  [0, 0.25],
  [10_000, 0.2],
  [50_000, 0.14],
  [100_000, 0.12],
  [250_000, 0.1],
  [500_000, 0.08],
  [1_000_000, 0.06],
  [2_500_000, 0.04],
  [5_000_000, 0.02],
  [10_000_000, 0],
];

export const SANDBOX_ASSETS: readonly SandboxAsset[] = [
  { id: 'ZUSD', code: 'USD', altname: 'USD', decimals: 4, displayDecimals: 2 },
  { id: 'XXBT', code: 'BTC', altname: 'XBT', decimals: 10, displayDecimals: 5 },
  { id: 'XETH', code: 'ETH', altname: 'ETH', decimals: 10, displayDecimals: 5 },
  { id: 'SOL', code: 'SOL', altname: 'SOL', decimals: 10, displayDecimals: 5 },
];

export const SANDBOX_MARKETS: readonly SandboxMarket[] = [
  {
    symbol: 'BTC/USD',
    id: 'XXBTZUSD',
    altname: 'XBTUSD',
    wsname: 'XBT/USD',
    baseId: 'XXBT',
    quoteId: 'ZUSD',
    pairDecimals: 1,
    lotDecimals: 8,
    costDecimals: 5,
    ordermin: '0.00005',
    costmin: '0.5',
    tickSize: '0.1',
    status: 'online',
    initialPrice: 65_000,
    volatility5m: 0.0015,
    baseVolume5m: 6,
    spreadBps: 1,
    levelQuote: 40_000,
  },
  {
    symbol: 'ETH/USD',
    id: 'XETHZUSD',
    altname: 'ETHUSD',
    wsname: 'ETH/USD',
    baseId: 'XETH',
    quoteId: 'ZUSD',
    pairDecimals: 2,
    lotDecimals: 8,
    costDecimals: 5,
    ordermin: '0.002',
    costmin: '0.5',
    tickSize: '0.01',
    status: 'online',
    initialPrice: 3_200,
    volatility5m: 0.002,
    baseVolume5m: 90,
    spreadBps: 1.5,
    levelQuote: 25_000,
  },
  {
    symbol: 'SOL/USD',
    id: 'SOLUSD',
    altname: 'SOLUSD',
    wsname: 'SOL/USD',
    baseId: 'SOL',
    quoteId: 'ZUSD',
    pairDecimals: 2,
    lotDecimals: 8,
    costDecimals: 5,
    ordermin: '0.06',
    costmin: '0.5',
    tickSize: '0.01',
    status: 'online',
    initialPrice: 150,
    volatility5m: 0.003,
    baseVolume5m: 1_500,
    spreadBps: 3,
    levelQuote: 10_000,
  },
];

/** Finds a pair by unified symbol (`BTC/USD`), Kraken id (`XXBTZUSD`), altname (`XBTUSD`) or wsname. */
export function findSandboxMarket(markets: readonly SandboxMarket[], name: string): SandboxMarket | undefined {
  const upper = name.toUpperCase();
  return markets.find((m) => m.symbol === upper || m.id === upper || m.altname === upper || m.wsname === upper);
}

/** Finds an asset by code (`BTC`), Kraken id (`XXBT`) or altname (`XBT`). */
export function findSandboxAsset(name: string): SandboxAsset | undefined {
  const upper = name.toUpperCase();
  return SANDBOX_ASSETS.find((a) => a.code === upper || a.id === upper || a.altname === upper);
}

/** The tier's fee in percent for a 30-day volume. */
export function feePercentFor(tiers: ReadonlyArray<readonly [number, number]>, volume30dQuote: number): number {
  let fee = tiers[0]![1];
  for (const [threshold, percent] of tiers) if (volume30dQuote >= threshold) fee = percent;
  return fee;
}
