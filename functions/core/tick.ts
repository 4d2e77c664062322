// Core domain: one 5-minute tick, in DESIGN.md's order: claim, halt checks, reconcile, market data,
// the books (Kraken's holdings against the positions), exits first, entries, persist and report.
// The handler, the local runners and the demo call this.
import {
  formatAuthAlert,
  formatDailySummaryAlert,
  formatDustAlert,
  formatErrorAlert,
  formatExitBlockedAlert,
  formatHoldingsMismatchAlert,
} from './alertText.js';
import { checkSeries, closedCandles, lastClosedCandleCloseMs } from './candles.js';
import { bookkeepingIdFor } from './clientOrderId.js';
import type { TickCommand } from './commands.js';
import { liveGateProblem, quoteCurrency, type BotConfig } from './config.js';
import { exitAtPrice } from './engine/mentalExit.js';
import { baseOf } from './engine/risk/exposure.js';
import type { DecisionEngine, PortfolioView, PreparedSeries } from './engine/types.js';
import { compareHoldings, mismatchSignature, ownFreeBase, writeOffRefusal } from './holdings.js';
import { writeJournal } from './journal.js';
import type { TradeFilterLoader } from './learning/liveFilter.js';
import { OrderExecutor, limitText } from './orders.js';
import { runReconcile } from './reconcileCommand.js';
import type { MarginExchangePort, MarginStorePort } from './shorts/marginPorts.js';
import { flattenShorts, runShortBook } from './shorts/shortBook.js';
import { applyFeeInBase, belowMinimum, dustWriteOff, sellableAmount } from './positionLifecycle.js';
import { ExchangeError, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort, type ReferencePricePort, type StorePort } from './ports.js';
import { utcDay } from './utcDay.js';
import { tickUniverse, type TickUniverse } from './universe/tickUniverse.js';
import { topLevels, type BookLevel, type MarketSnapshot } from './market/marketSnapshot.js';
import { attachSnapshots, recordsSnapshots, snapshotLookbackMs } from './market/recorder.js';
import type { HoldingsCheck, OrderOutcome, PairResult, TickResult } from './tickResult.js';
import {
  FIVE_MINUTES_MS,
  ONE_DAY_MS,
  ONE_HOUR_MS,
  type Balances,
  type Candle,
  type DayCounters,
  type ExitReason,
  type HoldingsRecord,
  type MarketInfo,
  type OrderIntent,
  type Pair,
  type Position,
  type Ticker,
} from './types.js';

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
  /** The reference exchange of the premium gap, when `market.reference.enabled`. */
  reference?: ReferencePricePort;
  /** The learned trade filter's loader when `learning.enabled` (built once per process: it caches the model). */
  tradeFilter?: TradeFilterLoader;
  /** Tuning for tests and demos (lookup delay after an ambiguous failure, pending grace, deadline). */
  orderTiming?: { lookupDelayMs?: number; pendingGraceMs?: number; deadlineMs?: number; writeOffMarginMs?: number; orphanSlotMs?: number };
  /** The margin side for `shorts.enabled` (the signed Kraken adapter and the store); absent, shorts are refused. */
  shorts?: { margin: MarginExchangePort; store: StorePort & MarginStorePort };
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
/** "Alert once" markers: a blocked exit or a mismatch alerts again after this if still there. */
const INCIDENT_TTL_MS = 7 * ONE_DAY_MS;

interface PairData {
  pair: Pair;
  market?: MarketInfo;
  candles?: Candle[];
  series?: PreparedSeries;
  ticker?: Ticker;
  result: PairResult;
  /** (ask − bid) / mid from the ticker, when it could be read. */
  spreadFraction?: number;
  /** Exits may still run on a series whose only problem is an older gap; entries may not. */
  exitsAllowed: boolean;
  entriesAllowed: boolean;
}

/** A read that may fail without stopping the tick. */
type Read<T> = { ok: true; value: T } | { ok: false; error: ExchangeError };

/**
 * Runs one tick. Returns a `TickResult` describing every pair; throws only for bugs and
 * infrastructure failures (the store unreachable), which the handler reports as errors. A failed
 * exchange read never stops the exits: without balances an exit sells the recorded amount, without
 * candles it is decided on the ticker's price, and one bad pair is skipped and named.
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
    holdings: [],
    locks: [],
    errors: [],
  };

  // No fixed sleep by default: fetchCommittedCandles checks that Kraken has committed the candle.
  // An operator may still ask for an extra delay (tick.closeDelayMs).
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

  // 2. Halt checks, and everything the bot remembers (read together).
  const today = utcDay(clock.nowMs());
  const [control, dayAtStart, unresolvedAtStart, positionsAtStart, holdingsRecords, lastTick, storedUniverse] = await Promise.all([
    store.getControl(mode),
    store.getDay(mode, today),
    store.listUnresolvedIntents(mode, clock.nowMs()).then(spotIntents),
    store.listPositions(mode),
    store.listHoldings(mode),
    input.command ? Promise.resolve(undefined) : store.getLastTick(mode),
    config.universe && store.getUniverse ? store.getUniverse(mode) : Promise.resolve(undefined),
  ]);
  const gate = liveGateProblem(config, deps.hasKeys);
  if (control.halted) result.halt.reasons.push(`manual halt${control.reason ? `: ${control.reason}` : ''}`);
  if (dayAtStart.killSwitchTripped) result.halt.reasons.push(`daily loss kill switch tripped (${today})`);
  if (gate) result.halt.reasons.push(`live trading gate: ${gate}`);
  result.halt.entries = control.halted || dayAtStart.killSwitchTripped || gate !== undefined;
  result.halt.exits = (control.halted && control.haltExits) || gate !== undefined;

  // The pairs to trade: the list, or the universe (rebuilt when older than its refreshHours). Pairs
  // held but no longer traded are read too: their positions keep their exits.
  let universe: TickUniverse | undefined;
  if (config.universe) {
    universe = await tickUniverse(deps, config.universe, storedUniverse, clock.nowMs());
    result.universe = universe.status;
  }
  const tradePairs = new Set(universe ? universe.pairs : config.pairs);

  // 3. Markets load while the unresolved intents are reconciled (a crashed or timed-out tick's
  // orders, orders that were still open, written-off ones being re-checked).
  const pairs = unique([...tradePairs, ...positionsAtStart.map((p) => p.pair)]);
  const marketsRead = read(() => deps.exchange.loadMarkets(pairs));
  // Public market data (candles, tickers) does not depend on the private reads below: it loads
  // meanwhile (Kraken limits the two separately), per pair, every ticker from one call.
  const held = new Set([...positionsAtStart.map((p) => p.pair), ...unresolvedAtStart.filter((i) => i.side === 'buy').map((i) => i.pair)]);
  const dataRead = marketsRead.then((m) => {
    const marketMap: Record<Pair, MarketInfo> = m.ok ? m.value : {};
    const tickers = deps.exchange.fetchTickers ? deps.exchange.fetchTickers(pairs).catch(() => undefined) : Promise.resolve(undefined);
    return Promise.all(pairs.map((pair) => loadPair(deps, pair, marketMap[pair], m.ok, held.has(pair), candleCloseMs, tickers)));
  });
  // The market recorder (when a strategy needs snapshots, or market.record is always): the book's
  // top levels per pair and the reference exchange's prices, read beside the candles, and the
  // snapshots recorded by the last ticks (the spread compression's history).
  const recording = recordsSnapshots(config) && !input.command && deps.exchange.fetchOrderBook !== undefined;
  const bookLevels = Math.max(config.market.bookLevels, config.strategies.microstructure.bookLevels);
  const booksRead: Promise<({ bids: readonly BookLevel[]; asks: readonly BookLevel[] } | undefined)[]> = recording
    ? marketsRead.then(() =>
        Promise.all(
          pairs.map((pair) =>
            deps.exchange.fetchOrderBook!(pair, bookLevels).catch((err: Error) => {
              logger.warn('no market snapshot for pair: the order book could not be read', { pair, error: err.message });
              return undefined;
            }),
          ),
        ),
      )
    : Promise.resolve([]);
  const referenceRead: Promise<Record<Pair, number>> =
    recording && deps.reference
      ? deps.reference.fetchMidPrices(pairs).catch((err: Error) => {
          logger.warn('the reference exchange could not be read: no premium gap this tick', { exchange: deps.reference!.name, error: err.message });
          return {};
        })
      : Promise.resolve({});
  const recentSnapshotsRead: Promise<MarketSnapshot[]> =
    recording && store.listSnapshots ? store.listSnapshots(mode, candleCloseMs - snapshotLookbackMs(config), candleCloseMs - 1).catch(() => []) : Promise.resolve([]);
  if (!gate) {
    const writeOffCheck = (intent: OrderIntent) => writeOffEvidence(deps, marketsRead, intent);
    for (const intent of unresolvedAtStart) {
      const outcome = await orders.reconcile(intent, { allowFail: true, writeOffCheck });
      result.reconciled.push(outcome);
      logger.info('reconciled order intent', { ...outcome });
    }
    await repairReservations(deps, dayAtStart, unresolvedAtStart);
    // A crash in the day's last minutes leaves its reservation on yesterday's counters, which
    // today's ticks never read otherwise: look at them through the first hour of the day.
    const dayStartMs = Math.floor(clock.nowMs() / ONE_DAY_MS) * ONE_DAY_MS;
    if (clock.nowMs() - dayStartMs < ONE_HOUR_MS) {
      await repairReservations(deps, await store.getDay(mode, utcDay(dayStartMs - 1)), unresolvedAtStart);
    }
  }
  const changed = result.reconciled.some((r) => r.result !== 'still-pending' && !(r.result === 'written-off' && r.detail === 'next re-check later'));
  const [markets, positionsNow, unresolved] = await Promise.all([
    marketsRead,
    changed ? store.listPositions(mode) : positionsAtStart,
    changed ? store.listUnresolvedIntents(mode, clock.nowMs()).then(spotIntents) : unresolvedAtStart,
  ]);
  let positions = positionsNow;

  // 4. Balances and fee rates, read after reconciling so Kraken's holdings and the positions both
  // include every order settled above.
  const [balancesRead, feeRates] = await Promise.all([
    read(() => deps.exchange.fetchBalances()),
    Promise.all(pairs.map((pair) => deps.exchange.fetchTakerFeeRate?.(pair).catch(() => undefined))),
  ]);
  for (const r of [markets, balancesRead]) if (!r.ok) await reportReadFailure(deps, r.error, result, clock.nowMs());
  const marketMap: Record<Pair, MarketInfo> = markets.ok ? markets.value : {};
  const balances: Balances | undefined = balancesRead.ok ? balancesRead.value : undefined;
  if (balances && !balancesLookSane(balances)) {
    // An empty or garbled balance reply is not "the account is empty".
    await reportReadFailure(deps, new ExchangeError('unavailable', 'the balance reply held no assets; treated as unreadable', undefined, true), result, clock.nowMs());
  }
  const balancesKnown = balances !== undefined && balancesLookSane(balances);

  // 5. Market data per pair (loading since step 3).
  const [data, recentTrades, books, referencePrices, recentSnapshots] = await Promise.all([
    dataRead,
    store.listTrades(mode, clock.nowMs() - config.tick.tradeLookbackMs, clock.nowMs()),
    booksRead,
    referenceRead,
    recentSnapshotsRead,
  ]);
  result.pairs = data.map((d) => d.result);
  const snapshots: MarketSnapshot[] = [];
  pairs.forEach((pair, k) => {
    const book = books[k];
    if (!book) return;
    const reference = referencePrices[pair];
    snapshots.push({ pair, closeMs: candleCloseMs, ...topLevels(book, bookLevels), ...(reference !== undefined && reference > 0 ? { referencePrice: reference } : {}) });
  });
  if (recording) {
    for (const d of data) if (d.series && d.candles) attachSnapshots(d.series, d.candles, d.pair, [...recentSnapshots, ...snapshots]);
    result.market = { snapshots: snapshots.length, referencePrices: snapshots.filter((x) => x.referencePrice !== undefined).length, ...(deps.reference ? { reference: deps.reference.name } : {}) };
  }

  // 6. The books: pairs with an order in flight, written-off buys being re-checked, and Kraken's
  // holdings against the positions.
  // An unresolved order locks its side of the pair: a pending buy takes no second buy, a pending
  // sell no second sell (the position's exit is in flight); stops still run beside a pending buy.
  const inFlight = { buy: new Map<Pair, OrderIntent>(), sell: new Map<Pair, OrderIntent>() };
  const recheckBuys = new Set<Pair>();
  const recheckSells = new Set<Pair>();
  for (const i of unresolved) {
    if (i.status === 'PENDING') inFlight[i.side].set(i.pair, i);
    else (i.side === 'buy' ? recheckBuys : recheckSells).add(i.pair);
  }
  const holdings = new Map(holdingsRecords.map((h) => [h.asset, h]));
  const mismatched = new Set<string>();
  const assetOf = (pair: Pair) => marketMap[pair]?.base ?? baseOf(pair);
  for (const asset of unique(pairs.map(assetOf))) {
    const assetPairs = pairs.filter((p) => assetOf(p) === asset);
    const market = assetPairs.map((p) => marketMap[p]).find((m) => m !== undefined);
    const record = holdings.get(asset);
    const dustIds = new Set(record?.dustPositionIds ?? []);
    const assetPositions = positions.filter((p) => assetOf(p.pair) === asset && !dustIds.has(p.entryClientOrderId));
    const verdict = compareHoldings({
      asset,
      balance: balances?.[asset],
      balancesKnown,
      record,
      positions: assetPositions,
      lotBase: 10 ** -(market?.amountDecimals ?? 8),
      inFlight: assetPairs.some((p) => inFlight.buy.has(p) || inFlight.sell.has(p)),
    });
    result.holdings.push(verdict.check);
    if (verdict.createRecord) {
      const created: HoldingsRecord = { mode, asset, ...verdict.createRecord, updatedAtMs: clock.nowMs(), version: 0 };
      if (await store.putHoldings(created, -1)) holdings.set(asset, { ...created, version: 0 });
      logger.info('holdings: first check of an asset', { asset, externalBase: created.externalBase, botBase: verdict.check.botBase });
    }
    if (verdict.feeInBase) {
      const corrected = applyFeeInBase(verdict.feeInBase.position, verdict.feeInBase.feeBase);
      if (await store.updatePosition(corrected, verdict.feeInBase.position.version)) {
        positions = positions.map((p) => (p.pair === corrected.pair ? { ...corrected, version: p.version + 1 } : p));
        logger.warn('holdings: a buy\'s fee was taken in base; position corrected', { asset, feeBase: verdict.feeInBase.feeBase });
      }
    }
    if (verdict.check.status === 'mismatch') {
      mismatched.add(asset);
      logger.error('holdings mismatch: Kraken and the positions disagree', { ...verdict.check });
      if (await store.markOnce(mode, `mismatch#${mismatchSignature(verdict.check)}`, clock.nowMs(), INCIDENT_TTL_MS)) {
        await deps.alerts.send(
          formatHoldingsMismatchAlert(mode, {
            asset,
            krakenBase: verdict.check.krakenBase ?? 0,
            externalBase: verdict.check.externalBase ?? 0,
            dustBase: verdict.check.dustBase ?? 0,
            botBase: verdict.check.botBase,
            diffBase: verdict.check.diffBase ?? 0,
            pairs: assetPairs,
          }),
        );
      }
    }
  }
  // What Kraken holds of a position's asset beyond the owner's coins, the dust and the asset's other
  // positions: the most a leftover of this position can leave behind as dust (undefined: unknown).
  const dustRoom = (position: Position): number | undefined => {
    if (!balancesKnown) return undefined;
    const asset = assetOf(position.pair);
    const record = holdings.get(asset);
    const others = positions.filter((p) => p.pair !== position.pair && assetOf(p.pair) === asset).reduce((sum, p) => sum + p.amountBase, 0);
    return Math.max(0, (balances![asset]?.total ?? 0) - (record?.externalBase ?? 0) - (record?.dustBase ?? 0) - others);
  };
  const ownFree = (pair: Pair): number | undefined => (balancesKnown ? ownFreeBase(balances![assetOf(pair)], holdings.get(assetOf(pair))) : undefined);
  for (const d of data) {
    const pending = inFlight.buy.get(d.pair);
    const reason = pending
      ? `${pending.side} ${pending.reason} ${pending.clientOrderId} is not final yet`
      : recheckBuys.has(d.pair)
        ? 'a written-off buy is being re-checked (24 h)'
        : mismatched.has(assetOf(d.pair))
          ? `holdings mismatch on ${assetOf(d.pair)}`
          : undefined;
    if (reason) result.locks.push({ pair: d.pair, reason });
  }
  const lockOf = (pair: Pair) => result.locks.find((l) => l.pair === pair)?.reason;

  const portfolio = buildPortfolio(config, clock.nowMs(), balances ?? {}, positions, dayAtStart, marketMap, data, feeRates, pairs, unresolved);
  portfolio.recentTrades = recentTrades.filter((t) => t.realizedPnlQuote !== undefined);
  if (universe) portfolio.universeTiers = universe.tiers;
  for (const d of data) portfolio.freeBase[assetOf(d.pair)] = ownFree(d.pair) ?? 0;
  const tradingReadable = markets.ok && balancesKnown;
  // The learned filter (docs/learning.md): the promoted model, or a pass-through that says why not.
  if (deps.tradeFilter && !input.command) {
    const learned = await deps.tradeFilter.load(deps, clock.nowMs());
    portfolio.tradeFilter = learned.filter;
    result.learning = learned.status;
  }

  if (input.command?.command === 'reconcile') {
    const dataOf = (pair: Pair) => data.find((x) => x.pair === pair);
    const { report, refused } = await runReconcile(deps, input.command, {
      mode,
      nowMs: clock.nowMs(),
      holdings: result.holdings,
      records: holdings,
      positions,
      assetOf,
      market: (pair) => dataOf(pair)?.market,
      price: (pair) => portfolio.lastPrice[pair],
      series: (pair) => dataOf(pair)?.series,
    });
    result.command = { kind: 'reconcile', requestId: input.command.requestId, outcome: [], reconcile: report, ...(refused ? { refused } : {}) };
  } else if (input.command) {
    result.command = await runCommand(deps, orders, input.command, data, portfolio, positions, candleCloseIso, { ownFree, inFlight, tradingReadable, lockOf });
  } else {
    // 7. Exits first.
    for (const d of data) {
      const position = positions.find((p) => p.pair === d.pair);
      if (!position) continue;
      if (result.halt.exits) {
        d.result.exit = { decision: 'skipped', reason: `halted: ${result.halt.reasons.join('; ')}` };
        continue;
      }
      const pending = inFlight.sell.get(d.pair);
      if (pending) {
        d.result.exit = { decision: 'skipped', reason: `exit in flight: ${pending.reason} ${pending.clientOrderId} is not final yet` };
        continue;
      }
      // A sell written off in the last day may still turn up executed: without the balance to show
      // the coins are there, selling the recorded amount again could sell the owner's.
      const blind = !balancesKnown && recheckSells.has(d.pair) ? 'balances could not be read and a written-off sell of this pair is being re-checked' : undefined;
      const outcome = await exitPosition(deps, orders, d, position, ownFree(d.pair), candleCloseIso, holdings, { blind, dustRoom: dustRoom(position) });
      if (outcome && outcome.status === 'filled' && d.market) applyFillToPortfolio(portfolio, d.market, outcome);
    }

    // 8. Entries, for pairs without a position (re-read only if an exit order went out).
    if (data.some((d) => d.result.orders.length > 0 || d.result.exit?.decision === 'dust')) {
      positions = await store.listPositions(mode);
      portfolio.openPositions = [...positions, ...pendingBuysAsPositions(unresolved, portfolio.lastPrice, mode)];
    }
    for (const d of data) {
      if (positions.some((p) => p.pair === d.pair) || d.result.orders.length > 0) continue;
      if (!d.entriesAllowed || !d.series || !d.market) continue;
      if (!tradePairs.has(d.pair)) {
        d.result.entry = { decision: 'none', stage: 'lock', rule: 'not-traded', reason: universe ? 'no longer in the universe: only its exit ran' : 'no longer a configured pair: only its exit ran', explanation: {} };
        continue;
      }
      if (result.halt.entries) {
        d.result.entry = { decision: 'none', stage: 'halt', rule: 'halt', reason: result.halt.reasons.join('; '), explanation: {} };
        continue;
      }
      const lock = lockOf(d.pair);
      if (lock) {
        d.result.entry = { decision: 'none', stage: 'lock', rule: 'pair-locked', reason: lock, explanation: {} };
        continue;
      }
      if (!tradingReadable) {
        d.result.entry = { decision: 'none', stage: 'lock', rule: 'account-unreadable', reason: 'markets or balances could not be read this tick', explanation: {} };
        continue;
      }
      await enterIfAdvised(deps, orders, d, portfolio, candleCloseIso, today);
    }

    // 8b. Margin shorts (docs/shorts.md), on their own slots, intents and positions.
    if (config.shorts.enabled) {
      if (deps.shorts && !gate) {
        result.shorts = await runShortBook(
          { config, exchange: deps.exchange, margin: deps.shorts.margin, store: deps.shorts.store, alerts: deps.alerts, clock, logger, metrics, ...(deps.orderTiming ? { orderTiming: deps.orderTiming } : {}) },
          {
            candleCloseIso,
            today,
            haltEntries: result.halt.entries || !tradingReadable,
            haltExits: result.halt.exits,
            haltReason: result.halt.reasons.join('; ') || (tradingReadable ? '' : 'markets or balances could not be read'),
            equityQuote: portfolio.equityQuote,
            pairs: data.map((d) => ({
              pair: d.pair,
              ...(d.market ? { market: d.market } : {}),
              ...(d.candles && d.exitsAllowed ? { candles: d.candles } : {}),
              entriesAllowed: d.entriesAllowed && lockOf(d.pair) === undefined,
              ...(d.ticker ? { tickerAsk: d.ticker.ask } : {}),
              spotPosition: positions.some((p) => p.pair === d.pair),
              takerFeeRate: portfolio.takerFeeRate[d.pair] ?? d.market?.takerFeeRate ?? config.fees.takerFeeRate,
            })),
          },
        );
      } else {
        result.shorts = { entriesRefused: gate ? `live trading gate: ${gate}` : 'no margin exchange in this mode (shorts trade live on Kraken only)', reconciled: [], books: [], pairs: [] };
      }
    }
  }

  // 9. Persist and report. Positions and balances change only through orders: without any this
  // tick, the ones read at its start are still current (one signed balance call saved per quiet tick).
  const traded = data.some((d) => d.result.orders.length > 0 || d.result.exit?.decision === 'dust') || (result.command?.outcome.length ?? 0) > 0;
  const [finalPositions, finalBalances] = traded
    ? await Promise.all([store.listPositions(mode), safeBalances(deps)])
    : [positions, balancesKnown ? balances : undefined];
  result.equityQuote = equityOf(portfolio.quote, finalBalances, finalPositions, portfolio.lastPrice);
  result.finishedAtMs = clock.nowMs();
  const outcomes = [...data.flatMap((d) => d.result.orders), ...(result.command?.outcome ?? [])];
  if (!input.command) {
    const pendingNow = new Set(unresolved.filter((i) => i.status === 'PENDING').map((i) => i.clientOrderId));
    for (const o of outcomes) {
      if (o.status === 'pending') pendingNow.add(o.clientOrderId);
      else pendingNow.delete(o.clientOrderId);
    }
    metrics.add('PendingIntents', 'Count', pendingNow.size);
    metrics.add('HoldingsMismatches', 'Count', mismatched.size);
  }
  metrics.add('OpenPositions', 'Count', finalPositions.length);
  if (result.equityQuote !== undefined) metrics.add('EquityQuote', 'None', result.equityQuote);
  // The heartbeat counts scheduled ticks only: a schedule pointed at a command must not keep the
  // "no completed tick" alarm green while exits stop.
  if (!input.command) metrics.add('TickCompleted', 'Count', 1);
  // The first tick that completes on a new UTC day reports the last day the bot ran.
  if (!input.command && lastTick) {
    const lastDay = utcDay(Date.parse(lastTick.candleCloseIso) - FIVE_MINUTES_MS);
    const thisDay = utcDay(candleCloseMs - FIVE_MINUTES_MS);
    if (lastDay < thisDay && (await store.markOnce(mode, `summary#${lastDay}`, clock.nowMs(), 3 * ONE_DAY_MS))) {
      await sendDailySummary(deps, Date.parse(`${lastDay}T00:00:00.000Z`), finalPositions, result.equityQuote);
    }
  }
  if (!input.command) await store.completeTick(mode, candleCloseIso, input.invocationId, clock.nowMs(), summarize(result));
  // The decision journal: one record per scheduled tick, after it is complete (a failure is only logged).
  if (!input.command) await writeJournal(deps, result, portfolio.lastPrice);
  // The market recorder: this tick's snapshots, kept market.snapshotTtlDays (a failure is only logged).
  if (snapshots.length && store.putSnapshots) {
    await store.putSnapshots(mode, candleCloseMs, snapshots, clock.nowMs() + config.market.snapshotTtlDays * ONE_DAY_MS).catch((err: Error) => logger.warn('market snapshots not recorded', { error: err.message }));
  }
  logger.info(input.command ? 'command completed' : 'tick completed', { candleCloseIso, orders: outcomes.length, halt: result.halt, locks: result.locks.length });
  return result;
}

/**
 * One position's exit. Dust (below Kraken's minimum at the current price) is closed and booked;
 * otherwise the engine decides on the candles, or, when they could not be read, the ticker's price
 * decides the stop, target and time limit. A blocked exit alerts once per position and reason.
 */
async function exitPosition(
  deps: TickDeps,
  orders: OrderExecutor,
  d: PairData,
  position: Position,
  own: number | undefined,
  candleCloseIso: string,
  holdings: Map<string, HoldingsRecord>,
  guard: {
    /** Why the exit may not sell without the balance (undefined: it may). */
    blind?: string | undefined;
    /** What the account holds for this position (undefined: balances unknown); see closeAsDust. */
    dustRoom?: number | undefined;
  } = {},
): Promise<OrderOutcome | undefined> {
  const { blind } = guard;
  const { clock, store } = deps;
  const nowMs = clock.nowMs();
  const lastClose = d.candles?.[d.candles.length - 1]?.close;
  const price = lastClose ?? d.ticker?.bid;
  const market = d.market;
  if (market && price !== undefined && belowMinimum(position.amountBase, price, market)) {
    if (guard.dustRoom === undefined) {
      // The coins left behind are counted as dust only against a balance that shows them.
      d.result.exit = { decision: 'hold', explanation: {}, blocked: `below Kraken's minimum; closed as dust once balances can be read` };
      return undefined;
    }
    await closeAsDust(deps, orders, d, position, price, holdings, guard.dustRoom);
    return undefined;
  }
  const blocked = async (reason: string, key: string) => {
    d.result.exit = d.result.exit?.decision === 'hold' ? { ...d.result.exit, blocked: reason } : { decision: 'hold', explanation: {}, blocked: reason };
    deps.metrics.add('ExitsBlocked', 'Count', 1);
    deps.logger.error('exit blocked', { pair: d.pair, reason });
    if (await store.markOnce(deps.config.mode, `blocked#${position.entryClientOrderId}#${key}`, nowMs, INCIDENT_TTL_MS)) {
      await deps.alerts.send(formatExitBlockedAlert(deps.config.mode, d.pair, reason));
    }
  };

  let sell: { reason: ExitReason; triggerPrice: number; amountBase: number; source: 'candles' | 'ticker'; explanation: Record<string, unknown> } | undefined;
  if (d.series && d.exitsAllowed && market) {
    const i = d.series.candles.length - 1;
    const decision = deps.engine.checkExit(position, d.series, i, nowMs, own ?? position.amountBase, market);
    if (decision.action === 'hold') {
      d.result.exit = { decision: 'hold', explanation: decision.explanation, ...(decision.blocked ? { blocked: decision.blocked } : {}) };
      if (decision.updated && !(await store.updatePosition(decision.updated, position.version))) {
        deps.logger.warn('position changed while updating its trailing stop; will retry next tick', { pair: d.pair });
      }
      if (decision.blocked) await blocked(decision.blocked, String(decision.explanation.exitReason ?? 'exit'));
      return undefined;
    }
    sell = { reason: decision.reason, triggerPrice: decision.triggerPrice, amountBase: decision.amountBase, source: 'candles', explanation: decision.explanation };
    if (!(sell.amountBase > 0)) {
      await blocked(`${decision.reason} fired but nothing of ${d.pair} is the bot's to sell (own free ${own}, position ${position.amountBase})`, 'nothing-free');
      return undefined;
    }
  } else {
    // No usable candles (or no market description): the ticker's price still decides stops and targets.
    const tickerPrice = d.ticker?.bid ?? (d.series ? lastClose : undefined);
    if (tickerPrice === undefined) {
      await blocked(`no price for ${d.pair}: ${d.result.data.ok ? 'no market' : `${d.result.data.reason}: ${d.result.data.detail}`}, and the ticker could not be read`, 'no-price');
      return undefined;
    }
    const fired = exitAtPrice(position, tickerPrice, nowMs);
    if (!fired) {
      d.result.exit = { decision: 'hold', explanation: { price: tickerPrice, priceSource: 'ticker', stopPrice: position.stopPrice ?? null, takeProfitPrice: position.takeProfitPrice ?? null } };
      return undefined;
    }
    sell = { ...fired, amountBase: sellableAmount(position, own, market), source: 'ticker', explanation: { price: tickerPrice, priceSource: 'ticker' } };
    if (market && !market.active) {
      await blocked(`${fired.reason} fired but ${d.pair} is not accepting market orders`, 'inactive');
      return undefined;
    }
    if (!(sell.amountBase > 0)) {
      await blocked(`${fired.reason} fired but nothing of ${d.pair} is free to sell (own free ${own})`, 'nothing-free');
      return undefined;
    }
  }
  if (blind !== undefined && own === undefined) {
    await blocked(`${sell.reason} fired but ${blind}`, 'blind');
    return undefined;
  }
  d.result.exit = { decision: 'sell', reason: sell.reason, triggerPrice: sell.triggerPrice, explanation: sell.explanation as never, priceSource: sell.source };
  const outcome = await orders.place(
    { side: 'sell', pair: d.pair, reason: sell.reason, decidedOn: candleCloseIso, amountBase: sell.amountBase, positionId: position.entryClientOrderId },
    candleCloseIso,
  );
  d.result.orders.push(outcome);
  // 'in-flight' means another exit of this position is being placed, or it was sold meanwhile: not blocked.
  if (outcome.status === 'rejected') await blocked(`${sell.reason}: ${outcome.error ?? outcome.status}`, 'rejected');
  return outcome;
}

/**
 * Closes a position too small to sell (a remainder under Kraken's minimum amount or cost) and books
 * it: its cost basis as a realized loss, the coins as dust on the asset's holdings record. Each step
 * is idempotent (one id per position), so a crash in between is repaired by the next tick.
 */
async function closeAsDust(
  deps: TickDeps,
  orders: OrderExecutor,
  d: PairData,
  position: Position,
  price: number,
  holdings: Map<string, HoldingsRecord>,
  /** What the account holds for this position: the dust recorded is no more than that. */
  room: number,
): Promise<void> {
  const { store, clock, config } = deps;
  const mode = config.mode;
  const id = bookkeepingIdFor(mode, position.pair, `dust:${position.entryClientOrderId}`);
  const w = dustWriteOff(position);
  // A leftover can be partly or wholly absent (a fee Kraken took in base that no correction caught):
  // dust that is not on the account would make the holdings check fail for ever.
  const leftBase = Math.min(w.amountBase, Math.round(room * 1e12) / 1e12);
  const nowMs = clock.nowMs();
  await store.appendTrade({
    mode,
    clientOrderId: id,
    exchangeOrderId: '',
    pair: position.pair,
    side: 'sell',
    reason: 'dust',
    amountBase: w.amountBase,
    price,
    costQuote: 0,
    feeQuote: 0,
    realizedPnlQuote: w.realizedPnlQuote,
    timestampMs: nowMs,
    positionId: position.entryClientOrderId,
    closedPositionOrderIds: [...position.appliedOrderIds],
    note:
      leftBase < w.amountBase
        ? `below Kraken's minimum (${w.amountBase} at ${price}); the account holds ${leftBase} of it, kept as dust`
        : `below Kraken's minimum (${w.amountBase} at ${price}); the coins stay on the account as dust`,
  });
  await orders.recordPnl(id, nowMs, w.realizedPnlQuote);
  const asset = d.market?.base ?? baseOf(position.pair);
  for (let attempt = 0; attempt < 3; attempt++) {
    const record = holdings.get(asset);
    if (record?.dustPositionIds?.includes(position.entryClientOrderId)) break;
    const next: HoldingsRecord = {
      mode,
      asset,
      externalBase: record?.externalBase ?? 0,
      dustBase: (record?.dustBase ?? 0) + leftBase,
      updatedAtMs: nowMs,
      version: record?.version ?? -1,
      ...(record?.note ? { note: record.note } : {}),
      dustPositionIds: [...(record?.dustPositionIds ?? []), position.entryClientOrderId].slice(-20),
    };
    if (await store.putHoldings(next, record?.version ?? -1)) {
      holdings.set(asset, { ...next, version: (record?.version ?? -1) + 1 });
      break;
    }
    const fresh = (await store.listHoldings(mode)).find((h) => h.asset === asset);
    if (fresh) holdings.set(asset, fresh);
    else holdings.delete(asset);
  }
  if (await store.deletePosition(mode, position.pair, position.version)) {
    d.result.exit = { decision: 'dust', amountBase: w.amountBase, realizedPnlQuote: w.realizedPnlQuote };
    deps.logger.warn('position below the exchange minimum closed as dust', { pair: position.pair, amountBase: w.amountBase, realizedPnlQuote: w.realizedPnlQuote });
    await deps.alerts.send(formatDustAlert(mode, position.pair, w.amountBase, -w.realizedPnlQuote));
  }
}

/**
 * Reservations held by an order that never wrote its intent (a crash between the two writes, and
 * the retried tick decided differently) are given back; those whose intent is final are settled.
 */
async function repairReservations(deps: TickDeps, day: DayCounters, unresolved: readonly OrderIntent[]): Promise<void> {
  const { store, clock, config } = deps;
  // Only PENDING orders may still use their reservation. A written-off one (FAILED, re-checked for
  // a day) released it when written off, unless a crash came between the two writes: release it now.
  const open = new Set(unresolved.filter((i) => i.status === 'PENDING').map((i) => i.clientOrderId));
  for (const [id, r] of Object.entries(day.reservations)) {
    // Older than a lease plus a tick: a retry of the same candle (possible only once its claim's
    // lease expired) has had its chance to reuse the reservation.
    if (r.state !== 'held' || open.has(id) || clock.nowMs() - r.atMs < config.tick.leaseMs + FIVE_MINUTES_MS) continue;
    const intent = await store.getIntent(config.mode, id);
    if (!intent || intent.status === 'REJECTED' || intent.status === 'FAILED') {
      deps.logger.warn('releasing a reservation its order never used', { clientOrderId: id, pair: r.pair, intent: intent?.status ?? 'none' });
      await store.releaseEntry(config.mode, day.day, r.pair, id);
    } else if (intent.status === 'FILLED') {
      await store.markEntryUsed(config.mode, day.day, id);
    }
  }
}

/** A failed markets or balance read: logged, counted, and for a refused key alerted at once (hourly at most). */
async function reportReadFailure(deps: TickDeps, err: ExchangeError, result: TickResult, nowMs: number): Promise<void> {
  const detail = `exchange unavailable (${err.kind}): ${err.exchangeMessage ?? err.message}`;
  deps.logger.error('an exchange read failed; exits run on what is known, no entries', { detail });
  deps.metrics.add('TickErrors', 'Count', 1);
  result.errors.push(detail);
  if (err.malformedReply) {
    const hour = new Date(Math.floor(nowMs / ONE_HOUR_MS) * ONE_HOUR_MS).toISOString();
    deps.metrics.add('RepliesInvalid', 'Count', 1);
    if (await deps.store.markOnce(deps.config.mode, `malformed#${hour}`, nowMs, ONE_HOUR_MS)) {
      await deps.alerts.send(formatErrorAlert(deps.config.mode, 'exchange reply not recorded', `${detail}\nNothing was taken from it; exits ran on the positions' recorded amounts.`));
    }
  }
  if (err.kind === 'auth') {
    deps.metrics.add('AuthErrors', 'Count', 1);
    const hour = new Date(Math.floor(nowMs / ONE_HOUR_MS) * ONE_HOUR_MS).toISOString();
    if (await deps.store.markOnce(deps.config.mode, `auth#${hour}`, nowMs, ONE_HOUR_MS)) await deps.alerts.send(formatAuthAlert(deps.config.mode, detail));
  }
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
        fills: trades.filter((t) => t.exchangeOrderId !== '').length,
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

/**
 * Fetches and checks one pair's candles and ticker; never throws (a bad pair is skipped with a
 * reason). A pair the exchange does not list is named; if it holds a position, its data is still
 * read so the exit can be decided (and reported blocked if it cannot be sent).
 */
async function loadPair(
  deps: TickDeps,
  pair: Pair,
  market: MarketInfo | undefined,
  marketsRead: boolean,
  hasPosition: boolean,
  candleCloseMs: number,
  tickers: Promise<Record<Pair, Ticker> | undefined>,
): Promise<PairData> {
  const d: PairData = { pair, result: { pair, data: { ok: false, reason: 'empty', detail: '' }, orders: [] }, exitsAllowed: false, entriesAllowed: false };
  if (!market) {
    const why = marketsRead ? (deps.exchange.marketIssue?.(pair) ?? `${pair} is not listed by the exchange`) : 'markets could not be read this tick';
    d.result.data = { ok: false, reason: 'market-inactive', detail: why };
    deps.logger.warn('no trade for pair: market unknown', { pair, detail: why });
    if (!hasPosition) return d;
  } else {
    d.market = market;
  }
  let raw: Candle[];
  // The ticker feeds the spread filter, and the exits when the candles cannot be read.
  const ticker = tickers.then((all) => all?.[pair] ?? deps.exchange.fetchTicker(pair)).catch(() => undefined);
  try {
    raw = await fetchCommittedCandles(deps, pair, candleCloseMs);
  } catch (err) {
    const detail = err instanceof ExchangeError ? `${err.kind}: ${err.message}` : String((err as Error).message);
    if (market) d.result.data = { ok: false, reason: 'fetch-failed', detail };
    deps.logger.warn('no trade for pair: candles could not be fetched', { pair, detail });
    d.ticker = usableTicker(await ticker);
    return d;
  }
  const t = usableTicker(await ticker);
  if (t) {
    d.ticker = t;
    d.spreadFraction = (t.ask - t.bid) / ((t.ask + t.bid) / 2);
  } else {
    deps.logger.warn('the ticker could not be read or does not make sense: spread unknown', { pair });
  }
  if (!market) return d;
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
    lastClose: closed[closed.length - 1]!.close,
    closedCandles: closed.length,
    droppedForming: raw.length - closedCandles(raw, candleCloseMs).length,
  };
  return d;
}

/** Attempts, and the pause between them, to see Kraken commit the candle the tick decides on. */
const COMMIT_ATTEMPTS = 4;
const COMMIT_RETRY_MS = 1_500;

/**
 * The pair's 5m candles once Kraken has committed the candle closing at `candleCloseMs`: Kraken
 * always returns the forming candle last, so a candle opening at or after the close time proves the
 * one before it is final. Until then the read is repeated a few times (instead of a fixed sleep);
 * after that the series is returned as it is, and the stale-data check names the problem.
 */
async function fetchCommittedCandles(deps: TickDeps, pair: Pair, candleCloseMs: number): Promise<Candle[]> {
  let raw: Candle[] = [];
  for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
    if (attempt > 0) await deps.clock.sleep(COMMIT_RETRY_MS);
    raw = await deps.exchange.fetchCandles5m(pair, candleCloseMs - MAX_CANDLES * FIVE_MINUTES_MS);
    if (raw.some((c) => c.openTimeMs >= candleCloseMs)) return raw;
  }
  deps.logger.warn('the exchange has not committed the candle yet', { pair, candleCloseIso: iso(candleCloseMs) });
  // Without the next (forming) candle, the last one may still be forming: leave it out.
  return raw.filter((c) => c.openTimeMs + FIVE_MINUTES_MS < candleCloseMs);
}

/** A ticker whose prices make sense, else undefined. */
function usableTicker(t: Ticker | undefined): Ticker | undefined {
  return t && Number.isFinite(t.bid) && Number.isFinite(t.ask) && t.bid > 0 && t.ask >= t.bid ? t : undefined;
}

/** Strategy and risk for one pair, then the order protocol (which reserves the day's entry atomically). */
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
  const outcome = await orders.place(
    {
      side: 'buy',
      pair: d.pair,
      reason: 'entry',
      decidedOn: candleCloseIso,
      costQuote: decision.costQuote,
      entryPlan: decision.plan,
      referencePrice: decision.referencePrice,
      reserve: { day: today, limits: deps.config.limits },
    },
    candleCloseIso,
  );
  if (outcome.status === 'refused' || outcome.status === 'in-flight') {
    d.result.entry =
      outcome.status === 'refused'
        ? { decision: 'none', stage: 'limits', rule: outcome.refusal ?? 'limits', reason: outcome.error ?? 'refused', explanation: { day: today } }
        : { decision: 'none', stage: 'lock', rule: 'order-in-flight', reason: outcome.error ?? 'another order is in flight', explanation: {} };
    return;
  }
  d.result.entry = { decision: 'buy', costQuote: decision.costQuote, referencePrice: decision.referencePrice, signal: decision.signal, checks: decision.checks };
  d.result.orders.push(outcome);
  if (outcome.status === 'filled') applyFillToPortfolio(portfolio, d.market!, outcome);
}

/** What the command path needs from the tick's reads. */
interface CommandContext {
  ownFree: (pair: Pair) => number | undefined;
  inFlight: { buy: Map<Pair, OrderIntent>; sell: Map<Pair, OrderIntent> };
  tradingReadable: boolean;
  lockOf: (pair: Pair) => string | undefined;
}

/**
 * force-entry / force-exit / flatten: the same risk checks, order slot and order protocol as
 * scheduled decisions. An exit command on a position whose exit is already in flight finds it and
 * does not sell again.
 */
async function runCommand(
  deps: TickDeps,
  orders: OrderExecutor,
  command: TickCommand,
  data: PairData[],
  portfolio: PortfolioView,
  positions: Position[],
  candleCloseIso: string,
  ctx: CommandContext,
): Promise<NonNullable<TickResult['command']>> {
  const { store, config, clock } = deps;
  const mode = config.mode;
  if (command.command === 'reconcile') throw new Error('reconcile runs before runCommand');
  const decidedOn = `cmd:${command.requestId}`;
  const out: NonNullable<TickResult['command']> = { kind: command.command, requestId: command.requestId, outcome: [] };
  const gate = liveGateProblem(config, deps.hasKeys);
  if (gate) return { ...out, refused: `live trading gate: ${gate}` };

  const sellOf = (position: Position, reason: 'flatten' | 'force-exit', requested?: number): { amountBase: number } | { refused: string } => {
    const d = data.find((x) => x.pair === position.pair);
    const pending = ctx.inFlight.sell.get(position.pair);
    if (pending) return { refused: `an exit of ${position.pair} is already in flight (${pending.reason} ${pending.clientOrderId})` };
    const amountBase = sellableAmount({ amountBase: Math.min(requested ?? position.amountBase, position.amountBase) }, ctx.ownFree(position.pair), d?.market);
    const price = d?.candles?.[d.candles.length - 1]?.close ?? d?.ticker?.bid ?? 0;
    if (!(amountBase > 0) || (d?.market && belowMinimum(amountBase, price, d.market))) return { refused: `${reason}: ${amountBase} is below the market minimum or nothing is free to sell` };
    return { amountBase };
  };

  if (command.command === 'flatten') {
    await store.setControl(mode, { halted: true, haltExits: false, reason: `flatten ${command.requestId}`, updatedAtMs: clock.nowMs() });
    const refusals: string[] = [];
    for (const position of positions) {
      const s = sellOf(position, 'flatten');
      if ('refused' in s) {
        refusals.push(`${position.pair}: ${s.refused}`);
        continue;
      }
      out.outcome.push(
        await orders.place({ side: 'sell', pair: position.pair, reason: 'flatten', decidedOn, amountBase: s.amountBase, positionId: position.entryClientOrderId }, candleCloseIso),
      );
    }
    // Margin shorts (docs/shorts.md) are bought back too, reduce-only, on their own slots.
    if (config.shorts.enabled && deps.shorts) {
      const flat = await flattenShorts({ config, exchange: deps.exchange, margin: deps.shorts.margin, store: deps.shorts.store, alerts: deps.alerts, clock, logger: deps.logger, metrics: deps.metrics, ...(deps.orderTiming ? { orderTiming: deps.orderTiming } : {}) }, decidedOn, candleCloseIso);
      out.outcome.push(...flat.outcomes);
      refusals.push(...flat.refused);
    }
    return refusals.length ? { ...out, refused: refusals.join('; ') } : out;
  }

  const d = data.find((x) => x.pair === command.pair);
  const position = positions.find((p) => p.pair === command.pair);

  if (command.command === 'force-exit') {
    if (!position) return { ...out, refused: `no open position in ${command.pair}` };
    const s = sellOf(position, 'force-exit', command.amountBase);
    if ('refused' in s) return { ...out, refused: s.refused };
    out.outcome.push(
      await orders.place({ side: 'sell', pair: command.pair, reason: 'force-exit', decidedOn, amountBase: s.amountBase, positionId: position.entryClientOrderId }, candleCloseIso),
    );
    return out;
  }

  // force-entry
  if (!d?.market) return { ...out, refused: `${command.pair} is not a known market` };
  const [control, day] = await Promise.all([store.getControl(mode), store.getDay(mode, utcDay(clock.nowMs()))]);
  if (control.halted) return { ...out, refused: `halted${control.reason ? `: ${control.reason}` : ''}` };
  if (day.killSwitchTripped) return { ...out, refused: 'daily loss kill switch tripped' };
  if (position) return { ...out, refused: `a position in ${command.pair} is already open` };
  const lock = ctx.lockOf(command.pair);
  if (lock) return { ...out, refused: `${command.pair} is locked: ${lock}` };
  if (!ctx.tradingReadable) return { ...out, refused: 'markets or balances could not be read' };
  if (!d.series || !d.entriesAllowed) return { ...out, refused: `market data: ${d.result.data.ok ? 'not ready' : d.result.data.detail || d.result.data.reason}` };
  const decision = deps.engine.checkForcedEntry(d.series, d.series.candles.length - 1, portfolio, command.amountQuote);
  if (decision.action === 'none') return { ...out, refused: `${decision.rule}: ${decision.reason}` };
  const outcome = await orders.place(
    {
      side: 'buy',
      pair: command.pair,
      reason: 'force-entry',
      decidedOn,
      costQuote: decision.costQuote,
      entryPlan: decision.plan,
      referencePrice: decision.referencePrice,
      reserve: { day: utcDay(clock.nowMs()), limits: config.limits },
    },
    candleCloseIso,
  );
  if (outcome.status === 'refused') return { ...out, refused: outcome.refusal ? limitText(outcome.refusal) : (outcome.error ?? 'refused') };
  if (outcome.status === 'in-flight') return { ...out, refused: outcome.error ?? 'another order is in flight' };
  out.outcome.push(outcome);
  return out;
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
  unresolved: readonly OrderIntent[],
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
    } else if (d.ticker) {
      lastPrice[pair] = d.ticker.bid;
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
    // A buy that is not final yet counts against the caps as if it had filled.
    openPositions: [...positions, ...pendingBuysAsPositions(unresolved, lastPrice, config.mode)],
    lastPrice,
    day,
    recentTrades: [],
    markets,
    takerFeeRate,
    quoteVolume24h,
    spreadFraction,
  };
}

/** PENDING buys as positions of their requested cost, for the exposure and position-count caps. */
function pendingBuysAsPositions(unresolved: readonly OrderIntent[], lastPrice: Record<Pair, number>, mode: BotConfig['mode']): Position[] {
  const out: Position[] = [];
  for (const i of unresolved) {
    if (i.status !== 'PENDING' || i.side !== 'buy' || !(i.costQuote && i.costQuote > 0)) continue;
    const price = lastPrice[i.pair] ?? i.referencePrice ?? 0;
    if (!(price > 0)) continue;
    out.push({
      mode,
      pair: i.pair,
      amountBase: i.costQuote / price,
      entryPrice: price,
      entryTimeMs: i.createdAtMs,
      costQuote: i.costQuote,
      entryFeeQuote: 0,
      strategy: i.entryPlan?.strategy ?? i.reason,
      entryClientOrderId: i.clientOrderId,
      appliedOrderIds: [],
      version: 0,
    });
  }
  return out;
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
    const b = await deps.exchange.fetchBalances();
    return balancesLookSane(b) ? b : undefined;
  } catch (err) {
    deps.logger.warn('could not read balances at the end of the tick', { error: (err as Error).message });
    return undefined;
  }
}

/** Kraken lists every asset an account has held; a reply with none is a broken reply, not an empty account. */
function balancesLookSane(b: Balances): boolean {
  const entries = Object.values(b);
  return entries.length > 0 && entries.every((x) => Number.isFinite(x.free) && Number.isFinite(x.total) && x.total >= 0 && x.free >= 0);
}

/**
 * The balance evidence a write-off needs (functions/core/holdings.ts `writeOffRefusal`), read fresh:
 * Kraken's balance, the positions, the owner's-coins record and the other unresolved orders.
 */
async function writeOffEvidence(deps: TickDeps, marketsRead: Promise<Read<Record<Pair, MarketInfo>>>, intent: OrderIntent): Promise<string | undefined> {
  const { store, clock } = deps;
  const mode = deps.config.mode;
  const [m, balanceRead, positions, unresolved, records] = await Promise.all([
    marketsRead,
    read(() => deps.exchange.fetchBalances()),
    store.listPositions(mode),
    store.listUnresolvedIntents(mode, clock.nowMs()),
    store.listHoldings(mode),
  ]);
  const markets: Record<Pair, MarketInfo> = m.ok ? m.value : {};
  const assetOf = (pair: Pair) => markets[pair]?.base ?? baseOf(pair);
  const asset = assetOf(intent.pair);
  const balances = balanceRead.ok && balancesLookSane(balanceRead.value) ? balanceRead.value : undefined;
  const record = records.find((h) => h.asset === asset);
  const dust = new Set(record?.dustPositionIds ?? []);
  const refused = writeOffRefusal({
    intent,
    asset,
    balance: balances?.[asset],
    balancesKnown: balances !== undefined,
    record,
    positions: positions.filter((p) => assetOf(p.pair) === asset && !dust.has(p.entryClientOrderId)),
    otherInFlight: unresolved.some((i) => i.status === 'PENDING' && i.clientOrderId !== intent.clientOrderId && assetOf(i.pair) === asset),
    lotBase: 10 ** -(markets[intent.pair]?.amountDecimals ?? 8),
  });
  deps.logger.info('write-off evidence', { clientOrderId: intent.clientOrderId, asset, refused: refused ?? null });
  return refused;
}

async function read<T>(fn: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (!(err instanceof ExchangeError)) throw err;
    return { ok: false, error: err };
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
    holdings: r.holdings.filter((h: HoldingsCheck) => h.status === 'mismatch').map((h) => ({ asset: h.asset, diffBase: h.diffBase })),
    locks: r.locks,
    errors: r.errors,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const unique = <T>(xs: T[]) => [...new Set(xs)];
/** The spot protocol's intents: margin (short) intents are the short book's alone (docs/shorts.md). */
const spotIntents = (intents: OrderIntent[]): OrderIntent[] => intents.filter((i) => i.margin === undefined);

/** Reports an unexpected tick failure as an alert (used by the handler's error path). */
export { formatErrorAlert };
