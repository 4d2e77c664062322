// Operator CLI: the terminal behind the commands — no echo for secrets on a TTY, line by line from a pipe.
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { terminalIo } from '../../functions/cli/ops/terminalIo.js';

const SECRET = 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==';

function capture(): { stream: NodeJS.WriteStream; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

function input(tty: boolean): PassThrough & { isTTY?: boolean } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (tty) stream.isTTY = true;
  return stream;
}

describe('Function: terminalIo', () => {
  it('reads answers line by line from a pipe (printf \'key\\nsecret\\n\' | kbot keys set)', async () => {
    // Prepare
    const stdin = input(false);
    const stdout = capture();
    const stderr = capture();
    const io = terminalIo(stdin as unknown as NodeJS.ReadStream, stdout.stream, stderr.stream);
    stdin.end(`my-key\r\n${SECRET}\n`);

    // Act
    const key = await io.prompt('Kraken API key: ', { secret: true });
    const secret = await io.prompt('Kraken private key (secret): ', { secret: true });
    const after = await io.prompt('more? ');
    io.close();

    // Assess
    expect(io.interactive).toBe(false);
    expect(key?.trim()).toBe('my-key');
    expect(secret).toBe(SECRET);
    expect(after).toBeUndefined();
    expect(stderr.text()).not.toContain(SECRET);
    expect(stdout.text()).toBe('');
  });

  it('does not echo a secret typed on a TTY, but shows the question', async () => {
    // Prepare
    const stdin = input(true);
    const stdout = capture();
    const stderr = capture();
    const io = terminalIo(stdin as unknown as NodeJS.ReadStream, stdout.stream, stderr.stream);

    // Act
    const answer = io.prompt('Kraken private key (secret): ', { secret: true });
    stdin.write(`${SECRET}\r`);
    const secret = await answer;

    // Assess
    expect(io.interactive).toBe(true);
    expect(secret).toBe(SECRET);
    expect(stderr.text()).toContain('Kraken private key (secret): ');
    expect(stderr.text()).not.toContain(SECRET.slice(0, 8));
    expect(stdout.text()).toBe('');
  });

  it('echoes a non-secret answer on a TTY, and writes output lines to stdout', async () => {
    // Prepare
    const stdin = input(true);
    const stdout = capture();
    const stderr = capture();
    const io = terminalIo(stdin as unknown as NodeJS.ReadStream, stdout.stream, stderr.stream);

    // Act
    const answer = io.prompt('Continue? [y/N] ');
    stdin.write('yes\r');
    const typed = await answer;
    io.out('done');
    io.err('note');

    // Assess
    expect(typed).toBe('yes');
    expect(stderr.text()).toContain('yes');
    expect(stdout.text()).toBe('done\n');
    expect(stderr.text().endsWith('note\n')).toBe(true);
  });
});

describe('Function: terminalIo (Ctrl-C)', () => {
  it('answers undefined when Ctrl-C is pressed at a TTY prompt', async () => {
    // Prepare
    const stdin = input(true);
    const io = terminalIo(stdin as unknown as NodeJS.ReadStream, capture().stream, capture().stream);

    // Act
    const answer = io.prompt('Kraken API key: ', { secret: true });
    stdin.write('abc\x03');

    // Assess
    await expect(answer).resolves.toBeUndefined();
  });
});
