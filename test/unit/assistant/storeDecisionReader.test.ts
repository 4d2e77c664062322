// What the webhook and `kbot ask` read for "why": the journal a real tick wrote, and the last tick's
// summary when the journal has nothing for that time.
import { describe, expect, it } from 'vitest';
import { storeDecisionReader } from '../../../functions/assistant/decisionReader.js';
import { runTick } from '../../../functions/core/tick.js';
import { buyDecision } from '../../support/fakes.js';
import { tickFixture } from '../../support/tickFixture.js';

const CLOSE = Date.UTC(2026, 0, 5, 12, 0, 0);

describe('storeDecisionReader', () => {
  it('answers from the journal a tick wrote, with the rule and its values', async () => {
    const t = tickFixture(CLOSE);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-1' });
    const reader = storeDecisionReader(t.store, () => CLOSE + 60_000);
    const btc = await reader.decisionFor('paper', 'BTC/USD');
    expect(btc?.source).toBe('journal');
    expect(btc?.decision.entry).toMatchObject({ decision: 'buy', strategy: 'momentum', signal: { fast: 1, slow: 0.9 } });
    const eth = await reader.decisionFor('paper', 'ETH/USD');
    expect(eth?.decision.entry).toEqual({ decision: 'none', stage: 'signal', rule: 'scripted', reason: 'no signal', values: {} });
  });

  it('falls back to the last tick when the journal holds no tick for that time', async () => {
    const t = tickFixture(CLOSE);
    t.engine.entries.set('BTC/USD', buyDecision(100));
    await runTick(t.deps, { scheduledTimeMs: CLOSE, invocationId: 'inv-1' });
    t.store.listJournal = async () => [];
    const btc = await storeDecisionReader(t.store, () => CLOSE + 60_000).decisionFor('paper', 'BTC/USD');
    expect(btc?.source).toBe('last-tick');
    expect(btc?.decision.orders).toEqual([{ side: 'buy', reason: 'entry', status: 'filled' }]);
  });
});
