// Unit tests of the sandbox's margin side: shorts opened and closed by leverage orders, rollover at
// opening and every 4 hours, liquidation at the liquidation price, and the account without margin;
// OpenPositions and TradeBalance read through the real ccxt client and the Kraken adapter.
import { afterEach, describe, expect, it } from 'vitest';
import { KrakenExchangeAdapter } from '../../functions/adapters/kraken/krakenExchange.js';
import { ExchangeError } from '../../functions/core/ports.js';
import { SandboxBalances } from '../../functions/sandbox/sandboxBalances.js';
import { SandboxMargin } from '../../functions/sandbox/sandboxMargin.js';
import { SANDBOX_MARKETS } from '../../functions/sandbox/sandboxMarkets.js';
import { startSandbox, type SandboxHandle } from '../../functions/sandbox/sandboxServer.js';

const BTC = SANDBOX_MARKETS.find((m) => m.symbol === 'BTC/USD')!;
const H = 3_600_000;

describe('Class: SandboxMargin', () => {
  it('charges rollover at opening and every 4 hours, and realizes the P&L net of fees and rollover', () => {
    const wallet = new SandboxBalances();
    wallet.set({ USD: 1_000 });
    const margin = new SandboxMargin(wallet, { rolloverRatePer4h: 0.001 });
    margin.applyFill(BTC, 'sell', 2, 0.01, 300, 1.2, 0, 'O1');
    // Opening: the trade fee and one rollover charge (0.1% of 300).
    expect(wallet.tradable('ZUSD')).toBeCloseTo(1_000 - 1.2 - 0.3, 9);
    margin.accrue(8 * H, () => BTC, () => 29_000);
    expect(margin.open()[0]).toMatchObject({ rolloverCharges: 3, rolloverQuote: 0.9 });
    margin.applyFill(BTC, 'buy', 2, 0.01, 290, 1.16, 8 * H, 'O2');
    expect(margin.open()).toEqual([]);
    expect(margin.closed()[0]).toMatchObject({ reason: 'closed', rolloverQuote: 0.9 });
    expect(margin.closed()[0]!.realizedPnlQuote).toBeCloseTo(10 - 1.2 - 1.16 - 0.9, 9);
    expect(wallet.tradable('ZUSD')).toBeCloseTo(1_000 + 10 - 1.2 - 1.16 - 0.9, 9);
  });

  it('liquidates a short at its liquidation price, and not below it', () => {
    const wallet = new SandboxBalances();
    wallet.set({ USD: 1_000 });
    const margin = new SandboxMargin(wallet, { rolloverRatePer4h: 0 });
    margin.applyFill(BTC, 'sell', 2, 0.01, 300, 0, 0, 'O1');
    const liquidation = margin.open()[0]!.liquidationPrice;
    // Margin 150; liquidated once the loss eats 60% of it: 90 over 0.01 BTC = 9,000 above 30,000.
    expect(liquidation).toBeCloseTo(39_000, 6);
    margin.accrue(H, () => BTC, () => liquidation - 1);
    expect(margin.open()).toHaveLength(1);
    margin.accrue(2 * H, () => BTC, () => liquidation + 1);
    expect(margin.open()).toEqual([]);
    expect(margin.closed()[0]).toMatchObject({ reason: 'liquidated' });
    expect(margin.closed()[0]!.realizedPnlQuote).toBeCloseTo(-90, 6);
  });

  it('refuses a reduce-only buy without a short, and everything when the account has no margin', () => {
    const wallet = new SandboxBalances();
    wallet.set({ USD: 1_000 });
    const margin = new SandboxMargin(wallet);
    expect(() => margin.checkOrder(BTC, 'buy', '2', true, 0.01, 300, 1_000)).toThrow(/Reduce only/);
    expect(() => margin.checkOrder(BTC, 'sell', '5', false, 0.01, 300, 1_000)).toThrow(/leverage/);
    expect(() => margin.checkOrder(BTC, 'sell', '2', false, 0.01, 3_000, 1_000)).toThrow(/Insufficient margin/);
    margin.enabled = false;
    expect(() => margin.checkOrder(BTC, 'sell', '2', false, 0.01, 300, 1_000)).toThrow(/Permission denied/);
  });
});

describe('Margin through ccxt: the Kraken adapter against the sandbox', () => {
  let sandbox: SandboxHandle | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('reports capability, opens a short with leverage, reads it from OpenPositions and closes it reduce-only', async () => {
    sandbox = await startSandbox({ pairs: ['BTC/USD'], speed: 0, balances: { USD: 10_000 } });
    const ex = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false });
    expect(await ex.marginCapability()).toMatchObject({ enabled: true, freeMarginQuote: expect.closeTo(10_000, 0) });
    const sold = await ex.placeMarginOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: 'a'.repeat(32), amountBase: 0.002, leverage: 2, reduceOnly: false });
    expect(sold).toMatchObject({ status: 'closed', filledBase: 0.002, side: 'sell' });
    expect(sandbox.orders()[0]).toMatchObject({ margin: { leverage: 2, reduceOnly: false } });
    // The spot balance holds no BTC: a short is not coins.
    expect(sandbox.getBalances().BTC ?? 0).toBe(0);
    expect(await ex.fetchMarginPositions()).toEqual([{ pair: 'BTC/USD', side: 'short', amountBase: 0.002, costQuote: expect.any(Number), feeQuote: expect.any(Number), leverage: 2 }]);
    const cap = await ex.marginCapability();
    expect(cap.enabled && cap.marginUsedQuote).toBeGreaterThan(0);
    // A reduce-only buy larger than the short is refused: it could only open a long.
    await expect(ex.placeMarginOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'b'.repeat(32), amountBase: 0.003, leverage: 2, reduceOnly: true })).rejects.toBeInstanceOf(ExchangeError);
    const bought = await ex.placeMarginOrder({ side: 'buy', pair: 'BTC/USD', clientOrderId: 'c'.repeat(32), amountBase: 0.002, leverage: 2, reduceOnly: true });
    expect(bought).toMatchObject({ status: 'closed', filledBase: 0.002, side: 'buy' });
    expect(await ex.fetchMarginPositions()).toEqual([]);
  });

  it('says the account has no margin when TradeBalance is refused', async () => {
    sandbox = await startSandbox({ pairs: ['BTC/USD'], speed: 0, balances: { USD: 10_000 }, margin: { enabled: false } });
    const ex = new KrakenExchangeAdapter({ baseUrl: sandbox.url, apiKey: sandbox.apiKey, secret: sandbox.apiSecret, enableRateLimit: false });
    expect(await ex.marginCapability()).toEqual({ enabled: false, reason: expect.stringMatching(/Permission denied/) });
    await expect(ex.fetchMarginPositions()).rejects.toMatchObject({ kind: 'rejected' });
    await expect(ex.placeMarginOrder({ side: 'sell', pair: 'BTC/USD', clientOrderId: 'a'.repeat(32), amountBase: 0.002, leverage: 2, reduceOnly: false })).rejects.toMatchObject({ kind: 'rejected' });
    expect(sandbox.orders()).toEqual([]);
  });
});
