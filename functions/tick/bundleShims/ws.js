// Tick bundle shim: replaces the `ws` WebSocket package. The tick uses Kraken's REST API only;
// ccxt's WebSocket client imports `ws` at load but only constructs a socket for watch* calls.
export default class WebSocketUnavailable {
  constructor() {
    throw new Error('WebSockets are not part of the tick bundle (REST only)');
  }
}

export function createWebSocketStream() {
  throw new Error('WebSockets are not part of the tick bundle (REST only)');
}
