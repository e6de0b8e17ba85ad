import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { AgentError } from '../core/agents/agentErrors.js';
import type { KeyValueStore, KeyValueStoreOptions, KvEntry, KvListOptions, KvPage, KvValue, KvWriteOptions } from '../core/agents/KeyValueStore.js';
import { describeKey, KvNotANumberError, KvRefusedError } from '../core/agents/kvErrors.js';
import {
  assertIncrementBy,
  assertKvKey,
  assertKvPrefix,
  assertKvTaskId,
  checkKvOptions,
  decodeKvValue,
  encodeKvCursor,
  encodeKvValue,
  kvExpired,
  kvExpiryMs,
  kvListPosition,
} from '../core/agents/kvRules.js';
import type { Clock } from '../core/ports/Clock.js';
import { isoTime } from '../core/time/isoTime.js';
import { systemClock } from '../core/time/systemClock.js';
import { awsErrorName } from './awsErrors.js';
import { KV_TABLE } from './kvTable.js';

export interface DynamoKeyValueStoreOptions extends KeyValueStoreOptions {
  /** Created once per container by the caller. */
  client: DynamoDBClient;
  /** A table made from `kvTableProperties()`. */
  tableName: string;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Query pages read for one list page. When expired entries (not yet
   * deleted by TTL) use them up, the page comes back short, with a cursor.
   * @default 10
   */
  maxQueryPagesPerList?: number;
}

type Item = Record<string, AttributeValue>;

/** Attribute names (`key` and `value` are reserved words: always through `#` names). */
const A = { pk: KV_TABLE.partitionKey, key: KV_TABLE.sortKey, value: 'value', updatedAt: 'updatedAt', taskId: 'taskId', expiresAt: KV_TABLE.ttlAttribute, expiresAtMs: 'expiresAtMs' } as const;
const NAMES = { '#k': A.key, '#v': A.value, '#u': A.updatedAt, '#t': A.taskId, '#expMs': A.expiresAtMs };
const LIVE = '(attribute_not_exists(#expMs) OR #expMs > :now)';
const ABSENT_OR_EXPIRED = 'attribute_not_exists(#k) OR #expMs <= :now';
/** Rounds of "update the counter / create it" before giving up (each lost only to another writer's success). */
const MAX_INCREMENT_ROUNDS = 20;

/**
 * {@link KeyValueStore} on one DynamoDB table (layout: `kvTable.ts`).
 *
 * - `get`: a consistent GetItem; `list`: a consistent Query on the one
 *   partition with `begins_with(key, prefix)`, expired entries filtered.
 * - `set`: PutItem; `setIfAbsent`: PutItem conditioned on `absent or expired`.
 * - `increment`: UpdateItem `ADD value :by` conditioned on `present, live and
 *   a number`; when the entry is missing or expired, a PutItem of `by`
 *   conditioned on `absent or expired` (so a restarted counter gets a fresh
 *   expiry and no stale total); a writer that loses that race updates again.
 * - Expiry: `expiresAtMs` (exact) in every condition and read filter, since
 *   TTL deletion (`expiresAt`, seconds) is lazy.
 *
 * SDK failures (throttling past the SDK's retries, network, permissions) are
 * {@link AgentError}s (retriable), the SDK error as `cause`.
 *
 * @example
 * ```ts
 * const client = new DynamoDBClient({}); // once per container
 * const kv = new DynamoKeyValueStore({ client, tableName: env.KV_TABLE, maxTtlSeconds: 86_400 });
 * ```
 */
export class DynamoKeyValueStore implements KeyValueStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #options: KeyValueStoreOptions;
  readonly #maxPages: number;

  constructor(options: DynamoKeyValueStoreOptions) {
    this.#options = checkKvOptions(options);
    this.#client = options.client;
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
    this.#maxPages = Math.max(1, options.maxQueryPagesPerList ?? 10);
  }

  async get(key: string): Promise<KvEntry | undefined> {
    assertKvKey('get', key);
    const item = await this.#getItem('get', key);
    return item === undefined || this.#expired(item) ? undefined : toEntry(item);
  }

  async set(key: string, value: unknown, options: KvWriteOptions = {}): Promise<void> {
    const { item } = this.#prepareWrite('set', key, value, options);
    await this.#call('set', 'PutItem', (c) => c.send(new PutItemCommand({ TableName: this.#table, Item: item })));
  }

  async delete(key: string): Promise<boolean> {
    assertKvKey('delete', key);
    const out = await this.#call('delete', 'DeleteItem', (c) => c.send(new DeleteItemCommand({ TableName: this.#table, Key: keyOf(key), ReturnValues: 'ALL_OLD' })));
    return out.Attributes !== undefined && !this.#expired(out.Attributes);
  }

  async setIfAbsent(key: string, value: unknown, options: KvWriteOptions = {}): Promise<boolean> {
    const { item, now } = this.#prepareWrite('setIfAbsent', key, value, options);
    return this.#putIfAbsent('setIfAbsent', item, now);
  }

  async increment(key: string, by = 1, options: KvWriteOptions = {}): Promise<number> {
    assertKvKey('increment', key);
    assertIncrementBy(key, by);
    assertKvTaskId('increment', key, options.taskId);
    const now = this.#clock.now();
    const expiry = kvExpiryMs('increment', key, now, options.ttlSeconds, this.#options);
    const taskId = options.taskId;
    for (let round = 0; round < MAX_INCREMENT_ROUNDS; round++) {
      // 1. The common case: a live numeric counter, one request.
      const added = await this.#addToLiveCounter(key, by, now, taskId);
      if (added.done) return added.total;
      if (added.current !== undefined && !this.#expired(added.current)) {
        if (added.current[A.value]?.N === undefined) this.#refuseNonNumber(key, added.current);
        // A live counter after all: another writer created it after our update failed (read without ALL_OLD). Add again.
        continue;
      }
      // 2. Missing or expired: start the counter at `by`, with a new entry's expiry.
      const item = buildItem(key, String(by), true, now, taskId, expiry);
      if (await this.#putIfAbsent('increment', item, now)) return by;
      // Another writer created it meanwhile: add to theirs.
    }
    throw new AgentError('kv', 'increment', `gave up on key contention after ${MAX_INCREMENT_ROUNDS} rounds`);
  }

  async list(prefix: string, options: KvListOptions = {}): Promise<KvPage> {
    assertKvPrefix(prefix);
    const { limit, after } = kvListPosition(prefix, options);
    const now = this.#clock.now();
    const want = limit + 1; // one more than a page: reaching the end shows now, not as a trailing empty page
    const items: KvEntry[] = [];
    let startKey: Item | undefined = after === undefined ? undefined : keyOf(after);
    for (let page = 0; page < this.#maxPages; page++) {
      const query = new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: prefix === '' ? '#pk = :pk' : '#pk = :pk AND begins_with(#k, :prefix)',
        FilterExpression: LIVE,
        // DynamoDB refuses unused names: `#k` only with a prefix.
        ExpressionAttributeNames: { '#pk': A.pk, '#expMs': A.expiresAtMs, ...(prefix === '' ? {} : { '#k': A.key }) },
        ExpressionAttributeValues: { ':pk': { S: KV_TABLE.partition }, ':now': { N: String(now) }, ...(prefix === '' ? {} : { ':prefix': { S: prefix } }) },
        ConsistentRead: true,
        // Limit counts items examined before the filter.
        Limit: want - items.length,
        ExclusiveStartKey: startKey,
      });
      const out = await this.#call('list', 'Query', (c) => c.send(query));
      for (const item of out.Items ?? []) items.push(toEntry(item));
      if (items.length >= want) {
        const pageItems = items.slice(0, limit);
        return { items: pageItems, nextCursor: encodeKvCursor(pageItems[limit - 1]!.key) };
      }
      startKey = out.LastEvaluatedKey;
      if (startKey === undefined) return { items };
    }
    // The page budget went on expired entries: a short page, continuing where the reading stopped.
    const bound = startKey?.[A.key]?.S;
    if (bound === undefined) throw new AgentError('kv', 'list', `a Query page of '${this.#table}' ended without a key`);
    return { items, nextCursor: encodeKvCursor(bound) };
  }

  #prepareWrite(operation: string, key: string, value: unknown, options: KvWriteOptions): { item: Item; now: number } {
    assertKvKey(operation, key);
    assertKvTaskId(operation, key, options.taskId);
    const json = encodeKvValue(operation, key, value);
    const now = this.#clock.now();
    const expiry = kvExpiryMs(operation, key, now, options.ttlSeconds, this.#options);
    return { item: buildItem(key, json, storableAsNumber(json), now, options.taskId, expiry), now };
  }

  /**
   * UpdateItem `ADD value :by` on a present, live, numeric entry: the new
   * total, or the entry that failed the condition (`undefined`: none).
   */
  async #addToLiveCounter(key: string, by: number, now: number, taskId: string | undefined): Promise<{ done: true; total: number } | { done: false; current: Item | undefined }> {
    let out;
    try {
      out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: keyOf(key),
          UpdateExpression: `${taskId === undefined ? 'SET #u = :u REMOVE #t' : 'SET #u = :u, #t = :t'} ADD #v :by`,
          ConditionExpression: `attribute_exists(#k) AND ${LIVE} AND attribute_type(#v, :n)`,
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: {
            ':u': { S: isoTime(now) },
            ...(taskId === undefined ? {} : { ':t': { S: taskId } }),
            ':by': { N: String(by) },
            ':now': { N: String(now) },
            ':n': { S: 'N' },
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw this.#failed('increment', 'UpdateItem', error);
      return { done: false, current: await this.#failedItem('increment', key, error) };
    }
    const total = out.Attributes?.[A.value]?.N;
    if (total === undefined) throw new AgentError('kv', 'increment', `DynamoDB UpdateItem on '${this.#table}' returned no value`);
    return { done: true, total: Number(total) };
  }

  /** PutItem on `absent or expired`; `false` when a live entry is there. */
  async #putIfAbsent(operation: string, item: Item, now: number): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: ABSENT_OR_EXPIRED,
          ExpressionAttributeNames: { '#k': A.key, '#expMs': A.expiresAtMs },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw this.#failed(operation, 'PutItem', error);
    }
  }

  async #getItem(operation: string, key: string): Promise<Item | undefined> {
    const out = await this.#call(operation, 'GetItem', (c) => c.send(new GetItemCommand({ TableName: this.#table, Key: keyOf(key), ConsistentRead: true })));
    return out.Item;
  }

  /** The item that failed a condition: from the error (`ALL_OLD`), or read when the endpoint sent none (or there is none). */
  async #failedItem(operation: string, key: string, error: unknown): Promise<Item | undefined> {
    return (error as ConditionalCheckFailedException).Item ?? (await this.#getItem(operation, key));
  }

  #refuseNonNumber(key: string, item: Item): never {
    const value = decodeValue(item[A.value]);
    if (typeof value === 'number') {
      // Stored as JSON text because DynamoDB numbers cannot hold it (see storableAsNumber).
      throw new KvRefusedError('increment', 'notANumber', `the value of ${describeKey(key)} (${value}) is outside the range DynamoDB can add to (below 1E+126, above 1E-130)`, key);
    }
    throw new KvNotANumberError(key, value);
  }

  #expired(item: Item): boolean {
    const ms = item[A.expiresAtMs]?.N;
    return ms !== undefined && kvExpired(Number(ms), this.#clock.now());
  }

  /** Sends `command`, an SDK failure becoming an {@link AgentError}. */
  async #call<T>(operation: string, request: string, send: (client: DynamoDBClient) => Promise<T>): Promise<T> {
    try {
      return await send(this.#client);
    } catch (error) {
      throw this.#failed(operation, request, error);
    }
  }

  #failed(operation: string, request: string, cause: unknown): AgentError {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new AgentError('kv', operation, `DynamoDB ${request} on '${this.#table}' failed: ${detail}`, { cause });
  }
}

function keyOf(key: string): Item {
  return { [A.pk]: { S: KV_TABLE.partition }, [A.key]: { S: key } };
}

/** DynamoDB numbers: 38 significant digits, magnitude 1E-130 to under 1E+126. A JS number outside is stored as JSON text. */
function storableAsNumber(json: string): boolean {
  if (!/^-?\d/.test(json)) return false;
  const magnitude = Math.abs(Number(json));
  return magnitude === 0 || (magnitude >= 1e-130 && magnitude < 9.99e125);
}

function buildItem(key: string, valueText: string, asNumber: boolean, nowMs: number, taskId: string | undefined, expiryMs: number | undefined): Item {
  const item: Item = { ...keyOf(key), [A.value]: asNumber ? { N: valueText } : { S: valueText }, [A.updatedAt]: { S: isoTime(nowMs) } };
  if (taskId !== undefined) item[A.taskId] = { S: taskId };
  if (expiryMs !== undefined) {
    item[A.expiresAtMs] = { N: String(expiryMs) };
    item[A.expiresAt] = { N: String(Math.ceil(expiryMs / 1000)) };
  }
  return item;
}

function decodeValue(attribute: AttributeValue | undefined): KvValue {
  if (attribute?.N !== undefined) return Number(attribute.N);
  if (attribute?.S !== undefined) return decodeKvValue(attribute.S);
  throw new AgentError('kv', 'decode', `an entry without a ${A.value} attribute`);
}

function toEntry(item: Item): KvEntry {
  const entry: KvEntry = { key: item[A.key]!.S!, value: decodeValue(item[A.value]), updatedAt: item[A.updatedAt]!.S! };
  const taskId = item[A.taskId]?.S;
  if (taskId !== undefined) entry.taskId = taskId;
  const expiresAtMs = item[A.expiresAtMs]?.N;
  if (expiresAtMs !== undefined) entry.expiresAt = isoTime(Number(expiresAtMs));
  return entry;
}

function isConditionFailed(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || awsErrorName(error) === 'ConditionalCheckFailedException';
}
