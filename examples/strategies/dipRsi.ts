// Strategy "dipRsi": buy a dip below the moving average while RSI is low; sell when the close
// is back at the average (or at the stop, target or time limit of the exits section).
// Select it with "strategies": { "use": ["dipRsi"] } and set its parameters under
// "strategies": { "dipRsi": { ... } }. See docs/strategies.md.
import { z } from 'zod';
// A type-only import: nothing of the bot runs inside this file, it only describes the shape.
import type { PreparedPairSeries, StrategyDefinition, StrategyVerdict } from '../../functions/core/engine/strategies/definition.js';

/** The parameters, each with a default (the section in the config may name any of them). */
const parameters = z.strictObject({
  /** Moving average length, in 5m candles. */
  smaPeriod: z.number().int().min(2).max(500).default(20),
  /** Buy when the close is at least this far below the average (0.01 = 1%). */
  dipFraction: z.number().positive().max(0.5).default(0.01),
  /** ... and RSI(14) is at most this. */
  rsiMax: z.number().min(0).max(100).default(35),
  /** Sell when the close is back at the average. */
  exitAtMean: z.boolean().default(true),
});

type Params = z.output<typeof parameters>;

const strategy: StrategyDefinition<Params> = {
  name: 'dipRsi',
  description: 'Dip below the SMA while RSI is low (starter strategy)',
  parameters,
  create(params, { plan }) {
    // Ask for every indicator once, here; read it at series.ind[slot][i] below.
    const smaSlot = plan.sma(params.smaPeriod);
    const rsiSlot = plan.slot({ kind: 'rsi', timeframe: '5m', period: 14 });
    const buys = (s: PreparedPairSeries, i: number): boolean =>
      s.close[i]! <= s.ind[smaSlot]![i]! * (1 - params.dipFraction) && s.ind[rsiSlot]![i]! <= params.rsiMax;
    return {
      entry(s, i): StrategyVerdict {
        const close = s.close[i]!;
        const sma = s.ind[smaSlot]![i]!;
        const rsi = s.ind[rsiSlot]![i]!;
        if (!(close <= sma * (1 - params.dipFraction))) {
          return { ok: false, rule: 'dipRsi.dip', reason: 'close is not far enough below the SMA', explanation: { close, sma, dipFraction: params.dipFraction } };
        }
        if (!(rsi <= params.rsiMax)) return { ok: false, rule: 'dipRsi.rsi', reason: 'RSI is above rsiMax', explanation: { rsi, rsiMax: params.rsiMax } };
        // Confidence 0..1 picks between strategies that signal together; targetPrice lets the
        // fee-edge gate count this exit when it is nearer than the take-profit.
        return { ok: true, signal: { confidence: 0.6, targetPrice: sma, explanation: { close, sma, rsi } } };
      },
      // The same decision without building an answer: a backtest asks at every candle.
      signals: buys,
      signalExit: params.exitAtMean
        ? {
            reversal(s, i) {
              const close = s.close[i]!;
              const sma = s.ind[smaSlot]![i]!;
              return close >= sma ? { close, sma } : undefined;
            },
          }
        : undefined,
    };
  },
};

export default strategy;
