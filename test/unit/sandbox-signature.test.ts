// Unit tests: the sandbox's Kraken request signing and authentication (key, API-Sign, nonces).
import { describe, expect, it } from 'vitest';
import { KrakenApiError } from '../../functions/sandbox/krakenApiError.js';
import { krakenSignature, signatureMatches } from '../../functions/sandbox/krakenSignature.js';
import { SandboxAuth } from '../../functions/sandbox/sandboxAuth.js';
import { SANDBOX_API_KEY, SANDBOX_API_SECRET } from '../../functions/sandbox/sandboxCredentials.js';

// Kraken's published worked example (docs.kraken.com, REST authentication).
const VECTOR = {
  secret: 'kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==',
  nonce: '1616492376594',
  path: '/0/private/AddOrder',
  body: 'nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25',
  sign: '4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==',
};

function errorOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(KrakenApiError);
    return (err as Error).message;
  }
}

describe('Function: krakenSignature', () => {
  it('reproduces Kraken’s published test vector', () => {
    expect(krakenSignature(VECTOR.path, VECTOR.nonce, VECTOR.body, VECTOR.secret)).toBe(VECTOR.sign);
  });

  it('changes when the path, the nonce or one byte of the body changes', () => {
    const base = krakenSignature(VECTOR.path, VECTOR.nonce, VECTOR.body, VECTOR.secret);
    expect(krakenSignature('/0/private/Balance', VECTOR.nonce, VECTOR.body, VECTOR.secret)).not.toBe(base);
    expect(krakenSignature(VECTOR.path, '1616492376595', VECTOR.body, VECTOR.secret)).not.toBe(base);
    expect(krakenSignature(VECTOR.path, VECTOR.nonce, VECTOR.body.replace('1.25', '1.26'), VECTOR.secret)).not.toBe(base);
  });

  it('compares signatures exactly', () => {
    expect(signatureMatches(VECTOR.sign, VECTOR.sign)).toBe(true);
    expect(signatureMatches(VECTOR.sign.slice(0, -2) + 'A=', VECTOR.sign)).toBe(false);
    expect(signatureMatches('', VECTOR.sign)).toBe(false);
  });
});

describe('Class: SandboxAuth', () => {
  const path = '/0/private/Balance';
  const signed = (nonce: string, secret = SANDBOX_API_SECRET) => {
    const body = `nonce=${nonce}`;
    return { body, sign: krakenSignature(path, nonce, body, secret) };
  };

  it('accepts a correctly signed call with the default fake credentials', () => {
    const auth = new SandboxAuth([{ apiKey: SANDBOX_API_KEY, apiSecret: SANDBOX_API_SECRET }]);
    const { body, sign } = signed('100');
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, sign, body, '100'))).toBeUndefined();
  });

  it('refuses an unknown key, then a wrong signature, with Kraken’s error strings', () => {
    const auth = new SandboxAuth([{ apiKey: SANDBOX_API_KEY, apiSecret: SANDBOX_API_SECRET }]);
    const { body, sign } = signed('100');
    expect(errorOf(() => auth.verify(path, 'other-key', sign, body, '100'))).toBe('EAPI:Invalid key');
    expect(errorOf(() => auth.verify(path, undefined, sign, body, '100'))).toBe('EAPI:Invalid key');
    const forged = signed('100', VECTOR.secret).sign;
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, forged, body, '100'))).toBe('EAPI:Invalid signature');
    // The signature covers the path: a valid Balance signature does not authorise AddOrder.
    expect(errorOf(() => auth.verify('/0/private/AddOrder', SANDBOX_API_KEY, sign, body, '100'))).toBe('EAPI:Invalid signature');
  });

  it('requires strictly increasing nonces per key, and a forged call does not burn a nonce', () => {
    const auth = new SandboxAuth([{ apiKey: SANDBOX_API_KEY, apiSecret: SANDBOX_API_SECRET }]);
    const first = signed('1000');
    auth.verify(path, SANDBOX_API_KEY, first.sign, first.body, '1000');
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, first.sign, first.body, '1000'))).toBe('EAPI:Invalid nonce');
    const lower = signed('999');
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, lower.sign, lower.body, '999'))).toBe('EAPI:Invalid nonce');
    const forged = signed('5000', VECTOR.secret);
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, forged.sign, forged.body, '5000'))).toBe('EAPI:Invalid signature');
    const next = signed('1001');
    expect(errorOf(() => auth.verify(path, SANDBOX_API_KEY, next.sign, next.body, '1001'))).toBeUndefined();
  });

  it('handles nonces beyond 2^53 exactly (nanosecond clients)', () => {
    const auth = new SandboxAuth([{ apiKey: 'k', apiSecret: SANDBOX_API_SECRET }]);
    const a = signed('1700000000000000001');
    auth.verify(path, 'k', a.sign, a.body, '1700000000000000001');
    // Equal as doubles, but one higher as integers: must be accepted.
    const b = signed('1700000000000000002');
    expect(errorOf(() => auth.verify(path, 'k', b.sign, b.body, '1700000000000000002'))).toBeUndefined();
  });

  it('refuses a secret that is not base64', () => {
    expect(() => new SandboxAuth([{ apiKey: 'k', apiSecret: 'not base64!' }])).toThrow(/base64/);
  });
});
