// Chaos suite: the pool of worker processes (stand-ins for Lambda instances), built once as an
// esbuild bundle so a respawn after a SIGKILL takes a fraction of a second.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { PROJECT_ROOT, tickBuildOptions } from '../tick/bundle.js';
import type { WorkerReply, WorkerRequest } from './chaosWorker.js';

/**
 * Builds the worker bundle (the tick bundle's options, another entry) and returns its path. Each
 * suite builds into a folder of its own: a second suite rebuilding a shared file while this one
 * respawns a killed worker made that worker die on a half-written bundle, in a clean tick.
 */
export async function buildWorker(): Promise<string> {
  const outdir = join(PROJECT_ROOT, 'node_modules', '.cache', 'kbot-chaos', `${process.pid}-${Date.now()}`);
  await mkdir(outdir, { recursive: true });
  const options = tickBuildOptions(outdir, join(PROJECT_ROOT, 'functions', 'chaos', 'chaosWorker.ts'));
  await build({ ...options, minify: false, sourcemap: false, metafile: false });
  return options.outfile!;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  waiting: Map<number, (reply: WorkerReply | undefined) => void>;
  alive: boolean;
}

/** A fixed number of workers; a killed one is replaced at once. */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private nextId = 1;
  /** SIGKILLs sent so far. */
  crashes = 0;

  constructor(
    private readonly bundlePath: string,
    size: number,
    private readonly env: Record<string, string> = {},
  ) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  /** Waits until every worker has loaded. */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  /**
   * Sends a request to worker `index`. Resolves with the reply, or undefined when the worker died
   * (was killed) before answering.
   */
  invoke(index: number, request: Omit<WorkerRequest, 'id'>): Promise<WorkerReply | undefined> {
    const worker = this.workers[index % this.workers.length]!;
    const id = this.nextId++;
    return worker.ready.then(
      () =>
        new Promise<WorkerReply | undefined>((resolve) => {
          if (!worker.alive) return resolve(undefined);
          worker.waiting.set(id, resolve);
          worker.child.stdin!.write(`${JSON.stringify({ ...request, id })}\n`);
        }),
    );
  }

  /** SIGKILLs worker `index` (a crash in the middle of whatever it is doing) and starts a new one. */
  kill(index: number): void {
    const i = index % this.workers.length;
    const worker = this.workers[i]!;
    if (!worker.alive) return;
    this.crashes++;
    worker.alive = false;
    worker.child.kill('SIGKILL');
    for (const resolve of worker.waiting.values()) resolve(undefined);
    worker.waiting.clear();
    this.workers[i] = this.spawn();
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.alive = false;
            if (w.child.exitCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.stdin!.end();
            setTimeout(() => w.child.kill('SIGKILL'), 2_000).unref();
          }),
      ),
    );
  }

  private spawn(): Worker {
    const child = spawn(process.execPath, [this.bundlePath], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...this.env } });
    const waiting = new Map<number, (reply: WorkerReply | undefined) => void>();
    let markReady: () => void = () => undefined;
    const worker: Worker = { child, waiting, alive: true, ready: new Promise<void>((resolve) => (markReady = resolve)) };
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as WorkerReply | { ready: true };
      if ('ready' in message) return markReady();
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      resolve?.(message);
    });
    // Worker noise (warnings) is not the runner's output.
    child.stderr!.resume();
    child.on('exit', () => {
      worker.alive = false;
      markReady();
      for (const resolve of waiting.values()) resolve(undefined);
      waiting.clear();
    });
    return worker;
  }
}
