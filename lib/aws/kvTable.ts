/**
 * The DynamoDB key-value table (`ctx.kv`): one definition used by the
 * Serverless plugin (to emit CloudFormation) and by the tests (to create the
 * same table in DynamoDB Local).
 *
 * Item layout (one item per entry):
 * - `pk` (S): a constant (`kv`), so that one Query lists keys in order by
 *   prefix (`begins_with` on the sort key). One partition takes about 1,000
 *   writes and 3,000 strongly consistent reads per second (DynamoDB's
 *   per-partition throughput), plenty for cursors, leases and counters.
 * - `key` (S, sort key): the full key (1..1024 bytes, DynamoDB's sort-key limit).
 * - `value`: N when the value is a number (so `increment` is an `ADD`),
 *   otherwise S holding the value's JSON.
 * - `updatedAt` (S, ISO-8601), `taskId` (S, optional).
 * - `expiresAt` (N, epoch seconds, rounded up): the TTL attribute, for
 *   DynamoDB's lazy deletion (within days). `expiresAtMs` (N, epoch ms): the
 *   exact expiry that reads and conditions use, since TTL deletion is lazy.
 */
export const KV_TABLE = {
  partitionKey: 'pk',
  sortKey: 'key',
  /** The one partition-key value. */
  partition: 'kv',
  ttlAttribute: 'expiresAt',
} as const;

/** CloudFormation `Properties` of the key-value table (without `TableName`). */
export function kvTableProperties(): Record<string, unknown> {
  return {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: KV_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: KV_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: KV_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: KV_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    TimeToLiveSpecification: { AttributeName: KV_TABLE.ttlAttribute, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}
