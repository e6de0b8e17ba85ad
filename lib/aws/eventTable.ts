/**
 * The DynamoDB events table (data events, `ctx.events`): one definition used
 * by the Serverless plugin (to emit CloudFormation) and by the tests (to
 * create the same table in DynamoDB Local).
 *
 * Item layout (one item per published event, see `eventItemCodec.ts`):
 * - `eventId` (S): the partition key, so `get` is one consistent GetItem.
 * - `createdKey` (S = `${createdAt}#${eventId}`): the sort key of every
 *   index. `createdAt` is fixed-width ISO-8601, so the key orders by
 *   `createdAt`, then `eventId`: the "newest first" of the `EventStore` port.
 * - `label`, `source`, `target`, `process`, `taskId` (S): the partition keys
 *   of one index each (`byLabel`, `bySource`, `byTarget`, `byProcess`,
 *   `byTask`). A GSI partition key holds at most 2048 bytes, an identity up
 *   to 1024 characters (4096 bytes): a longer one is indexed by its SHA-256
 *   (`sha256:<base64url>`) and kept whole in `sourceFull` / `targetFull`.
 * - `feed` (S, always `events`): the partition key of `byTime`, for a search
 *   without an indexed filter. One partition takes about 1,000 writes per
 *   second (DynamoDB's per-partition throughput): plenty for events, which
 *   are one per dataset moved, not one per row.
 * - `expiresAt` (N, epoch seconds): the emitting task record's `expiresAt`,
 *   the TTL attribute; reads filter on it too, because TTL deletion is lazy.
 * - `body` (S): the rest of the event as JSON (meta, type, sequence, logic,
 *   attempt, depth, createdAt).
 *
 * Every index projects everything: a page is read from the index alone, and
 * the filters not served by the chosen index run on the projected attributes.
 * Each event therefore costs 7 writes (the item and 6 index entries).
 *
 * The stream (`NEW_IMAGE`) feeds the event dispatcher
 * (`lambda/eventDispatcherHandler.ts`), which queues the subscribers' tasks.
 */
export const EVENT_TABLE = {
  partitionKey: 'eventId',
  createdKeyAttribute: 'createdKey',
  ttlAttribute: 'expiresAt',
  /** The value of `feed` on every item (the single partition of `byTime`). */
  feedValue: 'events',
  indexes: {
    byTask: { name: 'byTask', attribute: 'taskId' },
    byLabel: { name: 'byLabel', attribute: 'label' },
    bySource: { name: 'bySource', attribute: 'source' },
    byTarget: { name: 'byTarget', attribute: 'target' },
    byProcess: { name: 'byProcess', attribute: 'process' },
    byTime: { name: 'byTime', attribute: 'feed' },
  },
} as const;

export type EventIndex = keyof typeof EVENT_TABLE.indexes;

/** CloudFormation `Properties` of the events table (without `TableName`). */
export function eventTableProperties(): Record<string, unknown> {
  const indexes = Object.values(EVENT_TABLE.indexes);
  return {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: EVENT_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: EVENT_TABLE.createdKeyAttribute, AttributeType: 'S' },
      ...indexes.map((index) => ({ AttributeName: index.attribute, AttributeType: 'S' })),
    ],
    KeySchema: [{ AttributeName: EVENT_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.attribute, KeyType: 'HASH' },
        { AttributeName: EVENT_TABLE.createdKeyAttribute, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
    // The dispatcher needs the new item only: an event is written once and never updated.
    StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    TimeToLiveSpecification: { AttributeName: EVENT_TABLE.ttlAttribute, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}
