// `npm run demo`: offline, the real handler trades through ccxt into the sandbox, and the summary adds up.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../functions/cli/demo.js';

describe('kbot demo', () => {
  it('runs simulated hours offline and every order it reports went through the sandbox', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      hours: 6,
      seed: 7,
      pairs: ['BTC/USD', 'ETH/USD', 'SOL/USD'],
      startIso: '2026-03-02T00:00:00Z',
      balanceQuote: 10_000,
      print: (line) => lines.push(line),
    });
    expect(summary.ticks).toEqual({ run: 72, completed: 72, skipped: 0 });
    expect(summary.simulated).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-02T06:00:00.000Z', hours: 6 });
    expect(summary.orders.filled).toBeGreaterThan(0);
    // Every fill the handler recorded is an order the sandbox executed, and nothing else was sent.
    expect(summary.orders.placedInSandbox).toBe(summary.orders.filled);
    expect(summary.orders.buys - summary.orders.sells).toBe(summary.openPositions);
    expect(summary.startEquityQuote).toBe(10_000);
    // Each fill was printed as it happened.
    expect(lines.filter((l) => / (BUY|SELL) +[A-Z]+\/USD .* filled /.test(l))).toHaveLength(summary.orders.filled);
  });
});

describe('kbot demo --universe', () => {
  it('trades a universe whose set of pairs changes as it is rebuilt', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      hours: 9,
      seed: 7,
      pairs: ['BTC/USD'],
      startIso: '2026-03-02T00:00:00Z',
      balanceQuote: 10_000,
      universe: { quote: 'USD', topN: 3, refreshHours: 4 },
      print: (line) => lines.push(line),
    });
    const rebuilt = lines.filter((l) => l.includes('universe rebuilt:'));
    // Every 4 simulated hours: 00:05, 04:05, 08:05.
    expect(summary.universe?.rebuilds).toBe(3);
    expect(rebuilt).toHaveLength(3);
    // At least one rebuild changed the set: more pairs were held than fit at once.
    expect(summary.universe!.pairsInUniverse.length).toBeGreaterThan(3);
    expect(rebuilt.some((l) => /\(\+[A-Z0-9]+\/USD/.test(l))).toBe(true);
    expect(summary.orders.filled).toBeGreaterThan(0);
    expect(summary.orders.placedInSandbox).toBe(summary.orders.filled);
    for (const pair of summary.universe!.pairsTraded) expect(summary.universe!.pairsInUniverse).toContain(pair);
  }, 180_000);
});
