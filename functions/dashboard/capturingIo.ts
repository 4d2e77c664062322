// Dashboard: an OpsIo that keeps what an operator command printed, so the controls page shows the
// CLI's own words. It never prompts: every control is confirmed in the page before it is sent.
import type { OpsIo } from '../cli/ops/opsIo.js';

export interface CapturingIo extends OpsIo {
  readonly lines: string[];
}

export function capturingIo(): CapturingIo {
  const lines: string[] = [];
  return {
    lines,
    interactive: false,
    out: (line) => void lines.push(line),
    err: (line) => void lines.push(line),
    prompt: async () => undefined,
  };
}
