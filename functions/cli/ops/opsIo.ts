// Operator CLI (kbot ops): the I/O seam. Every command writes and prompts through this, so its
// logic runs in tests without a terminal and its output can be captured and checked.

/** Where a command writes and how it asks questions. */
export interface OpsIo {
  /** Writes one line of normal output (stdout). */
  out(line: string): void;
  /** Writes one line of diagnostics (stderr). */
  err(line: string): void;
  /**
   * Asks one question and returns the answer without its line ending. With `secret`, the
   * terminal does not echo what is typed. Resolves to undefined at end of input.
   */
  prompt(question: string, options?: { secret?: boolean }): Promise<string | undefined>;
  /** True when answers come from a person at a terminal (not a pipe or a script). */
  readonly interactive: boolean;
}

/** A command's failure the operator can act on; printed as `error: <message>` with exit code 1. */
export class OpsError extends Error {
  override readonly name = 'OpsError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
