import type { DataEvent } from '../events/DataEvent.js';
import type { ProcessTaskCounts, TaskCountQuery, TaskPage, TaskQuery, TaskRecord } from '../task/TaskRecord.js';

/** Result of {@link TaskStore.create}. */
export type CreateOutcome = { created: true } | { created: false; existing: TaskRecord };

/** Result of {@link TaskStore.save}. */
export type SaveOutcome = { saved: true } | { saved: false; current: TaskRecord };

/**
 * Where task records live. Implemented by the embedded runtime (SQLite) and
 * by the AWS runtime (DynamoDB); one contract suite (`test/contracts`) runs
 * against both.
 *
 * Records past their `expiresAt` are treated as absent by every method, even
 * if the backing store has not deleted them yet (DynamoDB TTL is lazy).
 */
export interface TaskStore {
  /**
   * Inserts a record if no (unexpired) record with its `taskId` exists.
   * This is the idempotency primitive: on conflict the existing record is returned.
   */
  create(record: TaskRecord): Promise<CreateOutcome>;

  /**
   * Writes the whole record unless the stored one is terminal. A stored
   * terminal record is never overwritten: a result, once written, is final.
   * Inserts when absent.
   *
   * `events` (a final record's data events, see `ctx.events`) are **published
   * in the same atomic write**: stored (expiring with the record) and handed
   * to their subscribers only if the record is saved — no final record
   * without its events, no event without its record. Embedded: one SQLite
   * transaction that also dispatches the subscribers' tasks; AWS: one
   * `TransactWriteItems` (the events table's stream fans out).
   *
   * @throws {TaskRecordTooLargeError} when the record cannot fit the store
   */
  save(record: TaskRecord, events?: readonly DataEvent[]): Promise<SaveOutcome>;

  /**
   * Lists `replayId` in the `replays` of task `taskId` (a replay of it was
   * dispatched): the one change a terminal record accepts, since it adds to
   * the record's links without touching its outcome. Idempotent (an id
   * already listed is not added again); at most `MAX_LISTED_REPLAYS` ids are
   * kept (later replays still name the original with `replayOf`). Nothing
   * happens when the record is absent or expired.
   */
  linkReplay(taskId: string, replayId: string): Promise<void>;

  /** A strongly consistent read; `undefined` when absent or expired. */
  get(taskId: string): Promise<TaskRecord | undefined>;

  /**
   * Newest first (by `createdAt`, then `taskId`), filtered (process,
   * status, trigger type, creation window `since` ≤ createdAt < `until`),
   * paginated.
   *
   * @throws {ValidationError} naming the offending field (limit, status, trigger, since, until, cursor)
   */
  list(query: TaskQuery): Promise<TaskPage>;

  /**
   * The tasks created in the window (`since` ≤ createdAt < `until`, at most
   * 7 days), of `process` or of every process, counted by their current
   * status: one entry per process with at least one such task, sorted by
   * process name, every status present (0 included). Unexpired records
   * only. DynamoDB lists only declared processes, as `list` does.
   *
   * @throws {ValidationError} naming `since` / `until` (not canonical, reversed, wider than 7 days)
   */
  countByStatus(query: TaskCountQuery): Promise<ProcessTaskCounts[]>;
}
