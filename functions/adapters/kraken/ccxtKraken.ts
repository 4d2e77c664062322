// Secondary adapter (Kraken via ccxt): ccxt's Kraken class and error classes, and nothing else.
// `from 'ccxt'` would load every exchange ccxt ships (100+ modules: about 1 s in plain Node and
// 3 s under tsx, on every kbot start); the Lambda bundle already ships Kraken only (see
// functions/tick/bundle.ts). ccxt's exports map exposes only its root, so the files are named by
// path; they are the same modules the root re-exports, so `instanceof` agrees with `from 'ccxt'`.
export { default as kraken } from '../../../node_modules/ccxt/js/src/kraken.js';
export * from '../../../node_modules/ccxt/js/src/base/errors.js';
export type { Order } from '../../../node_modules/ccxt/js/src/base/types.js';
