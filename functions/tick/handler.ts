// Primary adapter: the Lambda entry. Adapters are wired once at cold start from the environment
// (bad configuration fails the cold start naming the variable); each invocation runs one tick.
// First: the bundled user strategies register before the configuration naming them is parsed.
import './userStrategies.js';
import { createTickHandler } from './runtime.js';

/** Accepts an EventBridge scheduled event or a `{ "kbot": { command } }` event; returns the TickResult. */
export const handler = createTickHandler();
