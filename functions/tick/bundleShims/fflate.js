// Tick bundle shim: replaces fflate, which ccxt imports lazily only outside Node (it uses node:zlib
// in Node); a failed import is caught there.
throw new Error('fflate is left out of the tick bundle; Node uses node:zlib');
