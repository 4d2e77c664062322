// Dashboard: the seam between the web app and the bot it watches. A deployed bot (AWS through the
// operator's credentials, the operator CLI's functions) and the local paper bot (its own process)
// each implement it; the pages and the controls only talk to this.
import type { StorePort } from '../core/ports.js';
import type { Candle, Mode, Pair } from '../core/types.js';
import type { StatusLimits } from '../cli/ops/status.js';

/** The schedule as the dashboard shows it: running, paused, or unknown with why. */
export type ScheduleView = { state: string; running: boolean; name?: string; expression?: string } | { error: string };

/** A CloudWatch alarm in ALARM. */
export interface AlarmView {
  name: string;
  reason: string;
  sinceIso: string | null;
}

/** One state-changing request, as the controls page sends it. */
export type ControlRequest =
  | { action: 'pause' | 'resume' | 'unhalt' | 'flatten' }
  | { action: 'halt'; reason?: string; exits?: boolean }
  | { action: 'force-exit'; pair: Pair };

export const CONTROL_ACTIONS = ['pause', 'resume', 'halt', 'unhalt', 'flatten', 'force-exit'] as const;

/** What a control did: the CLI's own output lines (stdout and stderr), and whether it succeeded. */
export interface ControlResult {
  ok: boolean;
  lines: string[];
}

/** The bot the dashboard watches and steers. */
export interface DashboardBackend {
  readonly kind: 'deployed' | 'local';
  /** Shown in the header: the stack and region, or the local data directory. */
  readonly label: string;
  mode(): Promise<Mode>;
  /** The bot's table, for reading only (controls never write it directly). */
  store(): Promise<StorePort>;
  schedule(): Promise<ScheduleView>;
  /** The daily limits the bot runs with, when they can be read. */
  limits(): Promise<StatusLimits | null>;
  /** Alarms in ALARM (deployed), or null where the bot has none (local). */
  alarms(): Promise<AlarmView[] | null>;
  /** Recent closed 5m candles of a pair (public market data). */
  candles(pair: Pair): Promise<Candle[]>;
  /** Runs a control through exactly the path the CLI command takes. */
  control(request: ControlRequest): Promise<ControlResult>;
  close?(): Promise<void>;
}
