import type Database from 'better-sqlite3';
import type { TaskDispatcher, TaskEnvelope } from '../../core/ports/TaskDispatcher.js';
import { taskMessageOf } from '../../core/task/taskEnvelopeCodec.js';
import type { CreateOutcome } from '../../core/ports/TaskStore.js';
import type { TaskRecord } from '../../core/task/TaskRecord.js';
import { GroupCommit } from './GroupCommit.js';
import type { SqliteMessageQueue } from './SqliteMessageQueue.js';
import type { SqliteTaskStore } from './SqliteTaskStore.js';

/**
 * The embedded {@link TaskDispatcher}: inserts the `queued` record and
 * enqueues the envelope in ONE SQLite transaction, so a task is either
 * accepted whole (record and message) or not at all, even across `kill -9`.
 *
 * A repeated task id returns the existing record and enqueues nothing: in
 * one database there is no half-dispatched task to repair.
 *
 * @example
 * const dispatcher = new SqliteTaskDispatcher(db, tasks, queues);
 * const outcome = await dispatcher.dispatch(record, envelope, { queue: 'sluice-tasks-report' });
 */
export class SqliteTaskDispatcher implements TaskDispatcher {
  readonly #dispatch: (record: TaskRecord, envelope: TaskEnvelope, queue: string) => CreateOutcome;
  readonly #commits: GroupCommit;

  /** `tasks` and `queues` must use `db`: the transaction spans both. */
  constructor(db: Database.Database, tasks: SqliteTaskStore, queues: SqliteMessageQueue) {
    this.#commits = GroupCommit.for(db);
    this.#dispatch = db.transaction((record: TaskRecord, envelope: TaskEnvelope, queue: string): CreateOutcome => {
      // Encoded (and checked against SQS's rules) before any write, as on AWS.
      const message = taskMessageOf(envelope);
      const outcome = tasks.createSync(record);
      // Throws UnknownQueueError for an undeclared queue, which rolls the record back.
      if (outcome.created) queues.sendSync(queue, message);
      return outcome;
    });
  }

  /** Resolves once the task is durable (group commit: see `GroupCommit`). */
  dispatch(record: TaskRecord, envelope: TaskEnvelope, target: { queue: string }): Promise<CreateOutcome> {
    return this.#commits.run(() => this.#dispatch(record, envelope, target.queue));
  }

  /**
   * {@link TaskDispatcher.dispatch} inside an enclosing transaction (a
   * savepoint of it): durable when that commits. For the subscribers' tasks
   * of events published by a task's final save.
   */
  dispatchWithin(record: TaskRecord, envelope: TaskEnvelope, queue: string): CreateOutcome {
    return this.#dispatch(record, envelope, queue);
  }

  /** {@link TaskDispatcher.dispatch}, synchronously; durable on return. */
  dispatchSync(record: TaskRecord, envelope: TaskEnvelope, target: { queue: string }): CreateOutcome {
    return this.#commits.runNow(() => this.#dispatch(record, envelope, target.queue));
  }
}
