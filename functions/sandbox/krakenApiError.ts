// Kraken sandbox: the error a sandbox handler throws; the server turns it into Kraken's envelope
// `{"error":["<message>"],"result":{}}` with HTTP 200.

/** A Kraken API error such as `EOrder:Insufficient funds` (the message is the Kraken error string). */
export class KrakenApiError extends Error {
  override readonly name = 'KrakenApiError';
}

/** Shorthand for `EGeneral:Invalid arguments[:field]`. */
export function invalidArguments(field?: string): KrakenApiError {
  return new KrakenApiError(field ? `EGeneral:Invalid arguments:${field}` : 'EGeneral:Invalid arguments');
}

/**
 * Thrown by a handler that processed the call but must not answer it (a queued order whose reply
 * Kraken loses): the server destroys the connection, so the client sees a network error.
 */
export class ReplyLost extends Error {
  override readonly name = 'ReplyLost';
}
