// Secondary adapter (DynamoDB): what an item weighs by DynamoDB's own rules, and what a record
// written every tick costs a month on demand. Used to measure the decision journal (docs/dashboard.md).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** us-east-1 on-demand, Standard table class: per million write request units (1 KB each). */
export const WRITE_USD_PER_MILLION_WRU = 0.625;
/** us-east-1 storage, Standard table class, per GB-month (after the 25 GB free tier). */
export const STORAGE_USD_PER_GB_MONTH = 0.25;
/** Point-in-time recovery (the stack enables it) bills the table's size again, per GB-month. */
export const PITR_USD_PER_GB_MONTH = 0.2;
/** DynamoDB adds this much per item to the stored size it bills. */
export const STORAGE_OVERHEAD_BYTES_PER_ITEM = 100;
/** One tick every 5 minutes for 30 days. */
export const TICKS_PER_MONTH = 8_640;

/**
 * The item's size as DynamoDB counts it for throughput and the 400 KB limit: attribute names
 * (UTF-8) plus values: strings in UTF-8, binaries in bytes, numbers at about one byte per two
 * significant digits plus one, booleans and nulls one byte, lists and maps 3 bytes plus one per
 * element plus their elements.
 */
export function dynamoItemBytes(item: Record<string, AttributeValue>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueBytes(value);
  return total;
}

function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS) return v.SS.reduce((s, x) => s + Buffer.byteLength(x), 0);
  if (v.NS) return v.NS.reduce((s, x) => s + numberBytes(x), 0);
  if (v.BS) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L) return 3 + v.L.reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (v.M) return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueBytes(x), 0);
  return 0;
}

function numberBytes(n: string): number {
  const digits = n.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** What an item of `itemBytes` written every tick and kept `ttlDays` costs a month (writes, storage with PITR). */
export function journalCost(itemBytes: number, ttlDays: number): {
  writeUnitsPerTick: number;
  itemsKept: number;
  storedBytes: number;
  writesPerMonthUsd: number;
  storagePerMonthUsd: number;
  totalPerMonthUsd: number;
} {
  const writeUnitsPerTick = Math.max(1, Math.ceil(itemBytes / 1024));
  const itemsKept = ttlDays * 288;
  const storedBytes = itemsKept * (itemBytes + STORAGE_OVERHEAD_BYTES_PER_ITEM);
  const writesPerMonthUsd = (TICKS_PER_MONTH * writeUnitsPerTick * WRITE_USD_PER_MILLION_WRU) / 1e6;
  const storagePerMonthUsd = (storedBytes / 1024 ** 3) * (STORAGE_USD_PER_GB_MONTH + PITR_USD_PER_GB_MONTH);
  return { writeUnitsPerTick, itemsKept, storedBytes, writesPerMonthUsd, storagePerMonthUsd, totalPerMonthUsd: writesPerMonthUsd + storagePerMonthUsd };
}
