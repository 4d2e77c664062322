// Kraken sandbox: the API-Sign computation, used by the sandbox to verify private calls exactly as
// Kraken does (and by tests to sign requests by hand).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Kraken's `API-Sign`: base64(HMAC-SHA512(key = base64decode(secret), uriPath + SHA256(nonce + postBody))).
 * `postBody` is the exact urlencoded body sent (it contains `nonce=`).
 */
export function krakenSignature(uriPath: string, nonce: string, postBody: string, secretBase64: string): string {
  const digest = createHash('sha256').update(nonce + postBody).digest();
  return createHmac('sha512', Buffer.from(secretBase64, 'base64'))
    .update(Buffer.concat([Buffer.from(uriPath), digest]))
    .digest('base64');
}

/** Compares a received signature with the expected one in constant time (no early exit on the first wrong byte). */
export function signatureMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
