// Tick bundle shim: replaces ccxt modules that only other exchanges load (mexc's compiled protobuf
// messages). ccxt imports them lazily inside try/catch, so an empty module is enough.
export default {};
