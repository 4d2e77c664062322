// Unit tests: the Kraken adapter's error mapping (ccxt errors to ExchangeError kinds) and market
// conversion. The order protocol relies on 'rejected' meaning "certainly not executed".
import {
  AccountSuspended,
  AuthenticationError,
  BadRequest,
  BadSymbol,
  DDoSProtection,
  ExchangeError as CcxtExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  OnMaintenance,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { describe, expect, it } from 'vitest';
import { krakenErrorText, toExchangeError, type KrakenOperation } from '../../functions/adapters/kraken/krakenErrors.js';
import { DECIMAL_PLACES, TICK_SIZE, decimalsFromPrecision, toMarketInfo } from '../../functions/adapters/kraken/krakenMarketInfo.js';
import { ExchangeError } from '../../functions/core/ports.js';

/** ccxt's message for a Kraken error envelope. */
const envelope = (text: string) => `kraken {"error":["${text}"],"result":{}}`;

describe('Function: toExchangeError', () => {
  const cases: Array<[string, Error, KrakenOperation, ExchangeError['kind'], string | undefined]> = [
    ['insufficient funds', new InsufficientFunds(envelope('EOrder:Insufficient funds')), 'order', 'rejected', 'EOrder:Insufficient funds'],
    ['minimum not met', new InvalidOrder(envelope('EOrder:Order minimum not met')), 'order', 'rejected', 'EOrder:Order minimum not met'],
    ['bad volume precision', new InvalidOrder(envelope('EGeneral:Invalid arguments:volume')), 'order', 'rejected', 'EGeneral:Invalid arguments:volume'],
    ['invalid arguments', new BadRequest(envelope('EGeneral:Invalid arguments')), 'order', 'rejected', 'EGeneral:Invalid arguments'],
    ['unknown pair (subclass of BadRequest)', new BadSymbol(envelope('EQuery:Invalid asset pair')), 'read', 'rejected', 'EQuery:Invalid asset pair'],
    ['order not found', new OrderNotFound('kraken fetchOrder() could not find order id X'), 'read', 'rejected', undefined],
    ['permission denied (subclass of AuthenticationError)', new PermissionDenied(envelope('EGeneral:Permission denied')), 'order', 'rejected', 'EGeneral:Permission denied'],
    ['invalid key', new AuthenticationError(envelope('EAPI:Invalid key')), 'read', 'auth', 'EAPI:Invalid key'],
    ['account locked', new AccountSuspended(envelope('ETrade:User Locked')), 'order', 'auth', 'ETrade:User Locked'],
    ['invalid signature (plain ExchangeError in ccxt)', new CcxtExchangeError(envelope('EAPI:Invalid signature')), 'order', 'auth', 'EAPI:Invalid signature'],
    ['rate limit on a read', new DDoSProtection(envelope('EAPI:Rate limit exceeded')), 'read', 'unavailable', 'EAPI:Rate limit exceeded'],
    ['rate limit on AddOrder (refused before processing)', new RateLimitExceeded(envelope('EOrder:Rate limit exceeded')), 'order', 'unavailable', 'EOrder:Rate limit exceeded'],
    ['invalid nonce on AddOrder', new InvalidNonce(envelope('EAPI:Invalid nonce')), 'order', 'unavailable', 'EAPI:Invalid nonce'],
    ['throttled (plain ExchangeError)', new CcxtExchangeError(envelope('EService:Throttled: 1700000000')), 'order', 'unavailable', 'EService:Throttled: 1700000000'],
    ['market in cancel_only mode', new OnMaintenance(envelope('EService:Market in cancel_only mode')), 'order', 'unavailable', 'EService:Market in cancel_only mode'],
    ['service unavailable on a read', new ExchangeNotAvailable(envelope('EService:Unavailable')), 'read', 'unavailable', 'EService:Unavailable'],
    ['service unavailable on AddOrder', new ExchangeNotAvailable(envelope('EService:Unavailable')), 'order', 'ambiguous', 'EService:Unavailable'],
    ['HTTP 502 on AddOrder', new ExchangeNotAvailable('kraken POST http://x/0/private/AddOrder 502 Bad Gateway <html>'), 'order', 'ambiguous', undefined],
    ['timeout on AddOrder', new RequestTimeout('kraken POST http://x/0/private/AddOrder request timed out (10000 ms)'), 'order', 'ambiguous', undefined],
    ['timeout on a read', new RequestTimeout('kraken GET http://x/0/public/OHLC request timed out (10000 ms)'), 'read', 'ambiguous', undefined],
    ['connection reset', new NetworkError('kraken POST http://x/0/private/AddOrder fetch failed: other side closed'), 'order', 'ambiguous', undefined],
    ['unknown EOrder text (plain ExchangeError)', new CcxtExchangeError(envelope('EOrder:Cost minimum not met')), 'order', 'rejected', 'EOrder:Cost minimum not met'],
    ['unrecognised error on AddOrder', new CcxtExchangeError(envelope('EService:Something new')), 'order', 'ambiguous', 'EService:Something new'],
    ['unrecognised error on a read', new CcxtExchangeError(envelope('EService:Something new')), 'read', 'unavailable', 'EService:Something new'],
    ['a bug (TypeError) while sending', new TypeError('x is undefined'), 'order', 'ambiguous', undefined],
  ];

  it.each(cases)('%s', (_name, err, operation, kind, exchangeMessage) => {
    const mapped = toExchangeError(err, operation, 'market buy BTC/USD');
    expect(mapped).toBeInstanceOf(ExchangeError);
    expect(mapped.kind).toBe(kind);
    expect(mapped.exchangeMessage).toBe(exchangeMessage);
    expect(mapped.message).toMatch(/^market buy BTC\/USD failed: /);
  });

  it('passes an ExchangeError through unchanged', () => {
    const original = new ExchangeError('rejected', 'x', 'EOrder:Insufficient funds');
    expect(toExchangeError(original, 'order', 'y')).toBe(original);
  });

  it('scrubs the API key and secret from messages', () => {
    const err = new NetworkError('kraken POST http://user:s3cretValue@host/0/private/AddOrder key=MYKEY123 fetch failed');
    const mapped = toExchangeError(err, 'order', 'send', ['MYKEY123', 's3cretValue']);
    expect(mapped.message).not.toContain('MYKEY123');
    expect(mapped.message).not.toContain('s3cretValue');
    expect(mapped.message).toContain('[redacted]');
  });

  it('extracts the Kraken text from ccxt messages', () => {
    expect(krakenErrorText(envelope('EOrder:Insufficient funds'))).toBe('EOrder:Insufficient funds');
    expect(krakenErrorText('kraken {"error":["EGeneral:Invalid arguments:volume","EOrder:x"]}')).toBe('EGeneral:Invalid arguments:volume');
    expect(krakenErrorText('no kraken text here')).toBeUndefined();
  });
});

describe('Function: toMarketInfo', () => {
  it('converts ccxt’s tick sizes into decimal counts', () => {
    expect(decimalsFromPrecision(1e-8, TICK_SIZE)).toBe(8);
    expect(decimalsFromPrecision(0.1, TICK_SIZE)).toBe(1);
    expect(decimalsFromPrecision(0.01, TICK_SIZE)).toBe(2);
    expect(decimalsFromPrecision(1, TICK_SIZE)).toBe(0);
    expect(decimalsFromPrecision(0.5, TICK_SIZE)).toBe(1);
    expect(decimalsFromPrecision(8, DECIMAL_PLACES)).toBe(8);
    expect(() => decimalsFromPrecision(undefined, TICK_SIZE)).toThrow(/precision/);
  });

  it('maps a ccxt Kraken market', () => {
    const info = toMarketInfo(
      {
        symbol: 'BTC/USD',
        base: 'BTC',
        quote: 'USD',
        precision: { amount: 1e-8, price: 0.1 },
        limits: { amount: { min: 0.00005 }, cost: { min: 0.5 } },
        taker: 0.004,
        maker: 0.0025,
        active: true,
        info: { status: 'online' },
      },
      TICK_SIZE,
    );
    expect(info).toEqual({
      pair: 'BTC/USD',
      base: 'BTC',
      quote: 'USD',
      amountDecimals: 8,
      priceDecimals: 1,
      minAmountBase: 0.00005,
      minCostQuote: 0.5,
      takerFeeRate: 0.004,
      makerFeeRate: 0.0025,
      active: true,
    });
    const limited = toMarketInfo({ symbol: 'X/USD', base: 'X', quote: 'USD', precision: { amount: 1e-8, price: 0.01 }, limits: {}, info: { status: 'cancel_only' } }, TICK_SIZE);
    expect(limited.active).toBe(false);
    expect(limited.minCostQuote).toBe(0);
  });
});
