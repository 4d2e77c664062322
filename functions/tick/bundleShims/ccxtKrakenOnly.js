// Tick bundle shim: stands in for the package `ccxt` in the Lambda bundle so only the Kraken class
// (and the error classes the adapter tests with instanceof) is bundled, not ccxt's 100+ exchanges.
// `kbot-ccxt-*` are esbuild aliases to files inside the installed ccxt (see functions/tick/bundle.ts):
// the package's exports map only exposes its root, so the aliases point at absolute file paths.
import kraken from 'kbot-ccxt-kraken';
import Exchange from 'kbot-ccxt-exchange';
import { Precise } from 'kbot-ccxt-precise';
import * as errors from 'kbot-ccxt-errors';

export * from 'kbot-ccxt-errors';
export { kraken, Exchange, Precise, errors };

// `import ccxt from 'ccxt'; new ccxt.kraken()` works too.
export default { kraken, Exchange, Precise, errors, ...errors };
