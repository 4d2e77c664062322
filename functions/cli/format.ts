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

/** A value of an explanation, short (prices and ratios to 6 significant digits). */
function short(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return v === null ? '-' : String(v);
}

/** The candle price a decision names, when it names one. */
function priceIn(explanation: Record<string, unknown> | undefined): number | undefined {
  for (const key of ['close', 'price', 'referencePrice']) {
    const v = explanation?.[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

/**
 * One line per pair: price, decision, and for a refusal the rule that said no with its values
 * (`BTC/USD  42123.5  no entry  regime.unclear: ADX is between ... (adx=22.1 trendAdxMin=25)`).
 */
export function describePairs(r: TickResult): string[] {
  if (r.status === 'skipped') return [];
  const when = r.candleCloseIso.slice(0, 16).replace('T', ' ');
  const values = (e: Record<string, unknown>) => {
    const parts = Object.entries(e).filter(([, v]) => typeof v !== 'object' || v === null).slice(0, 6).map(([k, v]) => `${k}=${short(v)}`);
    return parts.length ? ` (${parts.join(' ')})` : '';
  };
  return r.pairs.map((p) => {
    const head = `${when}  ${p.pair.padEnd(10)}`;
    if (!p.data.ok) return `${head} ${''.padStart(12)}  no data: ${p.data.reason}${p.data.detail ? ` (${p.data.detail})` : ''}`;
    const entry = p.entry;
    const exit = p.exit;
    let price: number | undefined = p.data.lastClose;
    let what: string;
    if (exit) {
      const e = 'explanation' in exit ? exit.explanation : undefined;
      price = exit.decision === 'sell' ? exit.triggerPrice : (priceIn(e) ?? price);
      if (exit.decision === 'hold') what = `hold${exit.blocked ? ` BLOCKED: ${exit.blocked}` : ''}${values(exit.explanation)}`;
      else if (exit.decision === 'sell') what = `SELL ${exit.reason}${values(exit.explanation)}`;
      else if (exit.decision === 'skipped') what = `exit skipped: ${exit.reason}`;
      else what = `closed as dust (${short(exit.amountBase)})`;
    } else if (entry?.decision === 'buy') {
      price = entry.referencePrice;
      what = `BUY ${entry.costQuote.toFixed(2)} (${entry.signal.strategy}, confidence ${short(entry.signal.confidence)})`;
    } else if (entry) {
      price ??= priceIn(entry.explanation) ?? priceIn(entry.signal?.explanation);
      what = `no entry  ${entry.rule}: ${entry.reason}${values(entry.explanation)}`;
    } else {
      what = 'no decision';
    }
    return `${head} ${(price === undefined ? '' : short(price)).padStart(12)}  ${what}`;
  });
}
