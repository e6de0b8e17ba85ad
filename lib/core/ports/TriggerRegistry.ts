import type { TriggerChange, TriggerRecord } from '../triggers/TriggerRecord.js';

/** Result of a conditional write: refused when the stored version is not the expected one. */
export type RegistryWrite = { written: true } | { written: false; current: TriggerRecord | undefined };

/**
 * Where the trigger registry keeps runtime triggers and the operator's
 * state of static ones (paused, note), with every change's audit entry in
 * the same atomic write. One per service and stage. Implemented on SQLite
 * (embedded) and DynamoDB (AWS); one contract suite runs against both
 * (`test/contracts/triggerRegistryContract.ts`).
 */
export interface TriggerRegistry {
  /** Every stored record (runtime triggers and static overrides), by trigger id. */
  list(): Promise<TriggerRecord[]>;
  get(triggerId: string): Promise<TriggerRecord | undefined>;
  /**
   * Writes `record` and appends `change`, atomically, if the stored record's
   * version is `expectedVersion` (0: there must be none).
   */
  put(record: TriggerRecord, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite>;
  /** Deletes the record and appends `change`, atomically, if its version is `expectedVersion`. */
  delete(triggerId: string, change: TriggerChange, expectedVersion: number): Promise<RegistryWrite>;
  /** A trigger's changes, newest first (`limit` 1..100). Kept after the trigger is deleted. */
  history(triggerId: string, page: { limit: number; cursor?: string }): Promise<{ items: TriggerChange[]; nextCursor?: string }>;
}
