import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConfigError, SluiceError, TaskRecordTooLargeError, ValidationError } from '../core/errors.js';
import type { DataEvent } from '../core/events/DataEvent.js';
import { DATA_EVENT_LIMITS } from '../core/events/dataEventRules.js';
import { encodeEventItem } from './eventItemCodec.js';
import { type Clock } from '../core/ports/Clock.js';
import { systemClock } from '../core/time/systemClock.js';
import type { CreateOutcome, SaveOutcome, TaskStore } from '../core/ports/TaskStore.js';
import {
  emptyStatusCounts,
  TASK_STATUSES,
  withReplay,
  type ProcessTaskCounts,
  type TaskCountQuery,
  type TaskPage,
  type TaskQuery,
  type TaskRecord,
  type TaskStatus,
} from '../core/task/TaskRecord.js';
import { assertTaskCountQuery, assertTaskQuery } from '../core/task/taskQueryRules.js';
import { awsErrorName, awsRequestFailed } from './awsErrors.js';
import { mergeNewestFirst, type ProcessScan } from './mergeNewestFirst.js';
import {
  decodeTaskRecord,
  decodeTaskSummary,
  DEFAULT_COMPRESS_ABOVE_BYTES,
  DYNAMODB_MAX_ITEM_BYTES,
  encodeTaskItem,
  itemExpiresAt,
  itemSize,
  TASK_ITEM,
  type TaskItem,
} from './taskItemCodec.js';
import { decodeTaskListCursor, encodeTaskListCursor } from './taskListCursor.js';
import { TASK_TABLE } from './taskTable.js';

export interface DynamoTaskStoreOptions {
  /** Created once per container by the caller. */
  client: DynamoDBClient;
  tableName: string;
  /**
   * The events table (`eventTable.ts`) where `save(record, events)`
   * publishes. Without it, saving a record with events is an error (the
   * events are never dropped silently); saving without events works.
   */
  eventsTableName?: string;
  /**
   * Every declared process (static: from `serverless.yml`). A list without a
   * process filter merges the per-process index queries of these.
   */
  processes: readonly string[];
  /** @default systemClock */
  clock?: Clock;
  /**
   * Ask for `ReturnConsumedCapacity: 'TOTAL'` on every request, so a
   * `RequestCounter` can sum the capacity units (benchmarks).
   * @default false
   */
  returnConsumedCapacity?: boolean;
  /** @default 32 KiB */
  compressAboveBytes?: number;
  /**
   * Index pages read per process for one list page. When a sparse status
   * filter exhausts them, the page comes back short, with a cursor.
   * @default 5
   */
  maxQueryPagesPerList?: number;
}

/**
 * {@link TaskStore} on the DynamoDB task table (layout: `taskTable.ts`).
 *
 * - `create`: one conditional PutItem (`absent or expired`); on conflict the
 *   existing record comes back with the failure (`ALL_OLD`), no second read.
 * - `save`: one conditional PutItem (`absent, expired, queued or running`):
 *   a terminal record is never overwritten; a result, once written, is final.
 *   With events: one `TransactWriteItems` of that conditional put and one
 *   Put per event into the events table (at most 99 events: 100 items per
 *   transaction), so the events exist exactly when the record was saved;
 *   the table's stream then hands them to their subscribers.
 * - `get`: one consistent GetItem.
 * - `list`: Query on `byProcess`, newest first, status and expiry as filter
 *   expressions; without a process filter, one Query per declared process
 *   per page and a k-way merge (see `mergeNewestFirst`). Index reads are
 *   eventually consistent: a task created a moment ago may be missing.
 * - expired items count as absent everywhere: TTL deletion is lazy.
 *
 * Records above 32 KiB of JSON are stored gzipped; a record over the
 * limit every store applies (`MAX_TASK_RECORD_BYTES`, 396 KiB as measured by
 * `encodeTaskRecord`, which leaves room for the keys under DynamoDB's
 * 400 KB) is rejected with {@link TaskRecordTooLargeError} before anything
 * is written.
 *
 * @example
 * ```ts
 * const client = new DynamoDBClient({}); // once per container
 * const store = new DynamoTaskStore({ client, tableName: env.TASK_TABLE, processes: ['orders', 'crm-sync'] });
 * ```
 */
export class DynamoTaskStore implements TaskStore {
  /** Largest item (bytes, after compression) this store writes. */
  static readonly maxItemBytes = DYNAMODB_MAX_ITEM_BYTES;

  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly eventsTableName: string | undefined;
  private readonly processes: readonly string[];
  private readonly clock: Clock;
  private readonly capacity: { ReturnConsumedCapacity?: 'TOTAL' };
  private readonly compressAboveBytes: number;
  private readonly maxQueryPages: number;

  constructor(options: DynamoTaskStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.eventsTableName = options.eventsTableName;
    this.processes = [...new Set(options.processes)];
    this.clock = options.clock ?? systemClock;
    this.capacity = options.returnConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' } : {};
    this.compressAboveBytes = options.compressAboveBytes ?? DEFAULT_COMPRESS_ABOVE_BYTES;
    this.maxQueryPages = Math.max(1, options.maxQueryPagesPerList ?? 5);
  }

  async create(record: TaskRecord): Promise<CreateOutcome> {
    const existing = await this.conditionalPut(record, 'attribute_not_exists(#pk) OR #exp < :now', {}, {});
    return existing === undefined ? { created: true } : { created: false, existing };
  }

  async save(record: TaskRecord, events: readonly DataEvent[] = []): Promise<SaveOutcome> {
    const current =
      events.length === 0
        ? await this.conditionalPut(record, SAVE_CONDITION, SAVE_NAMES, SAVE_VALUES)
        : await this.transactPublish(record, events);
    return current === undefined ? { saved: true } : { saved: false, current };
  }

  /**
   * Read, add the link, put back only if the summary is still the one read
   * (a concurrent link or save retries): the summary is one JSON attribute,
   * which no UpdateItem expression can append to.
   */
  async linkReplay(taskId: string, replayId: string): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const record = await this.get(taskId);
      if (!record) return;
      const linked = withReplay(record, replayId);
      if (!linked) return;
      const { item } = await encodeTaskItem(record, this.compressAboveBytes);
      const conflict = await this.conditionalPut(linked, 'attribute_exists(#pk) AND #sum = :sum AND #exp >= :now', { '#sum': TASK_ITEM.summary }, { ':sum': item[TASK_ITEM.summary]! });
      if (conflict === undefined) return;
    }
    throw new SluiceError(`could not link replay ${replayId} to task ${taskId}: its record kept changing`);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    let item: TaskItem | undefined;
    try {
      const out = await this.client.send(
        new GetItemCommand({ TableName: this.tableName, Key: { [TASK_ITEM.pk]: { S: taskId } }, ConsistentRead: true, ...this.capacity }),
      );
      item = out.Item;
    } catch (error) {
      throw awsRequestFailed('DynamoDB', 'GetItem', this.tableName, error);
    }
    if (item === undefined || this.isExpired(item)) return undefined;
    return decodeTaskRecord(item);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    assertTaskQuery(query);
    const { limit } = query;
    const positions = query.cursor === undefined ? undefined : decodeTaskListCursor(query.cursor);
    let targets: Array<{ process: string; before: string | undefined }>;
    if (query.process !== undefined) {
      const before = positions?.[query.process];
      if (positions !== undefined && (before === undefined || Object.keys(positions).length !== 1)) {
        throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'the cursor belongs to another query' }]);
      }
      targets = [{ process: query.process, before }];
    } else if (positions !== undefined) {
      targets = Object.entries(positions).map(([process, before]) => ({ process, before }));
    } else {
      targets = this.processes.map((process) => ({ process, before: undefined }));
    }
    // One more than a page per process: reaching the end shows up now, not as a trailing empty page.
    const scans = await Promise.all(targets.map((t) => this.scanProcess(t.process, t.before, query, limit + 1)));
    const page = mergeNewestFirst(scans, limit);
    return Object.keys(page.positions).length > 0 ? { items: page.items, nextCursor: encodeTaskListCursor(page.positions) } : { items: page.items };
  }

  /**
   * Reads one process's index entries below `before`, newest first, until
   * `want` match or the page budget is spent. The creation window is the key
   * condition (`createdKey` = `${createdAt}#${taskId}` orders like
   * `createdAt`, so `since` ≤ createdAt < `until` is `since` ≤ key < `until`);
   * status and expiry are filter expressions; the trigger type, which only
   * the projected summary holds, is checked on the decoded summary — the
   * same read cost as a filter expression (DynamoDB bills the entries a
   * query examines, filtered or not).
   */
  private async scanProcess(process: string, before: string | undefined, filters: Omit<TaskQuery, 'limit' | 'cursor'>, want: number): Promise<ProcessScan> {
    const { status, trigger, since } = filters;
    const names: Record<string, string> = { '#proc': TASK_ITEM.process, '#ck': TASK_ITEM.createdKey, '#exp': TASK_ITEM.expiresAt, '#sum': TASK_ITEM.summary };
    const values: Record<string, AttributeValue> = { ':proc': { S: process }, ':now': this.nowValue() };
    let keyCondition = '#proc = :proc';
    let filter = '#exp >= :now';
    // The exclusive upper key: the cursor's position or `until`, whichever is lower.
    const upper = before !== undefined && (filters.until === undefined || before < filters.until) ? before : filters.until;
    if (since !== undefined && upper !== undefined) {
      if (since >= upper) return { process, candidates: [], bound: undefined };
      // One condition per sort key: BETWEEN is inclusive, so an entry at `upper` (the cursor's own) is dropped below.
      keyCondition += ' AND #ck BETWEEN :since AND :upper';
      values[':since'] = { S: since };
      values[':upper'] = { S: upper };
    } else if (upper !== undefined) {
      keyCondition += ' AND #ck < :upper';
      values[':upper'] = { S: upper };
    } else if (since !== undefined) {
      keyCondition += ' AND #ck >= :since';
      values[':since'] = { S: since };
    }
    if (status !== undefined) {
      filter += ' AND #st = :status';
      names['#st'] = TASK_ITEM.status;
      values[':status'] = { S: status };
    }
    const candidates: ProcessScan['candidates'] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    for (let page = 0; page < this.maxQueryPages; page++) {
      const remaining = want - candidates.length;
      const out = await this.queryByProcess({
        KeyConditionExpression: keyCondition,
        FilterExpression: filter,
        ProjectionExpression: '#ck, #sum',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        // Limit counts entries examined before the filter: read further ahead when a status or trigger filter drops some.
        Limit: Math.min(1000, status === undefined && trigger === undefined ? remaining : remaining * 4),
        ExclusiveStartKey: startKey,
      });
      for (const item of out.Items ?? []) {
        const key = item[TASK_ITEM.createdKey]?.S;
        if (key === undefined) throw new SluiceError(`index entry without ${TASK_ITEM.createdKey} in ${this.tableName}`);
        if (key === upper) continue;
        const summary = decodeTaskSummary(item);
        if (trigger !== undefined && summary.trigger.type !== trigger) continue;
        candidates.push({ key, summary });
      }
      if (out.LastEvaluatedKey === undefined) return { process, candidates, bound: undefined };
      startKey = out.LastEvaluatedKey;
      if (candidates.length >= want) break;
    }
    const bound = startKey?.[TASK_ITEM.createdKey]?.S;
    if (bound === undefined) throw new SluiceError(`index page of ${this.tableName} ended without a ${TASK_ITEM.createdKey}`);
    return { process, candidates, bound };
  }

  /**
   * {@link TaskStore.countByStatus}: per process (the one asked for, or
   * every declared one, in parallel), one Query of the `byProcess` index
   * with the window as key condition (`since` ≤ createdKey ≤ `until`; no
   * key equals `until`, which has no `#`), expiry as filter, paged to the
   * end, statuses counted here. Cost: the index entries in the window, as
   * one `list` would read them — about 0.5 read unit per 4 KB of entries
   * (summaries, typically 0.3–1 KB: some 10 tasks per unit), one request
   * per 1 MB. `Select: COUNT` would cost the same per status (DynamoDB bills
   * what a query examines, not what it returns), six times over. The 7-day
   * window bounds it.
   */
  async countByStatus(query: TaskCountQuery): Promise<ProcessTaskCounts[]> {
    assertTaskCountQuery(query);
    const processes = query.process !== undefined ? [query.process] : this.processes;
    const counted = await Promise.all(processes.map((process) => this.countProcess(process, query.since, query.until)));
    return counted.filter((entry): entry is ProcessTaskCounts => entry !== undefined).sort((a, b) => (a.process < b.process ? -1 : a.process > b.process ? 1 : 0));
  }

  /** One page of the per-process index (the list's scan and the counts share it); failures name table and index. */
  private async queryByProcess(input: Omit<QueryCommandInput, 'TableName' | 'IndexName'>): Promise<QueryCommandOutput> {
    try {
      return await this.client.send(new QueryCommand({ TableName: this.tableName, IndexName: TASK_TABLE.byProcessIndex, ...input, ...this.capacity }));
    } catch (error) {
      throw awsRequestFailed('DynamoDB', 'Query', `${this.tableName}/${TASK_TABLE.byProcessIndex}`, error);
    }
  }

  /** One process's counts in the window; `undefined` when it has no task there. */
  private async countProcess(process: string, since: string, until: string): Promise<ProcessTaskCounts | undefined> {
    const counts = emptyStatusCounts();
    let total = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.queryByProcess({
        KeyConditionExpression: '#proc = :proc AND #ck BETWEEN :since AND :until',
        FilterExpression: '#exp >= :now',
        ProjectionExpression: '#st',
        ExpressionAttributeNames: { '#proc': TASK_ITEM.process, '#ck': TASK_ITEM.createdKey, '#exp': TASK_ITEM.expiresAt, '#st': TASK_ITEM.status },
        ExpressionAttributeValues: { ':proc': { S: process }, ':since': { S: since }, ':until': { S: until }, ':now': this.nowValue() },
        ExclusiveStartKey: startKey,
      });
      for (const item of out.Items ?? []) {
        const status = item[TASK_ITEM.status]?.S as TaskStatus | undefined;
        if (status === undefined || !TASK_STATUSES.includes(status)) throw new SluiceError(`index entry with status '${String(status)}' in ${this.tableName}`);
        counts[status]++;
        total++;
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return total > 0 ? { process, counts } : undefined;
  }

  /**
   * PutItem under `condition`. Returns `undefined` when written, or the
   * stored record that made the condition fail.
   */
  private async conditionalPut(
    record: TaskRecord,
    condition: string,
    extraNames: Record<string, string>,
    extraValues: Record<string, AttributeValue>,
  ): Promise<TaskRecord | undefined> {
    // encodeTaskItem refuses a record past the shared limit (396 KiB stored), which leaves room under
    // DynamoDB's 400 KB for the keys and attribute names: no second measure of the item here.
    const { item } = await encodeTaskItem(record, this.compressAboveBytes);
    const values: Record<string, AttributeValue> = { ':now': this.nowValue(), ...extraValues };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': TASK_ITEM.pk, '#exp': TASK_ITEM.expiresAt, ...extraNames },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          ...this.capacity,
        }),
      );
      return undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || awsErrorName(error) === 'ConditionalCheckFailedException') {
        const old = (error as ConditionalCheckFailedException).Item;
        if (old !== undefined) return decodeTaskRecord(old);
        // An endpoint that ignores ALL_OLD: read it (the condition only fails on an unexpired item).
        const current = await this.get(record.taskId);
        if (current === undefined) throw new SluiceError(`conditional write of task ${record.taskId} failed, but no record is stored`, { cause: error });
        return current;
      }
      if (awsErrorName(error) === 'ValidationException' && /item size/i.test(String((error as Error).message))) {
        // Our size estimate is an approximation; DynamoDB has the final word.
        throw new TaskRecordTooLargeError(itemSize(item), DYNAMODB_MAX_ITEM_BYTES);
      }
      throw awsRequestFailed('DynamoDB', 'PutItem', this.tableName, error);
    }
  }

  /**
   * The record's conditional put (as `save` without events) and one Put per
   * event, in one transaction. Returns `undefined` when written, or the
   * stored record that made the condition fail (nothing is written then).
   */
  private async transactPublish(record: TaskRecord, events: readonly DataEvent[]): Promise<TaskRecord | undefined> {
    if (this.eventsTableName === undefined) {
      throw new ConfigError(`task ${record.taskId} has ${events.length} data event(s) to publish, but this task store has no events table`);
    }
    if (events.length > DATA_EVENT_LIMITS.eventsPerTask) {
      throw new SluiceError(`task ${record.taskId} has ${events.length} data events; at most ${DATA_EVENT_LIMITS.eventsPerTask} fit the transaction with its record`);
    }
    const { item } = await encodeTaskItem(record, this.compressAboveBytes);
    const eventsTable = this.eventsTableName;
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: item,
            ConditionExpression: SAVE_CONDITION,
            ExpressionAttributeNames: { '#pk': TASK_ITEM.pk, '#exp': TASK_ITEM.expiresAt, ...SAVE_NAMES },
            ExpressionAttributeValues: { ':now': this.nowValue(), ...SAVE_VALUES },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        // Unconditional: an event id is new with its attempt, and its record's condition guards the whole write.
        ...events.map((event) => ({ Put: { TableName: eventsTable, Item: encodeEventItem(event, record.expiresAt) } })),
      ],
      // The SDK's own retries resend this token: a retry of a transaction that did commit succeeds
      // instead of failing on the record it wrote itself.
      ClientRequestToken: randomUUID(),
      ...this.capacity,
    });
    try {
      await this.client.send(command);
      return undefined;
    } catch (error) {
      if (error instanceof TransactionCanceledException || awsErrorName(error) === 'TransactionCanceledException') {
        const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
        const recordReason = reasons[0];
        if (recordReason?.Code === 'ConditionalCheckFailed') {
          if (recordReason.Item !== undefined) return decodeTaskRecord(recordReason.Item);
          const current = await this.get(record.taskId);
          if (current === undefined) throw new SluiceError(`conditional write of task ${record.taskId} failed, but no record is stored`, { cause: error });
          return current;
        }
        if (reasons.some((reason) => reason.Code === 'ValidationError' && /size/i.test(reason.Message ?? ''))) {
          throw new TaskRecordTooLargeError(itemSize(item), DYNAMODB_MAX_ITEM_BYTES);
        }
      }
      // DynamoDB caps a transaction at 4 MB: a large record with many large events. Without its result
      // and logs (what the runner saves instead of a record too large) the events fit.
      if (awsErrorName(error) === 'ValidationException' && /size|4 ?MB/i.test(String((error as Error).message))) {
        throw new TaskRecordTooLargeError(itemSize(item), DYNAMODB_MAX_ITEM_BYTES);
      }
      throw awsRequestFailed('DynamoDB', 'TransactWriteItems', `${this.tableName} + ${eventsTable}`, error);
    }
  }

  /** Now in epoch seconds (fractional), the unit of `expiresAt`. */
  private nowValue(): AttributeValue {
    return { N: String(this.clock.now() / 1000) };
  }

  private isExpired(item: TaskItem): boolean {
    const expiresAt = itemExpiresAt(item);
    return expiresAt !== undefined && expiresAt < this.clock.now() / 1000;
  }
}

/** `save`'s condition: a terminal record is never overwritten. */
const SAVE_CONDITION = 'attribute_not_exists(#pk) OR #exp < :now OR #st IN (:queued, :running)';
const SAVE_NAMES: Record<string, string> = { '#st': TASK_ITEM.status };
const SAVE_VALUES: Record<string, AttributeValue> = { ':queued': { S: 'queued' satisfies TaskStatus }, ':running': { S: 'running' satisfies TaskStatus } };
