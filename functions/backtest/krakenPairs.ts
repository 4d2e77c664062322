// Backtest data in: Kraken's pair and asset names (XBTUSD, XXBTZUSD, XDG) mapped to the unified
// symbols the bot uses (BTC/USD, DOGE/USD), and back, for file names and REST requests.
import type { Pair } from '../core/types.js';

/** Kraken's own asset codes that differ from the common ones. */
const KRAKEN_TO_COMMON: Record<string, string> = { XBT: 'BTC', XDG: 'DOGE' };
const COMMON_TO_KRAKEN: Record<string, string> = { BTC: 'XBT', DOGE: 'XDG' };

/** Quote currencies Kraken lists, longest first so `USDT` wins over `USD`. */
const QUOTES = ['USDT', 'USDC', 'PYUSD', 'USD', 'EUR', 'GBP', 'CAD', 'JPY', 'CHF', 'AUD', 'XBT', 'ETH', 'DAI'];

/** Kraken's legacy four-letter asset ids (X for crypto, Z for fiat) and what they stand for. */
const LEGACY_IDS = new Set(['XXBT', 'XETH', 'XLTC', 'XXRP', 'XXLM', 'XXMR', 'XZEC', 'XETC', 'XMLN', 'XREP', 'XXDG', 'ZUSD', 'ZEUR', 'ZGBP', 'ZCAD', 'ZJPY', 'ZAUD', 'ZCHF']);

/** Common asset code for a Kraken code (`XXBT` → BTC, `ZUSD` → USD, `XDG` → DOGE). */
export function commonAsset(krakenCode: string): string {
  const upper = krakenCode.toUpperCase();
  const code = LEGACY_IDS.has(upper) ? upper.slice(1) : upper;
  return KRAKEN_TO_COMMON[code] ?? code;
}

/**
 * Unified pair for a Kraken pair name: an altname (`XBTUSD`, `XDGUSD`), a legacy id (`XXBTZUSD`,
 * `XETHZUSD`) or a wsname (`XBT/USD`). Returns undefined when the name cannot be split.
 */
export function pairFromKrakenName(name: string): Pair | undefined {
  const upper = name.toUpperCase();
  if (upper.includes('/')) {
    const [b, q] = upper.split('/');
    return b && q ? `${commonAsset(b)}/${commonAsset(q)}` : undefined;
  }
  // Legacy ids: X<base3>Z<quote3>, e.g. XXBTZUSD, XETHZEUR.
  const legacy = /^X([A-Z]{3})Z([A-Z]{3})$/.exec(upper);
  if (legacy) return `${commonAsset(legacy[1]!)}/${commonAsset(legacy[2]!)}`;
  for (const quote of QUOTES) {
    if (upper.endsWith(quote) && upper.length > quote.length + 1) {
      return `${commonAsset(upper.slice(0, -quote.length))}/${commonAsset(quote)}`;
    }
  }
  return undefined;
}

/** Kraken's altname for a unified pair (`BTC/USD` → `XBTUSD`), as its public REST endpoints accept it. */
export function krakenAltname(pair: Pair): string {
  const [base, quote] = pair.split('/');
  if (!base || !quote) throw new Error(`not a pair symbol: ${pair} (expected BASE/QUOTE, e.g. BTC/USD)`);
  return `${COMMON_TO_KRAKEN[base] ?? base}${COMMON_TO_KRAKEN[quote] ?? quote}`;
}

/**
 * Pair and interval from a Kraken OHLCVT file name (`XBTUSD_5.csv` → BTC/USD, 5 minutes).
 * Returns undefined when the name does not follow Kraken's pattern.
 */
export function parseKrakenFileName(fileName: string): { pair: Pair; intervalMinutes: number } | undefined {
  const base = fileName.replace(/^.*[\\/]/, '');
  const m = /^([A-Za-z0-9]+)_(\d+)\.csv$/i.exec(base);
  if (!m) return undefined;
  const pair = pairFromKrakenName(m[1]!);
  return pair ? { pair, intervalMinutes: Number(m[2]) } : undefined;
}
