// Operator CLI: kbot halt / kbot unhalt write the CONTROL#<mode> halt flag through the store.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { setHalt } from '../../functions/cli/ops/haltFlag.js';
import { NOW_MS, OUTPUTS, mockStack, testContext } from './cli-ops-fixtures.js';

describe('Function: setHalt (kbot halt / unhalt)', () => {
  beforeEach(() => {
    mockStack();
  });
  afterEach(() => {
    mockClient(CloudFormationClient).restore();
  });

  it('halts entries of the stack\'s mode with the reason, exits still running', async () => {
    // Prepare
    const { ctx, io, store, openedTables } = testContext();

    // Act
    await setHalt(ctx, true, { reason: 'CPI release' });

    // Assess
    expect(openedTables).toEqual([OUTPUTS.TableName]);
    expect(await store.getControl('paper')).toEqual({ halted: true, haltExits: false, reason: 'CPI release', updatedAtMs: NOW_MS });
    expect(await store.getControl('live')).toEqual({ halted: false, haltExits: false });
    expect(io.stdout[0]).toBe('paper: HALTED (entries only; exits still run): CPI release');
  });

  it('--exits halts exits too, with a warning', async () => {
    // Prepare
    const { ctx, io, store } = testContext();

    // Act
    await setHalt(ctx, true, { exits: true });

    // Assess
    expect(await store.getControl('paper')).toMatchObject({ halted: true, haltExits: true, reason: 'manual halt (kbot halt)' });
    expect(io.stdout.join('\n')).toContain('not protected by their stop-loss');
  });

  it('unhalt clears the flag and mentions a tripped kill switch', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.setControl('paper', { halted: true, haltExits: true, reason: 'x', updatedAtMs: 1 });
    await store.recordRealizedPnl('paper', '2024-05-01', 'loss', -100, 50);
    const { ctx, io } = testContext({ store });

    // Act
    await setHalt(ctx, false, {});

    // Assess
    expect(await store.getControl('paper')).toEqual({ halted: false, haltExits: false, updatedAtMs: NOW_MS });
    expect(io.stdout.join('\n')).toContain('halt flag cleared');
    expect(io.stdout.join('\n')).toContain('kill switch is tripped');
  });

  it('--mode writes the other mode\'s flag and says the deployed bot does not read it', async () => {
    // Prepare
    const { ctx, io, store } = testContext();

    // Act
    await setHalt(ctx, true, { mode: 'live' });

    // Assess
    expect((await store.getControl('live')).halted).toBe(true);
    expect((await store.getControl('paper')).halted).toBe(false);
    expect(io.stderr.join('\n')).toContain('the stack runs in paper mode');
  });
});
