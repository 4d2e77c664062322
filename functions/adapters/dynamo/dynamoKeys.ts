// Secondary adapter (DynamoDB): the single table's key layout. Every partition key carries the
// mode, so paper and live state can never meet (see docs/storage.md).
import type { Mode, Pair, Side } from '../../core/types.js';
import { isoTime, tradeSortKey } from '../store/storeRules.js';

/** A table key: partition key `pk` and sort key `sk`, both strings. */
export interface TableKey {
  pk: string;
  sk: string;
}

/** Key builders for every item the store writes. */
export const dynamoKeys = {
  tickClaim: (mode: Mode, candleCloseIso: string): TableKey => ({ pk: `TICK#${mode}`, sk: candleCloseIso }),
  /** Pointer to the latest completed tick, so `getLastTick` is one GetItem (sorts after every ISO time). */
  lastTick: (mode: Mode): TableKey => ({ pk: `TICK#${mode}`, sk: 'LAST' }),
  position: (mode: Mode, pair: Pair): TableKey => ({ pk: `POS#${mode}`, sk: pair }),
  positionPartition: (mode: Mode): string => `POS#${mode}`,
  intent: (mode: Mode, clientOrderId: string): TableKey => ({ pk: `ORDER#${mode}`, sk: clientOrderId }),
  intentPartition: (mode: Mode): string => `ORDER#${mode}`,
  day: (mode: Mode, day: string): TableKey => ({ pk: `DAY#${mode}`, sk: day }),
  /** The paper wallet; live balances live on the exchange. */
  wallet: (): TableKey => ({ pk: 'WALLET#paper', sk: 'balances' }),
  trade: (mode: Mode, timestampMs: number, pair: Pair, clientOrderId: string): TableKey => ({
    pk: `TRADE#${mode}`,
    sk: tradeSortKey(timestampMs, pair, clientOrderId),
  }),
  tradePartition: (mode: Mode): string => `TRADE#${mode}`,
  /** One marker per client order id, making the ledger idempotent per order whatever timestamp a retry carries. */
  tradeMarker: (mode: Mode, clientOrderId: string): TableKey => ({ pk: `TRADEID#${mode}`, sk: clientOrderId }),
  control: (mode: Mode): TableKey => ({ pk: `CONTROL#${mode}`, sk: 'halt' }),
  /** A (pair, side) order slot: present while one order on that side of the pair is in flight. */
  slot: (mode: Mode, pair: Pair, side: Side): TableKey => ({ pk: `SLOT#${mode}`, sk: `${pair}#${side}` }),
  slotPartition: (mode: Mode): string => `SLOT#${mode}`,
  /** The owner's coins and recorded dust of one traded asset. */
  holdings: (mode: Mode, asset: string): TableKey => ({ pk: `HOLD#${mode}`, sk: asset }),
  holdingsPartition: (mode: Mode): string => `HOLD#${mode}`,
  /** "This happened already" markers (one alert per incident), with a TTL. */
  once: (mode: Mode, key: string): TableKey => ({ pk: `ONCE#${mode}`, sk: key }),
  /** Audit records of operator and bookkeeping actions, by time. */
  audit: (mode: Mode, atMs: number, id: string): TableKey => ({ pk: `AUDIT#${mode}`, sk: `${isoTime(atMs)}#${id}` }),
  auditPartition: (mode: Mode): string => `AUDIT#${mode}`,
  /** One decision journal record per scheduled tick, by candle close, with a TTL. */
  journal: (mode: Mode, candleCloseIso: string): TableKey => ({ pk: `JOURNAL#${mode}`, sk: candleCloseIso }),
  journalPartition: (mode: Mode): string => `JOURNAL#${mode}`,
  /** One tick's market snapshots (book top levels, reference price) by candle close, with a TTL. */
  snapshots: (mode: Mode, closeIso: string): TableKey => ({ pk: `SNAP#${mode}`, sk: closeIso }),
  snapshotsPartition: (mode: Mode): string => `SNAP#${mode}`,
  /** The universe of a universe configuration (one item, replaced by each refresh). */
  universe: (mode: Mode): TableKey => ({ pk: `UNIVERSE#${mode}`, sk: 'current' }),
  /** A learned filter's model file, by content hash (`sha256:...`). */
  model: (mode: Mode, contentHash: string): TableKey => ({ pk: `MODEL#${mode}`, sk: contentHash }),
  /** Which model the live filter applies (sorts apart from every `sha256:` key). */
  promotedModel: (mode: Mode): TableKey => ({ pk: `MODEL#${mode}`, sk: 'PROMOTED' }),
  /** An open margin short (docs/shorts.md), one per pair, apart from the spot positions. */
  short: (mode: Mode, pair: Pair): TableKey => ({ pk: `SHORT#${mode}`, sk: pair }),
  shortPartition: (mode: Mode): string => `SHORT#${mode}`,
  /** The margin-exposure counter and its reservations (one item: conditional ADD keeps the cap atomic). */
  marginExposure: (mode: Mode): TableKey => ({ pk: `MARGIN#${mode}`, sk: 'exposure' }),
} as const;
