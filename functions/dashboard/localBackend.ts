// Dashboard: the local paper bot, served by the `kbot paper --dashboard` process itself (so the
// local dynalite lock is no obstacle). Reads go through a DynamoStore on that dynalite; halt and
// unhalt are `kbot halt`'s own function on it; flatten and force-exit are the same command events
// the deployed function takes, run by the local handler one at a time with the scheduled ticks;
// pause and resume stop and restart the local schedule (the paper loop).
import { createDynamoClient } from '../adapters/dynamo/createDynamoClient.js';
import { DynamoStore } from '../adapters/dynamo/dynamoStore.js';
import { KrakenExchangeAdapter } from '../adapters/kraken/krakenExchange.js';
import { closedCandles, lastClosedCandleCloseMs } from '../core/candles.js';
import type { BotConfig } from '../core/config.js';
import type { TickResult } from '../core/tickResult.js';
import type { Candle, Pair } from '../core/types.js';
import { flattenEvent, newFlattenRequestId, reportFlatten } from '../cli/ops/flatten.js';
import { setHalt } from '../cli/ops/haltFlag.js';
import type { OpsContext } from '../cli/ops/opsContext.js';
import { OpsError } from '../cli/ops/opsIo.js';
import type { StackOutputs } from '../cli/ops/stackOutputs.js';
import type { LocalStack } from '../cli/localStack.js';
import { LOCAL_TABLE } from '../cli/localStack.js';
import { capturingIo, type CapturingIo } from './capturingIo.js';
import type { ControlRequest, ControlResult, DashboardBackend, ScheduleView } from './dashboardBackend.js';
import { forceExitEvent, newForceExitRequestId, reportForceExit } from './forceExit.js';

/** The paper loop's schedule, which pause and resume switch. */
export interface LocalSchedule {
  paused: boolean;
}

/** Runs handler invocations one at a time (a scheduled tick and a command never overlap, as in Lambda with reserved concurrency 1). */
export type Serializer = <T>(fn: () => Promise<T>) => Promise<T>;

export function createSerializer(): Serializer {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = last.then(fn, fn);
    last = next.catch(() => undefined);
    return next;
  };
}

export interface LocalBackendOptions {
  stack: LocalStack;
  config: BotConfig;
  exchangeUrl: string;
  /** Shown in the header. */
  dataDir: string;
  schedule: LocalSchedule;
  serialize: Serializer;
  nowMs?: () => number;
}

export function localBackend(o: LocalBackendOptions): DashboardBackend {
  const nowMs = o.nowMs ?? (() => Date.now());
  const client = createDynamoClient({ endpoint: o.stack.dynamoEndpoint });
  const store = new DynamoStore({ client, tableName: LOCAL_TABLE });
  const local = /^https?:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(o.exchangeUrl);
  const exchange = new KrakenExchangeAdapter({ baseUrl: o.exchangeUrl, enableRateLimit: !local });
  const mode = o.config.mode;
  /** What the operator commands see: the local table as the "stack" with its mode. */
  const outputs: StackOutputs = { stackNames: ['local'], region: 'local', values: { TableName: LOCAL_TABLE, Mode: mode } };
  const context = (io: CapturingIo): OpsContext => ({
    clients: undefined as never,
    io,
    stackName: 'local',
    outputs: async () => outputs,
    openStore: () => store,
    nowMs,
  });
  const command = async (event: unknown, report: (io: CapturingIo, result: TickResult) => number): Promise<ControlResult> => {
    const io = capturingIo();
    try {
      const result = await o.serialize(() => o.stack.handler(event));
      return { ok: report(io, result) === 0, lines: io.lines };
    } catch (err) {
      io.err(`error: ${(err as Error).message}`);
      return { ok: false, lines: io.lines };
    }
  };
  return {
    kind: 'local',
    label: `local paper bot (${o.dataDir})`,
    mode: async () => mode,
    store: async () => store,
    async schedule(): Promise<ScheduleView> {
      return { state: o.schedule.paused ? 'PAUSED' : 'RUNNING', running: !o.schedule.paused, name: 'kbot paper loop', expression: 'every 5 minutes' };
    },
    async limits() {
      const l = o.config.limits;
      return { maxTradesPerDay: l.maxTradesPerDay, maxTradesPerPairPerDay: l.maxTradesPerPairPerDay, maxDailyLossQuote: l.maxDailyLossQuote };
    },
    alarms: async () => null,
    async candles(pair: Pair): Promise<Candle[]> {
      return closedCandles(await exchange.fetchCandles5m(pair), lastClosedCandleCloseMs(nowMs()));
    },
    async control(request: ControlRequest): Promise<ControlResult> {
      const io = capturingIo();
      switch (request.action) {
        case 'pause':
        case 'resume':
          o.schedule.paused = request.action === 'pause';
          io.out(`local schedule: ${o.schedule.paused ? 'PAUSED: no ticks run, open positions are NOT watched for stop-loss or take-profit' : 'running: a tick every 5 minutes'}`);
          return { ok: true, lines: io.lines };
        case 'halt':
        case 'unhalt':
          try {
            await setHalt(context(io), request.action === 'halt', request.action === 'halt' ? { exits: request.exits ?? false, ...(request.reason ? { reason: request.reason } : {}) } : {});
            return { ok: true, lines: io.lines };
          } catch (err) {
            io.err(`error: ${err instanceof OpsError ? err.message : (err as Error).message}`);
            return { ok: false, lines: io.lines };
          }
        case 'flatten': {
          const requestId = newFlattenRequestId(nowMs());
          return command(flattenEvent(requestId), (cio, result) => reportFlatten(context(cio), result, requestId));
        }
        case 'force-exit': {
          const requestId = newForceExitRequestId(nowMs());
          return command(forceExitEvent(request.pair, requestId), (cio, result) => reportForceExit(context(cio), result, requestId, request.pair));
        }
      }
    },
    async close() {
      client.destroy();
    },
  };
}
