// Backtest driver: replays 5m candles through the decision engine the live tick uses, candle by
// candle, for several pairs with one shared wallet: exits first, then entries, simulated fills.
// Synchronous and allocation-free on the no-signal path, so a pair-year replays in well under a second.
import { clientOrderIdFor } from '../core/clientOrderId.js';
import { quoteCurrency, type BotConfig } from '../core/config.js';
import type { DecisionEngine, ExitDecision, PortfolioView, PreparedSeries } from '../core/engine/types.js';
import { floorToDecimals } from '../core/engine/precision.js';
import { utcDay } from '../core/utcDay.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type DayCounters, type MarketInfo, type Pair, type Position, type TradeRecord } from '../core/types.js';
import { emptyDay, lossLimitReached, reserveRefusal } from '../adapters/store/storeRules.js';
import type { BacktestExitReason, BacktestFill, BacktestResult, BacktestTrade, PairSummary } from './backtestResult.js';
import { dailySharpe, SHARPE_METHOD } from './dailySharpe.js';
import { gapReport } from './gapReport.js';

/** Quote amounts are kept as integers of 1e-8 quote so sums reconcile exactly. */
const QUOTE_UNITS = 1e8;
/** A day of 5m candles: the window of the 24h quote volume the live tick gives the engine. */
const CANDLES_PER_DAY = 288;
const PROGRESS_EVERY_STEPS = 1 << 15;

/** What to replay. */
export interface BacktestInput {
  /** Parsed configuration; its `pairs` should list the series' pairs (their order is the tick's order). */
  config: BotConfig;
  /** The decision engine, usually `createDecisionEngine(config)`. */
  engine: DecisionEngine;
  /** Closed 5m candles per pair, oldest first, gaps left as gaps. */
  series: readonly { pair: Pair; candles: readonly Candle[] }[];
  /** Minimums, precision and fee per pair. */
  markets: Record<Pair, MarketInfo>;
  /** Starting wallet, in the quote currency only. */
  startingQuote: number;
  /** First candle open time traded on; earlier candles only warm indicators up. */
  fromMs?: number;
  /** Candles opening at or after this time are left out (no peeking past the range). */
  toMs?: number;
  /**
   * `level` (default): stops and targets fill at their level (or the open through a gap) within the
   * candle that touched them. `next-open`: every exit fills at the next candle's open, as a live
   * tick that checks mental exits on the closed candle and then sells at the market does.
   */
  exitFill?: 'level' | 'next-open';
  /** Called every few thousand candle-steps, and once at the end. */
  onProgress?: (candleStepsDone: number, candleStepsTotal: number) => void;
}

/** Per-pair replay state. */
interface PairRun {
  pair: Pair;
  base: string;
  market: MarketInfo;
  candles: readonly Candle[];
  n: number;
  openTimes: Float64Array;
  series: PreparedSeries;
  firstIdx: number;
  ptr: number;
  /** Index of the latest candle that follows a gap, at or before each index (0: none). */
  lastGapIdx: Int32Array;
  /** Quote volume of the latest 288 candles, NaN before there are 288. */
  quoteVolume24h: Float64Array;
  amountScale: number;
  /** Has a candle at the current step. */
  active: boolean;
  /** Sent a sell this step. */
  soldThisStep: boolean;
  position: Position | undefined;
  /** The open position's amount, cost and entry fee as integers (base and quote units). */
  bookAmountUnits: number;
  bookCostUnits: number;
  bookFeeUnits: number;
  entryIdx: number;
  candlesProcessed: number;
  candlesExposed: number;
  trades: number;
  wins: number;
  grossUnits: number;
  feeUnits: number;
  netUnits: number;
}

/**
 * Replays history through `engine` exactly as the live tick decides: at each 5m close, exits for
 * open positions on that candle, then entries for pairs without a position. Fills:
 * - entry decided on candle t: at the open of t+1 plus slippage (skipped if t+1 is missing);
 * - stop and trailing stop: at the stop, or at the open if the candle opened through it;
 *   take-profit: at the target, or at the open if the candle opened beyond it (low before high
 *   within a candle is the engine's rule when it checks both);
 * - other exits (signal, time): at the next candle's open, or this close when there is none;
 * - every fill pays slippage and the taker fee; Kraken minimums and lot precision apply;
 * - a position still open when its pair's data ends is sold at the last close (`end-of-data`).
 */
export function runBacktest(input: BacktestInput): BacktestResult {
  const { config, engine, markets } = input;
  const quote = quoteCurrency({ pairs: input.series.map((s) => s.pair) });
  const slip = config.paper.slippageBps / 10_000;
  const fromMs = input.fromMs ?? -Infinity;
  const toMs = input.toMs ?? Infinity;
  const gapWindow = config.tick.gapWindowCandles;
  const warmup = engine.warmupCandles;
  const lookbackMs = config.tick.tradeLookbackMs;
  const mode = config.mode;
  const exitFill = input.exitFill ?? 'level';

  const runs: PairRun[] = input.series.map((s) => makeRun(s.pair, s.candles, markets, engine, fromMs, toMs));
  const totalCandleSteps = runs.reduce((sum, r) => sum + (r.n - r.firstIdx), 0);

  let quoteUnits = toUnits(input.startingQuote);
  const startUnits = quoteUnits;
  const fills: BacktestFill[] = [];
  const trades: BacktestTrade[] = [];
  const closedTrades: TradeRecord[] = [];
  const refusals: Record<string, number> = {};
  const refuse = (key: string) => {
    refusals[key] = (refusals[key] ?? 0) + 1;
  };
  // Counted by the engine's rule name alone (no string built per step); prefixed in the summary.
  const riskRefusals: Record<string, number> = {};

  const view: PortfolioView = {
    nowMs: 0,
    quote,
    equityQuote: input.startingQuote,
    freeQuote: input.startingQuote,
    freeBase: {},
    openPositions: [],
    lastPrice: {},
    day: emptyDay('1970-01-01'),
    recentTrades: [],
    markets,
    takerFeeRate: {},
    quoteVolume24h: {},
  };
  for (const r of runs) {
    view.freeBase[r.base] = 0;
    view.takerFeeRate[r.pair] = r.market.takerFeeRate;
    view.quoteVolume24h[r.pair] = undefined;
  }

  const timelineSteps = countTimeline(runs);
  const curveTimes = new Float64Array(timelineSteps);
  const curveEquity = new Float64Array(timelineSteps);
  let steps = 0;
  let stepsExposed = 0;
  let candleStepsDone = 0;
  let nextProgress = PROGRESS_EVERY_STEPS;
  let peakEquity = input.startingQuote;
  let maxDrawdownQuote = 0;
  let maxDrawdownFraction = 0;
  const dailyEquity: number[] = [input.startingQuote];
  let dayEndMs = -Infinity;
  let day: DayCounters = view.day;
  let recentStart = 0;
  let recentDirty = false;
  let lastEquity = input.startingQuote;
  let firstTimeMs = NaN;

  const positionsChanged = () => {
    const open: Position[] = [];
    for (const r of runs) if (r.position) open.push(r.position);
    view.openPositions = open;
  };

  const equityNow = (): number => {
    let equity = quoteUnits / QUOTE_UNITS;
    for (const r of runs) if (r.position) equity += r.position.amountBase * (view.lastPrice[r.pair] ?? r.position.entryPrice);
    return equity;
  };

  /** Sells `amountUnits` of a run's position at `price` (before slippage); returns false if refused. */
  const sell = (r: PairRun, i: number, nowMs: number, rawPrice: number, amountUnits: number, reason: BacktestExitReason, forced: boolean): boolean => {
    const m = r.market;
    const price = rawPrice * (1 - slip);
    const amountBase = amountUnits / r.amountScale;
    const proceedsUnits = toUnits(amountBase * price);
    if (!forced && (amountBase < m.minAmountBase || proceedsUnits < toUnits(m.minCostQuote))) {
      refuse('exit:order-minimum-not-met');
      return false;
    }
    const feeUnits = Math.round(proceedsUnits * m.takerFeeRate);
    const whole = amountUnits >= r.bookAmountUnits;
    const costUnits = whole ? r.bookCostUnits : Math.round((r.bookCostUnits * amountUnits) / r.bookAmountUnits);
    const entryFeeUnits = whole ? r.bookFeeUnits : Math.round((r.bookFeeUnits * amountUnits) / r.bookAmountUnits);
    const grossUnits = proceedsUnits - costUnits;
    const netUnits = grossUnits - feeUnits - entryFeeUnits;
    quoteUnits += proceedsUnits - feeUnits;
    recentDirty = true;
    const pos = r.position!;
    const clientOrderId = clientOrderIdFor({ mode, pair: r.pair, side: 'sell', reason: reason === 'end-of-data' ? 'force-exit' : reason, decidedOn: iso(nowMs) });
    fills.push({ timeMs: nowMs, pair: r.pair, side: 'sell', reason, clientOrderId, price, amountBase, costQuote: proceedsUnits / QUOTE_UNITS, feeQuote: feeUnits / QUOTE_UNITS });
    trades.push({
      pair: r.pair,
      strategy: pos.strategy,
      entryTimeMs: pos.entryTimeMs,
      entryPrice: pos.entryPrice,
      exitTimeMs: nowMs,
      exitPrice: price,
      amountBase,
      entryCostQuote: costUnits / QUOTE_UNITS,
      entryFeeQuote: entryFeeUnits / QUOTE_UNITS,
      exitProceedsQuote: proceedsUnits / QUOTE_UNITS,
      exitFeeQuote: feeUnits / QUOTE_UNITS,
      grossPnlQuote: grossUnits / QUOTE_UNITS,
      netPnlQuote: netUnits / QUOTE_UNITS,
      returnFraction: netUnits / (costUnits + entryFeeUnits),
      exitReason: reason,
      candlesHeld: i - r.entryIdx + 1,
    });
    const pnlQuote = netUnits / QUOTE_UNITS;
    closedTrades.push({
      mode,
      clientOrderId,
      exchangeOrderId: `backtest-${fills.length}`,
      pair: r.pair,
      side: 'sell',
      reason: reason === 'end-of-data' ? 'force-exit' : reason,
      amountBase,
      price,
      costQuote: proceedsUnits / QUOTE_UNITS,
      feeQuote: feeUnits / QUOTE_UNITS,
      realizedPnlQuote: pnlQuote,
      timestampMs: nowMs,
    });
    r.trades++;
    if (netUnits > 0) r.wins++;
    r.grossUnits += grossUnits;
    r.feeUnits += feeUnits + entryFeeUnits;
    r.netUnits += netUnits;
    day.realizedPnlQuote += pnlQuote;
    day.exits++;
    if (lossLimitReached(day.realizedPnlQuote, config.limits.maxDailyLossQuote)) day.killSwitchTripped = true;

    r.bookAmountUnits -= amountUnits;
    r.bookCostUnits -= costUnits;
    r.bookFeeUnits -= entryFeeUnits;
    view.freeBase[r.base] = r.bookAmountUnits / r.amountScale;
    view.freeQuote = quoteUnits / QUOTE_UNITS;
    r.position =
      r.bookAmountUnits > 0
        ? { ...pos, amountBase: r.bookAmountUnits / r.amountScale, costQuote: r.bookCostUnits / QUOTE_UNITS, entryFeeQuote: r.bookFeeUnits / QUOTE_UNITS }
        : undefined;
    positionsChanged();
    return true;
  };

  for (;;) {
    let T = Infinity;
    for (const r of runs) if (r.ptr < r.n && r.openTimes[r.ptr]! < T) T = r.openTimes[r.ptr]!;
    if (T === Infinity) break;
    const nowMs = T + FIVE_MINUTES_MS;
    if (steps === 0) firstTimeMs = T;
    view.nowMs = nowMs;

    if (nowMs >= dayEndMs) {
      if (dayEndMs > -Infinity) dailyEquity.push(lastEquity);
      dayEndMs = Math.floor(nowMs / ONE_DAY_MS) * ONE_DAY_MS + ONE_DAY_MS;
      day = emptyDay(utcDay(nowMs));
      view.day = day;
    }

    let exposed = false;
    for (const r of runs) {
      r.active = r.ptr < r.n && r.openTimes[r.ptr] === T;
      if (!r.active) continue;
      const i = r.ptr;
      view.lastPrice[r.pair] = r.candles[i]!.close;
      const qv = r.quoteVolume24h[i]!;
      view.quoteVolume24h[r.pair] = qv === qv ? qv : undefined;
      r.candlesProcessed++;
      if (r.position) {
        r.candlesExposed++;
        exposed = true;
      }
    }
    if (exposed) stepsExposed++;

    // The live tick reads the trade ledger once, before its exits: so does the replay.
    const cutoffMs = nowMs - lookbackMs;
    while (recentStart < closedTrades.length && closedTrades[recentStart]!.timestampMs < cutoffMs) {
      recentStart++;
      recentDirty = true;
    }
    if (recentDirty) {
      view.recentTrades = closedTrades.slice(recentStart);
      recentDirty = false;
    }
    view.equityQuote = equityNow();
    view.freeQuote = quoteUnits / QUOTE_UNITS;

    // Exits first.
    for (const r of runs) {
      if (!r.active || !r.position) continue;
      const i = r.ptr;
      const decision = engine.checkExit(r.position, r.series, i, nowMs, view.freeBase[r.base] ?? 0, r.market);
      if (decision.action === 'hold') {
        if (decision.updated) {
          r.position = decision.updated;
          positionsChanged();
        }
        continue;
      }
      const amountUnits = Math.min(Math.round(decision.amountBase * r.amountScale), r.bookAmountUnits);
      if (amountUnits <= 0) continue;
      sell(r, i, nowMs, exitPrice(decision, r, i, exitFill), amountUnits, decision.reason, false);
      // Like the tick, a pair that sent an order this step (filled or refused) takes no entry in it.
      r.soldThisStep = true;
    }

    // Entries for pairs without a position.
    for (const r of runs) {
      if (!r.active || r.position || r.soldThisStep) continue;
      const i = r.ptr;
      if (i + 1 < warmup || r.lastGapIdx[i]! > Math.max(0, i + 1 - gapWindow)) continue;
      if (day.killSwitchTripped) {
        refuse('halt:kill-switch');
        continue;
      }
      const decision = engine.checkEntry(r.series, i, view);
      if (decision.action === 'none') {
        if (decision.stage === 'risk') riskRefusals[decision.rule] = (riskRefusals[decision.rule] ?? 0) + 1;
        continue;
      }
      const limit = reserveRefusal(
        { trades: day.trades, pairTrades: day.tradesByPair[r.pair] ?? 0, killSwitchTripped: day.killSwitchTripped },
        config.limits,
      );
      if (limit) {
        refuse(`limits:${limit}`);
        continue;
      }
      if (i + 1 >= r.n || r.openTimes[i + 1] !== nowMs) {
        refuse('data:no-next-candle');
        continue;
      }
      const m = r.market;
      const price = r.candles[i + 1]!.open * (1 + slip);
      const amountBase = floorToDecimals(decision.costQuote / price, m.amountDecimals);
      const amountUnits = Math.round(amountBase * r.amountScale);
      const costUnits = toUnits(amountBase * price);
      if (amountBase < m.minAmountBase || costUnits < toUnits(m.minCostQuote)) {
        refuse('order:minimum-not-met');
        continue;
      }
      const feeUnits = Math.round(costUnits * m.takerFeeRate);
      if (costUnits + feeUnits > quoteUnits) {
        refuse('order:insufficient-funds');
        continue;
      }
      quoteUnits -= costUnits + feeUnits;
      day.trades++;
      day.tradesByPair[r.pair] = (day.tradesByPair[r.pair] ?? 0) + 1;
      const clientOrderId = clientOrderIdFor({ mode, pair: r.pair, side: 'buy', reason: 'entry', decidedOn: iso(nowMs) });
      const plan = decision.plan;
      r.position = {
        mode,
        pair: r.pair,
        amountBase,
        entryPrice: price,
        entryTimeMs: nowMs,
        costQuote: costUnits / QUOTE_UNITS,
        entryFeeQuote: feeUnits / QUOTE_UNITS,
        strategy: plan.strategy,
        entryClientOrderId: clientOrderId,
        ...(plan.stopPrice !== undefined ? { stopPrice: plan.stopPrice } : {}),
        ...(plan.takeProfitPrice !== undefined ? { takeProfitPrice: plan.takeProfitPrice } : {}),
        ...(plan.trailing ? { trailing: { ...plan.trailing, highestPrice: price, armed: price >= plan.trailing.activationPrice } } : {}),
        ...(plan.maxHoldMs !== undefined ? { maxHoldUntilMs: nowMs + plan.maxHoldMs } : {}),
        appliedOrderIds: [clientOrderId],
        version: 1,
      };
      r.bookAmountUnits = amountUnits;
      r.bookCostUnits = costUnits;
      r.bookFeeUnits = feeUnits;
      r.entryIdx = i + 1;
      fills.push({ timeMs: nowMs, pair: r.pair, side: 'buy', reason: 'entry', clientOrderId, price, amountBase, costQuote: costUnits / QUOTE_UNITS, feeQuote: feeUnits / QUOTE_UNITS });
      view.freeQuote = quoteUnits / QUOTE_UNITS;
      view.freeBase[r.base] = amountBase;
      positionsChanged();
    }

    // A position still open when its pair's data ends is sold at the last close.
    for (const r of runs) {
      if (r.ptr === r.n - 1 && r.position && r.openTimes[r.ptr] === T) {
        sell(r, r.ptr, nowMs, r.candles[r.ptr]!.close, r.bookAmountUnits, 'end-of-data', true);
      }
    }

    lastEquity = equityNow();
    curveTimes[steps] = nowMs;
    curveEquity[steps] = lastEquity;
    if (lastEquity > peakEquity) peakEquity = lastEquity;
    const drawdown = peakEquity - lastEquity;
    if (drawdown > maxDrawdownQuote) maxDrawdownQuote = drawdown;
    if (peakEquity > 0 && drawdown / peakEquity > maxDrawdownFraction) maxDrawdownFraction = drawdown / peakEquity;
    steps++;

    for (const r of runs) {
      if (!r.active) continue;
      r.ptr++;
      candleStepsDone++;
      r.soldThisStep = false;
    }
    if (candleStepsDone >= nextProgress && input.onProgress) {
      input.onProgress(candleStepsDone, totalCandleSteps);
      nextProgress += PROGRESS_EVERY_STEPS;
    }
  }
  if (steps > 0) dailyEquity.push(lastEquity);
  for (const [rule, count] of Object.entries(riskRefusals)) refusals[`risk:${rule}`] = count;
  input.onProgress?.(candleStepsDone, totalCandleSteps);
  if (!Number.isSafeInteger(quoteUnits)) throw new Error('balance too large to account for exactly at 1e-8 quote');

  return {
    summary: summarize(),
    trades,
    fills,
    equity: { closeTimeMs: curveTimes.subarray(0, steps), equityQuote: curveEquity.subarray(0, steps), length: steps },
  };

  function summarize() {
    let grossUnits = 0;
    let feeUnits = 0;
    let netUnits = 0;
    let wins = 0;
    const pairs: Record<Pair, PairSummary> = {};
    for (const r of runs) {
      grossUnits += r.grossUnits;
      feeUnits += r.feeUnits;
      netUnits += r.netUnits;
      wins += r.wins;
      pairs[r.pair] = {
        pair: r.pair,
        candles: r.n - r.firstIdx,
        gaps: gapReport(r.candles.slice(r.firstIdx)),
        trades: r.trades,
        wins: r.wins,
        winRate: r.trades ? r.wins / r.trades : null,
        grossPnlQuote: r.grossUnits / QUOTE_UNITS,
        feesQuote: r.feeUnits / QUOTE_UNITS,
        netPnlQuote: r.netUnits / QUOTE_UNITS,
        exposureFraction: r.candlesProcessed ? r.candlesExposed / r.candlesProcessed : 0,
      };
    }
    const lastTime = steps > 0 ? curveTimes[steps - 1]! : NaN;
    return {
      quote,
      fromIso: steps > 0 ? iso(firstTimeMs) : '',
      toIso: steps > 0 ? iso(lastTime) : '',
      steps,
      candlesProcessed: candleStepsDone,
      startEquityQuote: startUnits / QUOTE_UNITS,
      endEquityQuote: quoteUnits / QUOTE_UNITS,
      grossPnlQuote: grossUnits / QUOTE_UNITS,
      feesQuote: feeUnits / QUOTE_UNITS,
      netPnlQuote: netUnits / QUOTE_UNITS,
      returnFraction: startUnits ? netUnits / startUnits : 0,
      trades: trades.length,
      wins,
      losses: trades.length - wins,
      winRate: trades.length ? wins / trades.length : null,
      maxDrawdownFraction,
      maxDrawdownQuote,
      sharpe: dailySharpe(dailyEquity),
      sharpeMethod: SHARPE_METHOD,
      exposureFraction: steps ? stepsExposed / steps : 0,
      pairs,
      refusals,
      assumptions: {
        exitFill,
        slippageBps: config.paper.slippageBps,
        takerFeeRate: { ...view.takerFeeRate },
        entryFill: 'open of the candle after the signal candle, plus slippage',
        stopFill:
          exitFill === 'level'
            ? 'stop price, or the candle open when it opened through the stop, minus slippage'
            : 'open of the candle after the one that hit the stop, minus slippage (as a live tick sells)',
        targetFill:
          exitFill === 'level'
            ? 'target price, or the candle open when it opened beyond the target, minus slippage'
            : 'open of the candle after the one that hit the target, minus slippage (as a live tick sells)',
        otherExitFill: 'open of the next candle (this close when there is none), minus slippage',
        endOfData: 'positions still open when a pair\'s data ends are sold at its last close, minus slippage and fee',
      },
    };
  }
}

/** Where an exit fills, before slippage, clamped to the candle's range. */
function exitPrice(decision: Extract<ExitDecision, { action: 'sell' }>, r: PairRun, i: number, exitFill: 'level' | 'next-open'): number {
  const c = r.candles[i]!;
  let price: number;
  switch (exitFill === 'next-open' ? 'next-open' : decision.reason) {
    case 'stop-loss':
    case 'trailing-stop':
      price = c.open <= decision.triggerPrice ? c.open : decision.triggerPrice;
      break;
    case 'take-profit':
      price = c.open >= decision.triggerPrice ? c.open : decision.triggerPrice;
      break;
    default: {
      const next = r.candles[i + 1];
      return next && next.openTimeMs === c.openTimeMs + FIVE_MINUTES_MS ? next.open : c.close;
    }
  }
  return Math.min(Math.max(price, c.low), c.high);
}

/** Distinct candle times across all pairs (the replay's steps), by a k-way merge of the series. */
function countTimeline(runs: readonly PairRun[]): number {
  const ptr = runs.map((r) => r.firstIdx);
  let steps = 0;
  for (;;) {
    let t = Infinity;
    for (let k = 0; k < runs.length; k++) if (ptr[k]! < runs[k]!.n && runs[k]!.openTimes[ptr[k]!]! < t) t = runs[k]!.openTimes[ptr[k]!]!;
    if (t === Infinity) return steps;
    for (let k = 0; k < runs.length; k++) if (runs[k]!.openTimes[ptr[k]!] === t) ptr[k]!++;
    steps++;
  }
}

function makeRun(
  pair: Pair,
  all: readonly Candle[],
  markets: Record<Pair, MarketInfo>,
  engine: DecisionEngine,
  fromMs: number,
  toMs: number,
): PairRun {
  const market = markets[pair];
  if (!market) throw new Error(`no market rules for ${pair}`);
  let end = all.length;
  while (end > 0 && all[end - 1]!.openTimeMs >= toMs) end--;
  const candles = end === all.length ? all : all.slice(0, end);
  const n = candles.length;
  const openTimes = new Float64Array(n);
  const lastGapIdx = new Int32Array(n);
  const quoteVolume24h = new Float64Array(n);
  let lastGap = 0;
  let rolling = 0;
  let firstIdx = n;
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    openTimes[i] = c.openTimeMs;
    if (i > 0 && c.openTimeMs - candles[i - 1]!.openTimeMs > FIVE_MINUTES_MS) lastGap = i;
    lastGapIdx[i] = lastGap;
    rolling += c.volume * c.close;
    if (i >= CANDLES_PER_DAY) rolling -= candles[i - CANDLES_PER_DAY]!.volume * candles[i - CANDLES_PER_DAY]!.close;
    quoteVolume24h[i] = i >= CANDLES_PER_DAY - 1 ? rolling : NaN;
    if (firstIdx === n && c.openTimeMs >= fromMs) firstIdx = i;
  }
  return {
    pair,
    base: market.base,
    market,
    candles,
    n,
    openTimes,
    series: engine.prepare(pair, candles),
    firstIdx,
    ptr: firstIdx,
    lastGapIdx,
    quoteVolume24h,
    amountScale: 10 ** market.amountDecimals,
    active: false,
    soldThisStep: false,
    position: undefined,
    bookAmountUnits: 0,
    bookCostUnits: 0,
    bookFeeUnits: 0,
    entryIdx: 0,
    candlesProcessed: 0,
    candlesExposed: 0,
    trades: 0,
    wins: 0,
    grossUnits: 0,
    feeUnits: 0,
    netUnits: 0,
  };
}

const toUnits = (quoteAmount: number) => Math.round(quoteAmount * QUOTE_UNITS);
const iso = (ms: number) => new Date(ms).toISOString();
