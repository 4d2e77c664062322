// CLI support: human-readable lines for tick results.
import type { TickResult } from '../core/tickResult.js';

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '?' : v.toFixed(digits));

/** One line per order placed or reconciled, and one summary line. */
export function describeTick(r: TickResult): string[] {
  const when = r.candleCloseIso.slice(0, 16).replace('T', ' ');
  if (r.status === 'skipped') return [`${when}  tick skipped (${r.skipReason})`];
  const lines: string[] = [];
  for (const rec of r.reconciled) lines.push(`${when}  reconciled ${rec.side} ${rec.pair}: ${rec.result}${rec.detail ? ` (${rec.detail})` : ''}`);
  const orders = [...r.pairs.flatMap((p) => p.orders), ...(r.command?.outcome ?? [])];
  for (const o of orders) {
    const pnl = o.realizedPnlQuote !== undefined ? `  P&L ${o.realizedPnlQuote >= 0 ? '+' : ''}${fmt(o.realizedPnlQuote)}` : '';
    const fill = o.status === 'filled' ? ` ${fmt(o.amountBase, 6)} @ ${fmt(o.price)} fee ${fmt(o.feeQuote, 4)}` : '';
    lines.push(`${when}  ${o.side.toUpperCase().padEnd(4)} ${o.pair.padEnd(8)} ${o.reason.padEnd(13)} ${o.status}${fill}${pnl}${o.error ? `  (${o.error})` : ''}`);
  }
  if (r.command?.refused) lines.push(`${when}  command ${r.command.kind} refused: ${r.command.refused}`);
  for (const p of r.pairs) if (!p.data.ok && p.data.reason !== 'warming-up') lines.push(`${when}  ${p.pair}: no trade (${p.data.reason}: ${p.data.detail})`);
  if (r.halt.reasons.length) lines.push(`${when}  halted: ${r.halt.reasons.join('; ')}`);
  if (r.universe?.problem) lines.push(`${when}  universe: ${r.universe.problem}`);
  return lines;
}
