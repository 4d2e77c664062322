// Tick bundle shim: replaces protobufjs, which ccxt needs only for other exchanges (dydx, mexc) and
// which is not installed. Property reads are harmless (modules touch it at load); any call throws.
const fail = () => {
  throw new Error('protobufjs is not part of the Kraken-only tick bundle');
};
const stub = new Proxy(function protobufStub() {}, {
  get: (_target, property) => (property === 'then' ? undefined : stub),
  apply: fail,
  construct: fail,
});

export default stub;
