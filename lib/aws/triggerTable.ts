/**
 * The DynamoDB trigger-registry table: one definition used by the plugin
 * (CloudFormation) and by the tests (the same table in DynamoDB Local).
 *
 * Item layout, one partition per trigger (`pk` = `T#<triggerId>`):
 * - the record: `sk` = `record`, `version` (N), `record` (S, the JSON);
 * - its audit log: `sk` = `h#<version, 10 digits>`, `change` (S, the JSON):
 *   every change has the version it made (a delete: one past the record's),
 *   written in the same transaction as the record, so the sort key is unique
 *   and orders the history. The log stays when the record is deleted.
 * - the registry's generation: `pk` = `registry`, `sk` = `generation`,
 *   `generation` (N), incremented in every write's transaction.
 * A registry holds tens to thousands of triggers: `list` scans the table.
 */
export const TRIGGER_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  recordSortKey: 'record',
  historyPrefix: 'h#',
  generationKey: { pk: 'registry', sk: 'generation' },
} as const;

/** CloudFormation `Properties` of the trigger table (without `TableName`). */
export function triggerTableProperties(): Record<string, unknown> {
  return {
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TRIGGER_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: TRIGGER_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TRIGGER_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TRIGGER_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    SSESpecification: { SSEEnabled: true },
  };
}
