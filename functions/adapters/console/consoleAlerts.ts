// Secondary adapter: AlertsPort for local runs (npm start, the demo): one readable line per alert.
import type { Alert, AlertsPort } from '../../core/ports.js';

const SEVERITY_LABEL: Record<Alert['severity'], string> = { info: 'INFO', warning: 'WARN', critical: 'CRIT' };

/** Prints each alert as one line to stderr (or `write`), so alerts stand out from the tick's output. */
export class ConsoleAlerts implements AlertsPort {
  private readonly write: (line: string) => void;

  constructor(options: { write?: (line: string) => void } = {}) {
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  async send(alert: Alert): Promise<void> {
    try {
      this.write(formatAlertLine(alert));
    } catch {
      // The port promises never to throw for delivery; a closed stream is a delivery failure.
    }
  }
}

/** `[ALERT CRIT kill-switch] subject: message`, the message folded onto the same line. */
export function formatAlertLine(alert: Alert): string {
  const message = alert.message.replace(/\s*\n+\s*/g, ' | ').trim();
  const subject = alert.subject.replace(/\s+/g, ' ').trim();
  return `[ALERT ${SEVERITY_LABEL[alert.severity]} ${alert.kind}] ${subject}${message ? `: ${message}` : ''}`;
}
