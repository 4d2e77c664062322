// Kraken sandbox: fault injection. Tests and the demo make the sandbox slow, answer with a Kraken
// error, fail with HTTP 5xx, or execute an order and then lose the reply, for the next N calls.

/** A fault armed for the next `remaining` calls, optionally only for one Kraken method (e.g. `AddOrder`). */
interface Armed {
  remaining: number;
  method?: string;
}

export interface ErrorFault extends Armed {
  /** The Kraken error string, e.g. `EService:Unavailable`. */
  error: string;
}

export interface HttpFault extends Armed {
  status: number;
  /** When true the call is processed first (an order executes), then the 5xx is sent. */
  afterProcessing: boolean;
}

/** What the sandbox does to one call, decided when it arrives. */
export interface CallFaults {
  latencyMs: number;
  http?: HttpFault;
  error?: string;
  dropReply: boolean;
}

export interface FaultOptions {
  /** How many calls to affect (default 1). */
  count?: number;
  /** Only calls to this Kraken method (e.g. `AddOrder`, `OHLC`); default any method. */
  method?: string;
}

/** The sandbox's armed faults. Each call consumes at most one armed fault of each kind. */
export class SandboxFaults {
  private latency: { ms: number; method?: string } = { ms: 0 };
  private errors: ErrorFault[] = [];
  private http: HttpFault[] = [];
  private drops: Armed[] = [];

  /** Delays every call (or every call to `method`) by `ms`. 0 removes the delay. */
  setLatency(ms: number, method?: string): void {
    if (!(ms >= 0)) throw new Error('latency must be 0 or more ms');
    this.latency = method ? { ms, method } : { ms };
  }

  /** Answers the next calls with Kraken error `error` in the usual envelope; nothing is processed. */
  failNext(error: string, options: FaultOptions = {}): void {
    if (!/^[EW][A-Za-z]+:/.test(error)) throw new Error(`not a Kraken error string: ${error}`);
    this.errors.push({ error, ...armed(options) });
  }

  /** Answers the next calls with an HTTP 5xx page (by default nothing is processed). */
  httpErrorNext(options: FaultOptions & { status?: number; afterProcessing?: boolean } = {}): void {
    const status = options.status ?? 503;
    if (!(status >= 500 && status <= 599)) throw new Error('status must be a 5xx code');
    this.http.push({ status, afterProcessing: options.afterProcessing ?? false, ...armed(options) });
  }

  /** Processes the next calls (default: `AddOrder` only), then destroys the socket without replying. */
  dropReplyNext(options: FaultOptions = {}): void {
    this.drops.push(armed({ method: 'AddOrder', ...options }));
  }

  /** Removes every armed fault and the latency. */
  clear(): void {
    this.latency = { ms: 0 };
    this.errors = [];
    this.http = [];
    this.drops = [];
  }

  /** What is armed now (for the control API). */
  snapshot(): { latencyMs: number; latencyMethod?: string; errors: ErrorFault[]; http: HttpFault[]; dropReplies: Armed[] } {
    return {
      latencyMs: this.latency.ms,
      ...(this.latency.method ? { latencyMethod: this.latency.method } : {}),
      errors: this.errors.map((f) => ({ ...f })),
      http: this.http.map((f) => ({ ...f })),
      dropReplies: this.drops.map((f) => ({ ...f })),
    };
  }

  /** Decides (and consumes) the faults for one call to `method`. */
  take(method: string): CallFaults {
    const latencyMs = !this.latency.method || this.latency.method === method ? this.latency.ms : 0;
    const http = consume(this.http, method);
    // A 5xx sent instead of processing hides everything else; otherwise an error fault applies.
    const error = http && !http.afterProcessing ? undefined : consume(this.errors, method)?.error;
    const dropReply = !http && !error && consume(this.drops, method) !== undefined;
    return { latencyMs, ...(http ? { http } : {}), ...(error ? { error } : {}), dropReply };
  }
}

function armed(options: FaultOptions): Armed {
  const count = options.count ?? 1;
  if (!(Number.isInteger(count) && count >= 1)) throw new Error('count must be a positive integer');
  return options.method ? { remaining: count, method: options.method } : { remaining: count };
}

function consume<T extends Armed>(list: T[], method: string): T | undefined {
  const index = list.findIndex((f) => !f.method || f.method === method);
  if (index < 0) return undefined;
  const fault = list[index]!;
  fault.remaining--;
  if (fault.remaining <= 0) list.splice(index, 1);
  return { ...fault };
}
