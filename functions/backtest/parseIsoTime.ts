// Backtest CLI support: reading the --from/--to times users type (dates are UTC midnight).

/** Milliseconds for an ISO date (`2024-01-31`, taken as UTC midnight) or date-time; throws naming the flag. */
export function parseIsoTime(text: string, flag: string): number {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms)) throw new Error(`${flag} ${text}: not an ISO date or time (e.g. 2024-01-31 or 2024-01-31T12:00:00Z)`);
  return ms;
}
