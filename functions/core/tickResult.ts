// Core domain: the value a tick returns. It says, per pair, what was checked, decided, refused
// (which rule, which values) and traded, so logs, the CLI and tests read one shape.
import type { TickUniverseStatus } from './universe/tickUniverse.js';
import type { Explanation, Signal } from './engine/types.js';
import type { ReconcileReport } from './reconcileCommand.js';
import type { ShortBookReport } from './shorts/shortBook.js';
import type { ExitReason, Mode, OrderReason, Pair, Side } from './types.js';

/** One order's outcome within a tick. */
export interface OrderOutcome {
  clientOrderId: string;
  pair: Pair;
  side: Side;
  reason: OrderReason;
  /**
   * - `filled`: the exchange filled it and the fill is recorded.
   * - `validated`: live `validateOnly`: Kraken checked it, nothing executed.
   * - `rejected`: the exchange definitely refused it (recorded, alerted, not retried).
   * - `pending`: outcome unknown (ambiguous failure, lookup inconclusive); the next tick reconciles it.
   * - `failed`: the exchange has no such order after an ambiguous failure; nothing executed.
   * - `already-decided`: an intent for this decision exists; it was reconciled, not re-sent.
   * - `in-flight`: another order on this pair is not final yet; this decision was not sent.
   * - `refused`: not sent: the day's entry limits (see `refusal`).
   */
  status: 'filled' | 'validated' | 'rejected' | 'pending' | 'failed' | 'already-decided' | 'in-flight' | 'refused';
  /** Why a `refused` order was not sent. */
  refusal?: 'daily-trade-cap' | 'pair-trade-cap' | 'kill-switch' | 'already-decided';
  amountBase?: number;
  price?: number;
  costQuote?: number;
  feeQuote?: number;
  realizedPnlQuote?: number;
  error?: string;
}

/** What happened to one pair in a tick. */
export interface PairResult {
  pair: Pair;
  /** Market data verdict: usable, or why this pair was skipped. */
  data:
    | { ok: true; lastCandleOpenIso: string; /** Close of the decision candle. */ lastClose?: number; closedCandles: number; droppedForming: number }
    | { ok: false; reason: 'stale' | 'gap' | 'malformed' | 'empty' | 'fetch-failed' | 'market-inactive' | 'warming-up'; detail: string };
  /** Set when the pair had an open position. */
  exit?:
    | { decision: 'hold'; explanation: Explanation; blocked?: string }
    | { decision: 'sell'; reason: ExitReason; triggerPrice: number; explanation: Explanation; priceSource?: 'candles' | 'ticker' }
    | { decision: 'skipped'; reason: string }
    | { decision: 'dust'; amountBase: number; realizedPnlQuote: number };
  /** Set when the pair had no position. */
  entry?:
    | { decision: 'buy'; costQuote: number; referencePrice: number; signal: Signal; checks: { rule: string; explanation: Explanation }[] }
    | { decision: 'none'; stage: 'signal' | 'risk' | 'halt' | 'limits' | 'lock'; rule: string; reason: string; explanation: Explanation; signal?: Signal };
  orders: OrderOutcome[];
}

/** What reconciling a pending intent found. */
export interface ReconcileOutcome {
  clientOrderId: string;
  pair: Pair;
  side: Side;
  /**
   * - `written-off`: the exchange still has no such order after its deadline: FAILED, re-checked for a day.
   * - `reappeared`: a written-off order turned up after all (its fill is recorded when final).
   */
  result: 'filled' | 'failed' | 'still-pending' | 'rejected' | 'written-off' | 'reappeared';
  detail?: string;
}

/** What the holdings check found for one traded asset. */
export interface HoldingsCheck {
  asset: string;
  /**
   * - `ok`: Kraken's holdings minus the owner's coins and recorded dust equal the positions (within a lot step);
   * - `mismatch`: they do not: entries locked for the asset's pairs, alerted;
   * - `corrected`: a buy's fee was taken in base; the position was reduced to what Kraken holds;
   * - `skipped`: not compared this tick (balances unreadable, an order in flight).
   */
  status: 'ok' | 'mismatch' | 'corrected' | 'skipped';
  krakenBase?: number;
  externalBase?: number;
  dustBase?: number;
  botBase: number;
  diffBase?: number;
  detail?: string;
}

export interface TickResult {
  mode: Mode;
  /** Close time of the candle this tick decided on (ISO, UTC). */
  candleCloseIso: string;
  status: 'completed' | 'skipped';
  /** Why the tick did nothing (another invocation holds or finished this candle). */
  skipReason?: 'already-claimed' | 'in-progress';
  startedAtMs: number;
  finishedAtMs: number;
  halt: { entries: boolean; exits: boolean; reasons: string[] };
  reconciled: ReconcileOutcome[];
  pairs: PairResult[];
  /** Result of a force-entry / force-exit / flatten command, when the event carried one. */
  command?: { kind: string; requestId: string; outcome: OrderOutcome[]; refused?: string; reconcile?: ReconcileReport };
  /** Kraken's holdings against the bot's positions, per traded asset. */
  holdings: HoldingsCheck[];
  /** Pairs that took no new entry this tick because an order is in flight, a write-off is being re-checked, or holdings disagree. */
  locks: { pair: Pair; reason: string }[];
  /** Equity in quote at the end of the tick (balances + positions at last price), when known. */
  equityQuote?: number;
  errors: string[];
  /**
   * The learned trade filter, when `learning.enabled` (scheduled ticks): `active` when the promoted
   * model gates entries as the `learned-filter` rule; otherwise why the bot trades without it.
   */
  learning?: LearningStatus;
  /** With the market recorder on: how many snapshots this tick recorded, how many with a reference price. */
  market?: { snapshots: number; referencePrices: number; reference?: string };
  /** With a universe configuration: the universe this tick traded and whether it was rebuilt. */
  universe?: TickUniverseStatus;
  /** The margin short book (docs/shorts.md), when `shorts.enabled`; `entriesRefused` says why no short could open. */
  shorts?: ShortBookReport;
}

/** Whether the learned filter applied this tick, and why not. */
export interface LearningStatus {
  status: 'active' | 'no-model' | 'expired' | 'mismatch' | 'invalid' | 'unavailable';
  detail: string;
  /** The promoted model's content hash, when there is one. */
  model?: string;
  trainedThroughIso?: string;
  minProbability: number;
}
