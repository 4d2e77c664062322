// Operator CLI (kbot ops): `kbot halt` / `kbot unhalt`. Sets the manual halt flag
// (`CONTROL#<mode>` / `halt`) that every tick checks before entries (and, with --exits, exits).
import type { StorePort } from '../../core/ports.js';
import type { ControlState, Mode } from '../../core/types.js';
import type { OpsContext } from './opsContext.js';
import { requireOutput, resolveMode } from './stackOutputs.js';

/** Writes the halt flag for `mode` and returns what the store holds afterwards. */
export async function writeHaltFlag(store: StorePort, mode: Mode, control: ControlState): Promise<ControlState> {
  await store.setControl(mode, control);
  return store.getControl(mode);
}

/**
 * `kbot halt` (halted = true) or `kbot unhalt` (halted = false) for the stack's mode or `mode`.
 * A halt stops new entries from the next tick on; `exits` also stops exits, which leaves open
 * positions without their stop-loss, so it is only for emergencies.
 */
export async function setHalt(
  ctx: OpsContext,
  halted: boolean,
  options: { reason?: string; exits?: boolean; mode?: string },
): Promise<ControlState> {
  const outputs = await ctx.outputs();
  const mode = resolveMode(outputs, options.mode);
  const deployedMode = outputs.values.Mode;
  const store = ctx.openStore(ctx.clients, requireOutput(outputs, 'TableName'));
  const control: ControlState = halted
    ? {
        halted: true,
        haltExits: options.exits ?? false,
        reason: options.reason?.trim() || 'manual halt (kbot halt)',
        updatedAtMs: ctx.nowMs(),
      }
    : { halted: false, haltExits: false, updatedAtMs: ctx.nowMs() };
  const stored = await writeHaltFlag(store, mode, control);

  if (stored.halted) {
    ctx.io.out(`${mode}: HALTED (${stored.haltExits ? 'entries AND exits' : 'entries only; exits still run'}): ${stored.reason ?? ''}`);
    if (stored.haltExits) ctx.io.out('warning: open positions are not protected by their stop-loss while exits are halted.');
    ctx.io.out('run kbot unhalt to resume; kbot flatten to sell everything now.');
  } else {
    ctx.io.out(`${mode}: halt flag cleared: entries allowed again from the next tick`);
    const today = await store.getDay(mode, new Date(ctx.nowMs()).toISOString().slice(0, 10));
    if (today.killSwitchTripped) ctx.io.out('note: the daily-loss kill switch is tripped: entries stay halted until the next UTC day.');
  }
  if (deployedMode !== undefined && deployedMode !== mode) {
    ctx.io.err(`note: the stack runs in ${deployedMode} mode; this changed the ${mode} flag, which the deployed bot does not read now`);
  }
  return stored;
}
