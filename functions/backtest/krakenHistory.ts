// Backtest data in: 5m candles from Kraken's public REST API. OHLC serves only the latest 720
// candles (whatever `since` asks), so older ranges are built from the Trades endpoint (paginated with since/last), one UTC
// day per cache file under .kbot/data/, with calls throttled to Kraken's public rate limit.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type Pair } from '../core/types.js';
import { candlesFromTrades, type RawTrade } from './candleBuckets.js';
import { formatCandleCsv, parseCandleCsv } from './candleFile.js';
import { krakenAltname } from './krakenPairs.js';

/** Kraken's public REST base URL. */
export const KRAKEN_API_URL = 'https://api.kraken.com';
/** Trades per page (Kraken's maximum). */
const TRADES_PAGE = 1000;
const MAX_ATTEMPTS = 5;

/** Options for `downloadKrakenCandles`. */
export interface KrakenHistoryOptions {
  pair: Pair;
  fromMs: number;
  toMs: number;
  /** Kraken's REST base URL (the sandbox's in tests). */
  baseUrl?: string;
  /** Where complete days of candles built from trades are cached. */
  cacheDir: string;
  /** Pause between calls; Kraken's public endpoints allow about one call per second. */
  throttleMs?: number;
  /** Injected for tests. */
  fetchFn?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Progress lines (to stderr in the CLI). */
  log?: (line: string) => void;
}

/** What a download produced. */
export interface KrakenHistory {
  pair: Pair;
  candles: Candle[];
  /** `ohlc` when the OHLC endpoint covered the range, else `trades` (with cache use). */
  source: 'ohlc' | 'trades';
  requests: number;
  cachedDays: number;
  fetchedDays: number;
}

/** An error reported by Kraken or the connection; never contains credentials (public calls only). */
export class KrakenHistoryError extends Error {
  override readonly name = 'KrakenHistoryError';
}

/**
 * Downloads closed 5m candles for [fromMs, toMs). Uses OHLC when its 720 latest candles reach back
 * to `fromMs`; otherwise builds candles from trades, reusing cached days. Intervals without trades
 * stay gaps.
 */
export async function downloadKrakenCandles(opts: KrakenHistoryOptions): Promise<KrakenHistory> {
  if (!(opts.toMs > opts.fromMs)) throw new KrakenHistoryError('--to must be after --from');
  const client = new PublicClient(opts);
  const altname = krakenAltname(opts.pair);
  const fromMs = Math.floor(opts.fromMs / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;

  const ohlc = await client.ohlc(altname, fromMs);
  if (ohlc.length > 0 && ohlc[0]!.openTimeMs <= fromMs) {
    const candles = ohlc.filter((c) => c.openTimeMs >= fromMs && c.openTimeMs < opts.toMs);
    return { pair: opts.pair, candles, source: 'ohlc', requests: client.requests, cachedDays: 0, fetchedDays: 0 };
  }

  const dayDir = join(opts.cacheDir, 'kraken', altname, '5m');
  const firstDay = Math.floor(fromMs / ONE_DAY_MS) * ONE_DAY_MS;
  const days: { startMs: number; candles?: Candle[] }[] = [];
  for (let d = firstDay; d < opts.toMs; d += ONE_DAY_MS) {
    const file = join(dayDir, `${dayName(d)}.csv`);
    days.push(existsSync(file) ? { startMs: d, candles: parseCandleCsv(readFileSync(file, 'utf8'), file).candles } : { startMs: d });
  }
  const cachedDays = days.filter((d) => d.candles).length;
  let fetchedDays = 0;

  // One paginated sweep per run of consecutive missing days.
  for (let k = 0; k < days.length; ) {
    if (days[k]!.candles) {
      k++;
      continue;
    }
    let end = k;
    while (end < days.length && !days[end]!.candles) end++;
    const sweepStart = days[k]!.startMs;
    // Whole days, so the last one can be cached too when it lies in the past.
    const sweepEnd = days[end - 1]!.startMs + ONE_DAY_MS;
    const { trades, reachedMs } = await client.trades(altname, sweepStart, sweepEnd);
    const candles = candlesFromTrades(trades, FIVE_MINUTES_MS);
    for (let j = k; j < end; j++) {
      const day = days[j]!;
      const dayEnd = day.startMs + ONE_DAY_MS;
      day.candles = candles.filter((c) => c.openTimeMs >= day.startMs && c.openTimeMs < dayEnd);
      // Only a day whose every trade has been seen is cached; today's is fetched again next time.
      if (reachedMs >= dayEnd) {
        mkdirSync(dayDir, { recursive: true });
        const file = join(dayDir, `${dayName(day.startMs)}.csv`);
        writeFileSync(`${file}.tmp`, formatCandleCsv(day.candles));
        renameSync(`${file}.tmp`, file);
        fetchedDays++;
      }
    }
    k = end;
  }

  const candles = days.flatMap((d) => d.candles ?? []).filter((c) => c.openTimeMs >= fromMs && c.openTimeMs < opts.toMs);
  return { pair: opts.pair, candles, source: 'trades', requests: client.requests, cachedDays, fetchedDays };
}

/** Kraken's public endpoints with throttling and back-off on rate limits. */
class PublicClient {
  requests = 0;
  private readonly baseUrl: string;
  private readonly throttleMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly log: (line: string) => void;
  private lastCallMs = -Infinity;

  constructor(opts: KrakenHistoryOptions) {
    this.baseUrl = (opts.baseUrl ?? KRAKEN_API_URL).replace(/\/+$/, '');
    this.throttleMs = opts.throttleMs ?? 1_000;
    this.fetchFn = opts.fetchFn ?? fetch;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.log = opts.log ?? (() => undefined);
  }

  /** Closed 5m candles from OHLC (the forming last row dropped). */
  async ohlc(altname: string, sinceMs: number): Promise<Candle[]> {
    const result = await this.call('OHLC', { pair: altname, interval: '5', since: String(Math.floor(sinceMs / 1000) - 1) });
    const { rows, last } = pairRows(result, 'OHLC');
    const lastCommitted = Number(last);
    const out: Candle[] = [];
    for (const row of rows) {
      const r = row as unknown[];
      const timeS = Number(r[0]);
      if (Number.isFinite(lastCommitted) && timeS > lastCommitted) continue;
      out.push({ openTimeMs: timeS * 1000, open: Number(r[1]), high: Number(r[2]), low: Number(r[3]), close: Number(r[4]), volume: Number(r[6]) });
    }
    return out;
  }

  /**
   * Every trade in [fromMs, toMs), following Kraken's `last` cursor. `reachedMs` is how far the
   * history is known complete: the time of the first trade at or past `toMs`, or of the last trade
   * seen when Kraken has nothing newer.
   */
  async trades(altname: string, fromMs: number, toMs: number): Promise<{ trades: RawTrade[]; reachedMs: number }> {
    const trades: RawTrade[] = [];
    // A second early: Kraken returns trades after `since`, and one at exactly `fromMs` belongs in.
    let since = String(Math.floor(fromMs / 1000) - 1);
    let reachedMs = fromMs;
    for (;;) {
      const result = await this.call('Trades', { pair: altname, since, count: String(TRADES_PAGE) });
      const { rows, last } = pairRows(result, 'Trades');
      let done = rows.length === 0;
      for (const row of rows) {
        const r = row as unknown[];
        // Floor, not round: a trade at 299.9997 s into a candle belongs to it. The tiny offset absorbs
        // binary error in times that sit exactly on a boundary (x.0000 s).
        const timeMs = Math.floor(Number(r[2]) * 1000 + 1e-3);
        if (!Number.isFinite(timeMs)) throw new KrakenHistoryError(`Trades: unexpected row ${JSON.stringify(row).slice(0, 80)}`);
        if (timeMs < fromMs) continue;
        if (timeMs >= toMs) {
          reachedMs = Math.max(reachedMs, timeMs);
          done = true;
          break;
        }
        trades.push({ price: Number(r[0]), volumeBase: Number(r[1]), timeMs });
        reachedMs = Math.max(reachedMs, timeMs);
      }
      const next = String(last ?? '');
      if (!done && (next === '' || next === since)) done = true;
      if (done) break;
      since = next;
      this.log(`  ${altname}: ${trades.length} trades up to ${new Date(reachedMs).toISOString()}`);
    }
    return { trades, reachedMs };
  }

  private async call(method: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = `${this.baseUrl}/0/public/${method}?${new URLSearchParams(params).toString()}`;
    for (let attempt = 1; ; attempt++) {
      const waitMs = this.lastCallMs + this.throttleMs - Date.now();
      if (waitMs > 0) await this.sleep(waitMs);
      this.lastCallMs = Date.now();
      this.requests++;
      let body: { error?: string[]; result?: Record<string, unknown> } | undefined;
      let problem: string;
      let retryable: boolean;
      try {
        const res = await this.fetchFn(url, { headers: { 'User-Agent': 'kbot-backtest' } });
        if (res.status === 429 || res.status >= 500) {
          problem = `HTTP ${res.status}`;
          retryable = true;
        } else {
          body = (await res.json()) as typeof body;
          const errors = body?.error ?? [];
          if (errors.length === 0 && body?.result) return body.result;
          problem = errors.join('; ') || `HTTP ${res.status} without a result`;
          retryable = errors.some((e) => /Rate limit|Too many requests|Throttled|EService:(Unavailable|Busy)/i.test(e));
        }
      } catch (err) {
        problem = `cannot reach ${this.baseUrl}: ${(err as Error).message}`;
        retryable = true;
      }
      if (!retryable || attempt >= MAX_ATTEMPTS) throw new KrakenHistoryError(`Kraken ${method} failed: ${problem}`);
      const backoffMs = Math.max(this.throttleMs, 1_000) * 2 ** attempt;
      this.log(`  ${method}: ${problem}; waiting ${Math.round(backoffMs / 1000)} s (attempt ${attempt}/${MAX_ATTEMPTS})`);
      await this.sleep(backoffMs);
    }
  }
}

/** The rows under the pair id key (Kraken keys them by id, e.g. XXBTZUSD) and the `last` cursor. */
function pairRows(result: Record<string, unknown>, method: string): { rows: unknown[]; last: unknown } {
  const key = Object.keys(result).find((k) => k !== 'last');
  const rows = key ? result[key] : [];
  if (!Array.isArray(rows)) throw new KrakenHistoryError(`${method}: unexpected reply shape`);
  return { rows, last: result.last };
}

const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10);
