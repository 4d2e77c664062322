// The chaos suite's short CI profile: a few runs of the real handler in child processes against the
// sandbox and dynalite, through faults, crashes, duplicates and commands; the books must agree. The
// same suite run on a deliberately broken build (the order intent never written) must fail.
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../functions/chaos/chaos.js';

describe('chaos suite (short profile)', () => {
  it('finds the books in agreement with the sandbox after random faults, crashes and duplicates', async () => {
    const summary = await runChaos({ runs: 4, seed: 101, workers: 4, parallel: 2 });
    expect(summary.runs).toBe(4);
    expect(summary.crashes).toBeGreaterThan(0);
    expect(summary.duplicates).toBeGreaterThan(0);
    expect(summary.exchangeOrders).toBeGreaterThan(0);
    // Seeds 102 and 104 are the shorts variant: short entries and buy-backs went through the faults too.
    expect(summary.shortsRuns).toBe(2);
    expect(summary.marginOrders).toBeGreaterThan(0);
    expect(Object.keys(summary.faults).length).toBeGreaterThan(3);
    expect(summary.failing).toEqual([]);
    expect(summary.violations).toEqual({});
  }, 240_000);

  it('catches a build that skips the order intent', async () => {
    const summary = await runChaos({ runs: 3, seed: 1, workers: 4, parallel: 2, broken: 'skip-intent' });
    expect(summary.failing.length).toBeGreaterThan(0);
    expect(summary.violations['order-without-intent']).toBeGreaterThan(0);
  }, 240_000);

  it('catches a build whose closed shorts never give their margin exposure back', async () => {
    const summary = await runChaos({ runs: 2, seed: 102, workers: 4, parallel: 2, broken: 'skip-margin-release' });
    expect(summary.violations['margin-reservation-leak']).toBeGreaterThan(0);
  }, 240_000);
});
