// Operator CLI (kbot ops): the commander commands for the deployed bot (keys, pause, resume,
// status, flatten, halt, unhalt, logs, alerts). bin/kbot.ts adds them to the program; each action
// builds an OpsContext and calls the command's function, which holds the logic.
import { Command, Option } from 'commander';
import { alertsTest } from './alertsTest.js';
import { createAwsClients, type AwsClients, type AwsTarget } from './awsClients.js';
import { openDynamoStore } from './openDynamoStore.js';
import { flatten } from './flatten.js';
import { setHalt } from './haltFlag.js';
import { keysSet } from './keysSet.js';
import { logs } from './logs.js';
import { createOpsContext, type CommonOptions, type OpsContext, type StoreFactory } from './opsContext.js';
import { OpsError, type OpsIo } from './opsIo.js';
import { setScheduleEnabled } from './scheduleRule.js';
import { DEFAULT_STACK_NAME } from './stackOutputs.js';
import { reconcile, reportReconcile, newReconcileRequestId, reconcileEvent, type ReconcileAction } from './reconcile.js';
import { status } from './status.js';
import { terminalIo } from './terminalIo.js';

/** What the commands need from the outside world; tests replace any of it. */
export interface OpsDeps {
  createClients(target: AwsTarget): AwsClients;
  /** The terminal; `close` (optional) releases stdin after the command. */
  createIo(): OpsIo & { close?(): void };
  openStore: StoreFactory;
  nowMs(): number;
  /** Receives the command's exit code (default: sets process.exitCode when non-zero). */
  setExitCode(code: number): void;
  /** Subscribes to Ctrl-C for `logs --follow`; returns the unsubscribe function. */
  onInterrupt(listener: () => void): () => void;
}

const defaultDeps: OpsDeps = {
  createClients: createAwsClients,
  createIo: () => terminalIo(),
  openStore: openDynamoStore,
  nowMs: () => Date.now(),
  setExitCode: (code) => {
    if (code !== 0) process.exitCode = code;
  },
  onInterrupt: (listener) => {
    process.once('SIGINT', listener);
    return () => void process.off('SIGINT', listener);
  },
};

/** A command body: resolves to its exit code (flatten) or to nothing (0); throws to fail. */
type Action<O> = (ctx: OpsContext, options: O) => Promise<number | void>;

/** Adds --stack, --region and --profile to a command. */
function withTarget(command: Command): Command {
  return command
    .option('--stack <name>', 'name of the deployed stack', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your profile)')
    .option('--profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)');
}

/**
 * The operator commands, ready to add to a commander program:
 * `keys set`, `pause`, `resume`, `status`, `flatten`, `halt`, `unhalt`, `logs`, `alerts test`.
 */
export function opsCommands(overrides: Partial<OpsDeps> = {}): Command[] {
  const deps: OpsDeps = { ...defaultDeps, ...overrides };

  function action<O extends object>(run: Action<O & CommonOptions>) {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const options = command.opts<O & CommonOptions>();
      const io = deps.createIo();
      let code = 0;
      try {
        const clients = deps.createClients({
          ...(options.region ? { region: options.region } : {}),
          ...(options.profile ? { profile: options.profile } : {}),
        });
        const ctx = createOpsContext({ clients, io, stackName: options.stack, openStore: deps.openStore, nowMs: deps.nowMs });
        code = (await run(ctx, options)) ?? 0;
      } catch (error) {
        code = error instanceof OpsError ? error.exitCode : 1;
        io.err(`error: ${describeError(error)}`);
      } finally {
        io.close?.();
      }
      deps.setExitCode(code);
    };
  }

  const keys = new Command('keys').description('manage the Kraken API keys the deployed bot uses');
  keys.addCommand(
    withTarget(new Command('set'))
      .description('store the Kraken API key and secret (prompted, never echoed) as one SecureString parameter')
      .option('--parameter <name>', 'SSM parameter name (default: the stack output KeysParameterName)')
      .option('--kms-key <id>', 'KMS key to encrypt with (default: the stack output KeysKmsKeyArn, else aws/ssm)')
      .action(
        action<{ parameter?: string; kmsKey?: string }>(async (ctx, o) => {
          await keysSet(ctx, { ...(o.parameter ? { parameter: o.parameter } : {}), ...(o.kmsKey ? { kmsKeyId: o.kmsKey } : {}) });
        }),
      ),
  );

  const pause = withTarget(new Command('pause'))
    .description('disable the schedule rule: no ticks run (open positions are not watched)')
    .action(
      action(async (ctx) => {
        await setScheduleEnabled(ctx, false);
      }),
    );

  const resume = withTarget(new Command('resume'))
    .description('enable the schedule rule: ticks run every 5 minutes again')
    .action(
      action(async (ctx) => {
        await setScheduleEnabled(ctx, true);
      }),
    );

  const statusCommand = withTarget(new Command('status'))
    .description('show schedule, mode, halt flag, open positions, today\'s trades, P&L, kill switch and the last tick')
    .option('--json', 'print JSON instead of a table')
    .addOption(new Option('--mode <mode>', 'read this mode\'s state instead of the deployed one').choices(['paper', 'live']))
    .action(
      action<{ json?: boolean; mode?: string }>(async (ctx, o) => {
        await status(ctx, { json: o.json ?? false, ...(o.mode ? { mode: o.mode } : {}) });
      }),
    );

  const flattenCommand = withTarget(new Command('flatten'))
    .description('sell every open position at market now and halt entries (asks first)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(action<{ yes?: boolean }>((ctx, o) => flatten(ctx, { yes: o.yes ?? false })));

  const halt = withTarget(new Command('halt'))
    .description('set the halt flag: no new entries (exits still run unless --exits)')
    .option('--reason <text>', 'why, shown in kbot status and the tick result')
    .option('--exits', 'also halt exits (stop-loss and take-profit stop working; emergencies only)')
    .addOption(new Option('--mode <mode>', 'halt this mode instead of the deployed one').choices(['paper', 'live']))
    .action(
      action<{ reason?: string; exits?: boolean; mode?: string }>(async (ctx, o) => {
        await setHalt(ctx, true, { exits: o.exits ?? false, ...(o.reason ? { reason: o.reason } : {}), ...(o.mode ? { mode: o.mode } : {}) });
      }),
    );

  const unhalt = withTarget(new Command('unhalt'))
    .description('clear the halt flag: entries allowed again from the next tick')
    .addOption(new Option('--mode <mode>', 'clear this mode\'s flag instead of the deployed one').choices(['paper', 'live']))
    .action(
      action<{ mode?: string }>(async (ctx, o) => {
        await setHalt(ctx, false, o.mode ? { mode: o.mode } : {});
      }),
    );

  const logsCommand = withTarget(new Command('logs'))
    .description('print the tick function\'s CloudWatch logs compactly')
    .option('--since <duration>', 'how far back: 15m, 2h, 1d or an ISO time', '15m')
    .option('-f, --follow', 'keep polling for new lines until Ctrl-C')
    .option('--filter <pattern>', 'CloudWatch Logs filter pattern, e.g. ERROR')
    .action(
      action<{ since: string; follow?: boolean; filter?: string }>(async (ctx, o) => {
        const controller = new AbortController();
        const unsubscribe = deps.onInterrupt(() => controller.abort());
        try {
          await logs(ctx, { since: o.since, follow: o.follow ?? false, signal: controller.signal, ...(o.filter ? { filter: o.filter } : {}) });
        } finally {
          unsubscribe();
        }
      }),
    );

  const alerts = new Command('alerts').description('the SNS alert topic');
  alerts.addCommand(
    withTarget(new Command('test'))
      .description('publish a test alert to the stack\'s topic (email and SMS subscribers)')
      .action(
        action(async (ctx) => {
          await alertsTest(ctx);
        }),
      ),
  );

  const reconcileCommand = withTarget(new Command('reconcile'))
    .description('compare Kraken\'s holdings with the bot\'s positions; adopt, release or accept a difference (asks first)')
    .option('--adopt <pair>', 'take the surplus of the pair\'s asset into the bot\'s position at the current price')
    .option('--release <pair>', 'drop the pair\'s position record (Kraken no longer holds those coins, or they are yours)')
    .option('--accept <pair>', 'record the difference in the pair\'s asset as your own coins, outside the bot')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON document')
    .option('--local', 'the local paper bot (kbot paper\'s state under --data-dir) instead of the deployed stack')
    .option('--config <file>', 'with --local: the bot configuration kbot paper runs with')
    .option('--data-dir <dir>', 'with --local: where kbot paper keeps its state', '.kbot')
    .option('--exchange-url <url>', 'with --local: Kraken REST base URL', 'https://api.kraken.com')
    .action(async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const o = command.opts<{ adopt?: string; release?: string; accept?: string; yes?: boolean; json?: boolean; local?: boolean; config?: string; dataDir: string; exchangeUrl: string }>();
      const chosen = (['adopt', 'release', 'accept'] as const).filter((a) => o[a] !== undefined);
      if (chosen.length > 1) {
        const io = deps.createIo();
        io.err('error: choose one of --adopt, --release and --accept');
        io.close?.();
        deps.setExitCode(1);
        return;
      }
      const act: ReconcileAction = chosen[0] ?? 'show';
      const pair = chosen[0] ? o[chosen[0]] : undefined;
      if (o.local) {
        const io = deps.createIo();
        try {
          deps.setExitCode(await reconcileLocal(io, { action: act, ...(pair ? { pair } : {}), json: o.json ?? false, dataDir: o.dataDir, exchangeUrl: o.exchangeUrl, ...(o.config ? { config: o.config } : {}), nowMs: deps.nowMs() }));
        } catch (error) {
          io.err(`error: ${describeError(error)}`);
          deps.setExitCode(1);
        } finally {
          io.close?.();
        }
        return;
      }
      await action<{ yes?: boolean; json?: boolean }>((ctx) => reconcile(ctx, { action: act, ...(pair ? { pair } : {}), yes: o.yes ?? false, json: o.json ?? false }))(...args);
    });

  return [keys, pause, resume, statusCommand, flattenCommand, halt, unhalt, logsCommand, alerts, reconcileCommand];
}

/** `kbot reconcile --local`: the same command through the local handler on kbot paper's state. */
async function reconcileLocal(
  io: OpsIo,
  o: { action: ReconcileAction; pair?: string; json: boolean; config?: string; dataDir: string; exchangeUrl: string; nowMs: number },
): Promise<number> {
  const { join } = await import('node:path');
  const { loadConfigFile, startLocalStack } = await import('../localStack.js');
  const { ConsoleAlerts } = await import('../../adapters/console/consoleAlerts.js');
  const { silentLogger, noMetrics } = await import('../../core/ports.js');
  const config = await loadConfigFile(o.config);
  let stack;
  try {
    stack = await startLocalStack({
      config,
      exchangeUrl: o.exchangeUrl,
      dataDir: join(o.dataDir, 'dynamo'),
      // ccxt's throttle guards Kraken's limits; a sandbox on this machine has none to guard.
      overrides: { alerts: new ConsoleAlerts(), logger: silentLogger, metrics: noMetrics, enableRateLimit: !/^https?:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(o.exchangeUrl) },
    });
  } catch (error) {
    throw new OpsError(`cannot open the local state under ${o.dataDir} (${error instanceof Error ? error.message : String(error)}): stop kbot paper first, it holds the database`);
  }
  try {
    const requestId = newReconcileRequestId(o.nowMs);
    const result = await stack.handler(reconcileEvent(o.action, o.pair, requestId));
    return reportReconcile(io, result, requestId, o.json);
  } finally {
    await stack.close();
  }
}

/** An error as one line. AWS SDK errors carry their code in `name`; credentials problems get a hint. */
function describeError(error: unknown): string {
  if (error instanceof OpsError) return error.message;
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'CredentialsProviderError' || /Could not load credentials/i.test(error.message)) {
    return `no AWS credentials: ${error.message} (run aws configure or aws sso login, or pass --profile)`;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && ['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET'].includes(code)) {
    return `cannot reach AWS: ${error.message} (check your network and --region)`;
  }
  if (error.name === 'ExpiredTokenException' || error.name === 'ExpiredToken') {
    return `AWS credentials expired: ${error.message} (aws sso login, or refresh them)`;
  }
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}
