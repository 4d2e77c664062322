// Kraken sandbox: the default (obviously fake) API credentials the local sandbox accepts.
// They only ever unlock the sandbox's play money; real Kraken rejects them.

/** Default API key accepted by the sandbox (`--api-key` overrides it). */
export const SANDBOX_API_KEY = 'kbot-sandbox-key-NOT-A-REAL-KRAKEN-KEY';

/**
 * Default API secret (base64, as Kraken issues them) accepted by the sandbox (`--api-secret` overrides it).
 * It decodes to `kbot-sandbox-secret-not-a-real-kraken-key-000…`.
 */
export const SANDBOX_API_SECRET =
  'a2JvdC1zYW5kYm94LXNlY3JldC1ub3QtYS1yZWFsLWtyYWtlbi1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMA==';
