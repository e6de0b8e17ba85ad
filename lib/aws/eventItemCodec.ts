import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { SluiceError } from '../core/errors.js';
import type { DataEvent } from '../core/events/DataEvent.js';
import { EVENT_TABLE } from './eventTable.js';

export type EventItem = Record<string, AttributeValue>;

/** Attribute names of an event item (layout: see `eventTable.ts`). */
export const EVENT_ITEM = {
  eventId: EVENT_TABLE.partitionKey,
  createdKey: EVENT_TABLE.createdKeyAttribute,
  expiresAt: EVENT_TABLE.ttlAttribute,
  label: EVENT_TABLE.indexes.byLabel.attribute,
  source: EVENT_TABLE.indexes.bySource.attribute,
  target: EVENT_TABLE.indexes.byTarget.attribute,
  process: EVENT_TABLE.indexes.byProcess.attribute,
  taskId: EVENT_TABLE.indexes.byTask.attribute,
  feed: EVENT_TABLE.indexes.byTime.attribute,
  sourceFull: 'sourceFull',
  targetFull: 'targetFull',
  body: 'body',
} as const;

/** DynamoDB's limit on a GSI partition key value, in UTF-8 bytes. */
const MAX_INDEX_KEY_BYTES = 2048;

/**
 * The value a data identity is indexed under: itself when it fits a
 * partition key, otherwise `sha256:<base64url of its SHA-256>`. A reader
 * queries with the same function and compares the whole identity after
 * decoding (a short identity could be spelled like a digest).
 */
export function identityIndexKey(identity: string): string {
  if (Buffer.byteLength(identity) <= MAX_INDEX_KEY_BYTES) return identity;
  return `sha256:${createHash('sha256').update(identity).digest('base64url')}`;
}

/** The sort key of every index: `${createdAt}#${eventId}` (see `eventTable.ts`). */
export function eventCreatedKey(event: Pick<DataEvent, 'createdAt' | 'eventId'>): string {
  return `${event.createdAt}#${event.eventId}`;
}

const bodySchema = z.object({
  meta: z.unknown().optional(),
  type: z.string().optional(),
  sequence: z.number().int().nonnegative(),
  createdAt: z.string(),
  logic: z.string(),
  attempt: z.number().int().positive(),
  depth: z.number().int().nonnegative(),
});

/** The item of a published event, expiring at `expiresAt` (epoch seconds: its task record's). */
export function encodeEventItem(event: DataEvent, expiresAt: number): EventItem {
  const { eventId, label, source, target, taskId, process, meta, type, sequence, createdAt, logic, attempt, depth } = event;
  const body: z.infer<typeof bodySchema> = { sequence, createdAt, logic, attempt, depth };
  if (meta !== undefined) body.meta = meta;
  if (type !== undefined) body.type = type;
  const sourceKey = identityIndexKey(source);
  const targetKey = identityIndexKey(target);
  return {
    [EVENT_ITEM.eventId]: { S: eventId },
    [EVENT_ITEM.createdKey]: { S: eventCreatedKey(event) },
    [EVENT_ITEM.label]: { S: label },
    [EVENT_ITEM.source]: { S: sourceKey },
    [EVENT_ITEM.target]: { S: targetKey },
    ...(sourceKey !== source ? { [EVENT_ITEM.sourceFull]: { S: source } } : {}),
    ...(targetKey !== target ? { [EVENT_ITEM.targetFull]: { S: target } } : {}),
    [EVENT_ITEM.process]: { S: process },
    [EVENT_ITEM.taskId]: { S: taskId },
    [EVENT_ITEM.feed]: { S: EVENT_TABLE.feedValue },
    [EVENT_ITEM.expiresAt]: { N: String(expiresAt) },
    [EVENT_ITEM.body]: { S: JSON.stringify(body) },
  };
}

/**
 * The event of an item, from the table, an index (everything is projected)
 * or a stream record's `NewImage` (the same attribute-value JSON).
 *
 * @throws {SluiceError} naming the item when it is not an event item
 */
export function decodeEventItem(item: Readonly<Record<string, unknown>>): DataEvent {
  const s = (name: string): string | undefined => {
    const value = item[name];
    return typeof value === 'object' && value !== null && typeof (value as { S?: unknown }).S === 'string' ? (value as { S: string }).S : undefined;
  };
  const eventId = s(EVENT_ITEM.eventId);
  const fields = { label: s(EVENT_ITEM.label), source: s(EVENT_ITEM.sourceFull) ?? s(EVENT_ITEM.source), target: s(EVENT_ITEM.targetFull) ?? s(EVENT_ITEM.target), taskId: s(EVENT_ITEM.taskId), process: s(EVENT_ITEM.process) };
  const missing = Object.entries(fields).filter(([, value]) => value === undefined).map(([name]) => name);
  const rawBody = s(EVENT_ITEM.body);
  if (eventId === undefined || missing.length > 0 || rawBody === undefined) {
    throw new SluiceError(`malformed event item '${eventId ?? '?'}': missing ${[...(eventId === undefined ? ['eventId'] : []), ...missing, ...(rawBody === undefined ? ['body'] : [])].join(', ')}`);
  }
  let body: z.infer<typeof bodySchema>;
  try {
    body = bodySchema.parse(JSON.parse(rawBody));
  } catch (cause) {
    throw new SluiceError(`malformed event item '${eventId}': its body is not an event body`, { cause });
  }
  const event: DataEvent = {
    eventId,
    label: fields.label!,
    source: fields.source!,
    target: fields.target!,
    sequence: body.sequence,
    createdAt: body.createdAt,
    taskId: fields.taskId!,
    process: fields.process!,
    logic: body.logic,
    attempt: body.attempt,
    depth: body.depth,
  };
  if (body.meta !== undefined) event.meta = body.meta;
  if (body.type !== undefined) event.type = body.type;
  return event;
}

/** The TTL of an item in epoch seconds; `undefined` when it has none. */
export function eventItemExpiresAt(item: Readonly<Record<string, AttributeValue>>): number | undefined {
  const n = item[EVENT_ITEM.expiresAt]?.N;
  return n === undefined ? undefined : Number(n);
}
