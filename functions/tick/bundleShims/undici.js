// Tick bundle shim: replaces undici (about 0.5 MB minified). ccxt imports it lazily and, when the
// import fails, falls back to Node's built-in fetch (the same undici engine, default pooling).
throw new Error('undici is left out of the tick bundle; ccxt uses the built-in fetch');
