// Core domain: the decision engine. Strategy first (cheap, usually says no), then every risk rule
// in order; mental exits for open positions. Pure and synchronous: the live tick, the paper tick
// and the backtest call the same methods and differ only in where state comes from.
import type { BotConfig } from '../config.js';
import type { Candle, DayCounters, EntryPlan, MarketInfo, Pair, Position } from '../types.js';
import type { CandleColumns } from './candleColumns.js';
import type { ExitsConfig } from './config.js';
import { EntryFeatureSlots } from './entryFeatures.js';
import { buildEntryPlan } from './entryPlan.js';
import { resolveExits } from './exitSettings.js';
import { IndicatorPlan } from './indicatorPlan.js';
import { evaluateExit, exitPending } from './mentalExit.js';
import { PreparedPairSeries, type PrepareCache, type PreparedParts } from './preparedPairSeries.js';
import { checkProtections, protectionsHistoryMs } from './protections/protections.js';
import { baseOf, exposureFor } from './risk/exposure.js';
import { checkFeeEdge, expectedEdge } from './risk/feeEdgeGate.js';
import { effectiveTakerFeeRate } from './risk/feeRate.js';
import type { RuleCheck } from './risk/ruleCheck.js';
import { sizeEntry } from './risk/sizing.js';
import type { StrategyContext } from './strategies/definition.js';
import { strategyRegistry, type StrategyRegistry } from './strategies/registry.js';
import { parseStrategyParameters } from './strategies/selection.js';
import type { SignalExit, Strategy, StrategyRefusal, StrategySignal } from './strategies/strategy.js';
import type { DecisionEngine, EntryDecision, EntryScreen, ExitDecision, Explanation, PortfolioView, PreparedSeries, Signal } from './types.js';

/** Kraken serves at most 720 OHLC rows and the last is still forming. */
export const MAX_LIVE_CANDLES = 719;

/** Strategy name stored on positions opened by an operator's force-entry. */
export const FORCED_ENTRY_STRATEGY = 'force-entry';

type DayBlockRule = 'kill-switch' | 'daily-loss' | 'daily-trade-cap' | 'pair-trade-cap';

/** `screenEntry`'s answers, shared (a screen allocates nothing). */
const NO_SIGNAL_SCREEN: EntryScreen = Object.freeze({ stage: 'signal', rule: 'no-signal' });
const DAY_BLOCK_SCREENS: Record<DayBlockRule, EntryScreen> = {
  'kill-switch': Object.freeze({ stage: 'risk', rule: 'kill-switch' }),
  'daily-loss': Object.freeze({ stage: 'risk', rule: 'daily-loss' }),
  'daily-trade-cap': Object.freeze({ stage: 'risk', rule: 'daily-trade-cap' }),
  'pair-trade-cap': Object.freeze({ stage: 'risk', rule: 'pair-trade-cap' }),
};

/** A strategy instance as the engine runs it: its name, and a `signals` that is always there. */
interface RunningStrategy {
  name: string;
  entry: Strategy['entry'];
  signals: NonNullable<Strategy['signals']>;
}

interface PairSetup {
  strategies: RunningStrategy[];
  allocationFraction: number;
}

interface ExitSetup {
  exits: ExitsConfig;
  /** Plan slot of the ATR these exits use, or −1 in fixed mode. */
  atrSlot: number;
  /** The strategy's signal exit, when enabled for its positions. */
  signalExit: SignalExit | undefined;
}

/** How an engine is built, beyond the configuration. */
export interface EngineOptions {
  /**
   * Record the entry features (regime, indicators, time of day) on every entry, and compute the
   * indicators they read: true by default. A sweep that only ranks results turns them off (they
   * are a third of a plain configuration's indicators); a trade filter needs them.
   */
  entryFeatures?: boolean;
}

/** The strategy-and-risk engine (see `createDecisionEngine`). */
export class StrategyRiskEngine implements DecisionEngine {
  readonly warmupCandles: number;
  private readonly plan = new IndicatorPlan();
  /** The instances of the strategies some pair uses (and those they route to), by name. */
  private readonly running = new Map<string, RunningStrategy>();
  /** By position strategy name (a Map: stored names must not reach Object.prototype). */
  private readonly exitSetups: Map<string, ExitSetup>;
  private readonly pairSetups = new Map<Pair, PairSetup>();
  private readonly quoteVolumeSlot: number;
  /** What an entry records about the market it was decided in (informational slots). */
  /** Undefined when built with `entryFeatures: false`. */
  private readonly features: EntryFeatureSlots | undefined;
  /** What entry signals depend on besides the candles: series screened by another engine with the same key can be reused. */
  private readonly entrySignalsKey: string;

  /**
   * @param registry where strategies are looked up by the names the configuration selects (the
   *   built-ins and the user strategies the loader registered)
   */
  constructor(
    private readonly config: BotConfig,
    registry: StrategyRegistry = strategyRegistry,
    options: EngineOptions = {},
  ) {
    const problems = engineConfigProblems(config);
    if (problems.length) throw new Error(`Invalid engine configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    const s = config.strategies;
    const plan = this.plan;
    // Only strategies some pair uses (and the ones they route to) are built: only they register
    // indicators and count toward the warm-up. The others never run: no entries, and no signal
    // exit for positions they may have opened under an earlier configuration.
    const built = new Map<string, Strategy>();
    const building = new Set<string>();
    const instance = (name: string, field: string): Strategy => {
      const existing = built.get(name);
      if (existing) return existing;
      const definition = registry.get(name);
      if (!definition) throw new Error(`Invalid engine configuration: ${registry.unknownName(name, field)}`);
      if (building.has(name)) throw new Error(`Invalid engine configuration: strategy "${name}" routes to itself`);
      const parsed = parseStrategyParameters(definition.parameters, s[name]);
      if (!parsed.ok) throw new Error(`Invalid engine configuration: strategies.${name}: ${parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      building.add(name);
      const strategy = definition.create(parsed.params, context);
      building.delete(name);
      if (typeof strategy?.entry !== 'function') throw new Error(`Invalid engine configuration: strategy "${name}": create() must return an object with entry(series, i)`);
      const own = parsed.exits as Strategy['exits'];
      built.set(name, own !== undefined && strategy.exits === undefined ? Object.assign(strategy, { exits: own }) : strategy);
      return strategy;
    };
    const context: StrategyContext = { plan, strategy: (name) => instance(name, `a strategy's route to "${name}"`) };
    for (const [name, field] of usedStrategies(config)) instance(name, field);
    for (const [name, strategy] of built) this.running.set(name, runningStrategy(name, strategy));
    // Exit settings for every registered strategy, so positions of one no longer used keep their exits.
    this.exitSetups = new Map<string, ExitSetup>();
    for (const name of registry.names()) {
      const strategy = built.get(name);
      // An orchestrator owns no position: exit settings for it would only add an ATR to prepare.
      if (strategy?.routesOnly) continue;
      let exits = strategy?.exits;
      if (!strategy) {
        const parsed = parseStrategyParameters(registry.get(name)!.parameters, s[name]);
        const params = parsed.ok ? (parsed.params as { exits?: unknown }) : undefined;
        exits = (parsed.ok ? (parsed.exits ?? (typeof params === 'object' && params !== null ? params.exits : undefined)) : undefined) as Strategy['exits'];
      }
      this.exitSetups.set(name, this.exitSetup(resolveExits(config.exits, exits), strategy !== undefined, strategy?.signalExit));
    }
    this.exitSetups.set(FORCED_ENTRY_STRATEGY, this.exitSetup(config.exits, true, undefined));
    this.features = options.entryFeatures === false ? undefined : new EntryFeatureSlots(config, plan);
    this.quoteVolumeSlot = config.risk.minQuoteVolume24h > 0 || config.universe ? plan.slot({ kind: 'quoteVolumeSum', timeframe: '5m', period: 288 }) : -1;
    this.warmupCandles = plan.warmupCandles();
    this.entrySignalsKey = JSON.stringify([config.strategies, this.warmupCandles, plan.specs]);
    if (this.warmupCandles > MAX_LIVE_CANDLES) {
      throw new Error(
        `Invalid engine configuration: the indicators need ${this.warmupCandles} closed 5m candles, more than the ${MAX_LIVE_CANDLES} a live tick gets from Kraken; shorten the longest period (1h and 15m periods count 12× and 3×)`,
      );
    }
  }

  prepare(pair: Pair, candles: readonly Candle[]): PreparedSeries {
    return new PreparedPairSeries(pair, candles, this.plan);
  }

  checkExit(position: Position, series: PreparedSeries, i: number, nowMs: number, freeBase: number, market: MarketInfo): ExitDecision {
    const s = this.own(series);
    if (!(i >= 0 && i < s.length)) throw new RangeError(`checkExit: index ${i} outside the series (${s.length} candles)`);
    return evaluateExit(position, s, i, nowMs, freeBase, market, this.exitSetups.get(position.strategy)?.signalExit);
  }

  checkEntry(series: PreparedSeries, i: number, portfolio: PortfolioView): EntryDecision {
    const s = this.own(series);
    const pair = s.pair;
    if (!this.inDecisionRange(s, i)) {
      return { action: 'none', pair, stage: 'signal', rule: 'warmup', reason: 'not enough closed candles for the indicators yet', explanation: { index: i, candles: s.length, warmupCandles: this.warmupCandles } };
    }
    // Day-level blocks first: they are plain field reads and, when in force, the answer that matters.
    const dayBlock = this.dayBlock(pair, portfolio);
    if (dayBlock) return { action: 'none', pair, stage: 'risk', rule: dayBlock.rule, reason: dayBlock.reason, explanation: dayBlock.explanation };

    const strategies = this.setupFor(pair).strategies;
    let best: StrategySignal | undefined;
    let refusal: StrategyRefusal | undefined;
    for (let k = 0; k < strategies.length; k++) {
      const strategy = strategies[k]!;
      const verdict = strategy.entry(s, i);
      if (verdict.ok) {
        const signal = this.exitSetups.has(verdict.signal.strategy ?? '') ? verdict.signal : { ...verdict.signal, strategy: strategy.name };
        if (!best || signal.confidence > best.confidence) best = signal;
      } else if (!refusal) {
        refusal = verdict;
      }
    }
    if (!best) {
      const r = refusal!;
      return { action: 'none', pair, stage: 'signal', rule: r.rule, reason: r.reason, explanation: r.explanation };
    }
    return this.riskCheck(s, i, portfolio, best, undefined);
  }

  checkForcedEntry(series: PreparedSeries, i: number, portfolio: PortfolioView, costQuote?: number): EntryDecision {
    const s = this.own(series);
    const pair = s.pair;
    if (!(i >= 0 && i < s.length)) throw new RangeError(`checkForcedEntry: index ${i} outside the series (${s.length} candles)`);
    const dayBlock = this.dayBlock(pair, portfolio);
    if (dayBlock) return { action: 'none', pair, stage: 'risk', rule: dayBlock.rule, reason: dayBlock.reason, explanation: dayBlock.explanation };
    const signal: StrategySignal = { strategy: FORCED_ENTRY_STRATEGY, confidence: 1, explanation: { forced: true } };
    return this.riskCheck(s, i, portfolio, signal, costQuote ?? Number.NaN);
  }

  /**
   * Exit levels for coins the bot takes over without buying them (an operator adopting holdings):
   * the configured exits of a forced entry, at candle `i`'s close.
   */
  planExits(series: PreparedSeries, i: number): { ok: true; plan: EntryPlan; referencePrice: number } | { ok: false; reason: string } {
    const s = this.own(series);
    if (!(i >= 0 && i < s.length)) throw new RangeError(`planExits: index ${i} outside the series (${s.length} candles)`);
    const setup = this.exitSetups.get(FORCED_ENTRY_STRATEGY)!;
    const referencePrice = s.close[i]!;
    const planned = buildEntryPlan('adopted', setup.exits, referencePrice, this.atrAt(s, i, setup));
    return planned.ok ? { ok: true, plan: planned.plan, referencePrice } : planned;
  }

  /** `prepare` from columns, with the entry signals of every candle worked out for `screenEntry`. */
  prepareColumns(pair: Pair, columns: CandleColumns, cache?: PrepareCache): PreparedSeries {
    const s = new PreparedPairSeries(pair, columns, this.plan, undefined, cache);
    s.entrySignals = this.entrySignalsOf(s);
    s.entrySignalsKey = this.entrySignalsKey;
    return s;
  }

  /**
   * A series from parts another engine built from the same configuration worked out (usually
   * `prepareColumns` on a worker thread, then `PreparedPairSeries.parts()`).
   */
  preparedFromParts(pair: Pair, parts: PreparedParts): PreparedSeries {
    if (parts.entrySignals && parts.entrySignalsKey !== this.entrySignalsKey) throw new Error('prepared parts come from an engine with other strategies');
    // The key that came with the parts is an equal string but another object: comparing it at
    // every candle would compare its characters. This engine's own key compares by reference.
    return PreparedPairSeries.fromParts(pair, this.plan, parts.entrySignals ? { ...parts, entrySignalsKey: this.entrySignalsKey } : parts);
  }

  screenEntry(series: PreparedSeries, i: number, day: DayCounters): EntryScreen | undefined {
    const s = this.own(series);
    if (!this.inDecisionRange(s, i)) return NO_SIGNAL_SCREEN;
    const block = this.dayBlockRule(s.pair, day);
    if (block) return DAY_BLOCK_SCREENS[block];
    return this.signalsOf(s)[i] === 1 ? undefined : NO_SIGNAL_SCREEN;
  }

  screenDay(day: DayCounters): EntryScreen | undefined {
    const block = this.accountBlockRule(day);
    return block ? DAY_BLOCK_SCREENS[block] : undefined;
  }

  entrySignalMask(series: PreparedSeries): Uint8Array {
    return this.signalsOf(this.own(series));
  }

  /** The series' entry signals for this engine's strategies, worked out once. */
  private signalsOf(s: PreparedPairSeries): Uint8Array {
    if (s.entrySignalsKey !== this.entrySignalsKey || !s.entrySignals) {
      s.entrySignals = this.entrySignalsOf(s);
      s.entrySignalsKey = this.entrySignalsKey;
    }
    return s.entrySignals;
  }

  screenExit(position: Position, series: PreparedSeries, i: number, nowMs: number): boolean {
    const s = this.own(series);
    if (!(i >= 0 && i < s.length)) throw new RangeError(`screenExit: index ${i} outside the series (${s.length} candles)`);
    return exitPending(position, s, i, nowMs, this.exitSetups.get(position.strategy)?.signalExit);
  }

  /** 1 for each candle where one of the pair's strategies signals an entry (what checkEntry's strategy loop finds), else 0. */
  private entrySignalsOf(s: PreparedPairSeries): Uint8Array {
    const strategies = this.setupFor(s.pair).strategies;
    const out = new Uint8Array(s.length);
    for (let i = Math.max(0, this.warmupCandles - 1); i < s.length; i++) {
      for (let k = 0; k < strategies.length; k++) {
        if (strategies[k]!.signals(s, i)) {
          out[i] = 1;
          break;
        }
      }
    }
    return out;
  }

  /** Whether candle i can be decided on: the indicators are warm and it is in the series. */
  private inDecisionRange(s: PreparedPairSeries, i: number): boolean {
    return i >= this.warmupCandles - 1 && i < s.length;
  }

  /**
   * Every risk rule after a signal, in order; the first failure is the refusal. A forced entry
   * (`requestedCostQuote` defined; NaN = use the sizing rule) has no expected edge, so it skips
   * the edge gate; everything else applies.
   */
  private riskCheck(s: PreparedPairSeries, i: number, pf: PortfolioView, signal: StrategySignal, requestedCostQuote: number | undefined): EntryDecision {
    const pair = s.pair;
    const cfg = this.config;
    const forced = requestedCostQuote !== undefined;
    const checks: { rule: string; explanation: Explanation }[] = [];
    // Helpers are module functions, not closures: a closure made per call costs more than the
    // rules it serves (and more again where function names are kept).
    const day = pf.day;
    checks.push({
      rule: 'daily-limits',
      explanation: {
        killSwitchTripped: day.killSwitchTripped,
        realizedPnlQuote: day.realizedPnlQuote,
        maxDailyLossQuote: cfg.limits.maxDailyLossQuote,
        trades: day.trades,
        maxTradesPerDay: cfg.limits.maxTradesPerDay,
        pairTrades: day.tradesByPair[pair] ?? 0,
        maxTradesPerPairPerDay: cfg.limits.maxTradesPerPairPerDay,
      },
    });

    const market = pf.markets[pair];
    if (!market) return refusal(pair, { ok: false, rule: 'market', reason: 'no market information for the pair', explanation: { pair } }, signal);
    if (!market.active) return refusal(pair, { ok: false, rule: 'market', reason: 'the market is not accepting market orders', explanation: { pair, active: false } }, signal);
    checks.push({ rule: 'market', explanation: { active: true, minAmountBase: market.minAmountBase, minCostQuote: market.minCostQuote, amountDecimals: market.amountDecimals } });

    for (const c of [this.dataCheck(s, i, pf.nowMs), this.positionCheck(pair, pf)]) {
      if (!c.ok) return refusal(pair, c, signal);
      passed(checks, c);
    }
    for (const c of checkProtections(cfg.protections, pair, pf.recentTrades, pf.nowMs, pf.equityQuote)) {
      if (!c.ok) return refusal(pair, c, signal);
      passed(checks, c);
    }
    const tier = pf.universeTiers?.[pair];
    if (tier) {
      checks.push({
        rule: 'price-tier',
        explanation: { tier: tier.tier, maxPrice: tier.maxPrice ?? null, riskMultiplier: tier.riskMultiplier, profitMarginFraction: tier.profitMarginFraction, minQuoteVolume24h: tier.minQuoteVolume24h, maxSpreadFraction: tier.maxSpreadFraction },
      });
    }
    for (const c of [this.liquidityCheck(s, i, pf, tier?.minQuoteVolume24h), this.spreadCheck(pair, pf, tier?.maxSpreadFraction)]) {
      if (!c.ok) return refusal(pair, c, signal);
      passed(checks, c);
    }

    const referencePrice = s.close[i]!;
    const owner = signal.strategy ?? FORCED_ENTRY_STRATEGY;
    const exitSetup = this.exitSetups.get(owner)!;
    const atrValue = this.atrAt(s, i, exitSetup);
    const planned = buildEntryPlan(owner, exitSetup.exits, referencePrice, atrValue);
    if (!planned.ok) return refusal(pair, { ok: false, rule: 'exit-levels', reason: planned.reason, explanation: { mode: exitSetup.exits.mode, atr: atrValue } }, signal);
    const plan = planned.plan;
    checks.push({
      rule: 'exit-levels',
      explanation: {
        mode: exitSetup.exits.mode,
        referencePrice,
        atr: exitSetup.atrSlot >= 0 ? atrValue : null,
        stopPrice: plan.stopPrice ?? null,
        takeProfitPrice: plan.takeProfitPrice ?? null,
        trailingActivationPrice: plan.trailing?.activationPrice ?? null,
        maxHoldMs: plan.maxHoldMs ?? null,
      },
    });

    const fee = effectiveTakerFeeRate(pf, pair, market, cfg.fees);
    // The strategy's own target only counts when its signal exit will actually sell there.
    const target = exitSetup.signalExit ? signal.targetPrice : undefined;
    const edge = expectedEdge(plan, referencePrice, target);
    if (!forced) {
      // A price tier's profit margin is the buffer its entries must clear above the round-trip cost.
      const gate = checkFeeEdge(edge, fee.rate, fee.source, tier ? { ...cfg.fees, edgeBufferFraction: tier.profitMarginFraction } : cfg.fees);
      if (!gate.ok) return refusal(pair, gate, signal, edge ?? 0);
      passed(checks, gate);
    }

    const exposure = exposureFor(pf, pair, market.base || baseOf(pair));
    const equity = pf.equityQuote;
    const allocation = this.setupFor(pair).allocationFraction;
    const r = cfg.risk;
    const riskMultiplier = tier?.riskMultiplier ?? 1;
    const sized = sizeEntry({
      sizing: r.sizing,
      positionFraction: r.positionFraction * riskMultiplier,
      riskPerTradeFraction: r.riskPerTradeFraction * riskMultiplier,
      equityQuote: equity,
      freeQuote: pf.freeQuote,
      referencePrice,
      stopPrice: plan.stopPrice,
      takerFeeRate: fee.rate,
      caps: {
        pairAllocationQuote: equity * allocation - exposure.pairQuote,
        maxPositionQuote: r.maxPositionQuote - exposure.pairQuote,
        maxOrderQuote: r.maxOrderQuote,
        assetExposureQuote: equity * r.maxAssetExposureFraction - exposure.assetQuote,
        totalExposureQuote: equity * r.maxTotalExposureFraction - exposure.totalQuote,
      },
      market,
      minimumBufferFraction: r.minimumBufferFraction,
      ...(requestedCostQuote !== undefined && !Number.isNaN(requestedCostQuote) ? { requestedCostQuote } : {}),
    });
    if (!sized.ok) return refusal(pair, { ok: false, rule: sized.rule, reason: sized.reason, explanation: sized.explanation }, signal, edge ?? 0);
    checks.push({ rule: 'sizing', explanation: sized.explanation });
    checks.push({ rule: 'minimums', explanation: { amountBase: sized.amountBase, minAmountBase: market.minAmountBase, minCostQuote: market.minCostQuote, bufferFraction: r.minimumBufferFraction } });

    const taken = publicSignal(signal, edge ?? 0);
    const features = this.features?.at(s, i, taken, pf.spreadFraction?.[pair], pf.recentTrades);
    if (features) plan.entryFeatures = features;
    if (pf.tradeFilter && !forced) {
      if (!features) throw new Error('a trade filter needs the entry features, and this engine was built with entryFeatures: false');
      const learned = pf.tradeFilter.check(features);
      if (!learned.ok) return refusal(pair, learned, signal, edge ?? 0);
      passed(checks, learned);
    }
    return {
      action: 'buy',
      pair,
      costQuote: sized.costQuote,
      expectedAmountBase: sized.amountBase,
      referencePrice,
      plan,
      signal: taken,
      checks,
    };
  }

  private dayBlock(pair: Pair, pf: PortfolioView): (RuleCheck & { ok: false }) | undefined {
    const day = pf.day;
    const limits = this.config.limits;
    switch (this.dayBlockRule(pair, day)) {
      case undefined:
        return undefined;
      case 'kill-switch':
        return { ok: false, rule: 'kill-switch', reason: 'the daily loss kill switch is tripped: no entries until the next UTC day', explanation: { day: day.day, realizedPnlQuote: day.realizedPnlQuote } };
      case 'daily-loss':
        return {
          ok: false,
          rule: 'daily-loss',
          reason: 'realized loss today reached maxDailyLossQuote',
          explanation: { day: day.day, realizedPnlQuote: day.realizedPnlQuote, maxDailyLossQuote: limits.maxDailyLossQuote },
        };
      case 'daily-trade-cap':
        return { ok: false, rule: 'daily-trade-cap', reason: 'maxTradesPerDay entries already today', explanation: { day: day.day, trades: day.trades, maxTradesPerDay: limits.maxTradesPerDay } };
      case 'pair-trade-cap':
        return {
          ok: false,
          rule: 'pair-trade-cap',
          reason: 'maxTradesPerPairPerDay entries already today on this pair',
          explanation: { day: day.day, pairTrades: day.tradesByPair[pair] ?? 0, maxTradesPerPairPerDay: limits.maxTradesPerPairPerDay },
        };
    }
  }

  /** The day-level rule that blocks entries on `pair` today, if any (plain field reads, nothing allocated). */
  private dayBlockRule(pair: Pair, day: DayCounters): DayBlockRule | undefined {
    const account = this.accountBlockRule(day);
    if (account) return account;
    if ((day.tradesByPair[pair] ?? 0) >= this.config.limits.maxTradesPerPairPerDay) return 'pair-trade-cap';
    return undefined;
  }

  /** The day-level blocks that hold for every pair, in the order checkEntry tests them. */
  private accountBlockRule(day: DayCounters): Exclude<DayBlockRule, 'pair-trade-cap'> | undefined {
    const limits = this.config.limits;
    if (day.killSwitchTripped) return 'kill-switch';
    if (day.realizedPnlQuote <= -limits.maxDailyLossQuote) return 'daily-loss';
    if (day.trades >= limits.maxTradesPerDay) return 'daily-trade-cap';
    return undefined;
  }

  /** No entry on a candle that has not closed, on stale data, or across a recent gap. */
  private dataCheck(s: PreparedPairSeries, i: number, nowMs: number): RuleCheck {
    const closeMs = s.closeTimeMs(i);
    const ageMs = nowMs - closeMs;
    const maxAge = this.config.risk.maxDataAgeMs;
    const window = Math.min(this.config.tick.gapWindowCandles, i + 1);
    const explanation = { candleCloseMs: closeMs, ageMs, maxDataAgeMs: maxAge, gapFreeCandles: s.gapFreeRun[i]!, gapWindowCandles: window };
    if (ageMs < 0) return { ok: false, rule: 'data', reason: 'the decision candle has not closed yet', explanation };
    if (ageMs > maxAge) return { ok: false, rule: 'data', reason: 'the decision candle is stale', explanation };
    if (s.gapFreeRun[i]! < window) return { ok: false, rule: 'data', reason: 'missing candles within the gap window', explanation };
    return { ok: true, rule: 'data', explanation };
  }

  private positionCheck(pair: Pair, pf: PortfolioView): RuleCheck {
    const open = pf.openPositions.length;
    const max = this.config.risk.maxOpenPositions;
    if (pf.openPositions.some((p) => p.pair === pair)) return { ok: false, rule: 'open-positions', reason: 'a position on this pair is already open', explanation: { openPositions: open } };
    if (open >= max) return { ok: false, rule: 'open-positions', reason: 'maxOpenPositions positions are open', explanation: { openPositions: open, maxOpenPositions: max } };
    return { ok: true, rule: 'open-positions', explanation: { openPositions: open, maxOpenPositions: max } };
  }

  /** @param tierMin a price tier's volume floor, replacing risk.minQuoteVolume24h */
  private liquidityCheck(s: PreparedPairSeries, i: number, pf: PortfolioView, tierMin?: number): RuleCheck {
    const min = tierMin ?? this.config.risk.minQuoteVolume24h;
    if (min <= 0 || this.quoteVolumeSlot < 0) return { ok: true, rule: 'liquidity', explanation: { minQuoteVolume24h: 0 } };
    const fromTicker = pf.quoteVolume24h[s.pair];
    const volume = fromTicker !== undefined && Number.isFinite(fromTicker) ? fromTicker : s.ind[this.quoteVolumeSlot]![i]!;
    const explanation = { quoteVolume24h: volume, source: fromTicker !== undefined ? 'ticker' : 'candles', minQuoteVolume24h: min };
    if (!(volume >= min)) return { ok: false, rule: 'liquidity', reason: '24h traded volume is below minQuoteVolume24h', explanation };
    return { ok: true, rule: 'liquidity', explanation };
  }

  /**
   * @param tierMax a price tier's spread ceiling, replacing risk.maxSpreadFraction. With it, a pair
   * whose ticker a live tick could not read refuses (a replay without tickers has no spreads at all).
   */
  private spreadCheck(pair: Pair, pf: PortfolioView, tierMax?: number): RuleCheck {
    const max = tierMax ?? this.config.risk.maxSpreadFraction;
    const spread = pf.spreadFraction?.[pair];
    const explanation = { spreadFraction: spread ?? null, maxSpreadFraction: max };
    if (tierMax !== undefined && spread === undefined && pf.spreadFraction !== undefined) return { ok: false, rule: 'spread', reason: 'the ticker could not be read: the spread of a universe pair must be known', explanation };
    if (max > 0 && spread !== undefined && !(spread <= max)) return { ok: false, rule: 'spread', reason: 'bid/ask spread is wider than maxSpreadFraction', explanation };
    return { ok: true, rule: 'spread', explanation };
  }

  private atrAt(s: PreparedPairSeries, i: number, setup: ExitSetup): number {
    if (setup.atrSlot < 0) return Number.NaN;
    const tf = setup.exits.atrTimeframe;
    const j = tf === '5m' ? i : tf === '15m' ? s.index15m[i]! : s.index1h[i]!;
    return j >= 0 ? s.ind[setup.atrSlot]![j]! : Number.NaN;
  }

  /**
   * @param used whether the strategy runs at all (an unused one has no indicators, so no ATR and no signal exit)
   * @param signalExit the strategy's signal exit when it is enabled
   */
  private exitSetup(exits: ExitsConfig, used: boolean, signalExit: SignalExit | undefined): ExitSetup {
    const needsAtr = used && exits.mode === 'atr' && (exits.atrStopMultiplier > 0 || exits.atrTakeProfitMultiplier > 0);
    return {
      exits,
      atrSlot: needsAtr ? this.plan.slot({ kind: 'atr', timeframe: exits.atrTimeframe, period: exits.atrPeriod }) : -1,
      signalExit: used ? signalExit : undefined,
    };
  }

  private setupFor(pair: Pair): PairSetup {
    let setup = this.pairSetups.get(pair);
    if (!setup) {
      const own = this.config.strategies.pairs[pair];
      const names = own?.use ?? this.config.strategies.use;
      setup = {
        strategies: [...new Set(names)].map((n) => this.running.get(n)!),
        allocationFraction: own?.allocationFraction ?? this.config.risk.pairAllocationFraction,
      };
      this.pairSetups.set(pair, setup);
    }
    return setup;
  }

  private own(series: PreparedSeries): PreparedPairSeries {
    if (series instanceof PreparedPairSeries && series.plan === this.plan) return series;
    throw new TypeError('the series was not prepared by this engine: call engine.prepare(pair, candles) first');
  }
}

/** A risk refusal after `signal`. */
function refusal(pair: Pair, c: RuleCheck & { ok: false }, signal: StrategySignal, edge = 0): EntryDecision {
  return { action: 'none', pair, stage: 'risk', rule: c.rule, reason: c.reason, explanation: c.explanation, signal: publicSignal(signal, edge) };
}

function publicSignal(signal: StrategySignal, edge: number): Signal {
  return { strategy: signal.strategy ?? FORCED_ENTRY_STRATEGY, confidence: signal.confidence, expectedEdge: edge, explanation: signal.explanation };
}

function passed(checks: { rule: string; explanation: Explanation }[], c: RuleCheck): void {
  checks.push({ rule: c.rule, explanation: c.explanation });
}

/** Strategies some pair selects, each with the first field that selects it (routes are built on demand). */
function usedStrategies(config: BotConfig): Map<string, string> {
  const s = config.strategies;
  const used = new Map<string, string>();
  s.use.forEach((name, k) => used.has(name) || used.set(name, `strategies.use.${k}`));
  for (const [pair, p] of Object.entries(s.pairs)) (p.use ?? []).forEach((name, k) => used.has(name) || used.set(name, `strategies.pairs.${pair}.use.${k}`));
  return used;
}

/** How the engine runs `strategy`: bound methods, and `entry` standing in for a missing `signals`. */
function runningStrategy(name: string, strategy: Strategy): RunningStrategy {
  const entry = strategy.entry.bind(strategy);
  const signals = strategy.signals ? strategy.signals.bind(strategy) : (s: PreparedPairSeries, i: number) => entry(s, i).ok;
  return { name, entry, signals };
}

/**
 * Configuration problems that span sections (the schema checks each field on its own):
 * protections reading further back than the trade ledger lookback the tick loads.
 */
export function engineConfigProblems(config: BotConfig): string[] {
  const problems: string[] = [];
  const needMs = protectionsHistoryMs(config.protections);
  if (needMs > config.tick.tradeLookbackMs) {
    problems.push(`protections: they read ${needMs / 60_000} minutes of trades but tick.tradeLookbackMs loads only ${config.tick.tradeLookbackMs / 60_000}; raise tick.tradeLookbackMs or shorten the protections`);
  }
  return problems;
}
