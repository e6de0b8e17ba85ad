/**
 * DynamoDB capacity per request, split into the table's and the indexes'
 * units, for clients whose requests we do not build ourselves: the Lambda
 * handlers make their own `DynamoTaskStore` without
 * `returnConsumedCapacity`, so this SDK middleware asks for it on every
 * request that can report it (`ReturnConsumedCapacity: 'INDEXES'`, which
 * also gives the global secondary indexes' share).
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemSize } from '../../../lib/aws/taskItemCodec.js';

/** Operations that accept `ReturnConsumedCapacity`. */
const REPORTING = new Set(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'TransactGetItems', 'TransactWriteItems']);
const WRITE = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

interface Capacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

export interface CapacityTotals {
  readUnits: number;
  writeUnits: number;
  /** Of `writeUnits`: the global secondary indexes' share. */
  indexWriteUnits: number;
  /** Of `readUnits`: reads of an index (queries on it). */
  indexReadUnits: number;
  /** Write requests that failed (a false condition): DynamoDB reports no capacity for them, though AWS bills them. */
  failedWrites: number;
  /** Successful requests that reported no capacity (the emulator did not say). */
  unreported: number;
  /** The largest item a PutItem wrote (by DynamoDB's item size), to explain the write units. */
  largestItem: Record<string, AttributeValue> | undefined;
}

export interface CapacityRecorder {
  attach(client: DynamoDBClient): DynamoDBClient;
  snapshot(): CapacityTotals;
  reset(): void;
}

const sumUnits = (indexes: Record<string, { CapacityUnits?: number }> | undefined) =>
  Object.values(indexes ?? {}).reduce((sum, i) => sum + (i.CapacityUnits ?? 0), 0);

export function createCapacityRecorder(): CapacityRecorder {
  const zero = (): CapacityTotals => ({ readUnits: 0, writeUnits: 0, indexWriteUnits: 0, indexReadUnits: 0, failedWrites: 0, unreported: 0, largestItem: undefined });
  let totals = zero();

  type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>;
  const middleware = (next: Next, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    if (!REPORTING.has(operation)) return next(args);
    const isWrite = WRITE.test(operation);
    const item = operation === 'PutItem' ? (args.input.Item as Record<string, AttributeValue> | undefined) : undefined;
    if (item && (totals.largestItem === undefined || itemSize(item) > itemSize(totals.largestItem))) totals.largestItem = item;
    let result: { output: unknown };
    try {
      result = await next({ ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } });
    } catch (error) {
      if (isWrite && (error as { name?: string }).name === 'ConditionalCheckFailedException') totals.failedWrites++;
      throw error;
    }
    const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
    const entries = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
    if (entries.length === 0) totals.unreported++;
    for (const c of entries) {
      const indexes = sumUnits(c.GlobalSecondaryIndexes) + sumUnits(c.LocalSecondaryIndexes);
      if (isWrite) {
        totals.writeUnits += c.CapacityUnits ?? 0;
        totals.indexWriteUnits += indexes;
      } else {
        totals.readUnits += c.CapacityUnits ?? 0;
        totals.indexReadUnits += indexes;
      }
    }
    return result;
  };

  return {
    attach(client) {
      // Initialize step: before serialization, so the added parameter is sent.
      client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'benchConsumedCapacity', override: true });
      return client;
    },
    snapshot: () => ({ ...totals }),
    reset() {
      totals = zero();
    },
  };
}
