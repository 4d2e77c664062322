// Secondary adapter: the reference exchange of the premium gap (Binance.US by default), read through
// ccxt's public API: one bookTicker call for every pair's symbol, mid = (bid + ask) / 2. ccxt's class
// is loaded on the first read only, so a bot without a reference exchange never imports it.
import { ExchangeError, type ReferencePricePort } from '../../core/ports.js';
import type { Pair } from '../../core/types.js';

export interface ReferencePriceOptions {
  exchange: 'binanceus' | 'binance';
  /** Base URL of the exchange's REST API (tests: the sandbox); default ccxt's own. */
  url?: string;
  /** Reference symbol per pair when it is not BASE + QUOTE. */
  symbols?: Record<Pair, string>;
  /** ccxt's throttle (off against a local server). */
  enableRateLimit?: boolean;
  timeoutMs?: number;
}

interface BookTickerRow {
  symbol?: string;
  bidPrice?: string;
  askPrice?: string;
}

type ImplicitBinance = { urls: { api: Record<string, string> }; publicGetTickerBookTicker(params: Record<string, string>): Promise<unknown> };

/** ReferencePricePort over ccxt's Binance (or Binance.US) class. */
export class CcxtReferencePrices implements ReferencePricePort {
  readonly name: string;
  private ex: Promise<ImplicitBinance> | undefined;

  constructor(private readonly options: ReferencePriceOptions) {
    this.name = options.exchange;
  }

  /** The reference symbol of a pair: `BTC/USD` → `BTCUSD` unless `symbols` names another. */
  symbolOf(pair: Pair): string {
    return this.options.symbols?.[pair] ?? pair.replace('/', '');
  }

  async fetchMidPrices(pairs: readonly Pair[]): Promise<Record<Pair, number>> {
    if (pairs.length === 0) return {};
    const ex = await this.exchange();
    const bySymbol = new Map(pairs.map((p) => [this.symbolOf(p), p]));
    let rows: unknown;
    try {
      rows = await ex.publicGetTickerBookTicker({ symbols: JSON.stringify([...bySymbol.keys()]) });
    } catch (err) {
      throw new ExchangeError('unavailable', `${this.name} bookTicker failed: ${(err as Error).message}`);
    }
    if (!Array.isArray(rows)) throw new ExchangeError('unavailable', `${this.name} bookTicker: the reply is not a list`, undefined, true);
    const out: Record<Pair, number> = {};
    for (const row of rows as BookTickerRow[]) {
      const pair = row?.symbol !== undefined ? bySymbol.get(row.symbol) : undefined;
      const bid = Number(row?.bidPrice);
      const ask = Number(row?.askPrice);
      if (pair && bid > 0 && ask >= bid && Number.isFinite(ask)) out[pair] = (bid + ask) / 2;
    }
    return out;
  }

  private exchange(): Promise<ImplicitBinance> {
    this.ex ??= (async () => {
      const mod = this.options.exchange === 'binanceus' ? await import('../../../node_modules/ccxt/js/src/binanceus.js') : await import('../../../node_modules/ccxt/js/src/binance.js');
      const Exchange = mod.default as unknown as new (config: Record<string, unknown>) => ImplicitBinance;
      const ex = new Exchange({ enableRateLimit: this.options.enableRateLimit ?? true, timeout: this.options.timeoutMs ?? 10_000 });
      if (this.options.url) ex.urls.api = { ...ex.urls.api, public: `${this.options.url.replace(/\/+$/, '')}/api/v3` };
      return ex;
    })();
    return this.ex;
  }
}
