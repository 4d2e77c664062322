// Secondary adapter: StorePort on one DynamoDB table (Lambda, laptop via dynalite, tests). Every
// write that guards money is a conditional write; ConditionalCheckFailedException becomes the
// port's false / refusal value, and every other error propagates as an infrastructure failure.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import type { JournalEntry, JournalRecord } from '../../core/journal.js';
import type { UniverseRecord } from '../../core/universe/universeRecord.js';
import type { MarketSnapshot } from '../../core/market/marketSnapshot.js';
import type { ClaimResult, DailyLimits, IntentPatch, ModelPromotion, ReserveResult, SlotResult, StoredModel, StorePort } from '../../core/ports.js';
import {
  ONE_DAY_MS,
  type AuditRecord,
  type ControlState,
  type DayCounters,
  type EntryReservation,
  type HoldingsRecord,
  type Mode,
  type OrderIntent,
  type OrderSlot,
  type Pair,
  type Position,
  type Side,
  type TradeRecord,
  type Wallet,
} from '../../core/types.js';
import {
  MAX_ISO_TIME_MS,
  emptyDay,
  isFinalIntentStatus,
  isoTime,
  lossLimitReached,
  reserveRefusal,
} from '../store/storeRules.js';
import type { MarginReserveResult, MarginStorePort } from '../../core/shorts/marginPorts.js';
import type { ShortPosition } from '../../core/shorts/shortPosition.js';
import { dynamoKeys, type TableKey } from './dynamoKeys.js';

type Item = Record<string, AttributeValue>;

/** Tick claims only matter while the candle is recent; DynamoDB deletes them after this. */
const TICK_TTL_MS = 3 * ONE_DAY_MS;
/** Settled intents stay this long for `kbot status` and audits, then expire, keeping the pending query small. */
const FINAL_INTENT_TTL_MS = 30 * ONE_DAY_MS;
/** Daily counters outlive a year so yearly reports can still read them. */
const DAY_TTL_MS = 400 * ONE_DAY_MS;
/** Re-tries of an update whose condition failed only because of a concurrent change. */
const MAX_CONDITION_RETRIES = 5;
/** Attributes that belong to the table, not to the domain value. */
const TABLE_ATTRIBUTES = ['pk', 'sk', 'ttl'] as const;
/** Per-pair daily entry counts are flat attributes (`pair#BTC/USD`) so ADD works when they are absent. */
const PAIR_COUNT_PREFIX = 'pair#';
/** Reservations are flat map attributes (`res#<clientOrderId>`) for the same reason. */
const RESERVATION_PREFIX = 'res#';
/** Float noise allowed over the margin-exposure cap (quote). */
const MARGIN_EPSILON = 1e-9;
/** Audit records are kept for a year. */
const AUDIT_TTL_MS = 366 * ONE_DAY_MS;
/** Model files outlive any `learning.maxAgeDays` (at most 365), so a promoted model is never deleted while it applies. */
const MODEL_TTL_MS = 400 * ONE_DAY_MS;
/** DynamoDB items hold 400 KB; this leaves room for the keys and attributes. */
const MAX_MODEL_ITEM_BYTES = 380_000;

const MARSHALL_OPTIONS = { removeUndefinedValues: true, convertClassInstanceToMap: true, allowImpreciseNumbers: true } as const;
// Doubles survive the trip exactly: the SDK writes the shortest round-trip string and Number() reads it back.
const UNMARSHALL_OPTIONS = { wrapNumbers: (value: string) => Number(value) } as const;

/** Table attributes of the daily counters item. */
const DAY = {
  day: 'day',
  trades: 'trades',
  exits: 'exits',
  realizedPnlQuote: 'realizedPnlQuote',
  killSwitch: 'killSwitch',
  appliedOrders: 'appliedOrders',
  ttl: 'ttl',
} as const;

/**
 * StorePort on a single DynamoDB table with string keys `pk` + `sk` and TTL attribute `ttl`
 * (see `tableDefinition` and docs/storage.md for the layout).
 */
export class DynamoStore implements StorePort, MarginStorePort {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;

  constructor(options: { client: DynamoDBClient; tableName: string }) {
    this.client = options.client;
    this.tableName = options.tableName;
  }

  async claimTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    const key = dynamoKeys.tickClaim(mode, candleCloseIso);
    for (let attempt = 0; ; attempt++) {
      const written = await this.conditional(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(key, { status: 'IN_PROGRESS', owner, leaseUntilMs: nowMs + leaseMs }, nowMs + TICK_TTL_MS),
          // The owner clause makes an SDK retry of our own successful put count as claimed.
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :inprogress AND (#leaseUntil < :now OR #owner = :owner))',
          ExpressionAttributeNames: { '#status': 'status', '#leaseUntil': 'leaseUntilMs', '#owner': 'owner' },
          ExpressionAttributeValues: values({ ':inprogress': 'IN_PROGRESS', ':now': nowMs, ':owner': owner }),
        }),
      );
      if (written) return { claimed: true };
      const existing = await this.getItem(key);
      if (existing) return { claimed: false, reason: existing.status === 'DONE' ? 'already-claimed' : 'in-progress' };
      // The claim vanished between the put and the read (TTL deletion): claim again.
      if (attempt >= MAX_CONDITION_RETRIES) return { claimed: false, reason: 'in-progress' };
    }
  }

  async completeTick(mode: Mode, candleCloseIso: string, owner: string, nowMs: number, summary: unknown): Promise<void> {
    const hasSummary = summary !== undefined;
    // Only the owner completes: a tick whose lease was taken over must not overwrite the new owner's record.
    const completed = await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.tickClaim(mode, candleCloseIso)),
        UpdateExpression: `SET #status = :done, completedAtMs = :now${hasSummary ? ', summary = :summary' : ' REMOVE summary'}`,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
        ExpressionAttributeValues: values({ ':done': 'DONE', ':now': nowMs, ':owner': owner, ...(hasSummary ? { ':summary': summary } : {}) }),
      }),
    );
    if (!completed) return;
    // The pointer only moves forward, so a late completion of an older candle cannot hide a newer one.
    await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.lastTick(mode), { candleCloseIso, completedAtMs: nowMs, summary }),
        ConditionExpression: 'attribute_not_exists(pk) OR candleCloseIso <= :iso',
        ExpressionAttributeValues: values({ ':iso': candleCloseIso }),
      }),
    );
  }

  async getLastTick(mode: Mode): Promise<{ candleCloseIso: string; completedAtMs: number; summary: unknown } | undefined> {
    const item = await this.getItem(dynamoKeys.lastTick(mode));
    if (!item) return undefined;
    return { candleCloseIso: item.candleCloseIso as string, completedAtMs: item.completedAtMs as number, summary: item.summary };
  }

  async getControl(mode: Mode): Promise<ControlState> {
    const item = await this.getItem(dynamoKeys.control(mode));
    return item ? (item as unknown as ControlState) : { halted: false, haltExits: false };
  }

  async setControl(mode: Mode, control: ControlState): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(dynamoKeys.control(mode), control) }));
  }

  async createIntent(intent: OrderIntent): Promise<boolean> {
    const ttlMs = isFinalIntentStatus(intent.status) ? intent.updatedAtMs + FINAL_INTENT_TTL_MS : undefined;
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.intent(intent.mode, intent.clientOrderId), intent, ttlMs),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getIntent(mode: Mode, clientOrderId: string): Promise<OrderIntent | undefined> {
    return (await this.getItem(dynamoKeys.intent(mode, clientOrderId))) as OrderIntent | undefined;
  }

  /**
   * A Query on the mode's intent partition with a filter on status, not a Scan. Pending intents
   * are few, and settled ones expire 30 days after they settle, so the partition read stays
   * small; a sparse index would cost a second table index for a list that is nearly always empty.
   */
  async listPendingIntents(mode: Mode): Promise<OrderIntent[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :pending',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.intentPartition(mode), ':pending': 'PENDING' }),
    });
    return items as unknown as OrderIntent[];
  }

  /** The same partition Query, also keeping written-off intents whose re-check window is open. */
  async listUnresolvedIntents(mode: Mode, nowMs: number): Promise<OrderIntent[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: '#status = :pending OR (#status = :failed AND #recheck > :now)',
      ExpressionAttributeNames: { '#status': 'status', '#recheck': 'recheckUntilMs' },
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.intentPartition(mode), ':pending': 'PENDING', ':failed': 'FAILED', ':now': nowMs }),
    });
    return items as unknown as OrderIntent[];
  }

  async acquireOrderSlot(mode: Mode, slot: OrderSlot): Promise<SlotResult> {
    const key = dynamoKeys.slot(mode, slot.pair, slot.side);
    for (let attempt = 0; attempt <= MAX_CONDITION_RETRIES; attempt++) {
      const written = await this.conditional(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(key, slot),
          // Ours already (a retry of the same decision) counts as acquired.
          ConditionExpression: 'attribute_not_exists(pk) OR clientOrderId = :id',
          ExpressionAttributeValues: values({ ':id': slot.clientOrderId }),
        }),
      );
      if (written) return { acquired: true };
      const holder = await this.getItem(key);
      if (holder) return { acquired: false, holder: holder as unknown as OrderSlot };
      // Released between the put and the read: try again.
    }
    throw new Error(`order slot of ${slot.pair} kept changing; nothing was sent`);
  }

  async releaseOrderSlot(mode: Mode, pair: Pair, side: Side, clientOrderId: string): Promise<void> {
    await this.conditional(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.slot(mode, pair, side)),
        ConditionExpression: 'clientOrderId = :id',
        ExpressionAttributeValues: values({ ':id': clientOrderId }),
      }),
    );
  }

  async listOrderSlots(mode: Mode): Promise<OrderSlot[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.slotPartition(mode) }),
    });
    return items as unknown as OrderSlot[];
  }

  async transitionIntent(
    mode: Mode,
    clientOrderId: string,
    expected: OrderIntent['status'],
    patch: IntentPatch,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const attributeValues: Record<string, unknown> = { ':expected': expected };
    const sets: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${field}`] = field;
      attributeValues[`:${field}`] = value;
      sets.push(`#${field} = :${field}`);
    }
    if (patch.status !== undefined && isFinalIntentStatus(patch.status)) {
      names['#ttl'] = 'ttl';
      attributeValues[':ttl'] = ttlSeconds((patch.updatedAtMs ?? Date.now()) + FINAL_INTENT_TTL_MS);
      sets.push('#ttl = :ttl');
    }
    // An empty patch still has to check the condition, and UpdateItem needs an expression.
    if (sets.length === 0) sets.push('#status = :expected');
    return this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.intent(mode, clientOrderId)),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: '#status = :expected',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values(attributeValues),
      }),
    );
  }

  async getPosition(mode: Mode, pair: Pair): Promise<Position | undefined> {
    return (await this.getItem(dynamoKeys.position(mode, pair))) as Position | undefined;
  }

  async listPositions(mode: Mode): Promise<Position[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.positionPartition(mode) }),
    });
    return items as unknown as Position[];
  }

  async createPosition(position: Position): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.position(position.mode, position.pair), position),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async updatePosition(position: Position, expectedVersion: number): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.position(position.mode, position.pair), { ...position, version: expectedVersion + 1 }),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: values({ ':expected': expectedVersion }),
      }),
    );
  }

  async deletePosition(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean> {
    return this.conditional(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.position(mode, pair)),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: values({ ':expected': expectedVersion }),
      }),
    );
  }

  /**
   * One UpdateItem adds the entry to both counters under all three conditions, so concurrent
   * ticks can never exceed a cap. A failed condition is then read back to name the cap.
   */
  async reserveEntry(mode: Mode, day: string, pair: Pair, limits: DailyLimits, clientOrderId: string, nowMs: number): Promise<ReserveResult> {
    const key = dynamoKeys.day(mode, day);
    // `attribute_not_exists` would let a first entry through a cap of 0; such caps never reserve.
    if (!(limits.maxTradesPerDay > 0 && limits.maxTradesPerPairPerDay > 0)) {
      const counters = await this.getDay(mode, day);
      return this.existingReservation(counters, clientOrderId) ?? { reserved: false, reason: this.refusalFor(counters, pair, limits) ?? 'daily-trade-cap' };
    }
    const names: Record<string, string> = {
      '#trades': DAY.trades,
      '#pc': PAIR_COUNT_PREFIX + pair,
      '#ks': DAY.killSwitch,
      '#day': DAY.day,
      '#ttl': DAY.ttl,
      '#res': RESERVATION_PREFIX + clientOrderId,
    };
    const reservation: EntryReservation = { pair, atMs: nowMs, state: 'held' };
    const attributeValues: Record<string, unknown> = { ':one': 1, ':false': false, ':day': day, ':ttl': dayTtlSeconds(day), ':res': reservation };
    // The reservation's own attribute makes a repeat for the same order count once.
    const conditions = ['attribute_not_exists(#res)', '(attribute_not_exists(#ks) OR #ks = :false)'];
    // An infinite cap is no cap (and DynamoDB numbers cannot hold Infinity).
    if (Number.isFinite(limits.maxTradesPerDay)) {
      conditions.push('(attribute_not_exists(#trades) OR #trades < :max)');
      attributeValues[':max'] = limits.maxTradesPerDay;
    }
    if (Number.isFinite(limits.maxTradesPerPairPerDay)) {
      conditions.push('(attribute_not_exists(#pc) OR #pc < :maxPair)');
      attributeValues[':maxPair'] = limits.maxTradesPerPairPerDay;
    }
    for (let attempt = 0; attempt <= MAX_CONDITION_RETRIES; attempt++) {
      const reserved = await this.conditional(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(key),
          UpdateExpression: 'ADD #trades :one, #pc :one SET #day = :day, #ttl = if_not_exists(#ttl, :ttl), #res = :res',
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values(attributeValues),
        }),
      );
      if (reserved) return { reserved: true };
      const counters = await this.getDay(mode, day);
      const existing = this.existingReservation(counters, clientOrderId);
      if (existing) return existing;
      const refusal = this.refusalFor(counters, pair, limits);
      if (refusal) return { reserved: false, reason: refusal };
      // A release landed between the failed update and the read: the entry may fit now.
    }
    // Never reached in practice; refusing is the money-safe answer to endless contention.
    return { reserved: false, reason: 'daily-trade-cap' };
  }

  /**
   * One UpdateItem marks the reservation released and gives back both counts, only while it is
   * held: a repeated release (a retry, a crash-restart) changes nothing.
   */
  async releaseEntry(mode: Mode, day: string, pair: Pair, clientOrderId: string): Promise<void> {
    const key = keyOf(dynamoKeys.day(mode, day));
    const names = { '#trades': DAY.trades, '#pc': PAIR_COUNT_PREFIX + pair, '#res': RESERVATION_PREFIX + clientOrderId, '#state': 'state' };
    const released = await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #trades = #trades - :one, #pc = #pc - :one, #res.#state = :released',
        ConditionExpression: '#res.#state = :held AND #trades > :zero AND #pc > :zero',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values({ ':one': 1, ':zero': 0, ':held': 'held', ':released': 'released' }),
      }),
    );
    if (released) return;
    // Counters out of step (already zero): release the reservation without going below zero.
    await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET #res.#state = :released',
        ConditionExpression: '#res.#state = :held',
        ExpressionAttributeNames: { '#res': names['#res'], '#state': 'state' },
        ExpressionAttributeValues: values({ ':held': 'held', ':released': 'released' }),
      }),
    );
  }

  async markEntryUsed(mode: Mode, day: string, clientOrderId: string): Promise<void> {
    await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.day(mode, day)),
        UpdateExpression: 'SET #res.#state = :used',
        ConditionExpression: '#res.#state = :held',
        ExpressionAttributeNames: { '#res': RESERVATION_PREFIX + clientOrderId, '#state': 'state' },
        ExpressionAttributeValues: values({ ':held': 'held', ':used': 'used' }),
      }),
    );
  }

  /**
   * Adds the P&L once per closing order (the order id joins a string set in the same update),
   * then trips the kill switch with its own conditional update so exactly one caller sees
   * `tripped: true`. The trip is attempted on repeats too, so a crash between the two updates
   * cannot leave a breached day untripped.
   */
  async recordRealizedPnl(
    mode: Mode,
    day: string,
    clientOrderId: string,
    pnlQuote: number,
    maxDailyLossQuote: number,
  ): Promise<{ day: DayCounters; tripped: boolean }> {
    const key = keyOf(dynamoKeys.day(mode, day));
    const added = await this.client
      .send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD #pnl :pnl, #exits :one, #applied :ids SET #day = :day, #ttl = if_not_exists(#ttl, :ttl)',
          ConditionExpression: 'attribute_not_exists(#applied) OR NOT contains(#applied, :id)',
          ExpressionAttributeNames: {
            '#pnl': DAY.realizedPnlQuote,
            '#exits': DAY.exits,
            '#applied': DAY.appliedOrders,
            '#day': DAY.day,
            '#ttl': DAY.ttl,
          },
          ExpressionAttributeValues: {
            ...values({ ':pnl': pnlQuote, ':one': 1, ':day': day, ':ttl': dayTtlSeconds(day), ':id': clientOrderId }),
            ':ids': { SS: [clientOrderId] },
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      .then((out) => out.Attributes, ignoreConditionFailure);
    let counters = added ? dayFromItem(day, unmarshall(added, UNMARSHALL_OPTIONS)) : await this.getDay(mode, day);
    let tripped = false;
    if (!counters.killSwitchTripped && lossLimitReached(counters.realizedPnlQuote, maxDailyLossQuote)) {
      const afterTrip = await this.client
        .send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET #ks = :true',
            ConditionExpression: '(attribute_not_exists(#ks) OR #ks = :false) AND #pnl <= :limit',
            ExpressionAttributeNames: { '#ks': DAY.killSwitch, '#pnl': DAY.realizedPnlQuote },
            ExpressionAttributeValues: values({ ':true': true, ':false': false, ':limit': -maxDailyLossQuote }),
            ReturnValues: 'ALL_NEW',
          }),
        )
        .then((out) => out.Attributes, ignoreConditionFailure);
      if (afterTrip) {
        tripped = true;
        counters = dayFromItem(day, unmarshall(afterTrip, UNMARSHALL_OPTIONS));
      } else {
        counters = await this.getDay(mode, day);
      }
    }
    return { day: counters, tripped };
  }

  async getDay(mode: Mode, day: string): Promise<DayCounters> {
    const item = await this.getItem(dynamoKeys.day(mode, day));
    return item ? dayFromItem(day, item) : emptyDay(day);
  }

  /**
   * Idempotent per (mode, client order id) without transactions: a marker item keyed by the order
   * id is written first and carries the ledger key; the ledger row follows. A repeat finds the
   * marker and re-writes the row under the first attempt's key, which also heals a crash between
   * the two writes. The first append wins.
   */
  async appendTrade(trade: TradeRecord): Promise<void> {
    const rowKey = dynamoKeys.trade(trade.mode, trade.timestampMs, trade.pair, trade.clientOrderId);
    const markerKey = dynamoKeys.tradeMarker(trade.mode, trade.clientOrderId);
    const first = await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(markerKey, { rowSk: rowKey.sk, trade }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    let row = { key: rowKey, trade };
    if (!first) {
      const marker = await this.getItem(markerKey);
      if (!marker) throw new Error(`Trade marker for ${trade.clientOrderId} vanished after a failed conditional put`);
      row = { key: { pk: rowKey.pk, sk: marker.rowSk as string }, trade: marker.trade as TradeRecord };
    }
    await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(row.key, row.trade),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listTrades(mode: Mode, fromMs: number, toMs: number): Promise<TradeRecord[]> {
    // BETWEEN with a lower bound above the upper one is a ValidationException, not an empty result.
    if (fromMs > toMs || toMs < 0 || fromMs > MAX_ISO_TIME_MS) return [];
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      // Every key at `toMs` is `<iso>#<pair>#<id>`, which sorts below `<iso>#\uffff`.
      ExpressionAttributeValues: values({
        ':pk': dynamoKeys.tradePartition(mode),
        ':from': isoTime(fromMs),
        ':to': `${isoTime(toMs)}#\uffff`,
      }),
    });
    return items as unknown as TradeRecord[];
  }

  async listHoldings(mode: Mode): Promise<HoldingsRecord[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.holdingsPartition(mode) }),
    });
    return items as unknown as HoldingsRecord[];
  }

  async putHoldings(record: HoldingsRecord, expectedVersion: number): Promise<boolean> {
    const creating = expectedVersion === -1;
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.holdings(record.mode, record.asset), { ...record, version: expectedVersion + 1 }),
        ConditionExpression: creating ? 'attribute_not_exists(pk)' : '#version = :expected',
        ...(creating
          ? {}
          : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: values({ ':expected': expectedVersion }) }),
      }),
    );
  }

  async markOnce(mode: Mode, key: string, nowMs: number, ttlMs: number): Promise<boolean> {
    // An expired marker DynamoDB has not deleted yet counts as absent.
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.once(mode, key), { atMs: nowMs, untilMs: nowMs + ttlMs }, nowMs + ttlMs),
        ConditionExpression: 'attribute_not_exists(pk) OR untilMs <= :now',
        ExpressionAttributeValues: values({ ':now': nowMs }),
      }),
    );
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.audit(record.mode, record.atMs, record.id), record, record.atMs + AUDIT_TTL_MS),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listAudit(mode: Mode, fromMs: number, toMs: number): Promise<AuditRecord[]> {
    if (fromMs > toMs || toMs < 0 || fromMs > MAX_ISO_TIME_MS) return [];
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: values({ ':pk': dynamoKeys.auditPartition(mode), ':from': isoTime(fromMs), ':to': `${isoTime(toMs)}#\uffff` }),
    });
    return items as unknown as AuditRecord[];
  }

  async getWallet(): Promise<Wallet | undefined> {
    const item = await this.getItem(dynamoKeys.wallet());
    return item ? { balances: item.balances as Record<string, number>, version: item.version as number } : undefined;
  }

  async putWallet(balances: Record<string, number>, expectedVersion: number): Promise<boolean> {
    const creating = expectedVersion === -1;
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.wallet(), { balances, version: expectedVersion + 1 }),
        ConditionExpression: creating ? 'attribute_not_exists(pk)' : '#version = :expected',
        ...(creating
          ? {}
          : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: values({ ':expected': expectedVersion }) }),
      }),
    );
  }

  /** One PutItem: the record compressed into a binary attribute (see `journalItem`), expiring by TTL. */
  async putJournal(entry: JournalEntry): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: journalItem(entry) }));
  }

  async listJournal(mode: Mode, fromMs: number, toMs: number, options: { limit?: number; newestFirst?: boolean } = {}): Promise<JournalEntry[]> {
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs > toMs || toMs < 0 || fromMs > MAX_ISO_TIME_MS) return [];
    if (options.limit !== undefined && options.limit <= 0) return [];
    const out: JournalEntry[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: values({ ':pk': dynamoKeys.journalPartition(mode), ':from': isoTime(fromMs), ':to': isoTime(toMs) }),
          ScanIndexForward: !options.newestFirst,
          ...(options.limit !== undefined ? { Limit: options.limit - out.length } : {}),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) out.push(journalFromItem(mode, item));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (options.limit === undefined || out.length < options.limit));
    return out;
  }

  async putModel(model: StoredModel): Promise<void> {
    const key = dynamoKeys.model(model.mode, model.contentHash);
    const body = brotliCompressSync(model.body, JOURNAL_BROTLI);
    if (body.length > MAX_MODEL_ITEM_BYTES) {
      throw new Error(`the model is ${body.length} bytes compressed, more than the ${MAX_MODEL_ITEM_BYTES} a table item holds: train fewer or shallower trees`);
    }
    // Idempotent per content hash: the same content is the same model, so a repeat writes nothing.
    await this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { ...keyOf(key), at: { N: String(model.storedAtMs) }, br: { B: body }, ttl: { N: String(ttlSeconds(model.storedAtMs + MODEL_TTL_MS)) } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getModel(mode: Mode, contentHash: string): Promise<StoredModel | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(dynamoKeys.model(mode, contentHash)), ConsistentRead: true }));
    const item = out.Item;
    if (!item?.br?.B) return undefined;
    return { mode, contentHash, storedAtMs: Number(item.at?.N ?? 0), body: brotliDecompressSync(item.br.B).toString('utf8') };
  }

  /** One PutItem per tick: every pair's snapshot as Brotli-compressed JSON, expiring by TTL. */
  async putSnapshots(mode: Mode, closeMs: number, snapshots: readonly MarketSnapshot[], expiresAtMs: number): Promise<void> {
    const key = dynamoKeys.snapshots(mode, isoTime(closeMs));
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: { pk: { S: key.pk }, sk: { S: key.sk }, ttl: { N: String(ttlSeconds(expiresAtMs)) }, br: { B: brotliCompressSync(JSON.stringify(snapshots), JOURNAL_BROTLI) } },
      }),
    );
  }

  async listSnapshots(mode: Mode, fromMs: number, toMs: number): Promise<MarketSnapshot[]> {
    const out: MarketSnapshot[] = [];
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs > toMs || toMs < 0 || fromMs > MAX_ISO_TIME_MS) return out;
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: values({ ':pk': dynamoKeys.snapshotsPartition(mode), ':from': isoTime(fromMs), ':to': isoTime(toMs) }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (item.br?.B) out.push(...(JSON.parse(brotliDecompressSync(item.br.B).toString('utf8')) as MarketSnapshot[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async getUniverse(mode: Mode): Promise<UniverseRecord | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(dynamoKeys.universe(mode)), ConsistentRead: true }));
    const body = out.Item?.br?.B;
    return body ? ({ ...JSON.parse(brotliDecompressSync(body).toString('utf8')), mode } as UniverseRecord) : undefined;
  }

  /** One PutItem, the record Brotli-compressed (the first-seen times of every listed pair make it a few kB). */
  async putUniverse(record: UniverseRecord): Promise<void> {
    const key = dynamoKeys.universe(record.mode);
    const br = brotliCompressSync(JSON.stringify(record), JOURNAL_BROTLI);
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { pk: { S: key.pk }, sk: { S: key.sk }, at: { N: String(record.refreshedAtMs) }, br: { B: br } } }));
  }

  async getPromotedModel(mode: Mode): Promise<ModelPromotion | undefined> {
    return (await this.getItem(dynamoKeys.promotedModel(mode))) as ModelPromotion | undefined;
  }

  async promoteModel(promotion: ModelPromotion, expectedCurrentHash: string | null): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.promotedModel(promotion.mode), promotion),
        ...(expectedCurrentHash === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: '#hash = :expected', ExpressionAttributeNames: { '#hash': 'contentHash' }, ExpressionAttributeValues: values({ ':expected': expectedCurrentHash }) }),
      }),
    );
  }

  // Margin shorts (docs/shorts.md): short positions, and the exposure counter whose conditional ADD
  // keeps the cap atomic across concurrent ticks.
  async getShort(mode: Mode, pair: Pair): Promise<ShortPosition | undefined> {
    return (await this.getItem(dynamoKeys.short(mode, pair))) as ShortPosition | undefined;
  }

  async listShorts(mode: Mode): Promise<ShortPosition[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: values({ ':pk': dynamoKeys.shortPartition(mode) }) });
    return items as unknown as ShortPosition[];
  }

  async createShort(position: ShortPosition): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({ TableName: this.tableName, Item: toItem(dynamoKeys.short(position.mode, position.pair), position), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async updateShort(position: ShortPosition, expectedVersion: number): Promise<boolean> {
    return this.conditional(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(dynamoKeys.short(position.mode, position.pair), { ...position, version: expectedVersion + 1 }),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: values({ ':expected': expectedVersion }),
      }),
    );
  }

  async deleteShort(mode: Mode, pair: Pair, expectedVersion: number): Promise<boolean> {
    return this.conditional(
      new DeleteItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.short(mode, pair)),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: values({ ':expected': expectedVersion }),
      }),
    );
  }

  /**
   * One UpdateItem adds the notional and the reservation under the cap condition
   * (`exposure <= cap − notional`), so two concurrent entries cannot both pass a cap with room for one.
   */
  async reserveMargin(mode: Mode, clientOrderId: string, pair: Pair, notionalQuote: number, capQuote: number, nowMs: number): Promise<MarginReserveResult> {
    const refused = async (): Promise<MarginReserveResult> => {
      const now = await this.getMarginExposure(mode);
      const existing = now.reservations[clientOrderId];
      if (existing) return existing.state === 'held' ? { reserved: true } : { reserved: false, reason: 'already-decided', exposureQuote: now.exposureQuote };
      return { reserved: false, reason: 'exposure-cap', exposureQuote: now.exposureQuote };
    };
    if (!(notionalQuote > 0) || !(notionalQuote <= capQuote + MARGIN_EPSILON)) return refused();
    const reserved = await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.marginExposure(mode)),
        UpdateExpression: 'ADD #exp :n SET #res = :res',
        ConditionExpression: 'attribute_not_exists(#res) AND (attribute_not_exists(#exp) OR #exp <= :room)',
        ExpressionAttributeNames: { '#exp': 'exposureQuote', '#res': RESERVATION_PREFIX + clientOrderId },
        ExpressionAttributeValues: values({ ':n': notionalQuote, ':room': capQuote - notionalQuote + MARGIN_EPSILON, ':res': { pair, notionalQuote, atMs: nowMs, state: 'held' } }),
      }),
    );
    return reserved ? { reserved: true } : refused();
  }

  async releaseMargin(mode: Mode, clientOrderId: string): Promise<void> {
    const r = (await this.getMarginExposure(mode)).reservations[clientOrderId];
    if (r?.state !== 'held') return;
    await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(dynamoKeys.marginExposure(mode)),
        UpdateExpression: 'SET #exp = #exp - :n, #res.#state = :released',
        ConditionExpression: '#res.#state = :held',
        ExpressionAttributeNames: { '#exp': 'exposureQuote', '#res': RESERVATION_PREFIX + clientOrderId, '#state': 'state' },
        ExpressionAttributeValues: values({ ':n': r.notionalQuote, ':held': 'held', ':released': 'released' }),
      }),
    );
  }

  async getMarginExposure(mode: Mode): Promise<{ exposureQuote: number; reservations: Record<string, { pair: Pair; notionalQuote: number; atMs: number; state: 'held' | 'released' }> }> {
    const item = await this.getItem(dynamoKeys.marginExposure(mode));
    const reservations: Record<string, { pair: Pair; notionalQuote: number; atMs: number; state: 'held' | 'released' }> = {};
    for (const [attribute, value] of Object.entries(item ?? {})) {
      if (attribute.startsWith(RESERVATION_PREFIX)) reservations[attribute.slice(RESERVATION_PREFIX.length)] = value as never;
    }
    return { exposureQuote: Math.max(0, (item?.exposureQuote as number | undefined) ?? 0), reservations };
  }

  /** The answer for a reservation this order already has (held or used: reserved; released: already decided). */
  private existingReservation(counters: DayCounters, clientOrderId: string): ReserveResult | undefined {
    const existing = counters.reservations[clientOrderId];
    if (!existing) return undefined;
    return existing.state === 'released' ? { reserved: false, reason: 'already-decided' } : { reserved: true };
  }

  private refusalFor(counters: DayCounters, pair: Pair, limits: DailyLimits) {
    return reserveRefusal(
      { trades: counters.trades, pairTrades: counters.tradesByPair[pair] ?? 0, killSwitchTripped: counters.killSwitchTripped },
      limits,
    );
  }

  /** Strongly consistent read of one item, without the table attributes. */
  private async getItem(key: TableKey): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(key), ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** Every page of a strongly consistent Query, without the table attributes. */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const results: Record<string, unknown>[] = [];
    let startKey: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      for (const item of out.Items ?? []) results.push(fromItem(item));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return results;
  }

  /** Sends a conditional write: true when written, false when its condition failed. */
  private async conditional(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    try {
      // The union of command types has no common `send` overload; each member is valid on its own.
      await this.client.send(command as PutItemCommand);
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

/** Brotli at its best quality, in text mode: journal records are small JSON, so it costs well under a millisecond. */
const JOURNAL_BROTLI = { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11, [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT } };

/**
 * The journal item: the keys, the write time, the TTL and the record as Brotli-compressed JSON in
 * one binary attribute (`br`, named after its codec). Brotli beats gzip by about a fifth on these
 * records, which keeps a 20-pair tick inside one write unit (1 KB); docs/dashboard.md has the
 * measured sizes.
 */
export function journalItem(entry: JournalEntry): Item {
  const key = dynamoKeys.journal(entry.mode, entry.candleCloseIso);
  return {
    pk: { S: key.pk },
    sk: { S: key.sk },
    at: { N: String(entry.atMs) },
    br: { B: brotliCompressSync(JSON.stringify(entry.record), JOURNAL_BROTLI) },
    ...(entry.expiresAtMs !== undefined ? { ttl: { N: String(ttlSeconds(entry.expiresAtMs)) } } : {}),
  };
}

function journalFromItem(mode: Mode, item: Item): JournalEntry {
  const record = JSON.parse(brotliDecompressSync(item.br!.B!).toString('utf8')) as JournalRecord;
  const ttl = item.ttl?.N;
  return { mode, candleCloseIso: item.sk!.S!, atMs: Number(item.at!.N), ...(ttl ? { expiresAtMs: Number(ttl) * 1000 } : {}), record };
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** For `.then(..., ignoreConditionFailure)`: a failed condition becomes undefined, anything else rethrows. */
function ignoreConditionFailure(error: unknown): undefined {
  if (isConditionFailure(error)) return undefined;
  throw error;
}

function keyOf(key: TableKey): Item {
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

function values(record: Record<string, unknown>): Item {
  return marshall(record, MARSHALL_OPTIONS);
}

function toItem(key: TableKey, value: object, ttlMs?: number): Item {
  return marshall({ ...value, pk: key.pk, sk: key.sk, ...(ttlMs === undefined ? {} : { ttl: ttlSeconds(ttlMs) }) }, MARSHALL_OPTIONS);
}

function fromItem(item: Item): Record<string, unknown> {
  const value = unmarshall(item, UNMARSHALL_OPTIONS);
  for (const attribute of TABLE_ATTRIBUTES) delete value[attribute];
  return value;
}

function ttlSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The day's counters expire a fixed time after the day itself, however late they were last written. */
function dayTtlSeconds(day: string): number {
  const dayStartMs = Date.parse(`${day}T00:00:00.000Z`);
  return ttlSeconds((Number.isFinite(dayStartMs) ? dayStartMs : Date.now()) + DAY_TTL_MS);
}

function dayFromItem(day: string, item: Record<string, unknown>): DayCounters {
  const tradesByPair: Record<Pair, number> = {};
  const reservations: Record<string, EntryReservation> = {};
  for (const [attribute, value] of Object.entries(item)) {
    if (attribute.startsWith(PAIR_COUNT_PREFIX)) tradesByPair[attribute.slice(PAIR_COUNT_PREFIX.length)] = value as number;
    if (attribute.startsWith(RESERVATION_PREFIX)) reservations[attribute.slice(RESERVATION_PREFIX.length)] = value as EntryReservation;
  }
  return {
    day,
    trades: (item[DAY.trades] as number | undefined) ?? 0,
    tradesByPair,
    exits: (item[DAY.exits] as number | undefined) ?? 0,
    realizedPnlQuote: (item[DAY.realizedPnlQuote] as number | undefined) ?? 0,
    killSwitchTripped: item[DAY.killSwitch] === true,
    reservations,
  };
}
