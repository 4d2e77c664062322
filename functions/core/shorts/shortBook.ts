// Core domain: the short book, one step of the tick after the spot exits and entries. In order:
// refuse unless the account reports margin; reconcile margin intents; read Kraken's open margin
// positions and compare them with the recorded shorts (a difference is alerted and locks the pair:
// never silently re-entered or closed); exits of the recorded shorts; short entries on aligned
// downtrends, sized, fee-and-rollover gated and capped, the exposure reserved atomically.
import { formatErrorAlert, formatExitBlockedAlert, formatHoldingsMismatchAlert } from '../alertText.js';
import { quoteCurrency, type BotConfig } from '../config.js';
import { ExchangeError, type AlertsPort, type ClockPort, type ExchangePort, type LoggerPort, type MetricsPort, type StorePort } from '../ports.js';
import type { OrderOutcome, ReconcileOutcome } from '../tickResult.js';
import { FIVE_MINUTES_MS, ONE_DAY_MS, type Candle, type ExitReason, type MarketInfo, type OrderIntent, type Pair } from '../types.js';
import type { MarginExchangePort, MarginPositionView, MarginStorePort } from './marginPorts.js';
import { ShortOrderExecutor } from './shortOrders.js';
import { checkShortEdge, planShort, shortExitAtPrice, shortExitOnCandle } from './shortPosition.js';
import { SHORT_WARMUP_CANDLES, prepareShortSeries, shortSignal } from './shortSignal.js';

/** What the short book needs from the tick. */
export interface ShortBookDeps {
  config: BotConfig;
  exchange: Pick<ExchangePort, 'findOrderByClientId'>;
  margin: MarginExchangePort;
  store: StorePort & MarginStorePort;
  alerts: AlertsPort;
  clock: ClockPort;
  logger: LoggerPort;
  metrics: MetricsPort;
  orderTiming?: { lookupDelayMs?: number; deadlineMs?: number; writeOffMarginMs?: number; orphanSlotMs?: number };
}

/** One pair as the tick read it. */
export interface ShortPairInput {
  pair: Pair;
  market?: MarketInfo;
  /** Closed 5m candles (undefined when they could not be read). */
  candles?: readonly Candle[];
  /** Entries allowed on this pair's data (fresh, no gap, warmed up). */
  entriesAllowed: boolean;
  /** A bid from the ticker, for exits without candles. */
  tickerAsk?: number;
  /** The bot holds a spot position in the pair: no short beside it. */
  spotPosition: boolean;
  takerFeeRate: number;
}

/** What the short book did this tick (in the TickResult as `shorts`). */
export interface ShortBookReport {
  /** Why no short may be opened this tick, when so (margin not reported, positions unreadable, halt). */
  entriesRefused?: string;
  capability?: { enabled: boolean; reason?: string; freeMarginQuote?: number };
  reconciled: ReconcileOutcome[];
  /** Recorded shorts against Kraken's open margin positions, per pair with either. */
  books: { pair: Pair; botBase: number; krakenBase: number | null; status: 'ok' | 'mismatch' | 'in-flight' | 'unknown' }[];
  pairs: { pair: Pair; exit?: { decision: 'hold' | 'buy' | 'skipped'; reason?: string; triggerPrice?: number }; entry?: { decision: 'short' | 'none'; reason: string; explanation?: Record<string, unknown> }; orders: OrderOutcome[] }[];
  exposureQuote?: number;
}

const INCIDENT_TTL_MS = 7 * ONE_DAY_MS;

/** Runs the short book for one tick. Never throws for an exchange failure (it is reported). */
export async function runShortBook(
  deps: ShortBookDeps,
  input: { candleCloseIso: string; today: string; pairs: readonly ShortPairInput[]; haltEntries: boolean; haltExits: boolean; equityQuote: number; haltReason?: string },
): Promise<ShortBookReport> {
  const { config, store, clock, logger } = deps;
  const mode = config.mode;
  const cfg = config.shorts;
  const report: ShortBookReport = { reconciled: [], books: [], pairs: [] };
  const orders = new ShortOrderExecutor({
    mode,
    exchange: deps.exchange,
    margin: deps.margin,
    store,
    alerts: deps.alerts,
    clock,
    logger,
    metrics: deps.metrics,
    maxDailyLossQuote: config.limits.maxDailyLossQuote,
    validateOnly: mode === 'live' && config.validateOnly,
    ...deps.orderTiming,
  });

  // 1. Margin capability: without it no short is opened (and the owner is told once a day).
  let refused: string | undefined;
  try {
    const cap = await deps.margin.marginCapability();
    report.capability = cap.enabled ? { enabled: true, freeMarginQuote: cap.freeMarginQuote } : { enabled: false, reason: cap.reason };
    if (!cap.enabled) refused = `the account does not report margin capability (${cap.reason}); shorts refused`;
  } catch (err) {
    refused = `margin capability could not be read: ${(err as Error).message}`;
  }
  if (refused && (await store.markOnce(mode, `shorts-refused#${input.today}`, clock.nowMs(), ONE_DAY_MS))) {
    await deps.alerts.send(formatErrorAlert(mode, 'shorts refused', `${refused}. shorts.enabled is true, but no short is opened until Kraken reports margin for the account.`));
  }

  // 2. Margin intents left unresolved (crashed ticks, lost replies, orders still open).
  const unresolved = (await store.listUnresolvedIntents(mode, clock.nowMs())).filter((i) => i.margin !== undefined);
  for (const intent of unresolved) report.reconciled.push(await orders.reconcile(intent));
  const stillOpen = (await store.listUnresolvedIntents(mode, clock.nowMs())).filter((i) => i.margin !== undefined);
  await repairMarginReservations(deps, stillOpen);
  const inFlight = new Map<Pair, OrderIntent>();
  for (const i of stillOpen) inFlight.set(i.pair, i);

  // 3. The books: Kraken's open margin positions against the recorded shorts.
  let shorts = await store.listShorts(mode);
  let kraken: MarginPositionView[] | undefined;
  if (!refused) {
    try {
      kraken = await deps.margin.fetchMarginPositions();
    } catch (err) {
      refused = `open margin positions could not be read: ${err instanceof ExchangeError ? err.message : String(err)}`;
    }
  }
  const mismatched = new Set<Pair>();
  for (const pair of unique([...shorts.map((s) => s.pair), ...(kraken ?? []).map((k) => k.pair)])) {
    const bot = shorts.find((s) => s.pair === pair);
    const onKraken = kraken?.filter((k) => k.pair === pair && k.side === 'short').reduce((sum, k) => sum + k.amountBase, 0);
    const botBase = bot?.amountBase ?? 0;
    const market = input.pairs.find((p) => p.pair === pair)?.market;
    const lot = 10 ** -(market?.amountDecimals ?? 8);
    let status: ShortBookReport['books'][number]['status'];
    if (kraken === undefined || onKraken === undefined) status = 'unknown';
    else if (inFlight.has(pair)) status = 'in-flight';
    else status = Math.abs(onKraken - botBase) <= lot * 1.5 ? 'ok' : 'mismatch';
    report.books.push({ pair, botBase, krakenBase: onKraken ?? null, status });
    if (status !== 'mismatch') continue;
    mismatched.add(pair);
    logger.error('short books mismatch: Kraken\'s open margin positions and the recorded shorts disagree', { pair, botBase, krakenBase: onKraken });
    if (await store.markOnce(mode, `short-mismatch#${pair}#${botBase}#${onKraken}`, clock.nowMs(), INCIDENT_TTL_MS)) {
      await deps.alerts.send(
        formatHoldingsMismatchAlert(mode, { asset: `${pair} short (margin)`, krakenBase: onKraken ?? 0, externalBase: 0, dustBase: 0, botBase, diffBase: (onKraken ?? 0) - botBase, pairs: [pair] }),
      );
    }
  }

  // 4. Exits of the recorded shorts (a mismatched pair is left to the operator: a buy-back of a
  // short Kraken does not show would be refused, or worse, meet a short that is not the bot's).
  for (const short of shorts) {
    const row = pairRow(report, short.pair);
    const p = input.pairs.find((x) => x.pair === short.pair);
    if (input.haltExits) {
      row.exit = { decision: 'skipped', reason: `halted${input.haltReason ? `: ${input.haltReason}` : ''}` };
      continue;
    }
    if (inFlight.has(short.pair)) {
      row.exit = { decision: 'skipped', reason: `margin order ${inFlight.get(short.pair)!.clientOrderId} is not final yet` };
      continue;
    }
    if (mismatched.has(short.pair)) {
      row.exit = { decision: 'skipped', reason: 'books mismatch: resolve with the operator first' };
      continue;
    }
    const nowMs = clock.nowMs();
    const last = p?.candles?.[p.candles.length - 1];
    let fired: { reason: ExitReason; triggerPrice: number } | undefined;
    if (last) {
      const d = shortExitOnCandle(short, last, nowMs);
      if (d.updated && !(await store.updateShort(d.updated, short.version))) logger.warn('short changed while moving its trailing stop; next tick', { pair: short.pair });
      if (d.action === 'buy') fired = { reason: d.reason, triggerPrice: d.triggerPrice };
    } else if (p?.tickerAsk !== undefined) {
      fired = shortExitAtPrice(short, p.tickerAsk, nowMs);
    } else {
      row.exit = { decision: 'skipped', reason: 'no price for the short: its candles and ticker could not be read' };
      deps.metrics.add('ExitsBlocked', 'Count', 1);
      if (await store.markOnce(mode, `blocked#${short.entryClientOrderId}#no-price`, nowMs, INCIDENT_TTL_MS)) {
        await deps.alerts.send(formatExitBlockedAlert(mode, short.pair, `the ${short.pair} short's exits cannot be checked: no candles or ticker (is the pair still in the config?)`));
      }
      continue;
    }
    if (!fired) {
      row.exit = { decision: 'hold' };
      continue;
    }
    row.exit = { decision: 'buy', reason: fired.reason, triggerPrice: fired.triggerPrice };
    row.orders.push(
      await orders.place({ side: 'buy', pair: short.pair, reason: fired.reason, decidedOn: input.candleCloseIso, amountBase: short.amountBase, positionId: short.entryClientOrderId }, input.candleCloseIso),
    );
  }
  if (report.pairs.some((r) => r.orders.length > 0)) shorts = await store.listShorts(mode);

  // 5. Entries.
  if (!refused && input.haltEntries) refused = `halted${input.haltReason ? `: ${input.haltReason}` : ''}`;
  const exposure = await store.getMarginExposure(mode);
  report.exposureQuote = exposure.exposureQuote;
  if (refused) {
    report.entriesRefused = refused;
    return report;
  }
  // The cap counts what is reserved, and any open short whose reservation was given back (an entry
  // written off that filled after all): the condition in the store then sees a cap lowered by it.
  const unreserved = () => shorts.filter((s) => exposure.reservations[s.entryClientOrderId]?.state !== 'held').reduce((sum, s) => sum + s.proceedsQuote, 0);
  const fullCapQuote = input.equityQuote * Math.min(cfg.maxExposureFraction, 0.5);
  for (const p of input.pairs) {
    if (shorts.some((s) => s.pair === p.pair) || inFlight.has(p.pair) || pairRow(report, p.pair).orders.length > 0) continue;
    const row = pairRow(report, p.pair);
    const none = (reason: string, explanation?: Record<string, unknown>) => {
      row.entry = { decision: 'none', reason, ...(explanation ? { explanation } : {}) };
    };
    if (mismatched.has(p.pair)) {
      none('books mismatch on the pair');
      continue;
    }
    if (p.spotPosition) {
      none('the bot holds a spot position in the pair');
      continue;
    }
    if (!p.entriesAllowed || !p.market || !p.candles || p.candles.length < SHORT_WARMUP_CANDLES) {
      none(`market data not ready (${p.candles?.length ?? 0} candles, ${SHORT_WARMUP_CANDLES} needed)`);
      continue;
    }
    const entriesInFlight = [...inFlight.values()].filter((i) => i.side === 'sell').length;
    if (shorts.length + entriesInFlight >= cfg.maxOpenShorts) {
      none(`${shorts.length} shorts open and ${entriesInFlight} entering, the most allowed is ${cfg.maxOpenShorts}`);
      continue;
    }
    const series = prepareShortSeries(p.candles);
    const signal = shortSignal(series, p.candles.length - 1, cfg.rsiMax);
    if (!signal.short) {
      none(signal.reason, signal.explanation);
      continue;
    }
    const edge = checkShortEdge({
      expectedMoveFraction: cfg.takeProfitFraction,
      takerFeeRate: Math.max(p.takerFeeRate, config.fees.takerFeeRate),
      slippageFraction: config.fees.slippageFraction,
      bufferFraction: config.fees.edgeBufferFraction,
      rolloverRatePer4h: cfg.rolloverRatePer4h,
      maxHoldMs: cfg.maxHoldMinutes * 60_000,
      requireEdge: config.fees.requireEdge,
    });
    if (!edge.ok) {
      none(edge.reason ?? 'fee edge', edge.explanation);
      continue;
    }
    const price = signal.referencePrice;
    const capQuote = fullCapQuote - unreserved();
    const notionalWanted = Math.min(input.equityQuote * cfg.positionFraction * cfg.leverage, cfg.maxPositionQuote, capQuote - exposure.exposureQuote);
    const amountBase = Math.floor((notionalWanted / price) * 10 ** p.market.amountDecimals) / 10 ** p.market.amountDecimals;
    const notionalQuote = amountBase * price;
    const buffer = 1 + config.risk.minimumBufferFraction;
    if (!(amountBase >= p.market.minAmountBase * buffer) || !(notionalQuote >= p.market.minCostQuote * buffer)) {
      none(`size ${amountBase} (${notionalQuote.toFixed(2)} ${quoteCurrency(config)}) is below the market minimum with its buffer, or the exposure cap has no room`, { exposureQuote: exposure.exposureQuote, capQuote });
      continue;
    }
    row.entry = { decision: 'short', reason: 'aligned downtrend', explanation: { ...signal.explanation, ...edge.explanation, notionalQuote, capQuote } };
    const outcome = await orders.place(
      {
        side: 'sell',
        pair: p.pair,
        reason: 'entry',
        decidedOn: input.candleCloseIso,
        amountBase,
        notionalQuote,
        capQuote,
        plan: planShort(cfg, price),
        referencePrice: price,
        reserve: { day: input.today, limits: config.limits },
      },
      input.candleCloseIso,
    );
    row.orders.push(outcome);
    if (outcome.status === 'refused' || outcome.status === 'in-flight') row.entry = { decision: 'none', reason: outcome.error ?? outcome.status };
    if (outcome.status === 'filled') shorts = await store.listShorts(mode);
    Object.assign(exposure, await store.getMarginExposure(mode));
  }
  report.exposureQuote = exposure.exposureQuote;
  return report;
}

/**
 * `kbot flatten` for the short book: every recorded short is bought back now (reduce-only, so a
 * buy can never open a long), through the same protocol and slot as its mental exits; a short whose
 * exit is already in flight is found there and not bought twice.
 */
export async function flattenShorts(deps: ShortBookDeps, decidedOn: string, candleCloseIso: string): Promise<{ outcomes: OrderOutcome[]; refused: string[] }> {
  const orders = new ShortOrderExecutor({
    mode: deps.config.mode,
    exchange: deps.exchange,
    margin: deps.margin,
    store: deps.store,
    alerts: deps.alerts,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    maxDailyLossQuote: deps.config.limits.maxDailyLossQuote,
    validateOnly: deps.config.mode === 'live' && deps.config.validateOnly,
    ...deps.orderTiming,
  });
  const outcomes: OrderOutcome[] = [];
  const refused: string[] = [];
  for (const short of await deps.store.listShorts(deps.config.mode)) {
    const o = await orders.place({ side: 'buy', pair: short.pair, reason: 'flatten', decidedOn, amountBase: short.amountBase, positionId: short.entryClientOrderId }, candleCloseIso);
    outcomes.push(o);
    if (o.status === 'in-flight' || o.status === 'rejected') refused.push(`${short.pair} short: ${o.error ?? o.status}`);
  }
  return { outcomes, refused };
}

/**
 * Margin reservations held by nothing: an entry that never wrote its intent (a crash between the two
 * writes; after a lease and a tick its retry has had its chance), an entry whose intent is final
 * without a short, or a short closed by a settlement that crashed before giving the exposure back.
 */
async function repairMarginReservations(deps: ShortBookDeps, unresolved: readonly OrderIntent[]): Promise<void> {
  const { store, config, clock } = deps;
  const mode = config.mode;
  const { reservations } = await store.getMarginExposure(mode);
  const open = new Set((await store.listShorts(mode)).map((s) => s.entryClientOrderId));
  const pending = new Set(unresolved.filter((i) => i.status === 'PENDING').map((i) => i.clientOrderId));
  for (const [id, r] of Object.entries(reservations)) {
    if (r.state !== 'held' || open.has(id) || pending.has(id)) continue;
    if (clock.nowMs() - r.atMs < config.tick.leaseMs + FIVE_MINUTES_MS) continue;
    const intent = await store.getIntent(mode, id);
    if (intent?.status === 'PENDING') continue;
    // Read again after the intent: a settlement that finished meanwhile has created its short.
    if ((await store.getShort(mode, r.pair))?.entryClientOrderId === id) continue;
    deps.logger.warn('releasing a margin reservation no open short holds', { clientOrderId: id, pair: r.pair, intent: intent?.status ?? 'none' });
    await store.releaseMargin(mode, id);
  }
}

function pairRow(report: ShortBookReport, pair: Pair): ShortBookReport['pairs'][number] {
  let row = report.pairs.find((r) => r.pair === pair);
  if (!row) {
    row = { pair, orders: [] };
    report.pairs.push(row);
  }
  return row;
}

const unique = <T>(xs: T[]) => [...new Set(xs)];
