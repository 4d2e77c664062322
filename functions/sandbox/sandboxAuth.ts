// Kraken sandbox: authentication of private calls, in Kraken's order: API key, then API-Sign over
// the exact body, then a nonce greater than the last one accepted for that key (or, with a nonce
// window, one at most that much lower that has not been used).
import { KrakenApiError } from './krakenApiError.js';
import { krakenSignature, signatureMatches } from './krakenSignature.js';

/** One accepted key pair. */
export interface SandboxCredentials {
  apiKey: string;
  /** Base64, as Kraken issues secrets. */
  apiSecret: string;
}

/** Verifies API-Key, API-Sign and nonces; remembers the highest nonce per key and, with a window, the ones used below it. */
export class SandboxAuth {
  private readonly lastNonce = new Map<string, bigint>();
  /** Nonces accepted within the window below the highest, per key (a replay is refused). */
  private readonly usedInWindow = new Map<string, Set<bigint>>();
  private readonly secrets = new Map<string, string>();

  constructor(credentials: readonly SandboxCredentials[]) {
    for (const c of credentials) {
      if (!c.apiKey) throw new Error('the sandbox API key must not be empty');
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(c.apiSecret) || Buffer.from(c.apiSecret, 'base64').length < 16) {
        throw new Error('the sandbox API secret must be base64 of at least 16 bytes');
      }
      this.secrets.set(c.apiKey, c.apiSecret);
    }
  }

  /**
   * Throws Kraken's `EAPI:Invalid key`, `EAPI:Invalid signature` or `EAPI:Invalid nonce`.
   * The nonce is recorded only when the signature is valid, so a forged call cannot burn nonces.
   * `nonceWindow` (in nonce units: milliseconds for ccxt's nonces) lets a nonce arrive late: it
   * may be up to that much below the highest accepted, once.
   */
  verify(uriPath: string, apiKey: string | undefined, apiSign: string | undefined, rawBody: string, nonce: string | undefined, nonceWindow = 0): void {
    const secret = apiKey === undefined ? undefined : this.secrets.get(apiKey);
    if (apiKey === undefined || secret === undefined) throw new KrakenApiError('EAPI:Invalid key');
    if (!apiSign || !signatureMatches(apiSign, krakenSignature(uriPath, nonce ?? '', rawBody, secret))) {
      throw new KrakenApiError('EAPI:Invalid signature');
    }
    if (nonce === undefined || !/^\d{1,30}$/.test(nonce)) throw new KrakenApiError('EAPI:Invalid nonce');
    const value = BigInt(nonce);
    const last = this.lastNonce.get(apiKey);
    const window = BigInt(nonceWindow);
    const used = this.usedInWindow.get(apiKey) ?? new Set<bigint>();
    if (last !== undefined && value <= last) {
      // Late but inside the window, and not a replay of one already accepted.
      if (value === last || value < last - window || used.has(value)) throw new KrakenApiError('EAPI:Invalid nonce');
      used.add(value);
      this.usedInWindow.set(apiKey, used);
      return;
    }
    this.lastNonce.set(apiKey, value);
    if (window > 0n) {
      if (last !== undefined) used.add(last);
      for (const n of used) if (n < value - window) used.delete(n);
      this.usedInWindow.set(apiKey, used);
    } else {
      this.usedInWindow.delete(apiKey);
    }
  }
}
