// Core domain: one 5-minute tick, in DESIGN.md's order: claim, halt checks, reconcile, market data,
// exits first, entries, persist and report. The handler, the local runners and the demo call this.
import { formatDailySummaryAlert, formatErrorAlert } from './alertText.js';
import { checkSeries, closedCandles, lastClosedCandleCloseMs } from './candles.js';
import type { TickCommand } from './commands.js';
import { liveGateProblem, quoteCurrency, type BotConfig } from './config.js';
import type { DecisionEngine, PortfolioView, PreparedSeries } from './engine/types.js';
import { OrderExecutor } from './orders.js';
import { ExchangeError, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort, type StorePort } from './ports.js';
import { sellableAmountBase } from './engine/precision.js';
import { utcDay } from './utcDay.js';
import type { OrderOutcome, PairResult, TickResult } from './tickResult.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Balances, type Candle, type DayCounters, type MarketInfo, type Pair, type Position } from './types.js';

/** Everything a tick needs, built once per process by the handler or a local runner. */
export interface TickDeps {
  config: BotConfig;
  exchange: ExchangePort;
  store: StorePort;
  engine: DecisionEngine;
  alerts: AlertsPort;
  clock: ClockPort;
  logger: LoggerPort;
  metrics: MetricsPort;
  /** Whether API keys are configured (the third live-trading gate). */
  hasKeys: boolean;
  /** Tuning for tests and demos (lookup delay after an ambiguous failure, pending grace). */
  orderTiming?: { lookupDelayMs?: number; pendingGraceMs?: number };
}

/** What triggered the tick. */
export interface TickInput {
  /** Scheduled time of the event (EventBridge `time`), else the clock's now. */
  scheduledTimeMs?: number;
  /** Unique id of this invocation (Lambda request id), the owner of the claim. */
  invocationId: string;
  /** An operator command instead of a scheduled decision. */
  command?: TickCommand;
}

/** Candles read per pair: Kraken serves at most 720. */
const MAX_CANDLES = 720;
/** One day of 5m candles, for the 24h quote volume used by the liquidity filter. */
const CANDLES_PER_DAY = 288;

interface PairData {
  pair: Pair;
  market?: MarketInfo;
  candles?: Candle[];
  series?: PreparedSeries;
  result: PairResult;
  /** (ask − bid) / mid from the ticker, when it could be read. */
  spreadFraction?: number;
  /** Exits may still run on a series whose only problem is an older gap; entries may not. */
  exitsAllowed: boolean;
  entriesAllowed: boolean;
}

/**
 * Runs one tick. Returns a `TickResult` describing every pair; throws only for bugs and
 * infrastructure failures (the store unreachable), which the handler reports as errors.
 */
export async function runTick(deps: TickDeps, input: TickInput): Promise<TickResult> {
  const { config, store, clock, logger, metrics } = deps;
  const mode = config.mode;
  const startedAtMs = clock.nowMs();
  const eventMs = input.scheduledTimeMs ?? startedAtMs;
  const candleCloseMs = lastClosedCandleCloseMs(Math.max(eventMs, startedAtMs - FIVE_MINUTES_MS + 1));
  const candleCloseIso = new Date(candleCloseMs).toISOString();
  const result: TickResult = {
    mode,
    candleCloseIso,
    status: 'completed',
    startedAtMs,
    finishedAtMs: startedAtMs,
    halt: { entries: false, exits: false, reasons: [] },
    reconciled: [],
    pairs: [],
    errors: [],
  };

  // Give the exchange a moment after the boundary so the candle we decide on has closed there too.
  const waitMs = candleCloseMs + config.tick.closeDelayMs - clock.nowMs();
  if (waitMs > 0 && !input.command) await clock.sleep(waitMs);

  // 1. Claim the candle (commands are idempotent by their request id instead).
  if (!input.command) {
    const claim = await store.claimTick(mode, candleCloseIso, input.invocationId, clock.nowMs(), config.tick.leaseMs);
    if (!claim.claimed) {
      logger.info('tick skipped: candle already claimed', { candleCloseIso, reason: claim.reason });
      metrics.add('TickSkipped', 'Count', 1);
      return { ...result, status: 'skipped', skipReason: claim.reason, finishedAtMs: clock.nowMs() };
    }
  }

  const orders = new OrderExecutor({
    mode,
    exchange: deps.exchange,
    store,
    alerts: deps.alerts,
    clock,
    logger,
    metrics,
    maxDailyLossQuote: config.limits.maxDailyLossQuote,
    validateOnly: mode === 'live' && config.validateOnly,
    ...deps.orderTiming,
  });

  // 2. Halt checks.
  const today = utcDay(clock.nowMs());
  const [control, dayAtStart] = await Promise.all([store.getControl(mode), store.getDay(mode, today)]);
  const gate = liveGateProblem(config, deps.hasKeys);
  if (control.halted) result.halt.reasons.push(`manual halt${control.reason ? `: ${control.reason}` : ''}`);
  if (dayAtStart.killSwitchTripped) result.halt.reasons.push(`daily loss kill switch tripped (${today})`);
  if (gate) result.halt.reasons.push(`live trading gate: ${gate}`);
  result.halt.entries = control.halted || dayAtStart.killSwitchTripped || gate !== undefined;
  result.halt.exits = (control.halted && control.haltExits) || gate !== undefined;

  // 3. Reconcile intents left PENDING by a tick that crashed or timed out. The positions are read
  // alongside the pending intents; only if there was something to reconcile are they read again.
  const [pending, positionsBefore] = await Promise.all([gate ? [] : store.listPendingIntents(mode), store.listPositions(mode)]);
  for (const intent of pending) {
    const outcome = await orders.reconcile(intent);
    result.reconciled.push(outcome);
    logger.info('reconciled pending order intent', { ...outcome });
  }

  // 4. Market data, per pair, in parallel.
  let positions = pending.length > 0 ? await store.listPositions(mode) : positionsBefore;
  const pairs = unique([...config.pairs, ...positions.map((p) => p.pair)]);
  let markets: Record<Pair, MarketInfo>;
  let balances: Balances;
  let feeRates: (number | undefined)[];
  try {
    [markets, balances, feeRates] = await Promise.all([
      deps.exchange.loadMarkets(pairs),
      deps.exchange.fetchBalances(),
      Promise.all(pairs.map((pair) => deps.exchange.fetchTakerFeeRate?.(pair).catch(() => undefined))),
    ]);
  } catch (err) {
    // Without markets or balances nothing can be decided safely: no trade this tick, and say why.
    // Pending intents stay PENDING and are reconciled by the next tick.
    if (!(err instanceof ExchangeError)) throw err;
    const detail = `exchange unavailable (${err.kind}): ${err.exchangeMessage ?? err.message}`;
    logger.error('no trading this tick: markets or balances could not be read', { detail });
    metrics.add('TickErrors', 'Count', 1);
    result.errors.push(detail);
    result.pairs = pairs.map((pair) => ({ pair, data: { ok: false, reason: 'fetch-failed', detail }, orders: [] }));
    result.finishedAtMs = clock.nowMs();
    if (!input.command) await store.completeTick(mode, candleCloseIso, input.invocationId, clock.nowMs(), summarize(result));
    return result;
  }
  // The recent trades (for the protections) are read while the candles load.
  const [data, recentTrades] = await Promise.all([
    Promise.all(pairs.map((pair) => loadPair(deps, pair, markets[pair], candleCloseMs))),
    store.listTrades(mode, clock.nowMs() - config.tick.tradeLookbackMs, clock.nowMs()),
  ]);
  result.pairs = data.map((d) => d.result);

  const portfolio = buildPortfolio(config, clock.nowMs(), balances, positions, dayAtStart, markets, data, feeRates, pairs);
  portfolio.recentTrades = recentTrades.filter((t) => t.realizedPnlQuote !== undefined);

  if (input.command) {
    result.command = await runCommand(deps, orders, input.command, data, portfolio, candleCloseIso);
  } else {
    // 5. Exits first.
    for (const d of data) {
      const position = positions.find((p) => p.pair === d.pair);
      if (!position) continue;
      if (result.halt.exits) {
        d.result.exit = { decision: 'skipped', reason: `halted: ${result.halt.reasons.join('; ')}` };
        continue;
      }
      if (!d.exitsAllowed || !d.series || !d.market) {
        d.result.exit = { decision: 'skipped', reason: d.result.data.ok ? 'no market' : `market data: ${d.result.data.reason}` };
        continue;
      }
      const i = d.series.candles.length - 1;
      const decision = deps.engine.checkExit(position, d.series, i, clock.nowMs(), portfolio.freeBase[d.market.base] ?? 0, d.market);
      if (decision.action === 'hold') {
        d.result.exit = { decision: 'hold', explanation: decision.explanation, ...(decision.blocked ? { blocked: decision.blocked } : {}) };
        if (decision.updated && !(await store.updatePosition(decision.updated, position.version))) {
          logger.warn('position changed while updating its trailing stop; will retry next tick', { pair: d.pair });
        }
        continue;
      }
      d.result.exit = { decision: 'sell', reason: decision.reason, triggerPrice: decision.triggerPrice, explanation: decision.explanation };
      const outcome = await orders.place(
        { side: 'sell', pair: d.pair, reason: decision.reason, decidedOn: candleCloseIso, amountBase: decision.amountBase },
        candleCloseIso,
      );
      d.result.orders.push(outcome);
      if (outcome.status === 'filled') applyFillToPortfolio(portfolio, d.market, outcome);
    }

    // 6. Entries, for pairs without a position (re-read only if an exit order went out).
    if (data.some((d) => d.result.orders.length > 0)) {
      positions = await store.listPositions(mode);
      portfolio.openPositions = positions;
    }
    for (const d of data) {
      if (positions.some((p) => p.pair === d.pair) || d.result.orders.length > 0) continue;
      if (!d.entriesAllowed || !d.series || !d.market) continue;
      if (result.halt.entries) {
        d.result.entry = { decision: 'none', stage: 'halt', rule: 'halt', reason: result.halt.reasons.join('; '), explanation: {} };
        continue;
      }
      await enterIfAdvised(deps, orders, d, portfolio, candleCloseIso, today);
    }
  }

  // 7. Persist and report. Positions and balances change only through orders: without any this
  // tick, the ones read at its start are still current (one signed balance call saved per quiet tick).
  const traded = data.some((d) => d.result.orders.length > 0) || (result.command?.outcome.length ?? 0) > 0;
  const [finalPositions, finalBalances] = traded
    ? await Promise.all([store.listPositions(mode), safeBalances(deps)])
    : [positions, balances];
  result.equityQuote = equityOf(portfolio.quote, finalBalances, finalPositions, portfolio.lastPrice);
  result.finishedAtMs = clock.nowMs();
  metrics.add('OpenPositions', 'Count', finalPositions.length);
  if (result.equityQuote !== undefined) metrics.add('EquityQuote', 'None', result.equityQuote);
  // The heartbeat counts scheduled ticks only: a schedule pointed at a command must not keep the
  // "no completed tick" alarm green while exits stop.
  if (!input.command) metrics.add('TickCompleted', 'Count', 1);
  // The first candle of a UTC day closes at 00:05; its tick (claimed once) reports the day before.
  if (!input.command && candleCloseMs % ONE_DAY_MS === FIVE_MINUTES_MS) {
    await sendDailySummary(deps, candleCloseMs - FIVE_MINUTES_MS - ONE_DAY_MS, finalPositions, result.equityQuote);
  }
  if (!input.command) await store.completeTick(mode, candleCloseIso, input.invocationId, clock.nowMs(), summarize(result));
  const orderCount = result.pairs.reduce((n, p) => n + p.orders.length, 0) + (result.command?.outcome.length ?? 0);
  logger.info(input.command ? 'command completed' : 'tick completed', { candleCloseIso, orders: orderCount, halt: result.halt });
  return result;
}

/** Sends the summary of one finished UTC day; a failure to read it is logged, never fatal. */
async function sendDailySummary(deps: TickDeps, dayStartMs: number, positions: Position[], equityQuote: number | undefined): Promise<void> {
  const day = utcDay(dayStartMs);
  try {
    const [counters, trades] = await Promise.all([
      deps.store.getDay(deps.config.mode, day),
      deps.store.listTrades(deps.config.mode, dayStartMs, dayStartMs + ONE_DAY_MS - 1),
    ]);
    await deps.alerts.send(
      formatDailySummaryAlert(deps.config.mode, {
        day: counters,
        fills: trades.length,
        feesQuote: trades.reduce((sum, t) => sum + t.feeQuote, 0),
        openPositions: positions.map((p) => p.pair),
        equityQuote,
        quote: quoteCurrency(deps.config),
      }),
    );
  } catch (err) {
    deps.logger.warn('daily summary not sent', { day, error: (err as Error).message });
  }
}

/** Fetches and checks one pair's candles; never throws (a bad pair is skipped with a reason). */
async function loadPair(deps: TickDeps, pair: Pair, market: MarketInfo | undefined, candleCloseMs: number): Promise<PairData> {
  const d: PairData = { pair, result: { pair, data: { ok: false, reason: 'empty', detail: '' }, orders: [] }, exitsAllowed: false, entriesAllowed: false };
  if (!market) {
    d.result.data = { ok: false, reason: 'market-inactive', detail: `${pair} is not listed by the exchange` };
    deps.logger.warn('no trade for pair: market unknown', { pair });
    return d;
  }
  d.market = market;
  let raw: Candle[];
  // The ticker only feeds the spread filter: without it that rule is skipped, nothing else.
  const ticker = deps.exchange.fetchTicker(pair).catch(() => undefined);
  try {
    raw = await deps.exchange.fetchCandles5m(pair, candleCloseMs - MAX_CANDLES * FIVE_MINUTES_MS);
    const t = await ticker;
    if (t && t.bid > 0 && t.ask >= t.bid) d.spreadFraction = (t.ask - t.bid) / ((t.ask + t.bid) / 2);
  } catch (err) {
    const detail = err instanceof ExchangeError ? `${err.kind}: ${err.message}` : String((err as Error).message);
    d.result.data = { ok: false, reason: 'fetch-failed', detail };
    deps.logger.warn('no trade for pair: candles could not be fetched', { pair, detail });
    return d;
  }
  const closed = closedCandles(raw, candleCloseMs).slice(-MAX_CANDLES);
  const problem = checkSeries(closed, candleCloseMs, deps.config.tick.gapWindowCandles);
  if (problem && problem.kind !== 'gap') {
    const detail =
      problem.kind === 'stale'
        ? `last closed candle opens ${iso(problem.lastOpenTimeMs)}, expected ${iso(problem.expectedOpenTimeMs)}`
        : problem.kind === 'malformed'
          ? `candle ${problem.index}: ${problem.detail}`
          : 'no candles';
    d.result.data = { ok: false, reason: problem.kind, detail };
    deps.logger.warn('no trade for pair: market data unusable', { pair, reason: problem.kind, detail });
    return d;
  }
  d.candles = closed;
  d.series = deps.engine.prepare(pair, closed);
  d.exitsAllowed = true;
  if (problem?.kind === 'gap') {
    d.result.data = { ok: false, reason: 'gap', detail: `${problem.gaps} gap(s), ${problem.missing} candle(s) missing in the last ${deps.config.tick.gapWindowCandles}` };
    deps.logger.warn('no entry for pair: gap in recent candles', { pair, gaps: problem.gaps, missing: problem.missing });
    return d;
  }
  if (!market.active) {
    d.result.data = { ok: false, reason: 'market-inactive', detail: `${pair} does not accept market orders now` };
    return d;
  }
  if (closed.length < deps.engine.warmupCandles) {
    d.result.data = { ok: false, reason: 'warming-up', detail: `${closed.length} closed candles, the engine needs ${deps.engine.warmupCandles}` };
    return d;
  }
  d.entriesAllowed = true;
  d.result.data = {
    ok: true,
    lastCandleOpenIso: iso(closed[closed.length - 1]!.openTimeMs),
    closedCandles: closed.length,
    droppedForming: raw.length - closedCandles(raw, candleCloseMs).length,
  };
  return d;
}

/** Strategy and risk for one pair, then the atomic daily reservation, then the order protocol. */
async function enterIfAdvised(
  deps: TickDeps,
  orders: OrderExecutor,
  d: PairData,
  portfolio: PortfolioView,
  candleCloseIso: string,
  today: string,
): Promise<void> {
  const series = d.series!;
  const decision = deps.engine.checkEntry(series, series.candles.length - 1, portfolio);
  if (decision.action === 'none') {
    d.result.entry = {
      decision: 'none',
      stage: decision.stage,
      rule: decision.rule,
      reason: decision.reason,
      explanation: decision.explanation,
      ...(decision.signal ? { signal: decision.signal } : {}),
    };
    return;
  }
  const reserve = await deps.store.reserveEntry(deps.config.mode, today, d.pair, deps.config.limits);
  if (!reserve.reserved) {
    d.result.entry = { decision: 'none', stage: 'limits', rule: reserve.reason, reason: limitText(reserve.reason), explanation: { day: today } };
    return;
  }
  d.result.entry = { decision: 'buy', costQuote: decision.costQuote, referencePrice: decision.referencePrice, signal: decision.signal, checks: decision.checks };
  const outcome = await orders.place(
    { side: 'buy', pair: d.pair, reason: 'entry', decidedOn: candleCloseIso, costQuote: decision.costQuote, entryPlan: decision.plan, referencePrice: decision.referencePrice, reservedDay: today },
    candleCloseIso,
  );
  d.result.orders.push(outcome);
  if (outcome.status === 'filled') applyFillToPortfolio(portfolio, d.market!, outcome);
}

/** force-entry / force-exit / flatten: same risk checks and order protocol as scheduled decisions. */
async function runCommand(
  deps: TickDeps,
  orders: OrderExecutor,
  command: TickCommand,
  data: PairData[],
  portfolio: PortfolioView,
  candleCloseIso: string,
): Promise<NonNullable<TickResult['command']>> {
  const { store, config, clock } = deps;
  const mode = config.mode;
  const decidedOn = `cmd:${command.requestId}`;
  const out: NonNullable<TickResult['command']> = { kind: command.command, requestId: command.requestId, outcome: [] };
  const gate = liveGateProblem(config, deps.hasKeys);
  if (gate) return { ...out, refused: `live trading gate: ${gate}` };

  if (command.command === 'flatten') {
    await store.setControl(mode, { halted: true, haltExits: false, reason: `flatten ${command.requestId}`, updatedAtMs: clock.nowMs() });
    for (const position of await store.listPositions(mode)) {
      const d = data.find((x) => x.pair === position.pair);
      const amountBase = sellableAmount(position, d?.market, portfolio);
      if (amountBase <= 0) continue;
      out.outcome.push(await orders.place({ side: 'sell', pair: position.pair, reason: 'flatten', decidedOn, amountBase }, candleCloseIso));
    }
    return out;
  }

  const d = data.find((x) => x.pair === command.pair);
  if (!d?.market) return { ...out, refused: `${command.pair} is not a known market` };
  const position = await store.getPosition(mode, command.pair);

  if (command.command === 'force-exit') {
    if (!position) return { ...out, refused: `no open position in ${command.pair}` };
    const amountBase = sellableAmount(position, d.market, portfolio, command.amountBase);
    if (amountBase <= 0) return { ...out, refused: 'amount below the market minimum or nothing free to sell' };
    out.outcome.push(await orders.place({ side: 'sell', pair: command.pair, reason: 'force-exit', decidedOn, amountBase }, candleCloseIso));
    return out;
  }

  // force-entry
  const [control, day] = await Promise.all([store.getControl(mode), store.getDay(mode, utcDay(clock.nowMs()))]);
  if (control.halted) return { ...out, refused: `halted${control.reason ? `: ${control.reason}` : ''}` };
  if (day.killSwitchTripped) return { ...out, refused: 'daily loss kill switch tripped' };
  if (position) return { ...out, refused: `a position in ${command.pair} is already open` };
  if (!d.series || !d.entriesAllowed) return { ...out, refused: `market data: ${d.result.data.ok ? 'not ready' : d.result.data.detail || d.result.data.reason}` };
  const decision = deps.engine.checkForcedEntry(d.series, d.series.candles.length - 1, portfolio, command.amountQuote);
  if (decision.action === 'none') return { ...out, refused: `${decision.rule}: ${decision.reason}` };
  const today = utcDay(clock.nowMs());
  const reserve = await store.reserveEntry(mode, today, command.pair, config.limits);
  if (!reserve.reserved) return { ...out, refused: limitText(reserve.reason) };
  out.outcome.push(
    await orders.place(
      { side: 'buy', pair: command.pair, reason: 'force-entry', decidedOn, costQuote: decision.costQuote, entryPlan: decision.plan, referencePrice: decision.referencePrice, reservedDay: today },
      candleCloseIso,
    ),
  );
  return out;
}

/** What can be sold of a position: capped by the free balance, on the precision grid, above the minimum. */
function sellableAmount(position: Position, market: MarketInfo | undefined, portfolio: PortfolioView, requested?: number): number {
  if (!market) return 0;
  const free = portfolio.freeBase[market.base] ?? 0;
  const amount = sellableAmountBase(Math.min(requested ?? position.amountBase, position.amountBase), free, market);
  return amount >= market.minAmountBase ? amount : 0;
}

function buildPortfolio(
  config: BotConfig,
  nowMs: number,
  balances: Balances,
  positions: Position[],
  day: DayCounters,
  markets: Record<Pair, MarketInfo>,
  data: PairData[],
  feeRates: (number | undefined)[],
  pairs: Pair[],
): PortfolioView {
  const quote = quoteCurrency(config);
  const lastPrice: Record<Pair, number> = {};
  const quoteVolume24h: Record<Pair, number | undefined> = {};
  const takerFeeRate: Record<Pair, number> = {};
  const spreadFraction: Record<Pair, number | undefined> = {};
  pairs.forEach((pair, k) => {
    const d = data[k]!;
    const candles = d.candles;
    if (candles && candles.length) {
      lastPrice[pair] = candles[candles.length - 1]!.close;
      const dayCandles = candles.slice(-CANDLES_PER_DAY);
      quoteVolume24h[pair] = dayCandles.length === CANDLES_PER_DAY ? dayCandles.reduce((s, c) => s + c.volume * c.close, 0) : undefined;
    }
    // Only the account's real rate goes here; without it the engine falls back to the market's
    // rate or the configured one, whichever is higher (ccxt's built-in Kraken fees are outdated).
    spreadFraction[pair] = d.spreadFraction;
    const accountRate = feeRates[k];
    if (accountRate !== undefined) takerFeeRate[pair] = accountRate;
  });
  const freeBase: Record<string, number> = {};
  for (const [asset, b] of Object.entries(balances)) if (asset !== quote) freeBase[asset] = b.free;
  return {
    nowMs,
    quote,
    equityQuote: equityOf(quote, balances, positions, lastPrice) ?? 0,
    freeQuote: balances[quote]?.free ?? 0,
    freeBase,
    openPositions: positions,
    lastPrice,
    day,
    recentTrades: [],
    markets,
    takerFeeRate,
    quoteVolume24h,
    spreadFraction,
  };
}

/** Equity the bot manages: quote balance plus its open positions at the last price. */
function equityOf(quote: string, balances: Balances | undefined, positions: Position[], lastPrice: Record<Pair, number>): number | undefined {
  if (!balances) return undefined;
  let equity = balances[quote]?.total ?? 0;
  for (const p of positions) equity += p.amountBase * (lastPrice[p.pair] ?? p.entryPrice);
  return equity;
}

/** Keeps the in-tick portfolio view current after a fill so later entries size on what is left. */
function applyFillToPortfolio(portfolio: PortfolioView, market: MarketInfo, o: OrderOutcome): void {
  const cost = o.costQuote ?? 0;
  const fee = o.feeQuote ?? 0;
  const amount = o.amountBase ?? 0;
  if (o.side === 'buy') {
    portfolio.freeQuote -= cost + fee;
    portfolio.freeBase[market.base] = (portfolio.freeBase[market.base] ?? 0) + amount;
  } else {
    portfolio.freeQuote += cost - fee;
    portfolio.freeBase[market.base] = Math.max(0, (portfolio.freeBase[market.base] ?? 0) - amount);
  }
}

async function safeBalances(deps: TickDeps): Promise<Balances | undefined> {
  try {
    return await deps.exchange.fetchBalances();
  } catch (err) {
    deps.logger.warn('could not read balances at the end of the tick', { error: (err as Error).message });
    return undefined;
  }
}

/** The compact summary stored with the claim for `kbot status`. */
function summarize(r: TickResult): unknown {
  return {
    candleCloseIso: r.candleCloseIso,
    halt: r.halt,
    equityQuote: r.equityQuote,
    orders: r.pairs.flatMap((p) => p.orders.map((o) => ({ pair: o.pair, side: o.side, reason: o.reason, status: o.status }))),
    skipped: r.pairs.filter((p) => !p.data.ok).map((p) => ({ pair: p.pair, reason: p.data.ok ? '' : p.data.reason })),
    reconciled: r.reconciled.length,
    errors: r.errors,
  };
}

function limitText(reason: 'daily-trade-cap' | 'pair-trade-cap' | 'kill-switch'): string {
  return reason === 'daily-trade-cap'
    ? 'daily trade cap reached'
    : reason === 'pair-trade-cap'
      ? 'daily trade cap for this pair reached'
      : 'daily loss kill switch tripped';
}

const iso = (ms: number) => new Date(ms).toISOString();
const unique = <T>(xs: T[]) => [...new Set(xs)];

/** Reports an unexpected tick failure as an alert (used by the handler's error path). */
export { formatErrorAlert };
