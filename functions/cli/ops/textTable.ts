// Operator CLI (kbot ops): plain-text tables and number formats for human-readable output.

/** Lays rows out in left-aligned columns under a header row, two spaces apart. */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A quote amount with cents, signed when asked (`+12.30`, `-4.00`). */
export function formatQuote(value: number, signed = false): string {
  const text = value.toFixed(2);
  return signed && value >= 0 ? `+${text}` : text;
}

/** A price or base amount: up to 8 decimals, trailing zeros dropped. */
export function formatAmount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toFixed(8)).toString();
}

/** A duration in the largest sensible unit: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}
