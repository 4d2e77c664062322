// Operator CLI: kbot status reads any StorePort and prints a table or JSON.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeRuleCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import type { Position, TradeRecord } from '../../functions/core/types.js';
import { collectStatus, formatStatus, status, summarizeTick, type StatusReport } from '../../functions/cli/ops/status.js';
import { NOW_MS, OUTPUTS, mockStack, testContext } from './cli-ops-fixtures.js';

const DAY = '2024-05-01';
const HOUR_MS = 3_600_000;

function position(pair: string, overrides: Partial<Position> = {}): Position {
  return {
    mode: 'paper',
    pair,
    amountBase: 0.0015,
    entryPrice: 64_000,
    entryTimeMs: NOW_MS - 2 * HOUR_MS,
    costQuote: 96,
    entryFeeQuote: 0.38,
    strategy: 'trend-pullback',
    entryClientOrderId: `entry-${pair}`,
    appliedOrderIds: [`entry-${pair}`],
    stopPrice: 62_720,
    takeProfitPrice: 66_560,
    version: 1,
    ...overrides,
  };
}

function trade(overrides: Partial<TradeRecord>): TradeRecord {
  return {
    mode: 'paper',
    clientOrderId: 'c1',
    exchangeOrderId: 'OABC-1',
    pair: 'BTC/USD',
    side: 'buy',
    reason: 'entry',
    amountBase: 0.0015,
    price: 64_000,
    costQuote: 96,
    feeQuote: 0.38,
    timestampMs: NOW_MS - HOUR_MS,
    ...overrides,
  };
}

/** A store with a known day: one open BTC position, an ETH round trip, a halt, a completed tick. */
async function populatedStore(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.createPosition(position('BTC/USD', { trailing: { activationPrice: 65_000, distanceFraction: 0.01, highestPrice: 65_400, armed: true } }));
  await store.reserveEntry('paper', DAY, 'BTC/USD', { maxTradesPerDay: 12, maxTradesPerPairPerDay: 4 }, 'b'.repeat(32), 0);
  await store.reserveEntry('paper', DAY, 'ETH/USD', { maxTradesPerDay: 12, maxTradesPerPairPerDay: 4 }, 'c'.repeat(32), 0);
  await store.recordRealizedPnl('paper', DAY, 'eth-exit', -7.5, 50);
  await store.appendTrade(trade({ clientOrderId: 'btc-entry' }));
  await store.appendTrade(trade({ clientOrderId: 'eth-entry', pair: 'ETH/USD', price: 3_000, amountBase: 0.03, costQuote: 90, timestampMs: NOW_MS - 3 * HOUR_MS }));
  await store.appendTrade(
    trade({ clientOrderId: 'eth-exit', pair: 'ETH/USD', side: 'sell', reason: 'stop-loss', price: 2_760, amountBase: 0.03, costQuote: 82.8, feeQuote: 0.33, realizedPnlQuote: -7.5, timestampMs: NOW_MS - 2.5 * HOUR_MS }),
  );
  // Yesterday's trade must not be listed as today's.
  await store.appendTrade(trade({ clientOrderId: 'old', timestampMs: NOW_MS - 24 * HOUR_MS }));
  // Live state must not leak into the paper report.
  await store.createPosition(position('SOL/USD', { mode: 'live' }));
  await store.setControl('paper', { halted: true, haltExits: false, reason: 'watching the news', updatedAtMs: NOW_MS - HOUR_MS });
  await store.claimTick('paper', '2024-05-01T12:30:00.000Z', 'owner-1', NOW_MS - 4 * 60_000, 240_000);
  // The summary shape functions/core/tick.ts stores.
  await store.completeTick('paper', '2024-05-01T12:30:00.000Z', 'owner-1', NOW_MS - 4 * 60_000 + 1_500, {
    candleCloseIso: '2024-05-01T12:30:00.000Z',
    halt: { entries: true, exits: false, reasons: ['manual halt'] },
    equityQuote: 1_003.25,
    orders: [{ pair: 'ETH/USD', side: 'sell', reason: 'stop-loss', status: 'filled' }],
    skipped: [{ pair: 'SOL/USD', reason: 'stale' }],
    reconciled: 1,
    errors: [],
  });
  return store;
}

async function report(store: MemoryStore, ruleState = 'ENABLED'): Promise<StatusReport> {
  return collectStatus({
    store,
    mode: 'paper',
    nowMs: NOW_MS,
    stackNames: ['KrakenBot'],
    region: 'eu-west-1',
    schedule: { name: OUTPUTS.RuleName, state: ruleState },
    limits: { maxTradesPerDay: 12, maxTradesPerPairPerDay: 4, maxDailyLossQuote: 50 },
  });
}

describe('Function: collectStatus', () => {
  it('reads the mode\'s positions, day, trades, halt flag and last tick', async () => {
    // Prepare
    const store = await populatedStore();

    // Act
    const result = await report(store);

    // Assess
    expect(result.day).toBe(DAY);
    expect(result.positions.map((p) => p.pair)).toEqual(['BTC/USD']);
    expect(result.today).toMatchObject({ trades: 2, exits: 1, realizedPnlQuote: -7.5, killSwitchTripped: false, tradesByPair: { 'BTC/USD': 1, 'ETH/USD': 1 } });
    expect(result.tradesToday.map((t) => t.clientOrderId)).toEqual(['eth-entry', 'eth-exit', 'btc-entry']);
    expect(result.halt).toEqual({ halted: true, haltExits: false, reason: 'watching the news', updatedAtMs: NOW_MS - HOUR_MS });
    expect(result.killSwitch).toEqual({ tripped: false, realizedPnlQuote: -7.5, maxDailyLossQuote: 50 });
    expect(result.lastTick).toMatchObject({ candleCloseIso: '2024-05-01T12:30:00.000Z', ageSeconds: 239 });
  });

  it('JSON has every field, and round-trips', async () => {
    // Prepare
    const store = await populatedStore();

    // Act
    const parsed = JSON.parse(JSON.stringify(await report(store))) as Record<string, unknown>;

    // Assess
    expect(Object.keys(parsed).sort()).toEqual(
      ['stackNames', 'region', 'mode', 'generatedAtIso', 'day', 'schedule', 'halt', 'today', 'killSwitch', 'limits', 'positions', 'tradesToday', 'lastTick'].sort(),
    );
    expect(parsed.schedule).toEqual({ name: OUTPUTS.RuleName, state: 'ENABLED' });
    expect(parsed.mode).toBe('paper');
    expect(parsed.generatedAtIso).toBe('2024-05-01T12:34:56.000Z');
  });
});

describe('Function: formatStatus', () => {
  it('formats a given store state for humans', async () => {
    // Prepare
    const store = await populatedStore();

    // Act
    const text = formatStatus(await report(store)).join('\n');

    // Assess
    expect(text).toContain('mode         paper');
    expect(text).toContain(`schedule     running (rule ${OUTPUTS.RuleName}, ENABLED)`);
    expect(text).toContain('halt         ON: entries halted, exits still run since 2024-05-01T11:34:56.000Z (watching the news)');
    expect(text).toContain('today        2024-05-01 UTC: 2 of 12 entries, 1 exits, realized P&L -7.50');
    expect(text).toContain('entries by pair: BTC/USD 1 of 4, ETH/USD 1 of 4');
    expect(text).toContain('kill switch  off (trips at a realized loss of 50.00)');
    expect(text).toContain('last tick    candle 2024-05-01T12:30:00.000Z, completed 2024-05-01T12:30:57.500Z (3m ago): orders: sell ETH/USD stop-loss filled, skipped SOL/USD (stale), 1 reconciled, equity 1003.25, entries halted (manual halt), no errors');
    expect(text).toMatch(/BTC\/USD\s+0\.0015\s+64000\s+96\.00\s+62720\s+66560\s+armed, 1% below 65400\s+2h 0m\s+trend-pullback/);
    expect(text).toMatch(/10:04:56\s+ETH\/USD\s+sell\s+stop-loss\s+0\.03\s+2760\s+82\.80\s+0\.33\s+-7\.50/);
    expect(text).not.toMatch(/SOL\/USD\s+0\.0015/);
    expect(text).not.toContain('WARNING');
  });

  it('shows a paused schedule, an empty store and a tripped kill switch', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.recordRealizedPnl('paper', DAY, 'x', -60, 50);

    // Act
    const text = formatStatus(await report(store, 'DISABLED')).join('\n');

    // Assess
    expect(text).toContain('schedule     PAUSED');
    expect(text).toContain('halt         off');
    expect(text).toContain('kill switch  TRIPPED');
    expect(text).toContain('open positions: none');
    expect(text).toContain('trades today: none');
    expect(text).toContain('last tick    none yet');
  });

  it('warns when the schedule runs but no tick completed for 15 minutes', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.claimTick('paper', '2024-05-01T12:00:00.000Z', 'o', NOW_MS - 30 * 60_000, 240_000);
    await store.completeTick('paper', '2024-05-01T12:00:00.000Z', 'o', NOW_MS - 30 * 60_000, { orders: [], errors: ['boom'] });

    // Act
    const text = formatStatus(await report(store)).join('\n');

    // Assess
    expect(text).toContain('1 errors: boom');
    expect(text).toContain('WARNING: no completed tick for 30m');
  });

  it('reads tick summaries of any shape without failing', () => {
    expect(summarizeTick(undefined)).toBe('');
    expect(summarizeTick('text')).toBe('');
    expect(summarizeTick({ status: 'skipped', skipReason: 'already-claimed' })).toBe('skipped (already-claimed)');
    expect(summarizeTick({ orders: [], errors: [] })).toBe('no orders, no errors');
  });
});

describe('Function: status (kbot status)', () => {
  const events = mockClient(EventBridgeClient);
  const lambda = mockClient(LambdaClient);

  beforeEach(() => {
    events.reset();
    lambda.reset();
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('opens the stack\'s table, reads the rule and the deployed limits, and prints JSON', async () => {
    // Prepare
    events.on(DescribeRuleCommand, { Name: OUTPUTS.RuleName }).resolves({ Name: OUTPUTS.RuleName, State: 'DISABLED' });
    lambda
      .on(GetFunctionConfigurationCommand, { FunctionName: OUTPUTS.FunctionName })
      .resolves({ Environment: { Variables: { KBOT_MODE: 'paper', KBOT_CONFIG: JSON.stringify({ pairs: ['BTC/USD'], limits: { maxTradesPerDay: 3, maxDailyLossQuote: 20 } }) } } });
    const { ctx, io, openedTables } = testContext({ store: await populatedStore() });

    // Act
    await status(ctx, { json: true });

    // Assess
    expect(openedTables).toEqual([OUTPUTS.TableName]);
    const parsed = JSON.parse(io.stdout.join('\n')) as StatusReport;
    expect(parsed.schedule).toEqual({ name: OUTPUTS.RuleName, state: 'DISABLED' });
    expect(parsed.limits).toEqual({ maxTradesPerDay: 3, maxTradesPerPairPerDay: 4, maxDailyLossQuote: 20 });
    expect(parsed.killSwitch.maxDailyLossQuote).toBe(20);
    expect(parsed.positions).toHaveLength(1);
    expect(parsed.tradesToday).toHaveLength(3);
  });

  it('still reports the store when the rule and the limits cannot be read', async () => {
    // Prepare
    events.on(DescribeRuleCommand).rejects(Object.assign(new Error('not authorized to perform events:DescribeRule'), { name: 'AccessDeniedException' }));
    lambda.on(GetFunctionConfigurationCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { ctx, io } = testContext({ store: await populatedStore() });

    // Act
    const result = await status(ctx, {});

    // Assess
    expect(result.schedule).toEqual({ error: 'AccessDeniedException: not authorized to perform events:DescribeRule' });
    expect(result.limits).toBeNull();
    expect(io.stdout.join('\n')).toContain('schedule     unknown (AccessDeniedException');
    expect(io.stdout.join('\n')).toContain('kill switch  off (loss limit unknown)');
    expect(io.stderr.join('\n')).toContain('limits unknown');
  });

  it('reads the other mode with --mode', async () => {
    // Prepare
    events.on(DescribeRuleCommand).resolves({ State: 'ENABLED' });
    lambda.on(GetFunctionConfigurationCommand).resolves({});
    const { ctx } = testContext({ store: await populatedStore() });

    // Act
    const result = await status(ctx, { mode: 'live' });

    // Assess
    expect(result.mode).toBe('live');
    expect(result.positions.map((p) => p.pair)).toEqual(['SOL/USD']);
  });
});
