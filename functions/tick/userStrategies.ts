// Primary adapter support: the user strategies bundled with the Lambda. Empty in the sources (a
// CLI run loads strategy files itself); the tick bundle's build replaces this module with one
// import and registration per strategy file (functions/tick/bundle.ts), so the deployed tick runs
// the same files as backtests and paper trading. The handler imports it before anything else.

/** The strategy files bundled in, relative to the project root. */
export const bundledUserStrategies: readonly string[] = [];
