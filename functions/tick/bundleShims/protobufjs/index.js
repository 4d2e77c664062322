// Tick bundle shim: the `protobufjs` package root; the same stub as minimal.js.
export { default } from './minimal.js';
