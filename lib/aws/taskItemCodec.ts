import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { SluiceError } from '../core/errors.js';
import { COMPRESS_TASK_DETAIL_ABOVE_BYTES, encodeTaskRecord } from '../core/task/storedRecordSize.js';
import type { TaskRecord, TaskSummary } from '../core/task/TaskRecord.js';
import { TASK_TABLE } from './taskTable.js';

const gunzipAsync = promisify(gunzip);

/** DynamoDB's item size limit (names + values), 400 KB. */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;

/** Records whose JSON is larger than this are stored gzip-compressed (the shared threshold of `storedRecordSize`). */
export const DEFAULT_COMPRESS_ABOVE_BYTES = COMPRESS_TASK_DETAIL_ABOVE_BYTES;

/** Attribute names of a task item (layout: see `taskTable.ts`). */
export const TASK_ITEM = {
  pk: TASK_TABLE.partitionKey,
  process: TASK_TABLE.processAttribute,
  createdKey: TASK_TABLE.createdKeyAttribute,
  expiresAt: TASK_TABLE.ttlAttribute,
  status: 'status',
  summary: 'summary',
  record: 'record',
  recordGz: 'recordGz',
} as const;

export type TaskItem = Record<string, AttributeValue>;

/**
 * The sort key of the `byProcess` index. `createdAt` is a fixed-width ISO
 * timestamp, so comparing keys as strings orders by `createdAt`, then
 * `taskId`: exactly the "newest first" order of the `TaskStore` port.
 */
export function createdKeyOf(record: Pick<TaskRecord, 'createdAt' | 'taskId'>): string {
  return `${record.createdAt}#${record.taskId}`;
}

/**
 * The size DynamoDB charges against the 400 KB limit: attribute name bytes
 * plus value bytes (strings as UTF-8, binaries raw, numbers about one byte
 * per two digits plus one).
 */
export function itemSize(item: TaskItem): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.B !== undefined) size += value.B.byteLength;
    else if (value.N !== undefined) size += Math.ceil(value.N.replace(/[-.]/g, '').length / 2) + 1;
    else size += Buffer.byteLength(JSON.stringify(value)); // not used by this layout; a safe overestimate
  }
  return size;
}

export interface EncodedTaskItem {
  item: TaskItem;
}

/**
 * Builds the item of a record: keys, filter attributes, summary, and the
 * record (gzipped when large), from the stored form every store measures
 * (`encodeTaskRecord`).
 *
 * @throws {TaskRecordTooLargeError} past the shared limit (`MAX_TASK_RECORD_BYTES`)
 */
export async function encodeTaskItem(record: TaskRecord, compressAboveBytes = DEFAULT_COMPRESS_ABOVE_BYTES): Promise<EncodedTaskItem> {
  // `record` holds only what the summary does not (result and logs): no
  // byte is stored twice, so a small task stays under 1 KB = 1 write unit.
  const encoded = await encodeTaskRecord(record, { compressAboveBytes });
  const body: TaskItem = encoded.detailGz
    ? { [TASK_ITEM.recordGz]: { B: new Uint8Array(encoded.detailGz) } }
    : { [TASK_ITEM.record]: { S: encoded.detailJson } };
  const item: TaskItem = {
    [TASK_ITEM.pk]: { S: record.taskId },
    [TASK_ITEM.process]: { S: record.process },
    [TASK_ITEM.createdKey]: { S: createdKeyOf(record) },
    [TASK_ITEM.status]: { S: record.status },
    [TASK_ITEM.expiresAt]: { N: String(record.expiresAt) },
    [TASK_ITEM.summary]: { S: encoded.summaryJson },
    ...body,
  };
  return { item };
}

function malformed(item: TaskItem, what: string): SluiceError {
  return new SluiceError(`malformed task item '${item[TASK_ITEM.pk]?.S ?? '?'}': ${what}`);
}

/** The full record of an item (from `record` or `recordGz`). */
export async function decodeTaskRecord(item: TaskItem): Promise<TaskRecord> {
  const gz = item[TASK_ITEM.recordGz]?.B;
  const json = gz !== undefined ? (await gunzipAsync(gz)).toString('utf8') : item[TASK_ITEM.record]?.S;
  if (json === undefined) throw malformed(item, 'neither record nor recordGz');
  const detail = JSON.parse(json) as Pick<TaskRecord, 'result' | 'logs'>;
  return { ...decodeTaskSummary(item), ...detail };
}

/** The summary of an item (as projected into the `byProcess` index). */
export function decodeTaskSummary(item: TaskItem): TaskSummary {
  const json = item[TASK_ITEM.summary]?.S;
  if (json === undefined) throw malformed(item, 'no summary');
  return JSON.parse(json) as TaskSummary;
}

/** The TTL of an item in epoch seconds; `undefined` when it has none. */
export function itemExpiresAt(item: TaskItem): number | undefined {
  const n = item[TASK_ITEM.expiresAt]?.N;
  return n === undefined ? undefined : Number(n);
}
