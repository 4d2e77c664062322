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
  ...EXTRA_ASSETS(),
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
  ...EXTRA_MARKETS(),
];

/** The pairs a sandbox lists when none are named: the three majors (tests and the demo rely on it). */
export const DEFAULT_SANDBOX_PAIRS: readonly string[] = ['BTC/USD', 'ETH/USD', 'SOL/USD'];

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

/**
 * More USD pairs, listed only when asked for: large and small caps, sub-cent tokens for the
 * price-tier universe, and forty synthetic tokens (`T01/USD` .. `T40/USD`) for measuring ticks of
 * many pairs. Precision and minimums follow Kraken's patterns for such prices.
 */
interface ExtraSpec {
  code: string;
  id: string;
  pairId: string;
  altname: string;
  price: number;
  pairDecimals: number;
  lotDecimals: number;
  ordermin: string;
  volatility5m: number;
  quoteVolume5m: number;
  spreadBps: number;
}

function extraSpecs(): ExtraSpec[] {
  const real: ExtraSpec[] = [
    { code: 'XRP', id: 'XXRP', pairId: 'XXRPZUSD', altname: 'XRPUSD', price: 0.55, pairDecimals: 5, lotDecimals: 8, ordermin: '2', volatility5m: 0.0025, quoteVolume5m: 400_000, spreadBps: 2 },
    { code: 'DOGE', id: 'XXDG', pairId: 'XDGUSD', altname: 'XDGUSD', price: 0.12, pairDecimals: 7, lotDecimals: 8, ordermin: '20', volatility5m: 0.003, quoteVolume5m: 250_000, spreadBps: 3 },
    { code: 'ADA', id: 'ADA', pairId: 'ADAUSD', altname: 'ADAUSD', price: 0.45, pairDecimals: 6, lotDecimals: 8, ordermin: '5', volatility5m: 0.003, quoteVolume5m: 150_000, spreadBps: 4 },
    { code: 'LINK', id: 'LINK', pairId: 'LINKUSD', altname: 'LINKUSD', price: 14, pairDecimals: 5, lotDecimals: 8, ordermin: '0.2', volatility5m: 0.0035, quoteVolume5m: 80_000, spreadBps: 5 },
    { code: 'SHIB', id: 'SHIB', pairId: 'SHIBUSD', altname: 'SHIBUSD', price: 0.000018, pairDecimals: 9, lotDecimals: 5, ordermin: '500000', volatility5m: 0.004, quoteVolume5m: 60_000, spreadBps: 15 },
    { code: 'PEPE', id: 'PEPE', pairId: 'PEPEUSD', altname: 'PEPEUSD', price: 0.0000095, pairDecimals: 10, lotDecimals: 0, ordermin: '1000000', volatility5m: 0.006, quoteVolume5m: 40_000, spreadBps: 30 },
    { code: 'BONK', id: 'BONK', pairId: 'BONKUSD', altname: 'BONKUSD', price: 0.000021, pairDecimals: 10, lotDecimals: 5, ordermin: '500000', volatility5m: 0.007, quoteVolume5m: 8_000, spreadBps: 60 },
    { code: 'FLOKI', id: 'FLOKI', pairId: 'FLOKIUSD', altname: 'FLOKIUSD', price: 0.00013, pairDecimals: 9, lotDecimals: 5, ordermin: '80000', volatility5m: 0.006, quoteVolume5m: 3_000, spreadBps: 90 },
  ];
  // Synthetic tokens spread over four orders of magnitude of price and liquidity.
  const synthetic = Array.from({ length: 40 }, (_, i): ExtraSpec => {
    const code = `T${String(i + 1).padStart(2, '0')}`;
    const price = Number((0.002 * 10 ** ((i % 8) / 2)).toPrecision(3));
    const pairDecimals = Math.max(2, Math.min(10, 4 - Math.floor(Math.log10(price))));
    return { code, id: code, pairId: `${code}USD`, altname: `${code}USD`, price, pairDecimals, lotDecimals: 8, ordermin: String(Number((5 / price).toPrecision(2))), volatility5m: 0.002 + (i % 5) * 0.001, quoteVolume5m: 2_000 * (1 + (i % 10) * 4), spreadBps: 3 + (i % 7) * 8 };
  });
  return [...real, ...synthetic];
}

function EXTRA_ASSETS(): SandboxAsset[] {
  return extraSpecs().map((e) => ({ id: e.id, code: e.code, altname: e.code, decimals: 10, displayDecimals: Math.min(10, e.lotDecimals) }));
}

function EXTRA_MARKETS(): SandboxMarket[] {
  return extraSpecs().map((e) => ({
    symbol: `${e.code}/USD`,
    id: e.pairId,
    altname: e.altname,
    wsname: `${e.code}/USD`,
    baseId: e.id,
    quoteId: 'ZUSD',
    pairDecimals: e.pairDecimals,
    lotDecimals: e.lotDecimals,
    costDecimals: 5,
    ordermin: e.ordermin,
    costmin: '0.5',
    tickSize: (10 ** -e.pairDecimals).toFixed(e.pairDecimals),
    status: 'online',
    initialPrice: e.price,
    volatility5m: e.volatility5m,
    baseVolume5m: e.quoteVolume5m / e.price,
    spreadBps: e.spreadBps,
    levelQuote: Math.max(1_000, e.quoteVolume5m / 4),
  }));
}
