import { GetItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { ValidationError } from '../core/errors.js';
import type { DataEvent, EventPage, EventQuery } from '../core/events/DataEvent.js';
import { checkEventQuery } from '../core/events/dataEventRules.js';
import { decodeCursor, encodeCursor } from '../core/pageCursor.js';
import type { Clock } from '../core/ports/Clock.js';
import type { EventStore, LineageDirection } from '../core/ports/EventStore.js';
import { systemClock } from '../core/time/systemClock.js';
import { awsRequestFailed } from './awsErrors.js';
import { decodeEventItem, EVENT_ITEM, eventCreatedKey, eventItemExpiresAt, identityIndexKey, type EventItem } from './eventItemCodec.js';
import { EVENT_TABLE, type EventIndex } from './eventTable.js';

export interface DynamoEventStoreOptions {
  /** Created once per container by the caller. */
  client: DynamoDBClient;
  /** The events table (`${service}-${stage}-events`, layout: `eventTable.ts`). */
  tableName: string;
  /** @default systemClock */
  clock?: Clock;
  /**
   * Query pages read for one search page. When sparse filters exhaust them,
   * the page comes back short (even empty), with a cursor to go on.
   * @default 10
   */
  maxQueryPagesPerSearch?: number;
}

/** Most selective first: the index a search queries is the first one among its filters. */
const INDEX_PREFERENCE: ReadonlyArray<{ index: EventIndex; filter: 'taskId' | 'target' | 'source' | 'label' | 'process' }> = [
  { index: 'byTask', filter: 'taskId' },
  { index: 'byTarget', filter: 'target' },
  { index: 'bySource', filter: 'source' },
  { index: 'byLabel', filter: 'label' },
  { index: 'byProcess', filter: 'process' },
];

/** `[createdAt, eventId]` of the last event of the previous page. */
const cursorSchema = z.tuple([z.iso.datetime({ precision: 3 }), z.string().min(1).max(64)]);

/** Largest `edges` answer (see `EventStore.edges`). */
const MAX_EDGES = 1000;

/** One indexed read: an index, its partition, the key range and the filters the index does not serve. */
interface IndexScan {
  index: string;
  partition: { attribute: string; value: string };
  /** Inclusive lower bound of `createdKey` (`since`). */
  from?: string;
  /** Exclusive upper bound of `createdKey` (`until`, or the cursor's position). */
  before?: string;
  /** Attribute equality filters (index-key form), as a FilterExpression. */
  equals: Array<{ attribute: string; value: string }>;
  /** The whole-identity check after decoding (an indexed identity may be a digest). */
  matches: (event: DataEvent) => boolean;
}

/**
 * {@link EventStore} on the DynamoDB events table (layout: `eventTable.ts`).
 * Events are written only by `DynamoTaskStore.save(record, events)`, in the
 * transaction that saves their task's final record.
 *
 * - `search`: one Query on the index of the most selective filter (task,
 *   target, source, label, process; `byTime` without any), newest first,
 *   `since` / `until` / the cursor as the sort-key range, the other filters
 *   and expiry as a FilterExpression. `Limit` counts items read before the
 *   filter, so the store queries on until the page is full, the index ends,
 *   or the page budget is spent (then a short page comes with a cursor).
 *   Index reads are eventually consistent: an event published a moment ago
 *   may be missing.
 * - `get`: one consistent GetItem.
 * - `edges`: a Query on `byTarget` (upstream) or `bySource` (downstream).
 * - expired events (past their task record's `expiresAt`) count as absent
 *   everywhere: TTL deletion is lazy.
 *
 * @example
 * ```ts
 * const events = new DynamoEventStore({ client, tableName: config.events.table });
 * const page = await events.search({ label: 'flights.loaded', limit: 20 });
 * ```
 */
export class DynamoEventStore implements EventStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly clock: Clock;
  private readonly maxQueryPages: number;

  constructor(options: DynamoEventStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
    this.maxQueryPages = Math.max(1, options.maxQueryPagesPerSearch ?? 10);
  }

  async search(query: EventQuery): Promise<EventPage> {
    const q = checkEventQuery(query);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, cursorSchema);
    // A bare ISO time sorts before every `${createdAt}#id` key of that instant: `until` is exclusive as it is.
    const bounds = [q.until, after === undefined ? undefined : eventCreatedKey({ createdAt: after[0], eventId: after[1] })].filter((b): b is string => b !== undefined);
    const before = bounds.length === 0 ? undefined : bounds.reduce((a, b) => (a < b ? a : b));
    if (q.since !== undefined && before !== undefined && q.since >= before) return { items: [] };

    const preferred = INDEX_PREFERENCE.find(({ filter }) => q[filter] !== undefined);
    const indexKey = (filter: 'taskId' | 'target' | 'source' | 'label' | 'process', value: string) => (filter === 'source' || filter === 'target' ? identityIndexKey(value) : value);
    const equals = INDEX_PREFERENCE.filter(({ filter }) => q[filter] !== undefined && filter !== preferred?.filter).map(({ index, filter }) => ({
      attribute: EVENT_TABLE.indexes[index].attribute,
      value: indexKey(filter, q[filter]!),
    }));
    const scan: IndexScan = {
      index: EVENT_TABLE.indexes[preferred?.index ?? 'byTime'].name,
      partition: preferred
        ? { attribute: EVENT_TABLE.indexes[preferred.index].attribute, value: indexKey(preferred.filter, q[preferred.filter]!) }
        : { attribute: EVENT_TABLE.indexes.byTime.attribute, value: EVENT_TABLE.feedValue },
      ...(q.since !== undefined ? { from: q.since } : {}),
      ...(before !== undefined ? { before } : {}),
      equals,
      matches: (event) => (q.source === undefined || event.source === q.source) && (q.target === undefined || event.target === q.target),
    };
    // One more than a page: reaching the end shows up now, not as a trailing empty page.
    const { events, lowestRead } = await this.read(scan, q.limit + 1, this.maxQueryPages);
    if (events.length > q.limit) {
      const last = events[q.limit - 1]!;
      return { items: events.slice(0, q.limit), nextCursor: encodeCursor([last.createdAt, last.eventId]) };
    }
    if (lowestRead === undefined) return { items: events };
    // The page budget ran out before the page filled: go on below the last key read.
    const hash = lowestRead.indexOf('#');
    return { items: events, nextCursor: encodeCursor([lowestRead.slice(0, hash), lowestRead.slice(hash + 1)]) };
  }

  async get(eventId: string): Promise<DataEvent | undefined> {
    let item: EventItem | undefined;
    try {
      const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [EVENT_ITEM.eventId]: { S: eventId } }, ConsistentRead: true }));
      item = out.Item;
    } catch (error) {
      throw awsRequestFailed('DynamoDB', 'GetItem', this.tableName, error);
    }
    if (item === undefined || this.isExpired(item)) return undefined;
    return decodeEventItem(item);
  }

  async edges(node: string, direction: LineageDirection, limit: number): Promise<DataEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EDGES) {
      throw new ValidationError(`edges: limit must be an integer from 1 to ${MAX_EDGES}`, [{ path: 'limit', message: `1..${MAX_EDGES}` }]);
    }
    const index = direction === 'upstream' ? EVENT_TABLE.indexes.byTarget : EVENT_TABLE.indexes.bySource;
    const side = direction === 'upstream' ? 'target' : 'source';
    const { events } = await this.read(
      { index: index.name, partition: { attribute: index.attribute, value: identityIndexKey(node) }, equals: [], matches: (event) => event[side] === node },
      limit,
      Number.POSITIVE_INFINITY,
    );
    return events.slice(0, limit);
  }

  /**
   * Reads `scan` newest first until `want` events match, the index ends
   * (`lowestRead` undefined), or `maxPages` queries were made (`lowestRead`:
   * the last key read, below which nothing is known yet).
   */
  private async read(scan: IndexScan, want: number, maxPages: number): Promise<{ events: DataEvent[]; lowestRead: string | undefined }> {
    const names: Record<string, string> = { '#pk': scan.partition.attribute, '#exp': EVENT_ITEM.expiresAt };
    const values: Record<string, AttributeValue> = { ':pk': { S: scan.partition.value }, ':now': { N: String(this.clock.now() / 1000) } };
    let keyCondition = '#pk = :pk';
    if (scan.from !== undefined || scan.before !== undefined) {
      names['#ck'] = EVENT_ITEM.createdKey;
      if (scan.from !== undefined) values[':from'] = { S: scan.from };
      if (scan.before !== undefined) values[':before'] = { S: scan.before };
      // A key condition has one range operator: BETWEEN is inclusive, so the upper key itself is dropped below.
      keyCondition +=
        scan.from !== undefined && scan.before !== undefined ? ' AND #ck BETWEEN :from AND :before' : scan.from !== undefined ? ' AND #ck >= :from' : ' AND #ck < :before';
    }
    const filters = ['#exp > :now'];
    scan.equals.forEach(({ attribute, value }, i) => {
      names[`#f${i}`] = attribute;
      values[`:f${i}`] = { S: value };
      filters.push(`#f${i} = :f${i}`);
    });
    const events: DataEvent[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < maxPages; page++) {
      const remaining = want - events.length;
      let out;
      try {
        out = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: scan.index,
            KeyConditionExpression: keyCondition,
            FilterExpression: filters.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ScanIndexForward: false,
            // Limit counts items read before the filter: read ahead when filters may drop some.
            Limit: Math.min(1000, scan.equals.length > 0 ? remaining * 4 : remaining + 1),
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw awsRequestFailed('DynamoDB', 'Query', `${this.tableName}/${scan.index}`, error);
      }
      for (const item of out.Items ?? []) {
        if (scan.before !== undefined && (item[EVENT_ITEM.createdKey]?.S ?? '') >= scan.before) continue;
        const event = decodeEventItem(item);
        if (scan.matches(event)) events.push(event);
      }
      startKey = out.LastEvaluatedKey;
      if (startKey === undefined) return { events, lowestRead: undefined };
      if (events.length >= want) return { events, lowestRead: startKey[EVENT_ITEM.createdKey]?.S };
    }
    return { events, lowestRead: startKey?.[EVENT_ITEM.createdKey]?.S };
  }

  private isExpired(item: EventItem): boolean {
    const expiresAt = eventItemExpiresAt(item);
    return expiresAt !== undefined && expiresAt <= this.clock.now() / 1000;
  }
}
