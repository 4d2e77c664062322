// Backtest driver for margin shorts: replays closed 5m candles through the short book's own core
// (the signal, the fee-and-rollover edge gate, the inverted levels, rollover and the P&L of
// functions/core/shorts), pair by pair in time order, with its own quote wallet. Fills: an entry
// decided on candle t sells at the open of t+1 minus slippage; a stop or trailing stop buys back at
// its level (the open when the candle gapped over it) plus slippage, a target at its level (or the
// open) plus slippage, a time exit at the close; taker fee on every fill; rollover at opening and
// every 4 hours on the notional; a short still open when the data ends is bought back at the last close.
import { quoteCurrency, type BotConfig } from '../core/config.js';
import { applyShortClose, checkShortEdge, openShort, planShort, rolloverCharges, shortExitOnCandle, type ShortPosition } from '../core/shorts/shortPosition.js';
import { SHORT_WARMUP_CANDLES, prepareShortSeries, shortSignal } from '../core/shorts/shortSignal.js';
import { FIVE_MINUTES_MS, type Candle, type ExitReason, type MarketInfo, type Pair } from '../core/types.js';
import { utcDay } from '../core/utcDay.js';

/** What to replay. */
export interface ShortBacktestInput {
  config: BotConfig;
  series: readonly { pair: Pair; candles: readonly Candle[] }[];
  markets: Record<Pair, MarketInfo>;
  startingQuote: number;
  fromMs?: number;
  toMs?: number;
}

/** One closed short. */
export interface ShortBacktestTrade {
  pair: Pair;
  entryTimeMs: number;
  entryPrice: number;
  exitTimeMs: number;
  exitPrice: number;
  amountBase: number;
  /** Quote received for the base sold (the notional). */
  proceedsQuote: number;
  buyBackCostQuote: number;
  feesQuote: number;
  /** Rollover charges (one at opening, one per 4 hours held) and their quote. */
  rolloverCharges: number;
  rolloverQuote: number;
  /** proceeds − buy-back. */
  grossPnlQuote: number;
  /** gross − fees − rollover. */
  netPnlQuote: number;
  exitReason: ExitReason | 'end-of-data';
}

/** The short replay's result. Identities: net = gross − fees − rollover; end equity = start + net. */
export interface ShortBacktestResult {
  quote: string;
  trades: ShortBacktestTrade[];
  summary: {
    trades: number;
    wins: number;
    grossPnlQuote: number;
    feesQuote: number;
    rolloverQuote: number;
    netPnlQuote: number;
    startEquityQuote: number;
    endEquityQuote: number;
    /** Entries the signal wanted but a rule refused, by rule. */
    refused: Record<string, number>;
  };
  assumptions: Record<string, string | number>;
}

interface Event {
  timeMs: number;
  pair: Pair;
  k: number;
}

/** Replays the short book over `series`. Synchronous; indicators computed once per pair. */
export function runShortBacktest(input: ShortBacktestInput): ShortBacktestResult {
  const { config } = input;
  const cfg = config.shorts;
  const slip = config.paper.slippageBps / 10_000;
  const fromMs = input.fromMs ?? -Infinity;
  const toMs = input.toMs ?? Infinity;
  const prepared = new Map(input.series.map((s) => {
    const candles = s.candles.filter((c) => c.openTimeMs < toMs);
    return [s.pair, { candles, short: prepareShortSeries(candles) }] as const;
  }));
  // One time line over every pair: exits of all pairs at a candle close before any entry at it.
  const events: Event[] = [];
  for (const [pair, p] of prepared) p.candles.forEach((c, k) => c.openTimeMs >= fromMs && events.push({ timeMs: c.openTimeMs, pair, k }));
  events.sort((a, b) => a.timeMs - b.timeMs || a.pair.localeCompare(b.pair));

  let cash = input.startingQuote;
  const open = new Map<Pair, ShortPosition>();
  const pendingEntry = new Map<Pair, { notional: number; amountBase: number; referencePrice: number; decidedK: number }>();
  const trades: ShortBacktestTrade[] = [];
  const refused: Record<string, number> = {};
  const day = { day: '', trades: 0, byPair: new Map<Pair, number>(), pnl: 0 };
  const exposure = () => [...open.values()].reduce((s, p) => s + p.proceedsQuote, 0);
  // Equity for sizing: cash (which holds the shorts' proceeds) less what buying them back costs at the last close.
  const lastClose = new Map<Pair, number>();
  const equity = () => cash - [...open.values()].reduce((s, p) => s + p.amountBase * (lastClose.get(p.pair) ?? p.entryPrice), 0);

  const close = (p: ShortPosition, rawPrice: number, atMs: number, reason: ShortBacktestTrade['exitReason']) => {
    const market = input.markets[p.pair]!;
    const price = rawPrice * (1 + slip);
    const cost = p.amountBase * price;
    const fee = cost * market.takerFeeRate;
    const out = applyShortClose(p, { filledBase: p.amountBase, costQuote: cost, feeQuote: fee, averagePrice: price }, `exit-${atMs}`, atMs);
    // The wallet took proceeds − entry fee at the entry; now it pays the buy-back, its fee and the
    // rollover, so the round trip leaves it changed by exactly the realized P&L.
    cash += out.realizedPnlQuote - p.proceedsQuote + p.entryFeeQuote;
    open.delete(p.pair);
    day.pnl += out.realizedPnlQuote;
    trades.push({
      pair: p.pair,
      entryTimeMs: p.entryTimeMs,
      entryPrice: p.entryPrice,
      exitTimeMs: atMs,
      exitPrice: price,
      amountBase: p.amountBase,
      proceedsQuote: p.proceedsQuote,
      buyBackCostQuote: cost,
      feesQuote: p.entryFeeQuote + fee,
      rolloverCharges: rolloverCharges(p.entryTimeMs, atMs),
      rolloverQuote: out.rolloverQuote,
      grossPnlQuote: p.proceedsQuote - cost,
      netPnlQuote: out.realizedPnlQuote,
      exitReason: reason,
    });
  };

  for (const ev of events) {
    const p = prepared.get(ev.pair)!;
    const c = p.candles[ev.k]!;
    const market = input.markets[ev.pair];
    if (!market) continue;
    const today = utcDay(c.openTimeMs);
    if (today !== day.day) Object.assign(day, { day: today, trades: 0, byPair: new Map(), pnl: 0 });
    // An entry decided on the previous candle fills at this open (if this is the next candle).
    const want = pendingEntry.get(ev.pair);
    if (want) {
      pendingEntry.delete(ev.pair);
      if (want.decidedK === ev.k - 1 && p.candles[ev.k - 1]!.openTimeMs + FIVE_MINUTES_MS === c.openTimeMs) {
        const price = c.open * (1 - slip);
        const proceeds = want.amountBase * price;
        const fee = proceeds * market.takerFeeRate;
        const position = openShort({
          mode: 'paper',
          pair: ev.pair,
          entryClientOrderId: `bt-${ev.pair}-${c.openTimeMs}`,
          plan: planShort(cfg, want.referencePrice),
          referencePrice: want.referencePrice,
          leverage: 2,
          fill: { filledBase: want.amountBase, costQuote: proceeds, feeQuote: fee, averagePrice: price },
          entryTimeMs: c.openTimeMs,
        });
        open.set(ev.pair, position);
        cash += proceeds - fee;
        day.trades++;
        day.byPair.set(ev.pair, (day.byPair.get(ev.pair) ?? 0) + 1);
      }
    }
    lastClose.set(ev.pair, c.close);
    const short = open.get(ev.pair);
    const closeMs = c.openTimeMs + FIVE_MINUTES_MS;
    if (short) {
      const d = shortExitOnCandle(short, c, closeMs);
      if (d.action === 'buy') close(d.updated ?? short, d.triggerPrice, d.reason === 'max-hold' ? closeMs : c.openTimeMs, d.reason);
      else if (d.updated) open.set(ev.pair, d.updated);
      continue;
    }
    if (ev.k < SHORT_WARMUP_CANDLES || ev.k + 1 >= p.candles.length) continue;
    const signal = shortSignal(p.short, ev.k, cfg.rsiMax);
    if (!signal.short) continue;
    const refuse = (rule: string) => {
      refused[rule] = (refused[rule] ?? 0) + 1;
    };
    const edge = checkShortEdge({
      expectedMoveFraction: cfg.takeProfitFraction,
      takerFeeRate: Math.max(market.takerFeeRate, config.fees.takerFeeRate),
      slippageFraction: config.fees.slippageFraction,
      bufferFraction: config.fees.edgeBufferFraction,
      rolloverRatePer4h: cfg.rolloverRatePer4h,
      maxHoldMs: cfg.maxHoldMinutes * 60_000,
      requireEdge: config.fees.requireEdge,
    });
    if (!edge.ok) {
      refuse('fee-edge');
      continue;
    }
    if (open.size + pendingEntry.size >= cfg.maxOpenShorts) {
      refuse('max-open-shorts');
      continue;
    }
    if (day.trades >= config.limits.maxTradesPerDay || (day.byPair.get(ev.pair) ?? 0) >= config.limits.maxTradesPerPairPerDay || day.pnl <= -config.limits.maxDailyLossQuote) {
      refuse('daily-limits');
      continue;
    }
    const eq = equity();
    const cap = eq * Math.min(cfg.maxExposureFraction, 0.5);
    const pendingNotional = [...pendingEntry.values()].reduce((s, x) => s + x.notional, 0);
    const notionalWanted = Math.min(eq * cfg.positionFraction * cfg.leverage, cfg.maxPositionQuote, cap - exposure() - pendingNotional);
    const amountBase = Math.floor((notionalWanted / signal.referencePrice) * 10 ** market.amountDecimals) / 10 ** market.amountDecimals;
    const buffer = 1 + config.risk.minimumBufferFraction;
    if (!(amountBase >= market.minAmountBase * buffer) || !(amountBase * signal.referencePrice >= market.minCostQuote * buffer)) {
      refuse('size-or-exposure-cap');
      continue;
    }
    pendingEntry.set(ev.pair, { notional: amountBase * signal.referencePrice, amountBase, referencePrice: signal.referencePrice, decidedK: ev.k });
  }
  for (const [pair, short] of [...open]) {
    const last = prepared.get(pair)!.candles.at(-1)!;
    close(short, last.close, last.openTimeMs + FIVE_MINUTES_MS, 'end-of-data');
  }
  const sum = (f: (t: ShortBacktestTrade) => number) => trades.reduce((s, t) => s + f(t), 0);
  const net = sum((t) => t.netPnlQuote);
  return {
    quote: quoteCurrency(config),
    trades,
    summary: {
      trades: trades.length,
      wins: trades.filter((t) => t.netPnlQuote > 0).length,
      grossPnlQuote: sum((t) => t.grossPnlQuote),
      feesQuote: sum((t) => t.feesQuote),
      rolloverQuote: sum((t) => t.rolloverQuote),
      netPnlQuote: net,
      startEquityQuote: input.startingQuote,
      endEquityQuote: cash,
      refused,
    },
    assumptions: {
      entryFill: 'open of the candle after the signal candle, minus slippage (a sell)',
      stopFill: 'stop or trailing level, or the open when the candle gapped over it, plus slippage (a buy)',
      targetFill: 'target, or the open when the candle gapped under it, plus slippage',
      intraCandle: 'the high before the low (the stop before the target)',
      rollover: `at opening and every 4 h: ${cfg.rolloverRatePer4h} of the notional per charge`,
      slippageBps: config.paper.slippageBps,
      wallet: 'a quote wallet of its own, apart from the spot replay',
    },
  };
}
