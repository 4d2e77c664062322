// Unit tests: console alerts print one readable line per alert.
import { describe, expect, it } from 'vitest';
import { ConsoleAlerts, formatAlertLine } from '../../../functions/adapters/console/consoleAlerts.js';

describe('Class: ConsoleAlerts', () => {
  it('writes one line per alert with severity, kind, subject and the folded message', async () => {
    const lines: string[] = [];
    const alerts = new ConsoleAlerts({ write: (line) => lines.push(line) });
    await alerts.send({ severity: 'critical', kind: 'kill-switch', subject: 'Kill switch tripped', message: 'P&L -51.2 USD\nNo entries today' });
    await alerts.send({ severity: 'info', kind: 'fill', subject: 'Bought BTC/USD', message: '' });
    expect(lines).toEqual(['[ALERT CRIT kill-switch] Kill switch tripped: P&L -51.2 USD | No entries today', '[ALERT INFO fill] Bought BTC/USD']);
  });

  it('does not throw when the output fails', async () => {
    const alerts = new ConsoleAlerts({
      write: () => {
        throw new Error('EPIPE');
      },
    });
    await expect(alerts.send({ severity: 'warning', kind: 'error', subject: 's', message: 'm' })).resolves.toBeUndefined();
  });

  it('formats warnings as WARN', () => {
    expect(formatAlertLine({ severity: 'warning', kind: 'rejection', subject: 'Order rejected', message: 'EOrder:Insufficient funds' })).toBe(
      '[ALERT WARN rejection] Order rejected: EOrder:Insufficient funds',
    );
  });
});
