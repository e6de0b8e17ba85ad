import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import { isoTime } from '../../core/time/isoTime.js';
import type { TaskError, TaskRecord, TaskSummary } from '../../core/task/TaskRecord.js';
import { DataDirectoryInUseError, readLockOwner, removeLockOwner, writeLockOwner } from './dataDirectoryLock.js';
import { GroupCommit } from './GroupCommit.js';
import { openDatabase } from './openDatabase.js';
import { ensurePrivateDirectory, type OnTightened, warnTightened } from './privateFiles.js';
import { SqliteMessageQueue, type DeadLetterEvent } from './SqliteMessageQueue.js';
import { TASK_ID_ATTRIBUTE } from '../../core/ports/TaskDispatcher.js';
import { dispatchedPayloadHash, parseTaskEnvelope } from '../../core/task/taskEnvelopeCodec.js';
import { SqliteScheduleState } from './SqliteScheduleState.js';
import { SqliteTaskDispatcher } from './SqliteTaskDispatcher.js';
import { SqliteTaskStore } from './SqliteTaskStore.js';
import { SqliteEventStore } from './SqliteEventStore.js';
import type { DataEvent } from '../../core/events/DataEvent.js';
import { eventTasks, type EventTaskOptions, type Subscriber } from '../../core/events/eventTasks.js';

/** Options of {@link EmbeddedStorage.open}. */
export interface EmbeddedStorageOptions {
  /** Directory for `sluice.db` and `sluice.lock`, created if missing; `':memory:'` for a throwaway database without a lock. */
  dataDir: string;
  /** @default systemClock */
  clock?: Clock;
  /** See {@link OpenDatabaseOptions.synchronous}. @default 'normal' */
  synchronous?: 'normal' | 'full';
  /** Receives what queue listeners throw. @default process.emitWarning */
  onListenerError?: (error: unknown) => void;
  /** Told when the data directory or one of its files was open to group or others and was made private. @default process.emitWarning */
  onTightened?: OnTightened;
}

/** Same as {@link EmbeddedStorage.open}. */
export function openEmbeddedStorage(options: EmbeddedStorageOptions): EmbeddedStorage {
  return EmbeddedStorage.open(options);
}

/** What {@link EmbeddedStorage.recover} did. */
export interface RecoveryReport {
  /** In-flight messages made visible again. */
  releasedMessages: number;
  /** Unfinished tasks ended as `failed` because no message will deliver them. */
  failedTasks: string[];
}

/** The error {@link EmbeddedStorage.recover} gives orphaned tasks by default. */
export const ORPHANED_TASK_ERROR: TaskError = {
  kind: 'system',
  name: 'RuntimeRestartError',
  message: 'the runtime stopped while the task was unfinished, and nothing will run it again (its caller is gone)',
};

const DATABASE_FILE = 'sluice.db';

/**
 * The embedded runtime's durable state: one SQLite connection and the
 * stores on it. Open it once per runtime.
 *
 * A data directory has a single owner: opening it holds the database's
 * exclusive lock until {@link EmbeddedStorage.close} or the death of the
 * process (the OS drops the lock, so `kill -9` never leaves a lock behind);
 * a second opener fails with {@link DataDirectoryInUseError} naming the
 * owner's pid from the lock file. Keep a reference to the storage for as
 * long as you own the directory: better-sqlite3 closes a garbage-collected
 * connection, which releases the lock.
 *
 * @example
 * const storage = EmbeddedStorage.open({ dataDir: '.sluice' });
 * storage.queues.declare(specs);
 * storage.recover(); // before serving: after a crash, release in-flight messages, fail orphans
 * await storage.dispatcher.dispatch(record, envelope, { queue: 'sluice-tasks-report' });
 * storage.close();
 */
export class EmbeddedStorage {
  /** The data directory (absolute), or `':memory:'`. */
  readonly dataDir: string;
  readonly db: Database.Database;
  readonly tasks: SqliteTaskStore;
  /** Data events, published by `tasks.save(record, events)` (see {@link EmbeddedStorage.subscribe}). */
  readonly events: SqliteEventStore;
  readonly queues: SqliteMessageQueue;
  readonly dispatcher: SqliteTaskDispatcher;
  /** Per-rule schedule state: rate() anchors and the firings accounted for. */
  readonly schedules: SqliteScheduleState;
  readonly #clock: Clock;
  readonly #orphans: Database.Statement<unknown[], unknown>;
  readonly #tasksOfMessage: Database.Statement<unknown[], unknown>;
  #closed = false;
  #fanOut: { subscribers: readonly Subscriber[]; options: Omit<EventTaskOptions, 'nowMs'> } | undefined;
  /** Tasks running in this process now: their own outcome is coming, a dead-lettered message does not end them. */
  #runningHere: (taskId: string) => boolean = () => false;

  private constructor(dataDir: string, db: Database.Database, options: EmbeddedStorageOptions) {
    this.dataDir = dataDir;
    this.db = db;
    this.#clock = options.clock ?? systemClock;
    this.events = new SqliteEventStore(db, { clock: this.#clock });
    // A final record's events are stored, and their subscribers' tasks dispatched, in the record's
    // own transaction: a crash leaves all three or none (no outbox to replay).
    this.tasks = new SqliteTaskStore(db, { clock: this.#clock, publish: (record, events) => this.#publish(record, events) });
    this.queues = new SqliteMessageQueue(db, {
      clock: this.#clock,
      ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
    });
    this.dispatcher = new SqliteTaskDispatcher(db, this.tasks, this.queues);
    // The queue moves a message to its dead-letter queue on its own when its receive count passes
    // maxReceiveCount (crashes between receives, as SQS's redrive): its task will never run again.
    this.#tasksOfMessage = db.prepare(
      `SELECT task_id FROM tasks WHERE status IN ('queued', 'running') AND json_extract(summary, '$.trigger.type') = 'queue' AND json_extract(summary, '$.trigger.messageId') = ?`,
    );
    this.queues.onDeadLetter((event) => this.#failDeadLettered(event));
    this.schedules = new SqliteScheduleState(db);
    // NOT IN (subquery) is evaluated once into a temporary index: one pass over messages, whatever the task count.
    // A message in a dead-letter queue delivers nothing: it does not keep its task alive.
    const deliverable = `SELECT %s FROM messages WHERE queue_id NOT IN (SELECT id FROM queues WHERE name IN (SELECT dead_letter_queue FROM queues WHERE dead_letter_queue IS NOT NULL))`;
    this.#orphans = db.prepare(
      `SELECT summary FROM tasks
       WHERE status IN ('queued', 'running') AND expires_at > ?
         AND task_id NOT IN (${deliverable.replace('%s', 'task_id')} AND task_id IS NOT NULL)
         AND NOT (json_extract(summary, '$.trigger.type') = 'queue'
                  AND json_extract(summary, '$.trigger.messageId') IN (${deliverable.replace('%s', 'message_id')}))
       ORDER BY created_at, task_id`,
    );
  }

  /**
   * Opens (creating) the data directory's database and takes ownership of it.
   *
   * @throws {DataDirectoryInUseError} when another runtime (or another `EmbeddedStorage` of this process) has it open
   */
  static open(options: EmbeddedStorageOptions): EmbeddedStorage {
    if (options.dataDir === ':memory:') {
      return new EmbeddedStorage(':memory:', openDatabase(':memory:', { synchronous: options.synchronous ?? 'normal' }), options);
    }
    const dataDir = resolve(options.dataDir);
    // Tasks, payloads, results and the API token live here: owner only (0700, files 0600).
    const onTightened = options.onTightened ?? warnTightened;
    ensurePrivateDirectory(dataDir, onTightened);
    let db: Database.Database;
    try {
      db = openDatabase(join(dataDir, DATABASE_FILE), { exclusive: true, busyTimeoutMs: 100, synchronous: options.synchronous ?? 'normal', onTightened });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw new DataDirectoryInUseError(dataDir, readLockOwner(dataDir), { cause: error });
      throw error;
    }
    // Holding the lock proves any previous lock file stale: overwrite it.
    writeLockOwner(dataDir, isoTime(Date.now()));
    return new EmbeddedStorage(dataDir, db, options);
  }

  /**
   * Fails the unfinished task of a message the queue dead-lettered (a task
   * envelope names its task; a streaming message is its task's trigger),
   * as the last failed attempt would: no task stays `running` with no
   * message left to deliver it.
   */
  #failDeadLettered(event: DeadLetterEvent): void {
    const named = event.attributes[TASK_ID_ATTRIBUTE];
    let taskIds: string[];
    if (named !== undefined) {
      // Only the task's genuine envelope speaks for it (same rule as a delivery's claim, TaskRunner):
      // a forged message naming another task must not end it.
      const envelope = parseTaskEnvelope(event.body);
      const record = envelope && envelope.taskId === named ? this.tasks.getSync(named) : undefined;
      if (!envelope || !record || record.process !== envelope.process || record.payloadHash !== dispatchedPayloadHash(envelope.payload)) return;
      taskIds = [named];
    } else {
      taskIds = (this.#tasksOfMessage.all(event.messageId) as Array<{ task_id: string }>).map((row) => row.task_id);
    }
    // Still running here (its message outlived its visibility while it ran): its own outcome will be stored.
    taskIds = taskIds.filter((taskId) => !this.#runningHere(taskId));
    if (taskIds.length === 0) return;
    this.tasks.failUnfinished(taskIds, {
      kind: 'system',
      name: 'DeadLettered',
      message: `its message was moved to ${event.deadLetterQueue} after ${event.receiveCount} receives without a result (the runtime stopped while it ran)`,
    });
  }

  /** Tells the storage which tasks run in this process now (see the dead-letter rule). */
  setRunningCheck(isRunning: (taskId: string) => boolean): void {
    this.#runningHere = isRunning;
  }

  /**
   * Sets the data-event subscriptions: from now on every published event
   * that matches one dispatches a task of its process, in the transaction
   * that publishes the event (at most one task per event and subscription:
   * the task id derives from both).
   */
  subscribe(subscribers: readonly Subscriber[], options: Omit<EventTaskOptions, 'nowMs'>): void {
    this.#fanOut = { subscribers, options };
  }

  #publish(record: TaskRecord, events: readonly DataEvent[]): void {
    this.events.insertSync(events, record.expiresAt);
    const fanOut = this.#fanOut;
    if (!fanOut || fanOut.subscribers.length === 0) return;
    const nowMs = this.#clock.now();
    for (const event of events) {
      for (const task of eventTasks(event, fanOut.subscribers, { ...fanOut.options, nowMs })) {
        this.dispatcher.dispatchWithin(task.record, task.envelope, task.queue);
      }
    }
  }

  /**
   * Unfinished (`queued`/`running`) tasks that no queue message will deliver
   * again: no message carries their task id, and for a queue-triggered task
   * its triggering message is gone too. After a crash these are the
   * synchronous HTTP tasks whose callers went away. Only meaningful before
   * the runtime starts serving (a sync task in progress has no message either).
   */
  findOrphanedTasks(): TaskSummary[] {
    const rows = this.#orphans.all(Math.floor(this.#clock.now() / 1000)) as Array<{ summary: string }>;
    return rows.map((row) => JSON.parse(row.summary) as TaskSummary);
  }

  /**
   * Start-up recovery after a crash (harmless after a clean stop): makes
   * every in-flight message visible again (their consumers died with the
   * previous process, the database's only owner), then ends orphaned tasks
   * ({@link EmbeddedStorage.findOrphanedTasks}) as `failed` with `error`.
   * Call it once, before serving.
   */
  recover(options: { error?: TaskError } = {}): RecoveryReport {
    const releasedMessages = this.queues.releaseInFlight();
    const orphans = this.findOrphanedTasks().map((task) => task.taskId);
    const failedTasks = this.tasks.failUnfinished(orphans, options.error ?? ORPHANED_TASK_ERROR);
    return { releasedMessages, failedTasks };
  }

  /** Ends long polls, commits pending writes, closes the database (releasing its lock) and removes the lock file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.queues.close();
    GroupCommit.for(this.db).flush();
    this.db.close();
    if (this.dataDir !== ':memory:') removeLockOwner(this.dataDir);
  }
}
