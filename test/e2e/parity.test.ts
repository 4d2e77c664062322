// Parity: the same candles through the backtest and through the real Lambda handler, tick by tick,
// against the Kraken sandbox (via ccxt) and DynamoDB on dynalite. Decisions must be identical
// (same orders, same candles, same reasons, same client order ids); fills agree within the
// sandbox's order-book spread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoClient, ensureTable, startLocalDynamo, type LocalDynamo } from '../../functions/adapters/dynamo/localDynamo.js';
import type { BacktestResult } from '../../functions/backtest/backtestResult.js';
import { builtInMarkets } from '../../functions/backtest/marketTable.js';
import { runBacktest } from '../../functions/backtest/runBacktest.js';
import { scheduledEvent } from '../../functions/cli/localStack.js';
import { parseConfig } from '../../functions/core/config.js';
import { createDecisionEngine, simpleMomentumConfig } from '../../functions/core/engine/index.js';
import type { TickResult } from '../../functions/core/tickResult.js';
import { FIVE_MINUTES_MS, type Candle, type Pair } from '../../functions/core/types.js';
import { CandleGenerator } from '../../functions/sandbox/candleGenerator.js';
import { SeededRandom } from '../../functions/sandbox/seededRandom.js';
import type { SandboxOrder } from '../../functions/sandbox/sandboxAccount.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';
import { mockAws, sandboxTickHandler } from './harness.js';

const T0 = Date.UTC(2026, 4, 4, 6);
/** Candles before the first tick: the live tick reads 720 from Kraken. */
const WARM = 720;
/**
 * Ticks replayed: 10 hours of 5-minute ticks from 18:00, across a UTC midnight (day counters reset).
 * Each is a full handler run, so this sets the test's length; KBOT_PARITY_TICKS=864 replays 3 days.
 */
const TICKS = Number(process.env.KBOT_PARITY_TICKS ?? 120);
const PAIRS: Pair[] = ['BTC/USD', 'ETH/USD'];
const closeOf = (i: number) => T0 + (i + 1) * FIVE_MINUTES_MS;

/**
 * Generated candles whose open is not the previous close (Kraken's 5m candles gap by a few basis
 * points between the last trade of one candle and the first of the next): a level anchored to the
 * signal candle's close instead of the fill would then sit elsewhere than the live tick's.
 */
function generated(pair: Pair, seed: number, price: number, decimals: number): Candle[] {
  const g = new CandleGenerator({ seed, startOpenTimeMs: T0, startPrice: price, volatility5m: 0.0025, baseVolume5m: 40, priceDecimals: decimals });
  const gap = new SeededRandom(seed * 7 + 1);
  const round = (v: number) => Number(v.toFixed(decimals));
  // One candle past the last tick, so an entry decided on the last tick has its fill candle.
  return Array.from({ length: WARM + TICKS + 1 }, (_, i) => {
    const c = g.next();
    if (i === 0) return c;
    const open = round(c.open * (1 + (gap.next() - 0.5) * 0.004));
    return { ...c, open, high: Math.max(c.high, open), low: Math.min(c.low, open) };
  });
}

const config = parseConfig({
  mode: 'live',
  allowLiveTrading: true,
  pairs: PAIRS,
  ...simpleMomentumConfig({ fastSma: 3, slowSma: 8, stopLossFraction: 0.006, takeProfitFraction: 0.009 }),
  tick: { closeDelayMs: 0 },
  limits: { maxTradesPerDay: 40, maxTradesPerPairPerDay: 3, maxDailyLossQuote: 1_000 },
  // The backtest's slippage on every fill: about the sandbox book's half spread (BTC 0.5, ETH 0.75 bps).
  paper: { slippageBps: 0.6 },
});

interface Fill {
  clientOrderId: string;
  pair: Pair;
  side: string;
  timeMs: number;
  price: number;
  amountBase: number;
  costQuote: number;
  feeQuote: number;
}

describe('parity: backtest vs the Lambda handler on the sandbox and dynalite', () => {
  const candles: Record<Pair, Candle[]> = { 'BTC/USD': generated('BTC/USD', 101, 60_000, 1), 'ETH/USD': generated('ETH/USD', 202, 3_000, 2) };
  let dynamo: LocalDynamo;
  let sandbox: SandboxHandle;
  let restoreAws: () => void;
  const ticks: TickResult[] = [];
  let backtest: BacktestResult;

  beforeAll(async () => {
    // The backtest: whole history, trading from the first ticked candle; exits at the next open as the tick sells.
    backtest = runBacktest({
      config,
      engine: createDecisionEngine(config),
      series: PAIRS.map((pair) => ({ pair, candles: candles[pair]! })),
      markets: builtInMarkets(PAIRS, 0.004),
      startingQuote: 10_000,
      fromMs: T0 + WARM * FIVE_MINUTES_MS,
      exitFill: 'next-open',
    });

    // The live path: real handler, ccxt against the sandbox, DynamoDB on dynalite.
    dynamo = await startLocalDynamo();
    sandbox = await startSandbox({ pairs: PAIRS, data: candles, startTimeMs: closeOf(WARM), speed: 0, balances: { USD: 10_000 } });
    const client = createDynamoClient({ endpoint: dynamo.endpoint });
    await ensureTable(client, 'kbot-parity');
    client.destroy();
    const { ssm, sns } = mockAws(sandbox.apiKey, sandbox.apiSecret);
    restoreAws = () => {
      ssm.restore();
      sns.restore();
    };
    const handler = sandboxTickHandler({ sandbox, dynamoEndpoint: dynamo.endpoint, tableName: 'kbot-parity', config });
    for (let i = WARM; i < WARM + TICKS; i++) {
      sandbox.setTime(closeOf(i));
      ticks.push(await handler(scheduledEvent(closeOf(i)), { awsRequestId: `parity-${i}` }));
    }
  }, 600_000);

  afterAll(async () => {
    restoreAws?.();
    await sandbox?.close();
    await dynamo?.close();
  });

  const lastTickMs = closeOf(WARM + TICKS - 1);
  const backtestFills = (): Fill[] =>
    backtest.fills.filter((f) => f.reason !== 'end-of-data' && f.timeMs <= lastTickMs).map((f) => ({ ...f, side: f.side }));
  const liveFills = (): Fill[] =>
    sandbox.orders().map((o: SandboxOrder) => ({
      clientOrderId: o.clOrdId ?? '',
      pair: o.pair,
      side: o.side,
      timeMs: o.openedMs,
      price: o.averagePrice,
      amountBase: o.volumeBase,
      costQuote: o.costQuote,
      feeQuote: o.feeQuote,
    }));

  it('replays candles whose open differs from the previous close', () => {
    const moved = candles['BTC/USD']!.filter((c, i, all) => i > 0 && Math.abs(c.open / all[i - 1]!.close - 1) > 0.0005);
    expect(moved.length).toBeGreaterThan(TICKS);
  });

  it('every tick completed and the replay traded in both pairs', () => {
    expect(ticks).toHaveLength(TICKS);
    expect(ticks.filter((t) => t.status !== 'completed' || t.errors.length)).toEqual([]);
    const orders = ticks.flatMap((t) => t.pairs.flatMap((p) => p.orders));
    expect(orders.every((o) => o.status === 'filled')).toBe(true);
    const pairsTraded = new Set(backtestFills().map((f) => f.pair));
    expect(pairsTraded).toEqual(new Set(PAIRS));
    expect(backtestFills().length).toBeGreaterThanOrEqual(8);
    // The per-pair daily cap bound on the first day in both, and entries resumed after midnight.
    const liveCapped = ticks.flatMap((t) => t.pairs.filter((p) => p.entry?.decision === 'none' && p.entry.rule === 'pair-trade-cap'));
    expect(liveCapped.length).toBeGreaterThan(0);
    expect((backtest.summary.refusals['risk:pair-trade-cap'] ?? 0) + (backtest.summary.refusals['limits:pair-trade-cap'] ?? 0)).toBeGreaterThan(0);
    const midnight = Date.UTC(2026, 4, 7);
    expect(backtestFills().some((f) => f.side === 'buy' && f.timeMs > midnight)).toBe(true);
  });

  it('takes the same decisions: same orders, candles, sides and client order ids, in the same order', () => {
    const key = (f: Fill) => `${f.timeMs} ${f.pair} ${f.side} ${f.clientOrderId}`;
    expect(liveFills().map(key)).toEqual(backtestFills().map(key));
  });

  it('fills at the same prices and amounts within the sandbox book spread, with the same fees', () => {
    const live = liveFills();
    const bt = backtestFills();
    expect(live.length).toBe(bt.length);
    for (let k = 0; k < bt.length; k++) {
      const b = bt[k]!;
      const l = live[k]!;
      // The sandbox fills against a synthetic book a few basis points wide; the backtest at the open.
      expect(Math.abs(l.price / b.price - 1), `${b.pair} ${b.side} price`).toBeLessThan(0.001);
      expect(Math.abs(l.amountBase / b.amountBase - 1), `${b.pair} ${b.side} amount`).toBeLessThan(0.003);
      expect(Math.abs(l.feeQuote / l.costQuote - b.feeQuote / b.costQuote)).toBeLessThan(1e-6);
    }
  });

  it('realizes the same P&L per closed trade, within the spread', () => {
    const liveExits = ticks.flatMap((t) => t.pairs.flatMap((p) => p.orders.filter((o) => o.side === 'sell')));
    const btExits = backtest.trades.filter((t) => t.exitReason !== 'end-of-data' && t.exitTimeMs <= lastTickMs);
    expect(liveExits.map((o) => o.reason)).toEqual(btExits.map((t) => t.exitReason));
    for (let k = 0; k < btExits.length; k++) {
      const cost = btExits[k]!.entryCostQuote;
      expect(Math.abs(liveExits[k]!.realizedPnlQuote! - btExits[k]!.netPnlQuote) / cost).toBeLessThan(0.003);
    }
  });
});
