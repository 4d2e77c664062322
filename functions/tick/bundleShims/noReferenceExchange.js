// Tick bundle shim: ccxt's Binance classes left out of a bundle built without the reference
// exchange (functions/tick/bundle.ts). Reached only if market.reference.enabled is set after the
// build: say so instead of failing obscurely.
export default class NoReferenceExchange {
  constructor() {
    throw new Error('this tick bundle was built without the reference exchange: deploy again with market.reference.enabled in the bot config');
  }
}
