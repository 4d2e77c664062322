// Core domain: the UTC calendar day that daily limits and the kill switch count in.

/** UTC calendar day (`yyyy-mm-dd`) of a timestamp. */
export function utcDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}
