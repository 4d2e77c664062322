// Unit tests: Kraken's private REST limits in the sandbox, through the real ccxt client. The rate
// counter per tier refusing and recovering as its clock moves (the sandbox clock, or an injected
// wall clock), the nonce window, and the temporary lockout after bad nonces or signatures.
import { afterEach, describe, expect, it } from 'vitest';
import { DDoSProtection, InvalidNonce, kraken } from '../../functions/adapters/kraken/ccxtKraken.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../functions/sandbox/sandboxServer.js';

const START = Date.UTC(2026, 3, 1, 8, 1, 0);
let sandbox: SandboxHandle | undefined;

async function start(options: SandboxOptions = {}): Promise<SandboxHandle> {
  sandbox = await startSandbox({ startTimeMs: START, balances: { USD: 1000 }, ...options });
  return sandbox;
}

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** ccxt's Kraken class pointed at the sandbox; `nonces` scripts the nonces it sends (default: increasing). */
function ccxtFor(s: SandboxHandle, options: { secret?: string; nonces?: number[] } = {}): kraken {
  const ex = new kraken({ apiKey: s.apiKey, secret: options.secret ?? s.apiSecret, enableRateLimit: false });
  ex.urls.api = { ...(ex.urls.api as Record<string, string>), public: s.url, private: s.url };
  let n = Date.now() * 1000;
  ex.nonce = () => (options.nonces ? options.nonces.shift()! : ++n);
  return ex;
}

/** The Kraken error string inside a ccxt error, or 'ok'. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    const match = /"error":\["([^"]+)"/.exec(String((err as Error).message));
    return match ? match[1]! : `(${(err as Error).name})`;
  }
}

describe('Sandbox behaviour: the private rate counter', () => {
  it('Starter: 15 calls from zero, the 16th refused without processing; AddOrder exempt; recovers as the sandbox clock decays it by 0.33/s', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    s.setBehaviour({ rateLimit: { tier: 'starter' } });
    expect(s.behaviour().rateLimit).toEqual({ tier: 'starter', max: 15, decayPerSecond: 0.33 });
    for (let i = 0; i < 15; i++) expect(await outcome(ex.privatePostBalance())).toBe('ok');
    await expect(ex.privatePostOpenOrders()).rejects.toBeInstanceOf(DDoSProtection);
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    expect(s.callCounts().Balance).toBe(16);
    // Placing orders does not count (and is not refused).
    await ex.createMarketBuyOrderWithCost('BTC/USD', 50, {});
    expect(s.orders()).toHaveLength(1);
    expect(s.limits().counters).toEqual({ [s.apiKey]: 15 });
    // The sandbox clock is stopped: nothing decays until it moves. 3 s take off 0.99: not enough.
    s.advance(3_000);
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.advance(100);
    expect(await outcome(ex.privatePostBalance())).toBe('ok');
    expect(s.limits().counters[s.apiKey]).toBeCloseTo(15 - 0.33 * 3.1 + 1, 6);
    // Trade history costs 2: it needs the counter at 13 or below.
    s.advance(3_000);
    expect(await outcome(ex.privatePostTradesHistory())).toBe('EAPI:Rate limit exceeded');
    s.advance(3_100);
    expect(await outcome(ex.privatePostTradesHistory())).toBe('ok');
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
  });

  it('Intermediate and Pro allow 20 and decay at 0.5/s and 1/s; turning the counter off forgets it', async () => {
    const s = await start();
    const ex = ccxtFor(s);
    s.setBehaviour({ rateLimit: { tier: 'intermediate' } });
    for (let i = 0; i < 20; i++) await ex.privatePostBalance();
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.advance(1_999);
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.advance(1);
    expect(await outcome(ex.privatePostBalance())).toBe('ok');
    s.setBehaviour({ rateLimit: { tier: 'pro' } });
    expect(s.limits().counters).toEqual({});
    for (let i = 0; i < 20; i++) await ex.privatePostBalance();
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.advance(1_000);
    expect(await outcome(ex.privatePostBalance())).toBe('ok');
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.setBehaviour({ rateLimit: null });
    for (let i = 0; i < 30; i++) await ex.privatePostBalance();
  });

  it('with limitsClock "wall" the counter decays with the (injected) wall clock while the sandbox clock stands still', async () => {
    let wall = 1_000_000;
    const s = await start({ wallNowMs: () => wall, behaviour: { rateLimit: { tier: 'pro' }, limitsClock: 'wall' } });
    const ex = ccxtFor(s);
    for (let i = 0; i < 20; i++) await ex.privatePostBalance();
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    s.advance(60_000);
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
    wall += 2_000;
    expect(s.nowMs()).toBe(START + 60_000);
    expect(await outcome(ex.privatePostBalance())).toBe('ok');
    expect(await outcome(ex.privatePostBalance())).toBe('ok');
    expect(await outcome(ex.privatePostBalance())).toBe('EAPI:Rate limit exceeded');
  });
});

describe('Sandbox behaviour: nonces and the lockout', () => {
  it('refuses a lower nonce without a window; with one, accepts a late nonce once, inside the window only', async () => {
    const s = await start();
    const strict = ccxtFor(s, { nonces: [1_000, 999] });
    await strict.privatePostBalance();
    await expect(strict.privatePostBalance()).rejects.toBeInstanceOf(InvalidNonce);
    s.setBehaviour({ nonceWindow: 100 });
    const late = ccxtFor(s, { nonces: [2_000, 1_950, 1_950, 1_899, 1_900, 2_000, 2_001] });
    const results: string[] = [];
    for (let i = 0; i < 7; i++) results.push(await outcome(late.privatePostBalance()));
    expect(results).toEqual(['ok', 'ok', 'EAPI:Invalid nonce', 'EAPI:Invalid nonce', 'ok', 'EAPI:Invalid nonce', 'ok']);
    expect(s.behaviour().nonceWindow).toBe(100);
  });

  it('locks private calls out after repeated bad signatures or nonces, for the configured time on the sandbox clock', async () => {
    const s = await start({ behaviour: { lockout: { afterFailures: 3, windowMs: 60_000, durationMs: 120_000 } } });
    const good = ccxtFor(s);
    const forged = ccxtFor(s, { secret: Buffer.from('not the sandbox secret at all!!').toString('base64') });
    // ccxt maps a bad signature to a plain ExchangeError (KRAKEN.md), a bad key to AuthenticationError.
    await expect(forged.privatePostBalance()).rejects.toThrow(/EAPI:Invalid signature/);
    expect(await outcome(forged.privatePostBalance())).toBe('EAPI:Invalid signature');
    // Failures older than the window are forgotten.
    s.advance(61_000);
    expect(await outcome(forged.privatePostBalance())).toBe('EAPI:Invalid signature');
    expect(await outcome(good.privatePostBalance())).toBe('ok');
    const replay = ccxtFor(s, { nonces: [1, 1] });
    expect(await outcome(replay.privatePostBalance())).toBe('EAPI:Invalid nonce');
    expect(s.limits()).toMatchObject({ recentFailures: 2 });
    expect(await outcome(replay.privatePostBalance())).toBe('EAPI:Invalid nonce');
    // The third failure in the window: every private call is refused, unprocessed.
    expect(s.limits().lockedUntilMs).toBe(START + 61_000 + 120_000);
    expect(await outcome(good.privatePostBalance())).toBe('EGeneral:Temporary lockout');
    await expect(good.createMarketBuyOrderWithCost('BTC/USD', 50, {})).rejects.toBeInstanceOf(DDoSProtection);
    expect(s.orders()).toEqual([]);
    // Public calls still work.
    expect((await good.fetchTicker('BTC/USD')).last).toBeGreaterThan(0);
    s.advance(119_999);
    expect(await outcome(good.privatePostBalance())).toBe('EGeneral:Temporary lockout');
    s.advance(1);
    expect(await outcome(good.privatePostBalance())).toBe('ok');
    expect(s.limits().recentFailures).toBe(0);
  });
});
