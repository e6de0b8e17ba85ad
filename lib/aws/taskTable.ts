/**
 * The DynamoDB task table: one definition used by the Serverless plugin (to
 * emit CloudFormation) and by the tests (to create the same table in
 * DynamoDB Local), so the two cannot drift.
 *
 * Item layout (one item per task):
 * - `pk` (S): the task id.
 * - `process` (S), `createdKey` (S = `${createdAt}#${taskId}`): keys of the
 *   `byProcess` index, which lists a process's tasks newest first.
 * - `status` (S): for conditional writes and the list filter.
 * - `expiresAt` (N, epoch seconds): the TTL attribute; reads filter on it too,
 *   because TTL deletion is lazy (up to days).
 * - `summary` (S): the task without result and logs, as JSON. Projected into
 *   the index so a list page needs no second read.
 * - `record` (S) or `recordGz` (B): the full task as JSON, gzip-compressed
 *   when large, so results and logs up to the 400 KB item limit fit.
 *
 * Why one GSI and not one per status: every GSI multiplies write cost; the
 * status filter runs on the (small) projected items instead.
 */
export const TASK_TABLE = {
  partitionKey: 'pk',
  byProcessIndex: 'byProcess',
  processAttribute: 'process',
  createdKeyAttribute: 'createdKey',
  ttlAttribute: 'expiresAt',
} as const;

/** CloudFormation `Properties` of the task table (without `TableName`). */
export function taskTableProperties(): Record<string, unknown> {
  return {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TASK_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: TASK_TABLE.processAttribute, AttributeType: 'S' },
      { AttributeName: TASK_TABLE.createdKeyAttribute, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: TASK_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: TASK_TABLE.byProcessIndex,
        KeySchema: [
          { AttributeName: TASK_TABLE.processAttribute, KeyType: 'HASH' },
          { AttributeName: TASK_TABLE.createdKeyAttribute, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'summary', TASK_TABLE.ttlAttribute] },
      },
    ],
    TimeToLiveSpecification: { AttributeName: TASK_TABLE.ttlAttribute, Enabled: true },
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}
