// Test support: a tick on fakes (scripted engine, fake exchange, memory store, manual clock) with
// two pairs and 100 closed candles each, the candle closing at `close` just closed.
import { MemoryStore } from '../../functions/adapters/memory/memoryStore.js';
import { parseConfig, type BotConfigInput } from '../../functions/core/config.js';
import { silentLogger } from '../../functions/core/ports.js';
import type { TickDeps } from '../../functions/core/tick.js';
import { FakeExchange, ManualClock, RecordingAlerts, RecordingMetrics, ScriptedEngine, makeMarket, makeSeries } from './fakes.js';

export function tickFixture(close: number, configInput: BotConfigInput = {}) {
  const config = parseConfig({ pairs: ['BTC/USD', 'ETH/USD'], ...configInput });
  const exchange = new FakeExchange();
  for (const pair of config.pairs) {
    exchange.markets.set(pair, makeMarket(pair));
    // 100 closed candles plus the forming one (opens at `close`)
    exchange.candles.set(pair, makeSeries(close, 101));
  }
  const store = new MemoryStore();
  const engine = new ScriptedEngine();
  const alerts = new RecordingAlerts();
  const metrics = new RecordingMetrics();
  const clock = new ManualClock(close + 2_000);
  const deps: TickDeps = { config, exchange, store, engine, alerts, clock, logger: silentLogger, metrics, hasKeys: false, orderTiming: { lookupDelayMs: 10, pendingGraceMs: 60_000 } };
  return { config, exchange, store, engine, alerts, metrics, clock, deps };
}
