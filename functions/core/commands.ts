// Core domain: operator commands carried by a Lambda event instead of the schedule. They go
// through the same risk checks and order protocol as scheduled decisions.
import { z } from 'zod';

const requestId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters of letters, digits, . _ : -');

export const tickCommandSchema = z.discriminatedUnion('command', [
  z.object({
    command: z.literal('force-entry'),
    pair: z.string(),
    /** Quote to spend; defaults to the risk engine's size. Still capped by every risk limit. */
    amountQuote: z.number().positive().optional(),
    requestId,
  }),
  z.object({
    command: z.literal('force-exit'),
    pair: z.string(),
    /** Base to sell; defaults to the whole position. */
    amountBase: z.number().positive().optional(),
    requestId,
  }),
  z.object({
    /** Sell every open position now and halt entries. */
    command: z.literal('flatten'),
    requestId,
  }),
  z
    .object({
      /**
       * Kraken's holdings against the bot's positions. `show` reports; `adopt` takes the surplus of
       * a pair's asset into a position at the current price; `release` drops a position record the
       * account no longer backs; `accept` records the difference as the owner's own coins.
       */
      command: z.literal('reconcile'),
      action: z.enum(['show', 'adopt', 'release', 'accept']).default('show'),
      /** adopt, release: the pair; accept: the pair whose base asset is accepted. */
      pair: z.string().optional(),
      requestId,
    })
    .refine((c) => c.action === 'show' || c.pair !== undefined, { message: 'adopt, release and accept need a pair', path: ['pair'] }),
]);

/** An operator command (event shape: `{ "kbot": { "command": "force-entry", ... } }`). */
export type TickCommand = z.output<typeof tickCommandSchema>;
