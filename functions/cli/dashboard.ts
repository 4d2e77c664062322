// CLI: `kbot dashboard`. The local web dashboard for the deployed bot, through the operator's AWS
// credentials and the stack's outputs (the same clients as kbot status, pause, halt, flatten).
// For the local paper bot, `kbot paper --dashboard` serves it from the paper process itself.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { Command, Option } from 'commander';
import type { Mode } from '../core/types.js';
import { deployedBackend } from '../dashboard/deployedBackend.js';
import type { DashboardBackend } from '../dashboard/dashboardBackend.js';
import { startDashboardServer, type DashboardServer } from '../dashboard/dashboardServer.js';
import { createAwsClients } from './ops/awsClients.js';
import { openDynamoStore } from './ops/openDynamoStore.js';
import { DEFAULT_STACK_NAME } from './ops/stackOutputs.js';
import { KRAKEN_PUBLIC_URL } from './paper.js';

/** Starts the dashboard for `backend` and prints where to open it (stderr: the URL holds the session token). */
export async function serveDashboard(backend: DashboardBackend, options: { port?: number; print?: (line: string) => void } = {}): Promise<DashboardServer> {
  const print = options.print ?? ((line: string) => console.error(line));
  const server = await startDashboardServer({
    backend,
    ...(options.port !== undefined ? { port: options.port } : {}),
    onControl: (request, ok) => print(`dashboard: ${request.action}${'pair' in request ? ` ${request.pair}` : ''} ${ok ? 'done' : 'FAILED'}`),
  });
  print(`Dashboard (${backend.label}) on 127.0.0.1 only. Open this URL; it holds the session token, so keep it to yourself:`);
  print(`    ${server.url}`);
  return server;
}

export function dashboardCommand(): Command {
  return new Command('dashboard')
    .description('local web dashboard for the deployed bot: overview, positions, trades, decisions, analyzer, controls (kbot paper --dashboard for the local bot)')
    .option('--stack <name>', 'name of the deployed stack', DEFAULT_STACK_NAME)
    .option('--region <region>', 'AWS region of the stack (default: AWS_REGION or your profile)')
    .option('--profile <profile>', 'AWS named profile (default: AWS_PROFILE or the default chain)')
    .addOption(new Option('--mode <mode>', 'show this mode\'s state instead of the deployed one').choices(['paper', 'live']))
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', (v) => Number.parseInt(v, 10))
    .option('--exchange-url <url>', 'Kraken REST base URL for the price charts (public data)', KRAKEN_PUBLIC_URL)
    .action(async (opts: { stack: string; region?: string; profile?: string; mode?: Mode; port?: number; exchangeUrl: string }) => {
      const target = { ...(opts.region ? { region: opts.region } : {}), ...(opts.profile ? { profile: opts.profile } : {}) };
      const clients = createAwsClients(target);
      const region = await clients.region();
      const cloudWatch = new CloudWatchClient({ region, ...(opts.profile ? { profile: opts.profile } : {}) });
      const backend = deployedBackend({ clients, stackName: opts.stack, openStore: openDynamoStore, cloudWatch, exchangeUrl: opts.exchangeUrl, ...(opts.mode ? { mode: opts.mode } : {}) });
      // Fail now, with the CLI's own message, when the stack cannot be found.
      await backend.mode();
      const server = await serveDashboard(backend, opts.port !== undefined ? { port: opts.port } : {});
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      console.error('\nstopping the dashboard');
      await server.close();
      await backend.close?.();
    });
}
