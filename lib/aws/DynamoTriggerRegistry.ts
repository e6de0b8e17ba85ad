import { type AttributeValue, DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { assertPageLimit } from '../core/pageLimit.js';
import { decodeCursor, encodeCursor } from '../core/pageCursor.js';
import type { RegistryWrite, TriggerRegistry } from '../core/ports/TriggerRegistry.js';
import type { TriggerChange, TriggerRecord } from '../core/triggers/TriggerRecord.js';
import { awsErrorName } from './awsErrors.js';
import { TRIGGER_TABLE } from './triggerTable.js';

const { partitionKey: PK, sortKey: SK, recordSortKey: RECORD, historyPrefix: HISTORY, generationKey: GENERATION } = TRIGGER_TABLE;

/** Attempts of a write whose transaction collided with another one on the generation item (not a version conflict). */
const CONFLICT_ATTEMPTS = 8;

/**
 * The AWS {@link TriggerRegistry} on DynamoDB (see `triggerTable.ts`): a
 * record's write and its audit entry are one `TransactWriteItems`, the
 * record's `Put` conditional on the version read (optimistic concurrency);
 * a cancelled transaction is a refused write, reported with the current
 * record.
 *
 * Every write also increments the registry's generation (one item, in the
 * same transaction), so that a reader holding a copy of the registry knows
 * with one `GetItem` whether it is still current ({@link generation}): the
 * router of runtime routes reads it per request.
 */
export class DynamoTriggerRegistry implements TriggerRegistry {
  constructor(private readonly options: { client: DynamoDBClient; tableName: string }) {}

  async list(): Promise<TriggerRecord[]> {
    const records: TriggerRecord[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.tableName,
          FilterExpression: '#sk = :record',
          ExpressionAttributeNames: { '#sk': SK },
          ExpressionAttributeValues: { ':record': { S: RECORD } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) records.push(JSON.parse(item.record!.S!) as TriggerRecord);
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.triggerId.localeCompare(b.triggerId));
  }

  async get(triggerId: string): Promise<TriggerRecord | undefined> {
    const { Item } = await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: keyOf(triggerId, RECORD), ConsistentRead: true }));
    return Item ? (JSON.parse(Item.record!.S!) as TriggerRecord) : undefined;
  }

  /**
   * The registry's generation: 0 before the first write, then one more per
   * write. A strongly consistent `GetItem` of one small item (0.5 RCU), so a
   * write that returned is seen by the next call.
   */
  async generation(): Promise<number> {
    const { Item } = await this.options.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { [PK]: { S: GENERATION.pk }, [SK]: { S: GENERATION.sk } }, ConsistentRead: true, ProjectionExpression: '#g', ExpressionAttributeNames: { '#g': 'generation' } }));
    return Item?.generation?.N === undefined ? 0 : Number(Item.generation.N);
  }

  put(record: TriggerRecord, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite> {
    const put: TransactWriteItem = {
      Put: {
        TableName: this.options.tableName,
        Item: { ...keyOf(record.triggerId, RECORD), version: { N: String(record.version) }, record: { S: JSON.stringify(record) } },
        ...conditionOn(expectedVersion),
      },
    };
    return this.#transact(record.triggerId, put, change, record.version);
  }

  delete(triggerId: string, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite> {
    const remove: TransactWriteItem = {
      Delete: {
        TableName: this.options.tableName,
        Key: keyOf(triggerId, RECORD),
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
      },
    };
    return this.#transact(triggerId, remove, change, expectedVersion + 1);
  }

  async history(triggerId: string, page: { limit: number; cursor?: string }): Promise<{ items: TriggerChange[]; nextCursor?: string }> {
    assertPageLimit(page.limit, 'trigger history');
    const before = page.cursor === undefined ? undefined : decodeCursor(page.cursor, z.string().startsWith(HISTORY).max(64));
    const { Items = [] } = await this.options.client.send(
      new QueryCommand({
        TableName: this.options.tableName,
        KeyConditionExpression: before === undefined ? '#pk = :pk AND begins_with(#sk, :h)' : '#pk = :pk AND #sk BETWEEN :h AND :before',
        ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
        ExpressionAttributeValues: { ':pk': { S: partitionOf(triggerId) }, ':h': { S: HISTORY }, ...(before !== undefined ? { ':before': { S: before } } : {}) },
        ScanIndexForward: false,
        ConsistentRead: true,
        Limit: page.limit + 2,
      }),
    );
    // BETWEEN is inclusive: the cursor's own entry comes back first.
    const rows = Items.filter((item) => item[SK]!.S !== before);
    const items = rows.slice(0, page.limit).map((item) => JSON.parse(item.change!.S!) as TriggerChange);
    const last = rows[page.limit - 1];
    return rows.length > page.limit && last ? { items, nextCursor: encodeCursor(last[SK]!.S!) } : { items };
  }

  async #transact(triggerId: string, write: TransactWriteItem, change: TriggerChange, changeVersion: number): Promise<RegistryWrite> {
    const audit: TransactWriteItem = {
      Put: {
        TableName: this.options.tableName,
        Item: { ...keyOf(triggerId, `${HISTORY}${String(changeVersion).padStart(10, '0')}`), change: { S: JSON.stringify(change) } },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': PK },
      },
    };
    const bump: TransactWriteItem = {
      Update: {
        TableName: this.options.tableName,
        Key: { [PK]: { S: GENERATION.pk }, [SK]: { S: GENERATION.sk } },
        UpdateExpression: 'ADD #g :one',
        ExpressionAttributeNames: { '#g': 'generation' },
        ExpressionAttributeValues: { ':one': { N: '1' } },
      },
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(new TransactWriteItemsCommand({ TransactItems: [write, audit, bump] }));
        return { written: true };
      } catch (error) {
        if (awsErrorName(error) !== 'TransactionCanceledException') throw error;
        // Two writes of different triggers meet on the generation item: DynamoDB cancels one with
        // TransactionConflict and no condition failed. Try again; a failed condition is a refusal.
        const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? [];
        const collided = reasons.some((r) => r.Code === 'TransactionConflict') && !reasons.some((r) => r.Code === 'ConditionalCheckFailed');
        if (collided && attempt < CONFLICT_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, 25 * attempt * Math.random()));
          continue;
        }
        // A condition failed (the record's version, or another writer took this version's audit slot).
        return { written: false, current: await this.get(triggerId) };
      }
    }
  }
}

const partitionOf = (triggerId: string) => `T#${triggerId}`;
const keyOf = (triggerId: string, sk: string): Record<string, AttributeValue> => ({ [PK]: { S: partitionOf(triggerId) }, [SK]: { S: sk } });

function conditionOn(expectedVersion: number): { ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, AttributeValue> } {
  return expectedVersion === 0
    ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } }
    : { ConditionExpression: '#version = :expected', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } };
}
