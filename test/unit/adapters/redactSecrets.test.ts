// Unit tests: secret-named log fields are scrubbed at any depth.
import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretField, redactSecrets } from '../../../functions/adapters/powertools/redactSecrets.js';

describe('Function: redactSecrets', () => {
  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const input = {
      pair: 'BTC/USD',
      apiKey: 'AKIA-LIKE-KEY',
      nested: { api_secret: 'c2VjcmV0', headers: { 'API-Sign': 'sig==', 'API-Key': 'k' }, list: [{ password: 'p', amountBase: 0.5 }] },
      signature: 'abc',
      Authorization: 'Bearer x',
    };
    expect(redactSecrets(input)).toEqual({
      pair: 'BTC/USD',
      apiKey: REDACTED,
      nested: { api_secret: REDACTED, headers: { 'API-Sign': REDACTED, 'API-Key': REDACTED }, list: [{ password: REDACTED, amountBase: 0.5 }] },
      signature: REDACTED,
      Authorization: REDACTED,
    });
    // The input is left alone.
    expect(input.apiKey).toBe('AKIA-LIKE-KEY');
  });

  it('scrubs class instances and errors too (a ccxt exchange carries apiKey and secret)', () => {
    class Exchange {
      apiKey = 'live-key';
      secret = 'live-secret';
      id = 'kraken';
    }
    const error = Object.assign(new Error('EAPI:Invalid key'), { request: { apiSecret: 'leak' } });
    const out = redactSecrets({ exchange: new Exchange(), error }) as unknown as { exchange: Record<string, unknown>; error: Record<string, unknown> };
    expect(out.exchange).toEqual({ apiKey: REDACTED, secret: REDACTED, id: 'kraken' });
    expect(out.error).toMatchObject({ name: 'Error', message: 'EAPI:Invalid key', request: { apiSecret: REDACTED } });
    expect(JSON.stringify(out)).not.toMatch(/live-key|live-secret|leak/);
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { name: 'a', token: 't' };
    a.self = a;
    expect(redactSecrets(a)).toEqual({ name: 'a', token: REDACTED, self: '[circular]' });
  });

  it('recognises the usual spellings and leaves look-alikes of ordinary fields alone', () => {
    for (const name of ['apiKey', 'API_KEY', 'apiSecret', 'secret', 'clientSecret', 'signature', 'API-Sign', 'password', 'privateKey']) {
      expect(isSecretField(name), name).toBe(true);
    }
    for (const name of ['clientOrderId', 'pair', 'costQuote', 'keysParameter', 'monkey']) {
      expect(isSecretField(name), name).toBe(false);
    }
  });
});
