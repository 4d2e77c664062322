// Operator CLI (kbot ops): the real terminal behind OpsIo. Prompts on a TTY without echo for
// secrets; reads answers line by line from stdin when piped (`printf 'k\ns\n' | kbot keys set`).
import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { OpsIo } from './opsIo.js';

/**
 * Creates the process's OpsIo. Stdin is only touched when a command prompts, so commands that
 * never ask anything do not keep the process alive.
 */
export function terminalIo(
  input: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): OpsIo & { close(): void } {
  const interactive = Boolean(input.isTTY);
  let piped: AsyncIterator<string> | undefined;
  let pipedInterface: Interface | undefined;

  async function promptTty(question: string, secret: boolean): Promise<string | undefined> {
    let muted = false;
    // Prompts go to stderr so `kbot status --json > file` stays clean; typed secrets go nowhere.
    const echo = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        if (!muted) stderr.write(chunk);
        callback();
      },
    });
    const rl = createInterface({ input, output: echo, terminal: true });
    return new Promise<string | undefined>((resolve) => {
      let answered = false;
      // In raw mode Ctrl-C reaches readline, not the process: treat it as "no answer".
      rl.on('SIGINT', () => rl.close());
      rl.on('close', () => {
        if (!answered) {
          stderr.write('\n');
          resolve(undefined);
        }
      });
      rl.question(question, (answer) => {
        answered = true;
        if (secret) stderr.write('\n');
        rl.close();
        resolve(answer);
      });
      muted = secret;
    });
  }

  async function promptPiped(question: string): Promise<string | undefined> {
    if (!piped) {
      pipedInterface = createInterface({ input, terminal: false, crlfDelay: Infinity });
      piped = pipedInterface[Symbol.asyncIterator]();
    }
    stderr.write(question + '\n');
    const next = await piped.next();
    return next.done ? undefined : next.value;
  }

  return {
    interactive,
    out: (line) => void stdout.write(line + '\n'),
    err: (line) => void stderr.write(line + '\n'),
    prompt: (question, options) => (interactive ? promptTty(question, options?.secret ?? false) : promptPiped(question)),
    close: () => pipedInterface?.close(),
  };
}
