// Operator CLI (kbot ops): checks a Kraken API key pair typed by the operator before it is stored,
// and the ways it may be shown. Nothing here ever returns or prints the secret.

/** Kraken secrets are the base64 encoding of 64 random bytes. */
export const KRAKEN_SECRET_BYTES = 64;

/** The permissions the key needs, and the one it must never have. */
export const KRAKEN_KEY_PERMISSIONS = {
  grant: ['Query Funds', 'Query Open Orders & Trades', 'Query Closed Orders & Trades', 'Create & Modify Orders'],
  never: ['Withdraw Funds'],
} as const;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True when `text` is canonical base64 of exactly `bytes` bytes. */
function isBase64OfLength(text: string, bytes: number): boolean {
  if (!BASE64.test(text) || text.length % 4 !== 0) return false;
  const decoded = Buffer.from(text, 'base64');
  return decoded.length === bytes && decoded.toString('base64') === text;
}

/**
 * Checks a typed key and secret. Returns the problem (never quoting either value), or undefined
 * when both look like a Kraken key pair.
 */
export function krakenKeysProblem(apiKey: string, apiSecret: string): string | undefined {
  if (apiKey.length === 0) return 'the API key is empty';
  if (/\s/.test(apiKey)) return 'the API key contains spaces: paste it as one line';
  if (apiSecret.length === 0) return 'the API secret is empty';
  // A secret pasted at the key prompt would otherwise be stored as the key, in the wrong field.
  if (isBase64OfLength(apiKey, KRAKEN_SECRET_BYTES)) {
    return 'the API key looks like a private key (secret): paste the API key first, then the private key';
  }
  if (!isBase64OfLength(apiSecret, KRAKEN_SECRET_BYTES)) {
    return `the API secret is not a Kraken private key (base64 of ${KRAKEN_SECRET_BYTES} bytes, 88 characters ending in "=="; got ${apiSecret.length} characters)`;
  }
  if (apiKey === apiSecret) return 'the API key and the secret are the same';
  return undefined;
}

/** The key shown to the operator: its first 4 characters, the rest masked. */
export function maskApiKey(apiKey: string): string {
  return `${apiKey.slice(0, 4)}${'*'.repeat(Math.min(Math.max(apiKey.length - 4, 4), 12))}`;
}
