// Dashboard: the deployed bot, through the operator's AWS credentials and the stack's outputs,
// exactly as the operator CLI reaches it. Reads go through the same DynamoStore; every control is
// the CLI command's own function (pause/resume, halt/unhalt, flatten) or built from its pieces
// (force-exit through the exit-commands alias).
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { KrakenExchangeAdapter } from '../adapters/kraken/krakenExchange.js';
import { closedCandles, lastClosedCandleCloseMs } from '../core/candles.js';
import type { StorePort } from '../core/ports.js';
import type { Candle, Mode, Pair } from '../core/types.js';
import type { AwsClients } from '../cli/ops/awsClients.js';
import { readDeployedLimits } from '../cli/ops/deployedLimits.js';
import { flatten } from '../cli/ops/flatten.js';
import { setHalt } from '../cli/ops/haltFlag.js';
import { createOpsContext, type OpsContext, type StoreFactory } from '../cli/ops/opsContext.js';
import { OpsError } from '../cli/ops/opsIo.js';
import { describeScheduleRule, setScheduleEnabled } from '../cli/ops/scheduleRule.js';
import { requireOutput, resolveMode, type StackOutputs } from '../cli/ops/stackOutputs.js';
import type { StatusLimits } from '../cli/ops/status.js';
import { capturingIo } from './capturingIo.js';
import type { AlarmView, ControlRequest, ControlResult, DashboardBackend, ScheduleView } from './dashboardBackend.js';
import { forceExit } from './forceExit.js';

export interface DeployedBackendOptions {
  clients: AwsClients;
  stackName: string;
  openStore: StoreFactory;
  /** CloudWatch for the alarms (the operator CLI's clients have none). */
  cloudWatch?: CloudWatchClient;
  /** `--mode`: read this mode's state instead of the deployed one. */
  mode?: Mode;
  /** Kraken REST base URL for the price charts (public data, no keys). */
  exchangeUrl: string;
  nowMs?: () => number;
}

/** The deployed bot behind the dashboard. */
export function deployedBackend(o: DeployedBackendOptions): DashboardBackend {
  const nowMs = o.nowMs ?? (() => Date.now());
  const context = (io = capturingIo()): OpsContext => createOpsContext({ clients: o.clients, io, stackName: o.stackName, openStore: o.openStore, nowMs });
  const reads = context();
  let store: StorePort | undefined;
  let cloudWatch = o.cloudWatch;
  const exchange = new KrakenExchangeAdapter({ baseUrl: o.exchangeUrl, enableRateLimit: true });
  const outputs = (): Promise<StackOutputs> => reads.outputs();
  const mode = async (): Promise<Mode> => resolveMode(await outputs(), o.mode);

  /** Runs an operator command function with a fresh capturing terminal. */
  const run = async (fn: (ctx: OpsContext) => Promise<number | unknown>): Promise<ControlResult> => {
    const io = capturingIo();
    try {
      const code = await fn(context(io));
      return { ok: typeof code === 'number' ? code === 0 : true, lines: io.lines };
    } catch (err) {
      io.err(`error: ${err instanceof OpsError || !(err instanceof Error) ? String((err as Error).message ?? err) : `${err.name}: ${err.message}`}`);
      return { ok: false, lines: io.lines };
    }
  };

  return {
    kind: 'deployed',
    get label() {
      return `stack ${o.stackName}`;
    },
    mode,
    async store() {
      store ??= o.openStore(o.clients, requireOutput(await outputs(), 'TableName'));
      return store;
    },
    async schedule(): Promise<ScheduleView> {
      try {
        const rule = await describeScheduleRule(o.clients.eventBridge, requireOutput(await outputs(), 'RuleName'));
        return { state: rule.state, running: rule.state === 'ENABLED', name: rule.name, ...(rule.scheduleExpression ? { expression: rule.scheduleExpression } : {}) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    },
    async limits(): Promise<StatusLimits | null> {
      try {
        return await readDeployedLimits(o.clients.lambda, requireOutput(await outputs(), 'FunctionName'));
      } catch {
        return null;
      }
    },
    async alarms(): Promise<AlarmView[]> {
      cloudWatch ??= new CloudWatchClient({ region: await o.clients.region(), ...(o.clients.cloudFormation.config.profile ? { profile: o.clients.cloudFormation.config.profile } : {}) });
      const out: AlarmView[] = [];
      let token: string | undefined;
      do {
        // The stack names its alarms `<stack>-<what>`: the trailing dash keeps another stack's (KrakenBot2-...) out.
        const page = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${o.stackName}-`, StateValue: 'ALARM', NextToken: token }));
        for (const a of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
          out.push({ name: a.AlarmName ?? '?', reason: a.StateReason ?? '', sinceIso: a.StateUpdatedTimestamp ? a.StateUpdatedTimestamp.toISOString() : null });
        }
        token = page.NextToken;
      } while (token);
      return out;
    },
    async candles(pair: Pair): Promise<Candle[]> {
      const closeMs = lastClosedCandleCloseMs(nowMs());
      return closedCandles(await exchange.fetchCandles5m(pair), closeMs);
    },
    control(request: ControlRequest): Promise<ControlResult> {
      switch (request.action) {
        case 'pause':
        case 'resume':
          return run((ctx) => setScheduleEnabled(ctx, request.action === 'resume'));
        case 'halt':
          return run((ctx) => setHalt(ctx, true, { exits: request.exits ?? false, ...(request.reason ? { reason: request.reason } : {}), ...(o.mode ? { mode: o.mode } : {}) }));
        case 'unhalt':
          return run((ctx) => setHalt(ctx, false, o.mode ? { mode: o.mode } : {}));
        case 'flatten':
          return run((ctx) => flatten(ctx, { yes: true }));
        case 'force-exit':
          return run((ctx) => forceExit(ctx, request.pair));
      }
    },
    async close() {
      cloudWatch?.destroy();
    },
  };
}
