import type Database from 'better-sqlite3';
import * as z from 'zod';
import { SluiceError, TaskRecordTooLargeError } from '../../core/errors.js';
import { type Clock } from '../../core/ports/Clock.js';
import { systemClock } from '../../core/time/systemClock.js';
import { isoTime } from '../../core/time/isoTime.js';
import type { CreateOutcome, SaveOutcome, TaskStore } from '../../core/ports/TaskStore.js';
import {
  emptyStatusCounts,
  isTerminal,
  withReplay,
  type ProcessTaskCounts,
  type TaskCountQuery,
  type TaskError,
  type TaskPage,
  type TaskQuery,
  type TaskRecord,
  type TaskStatus,
  type TaskSummary,
} from '../../core/task/TaskRecord.js';
import { assertTaskCountQuery, assertTaskQuery } from '../../core/task/taskQueryRules.js';
import { type EncodedTaskRecord, encodeTaskRecord, encodeTaskRecordSync } from '../../core/task/storedRecordSize.js';
import { GroupCommit } from './GroupCommit.js';
import type { DataEvent } from '../../core/events/DataEvent.js';
import { decodeCursor, encodeCursor } from '../../core/pageCursor.js';

/** Options of {@link SqliteTaskStore}. */
export interface SqliteTaskStoreOptions {
  /** Decides which records have expired. @default systemClock */
  clock?: Clock;
  /**
   * Publishes a saved final record's data events, inside the save's
   * transaction (see `EmbeddedStorage`: stores them and dispatches their
   * subscribers' tasks). Without it, a save with events is refused: events
   * are never dropped silently.
   */
  publish?: (record: TaskRecord, events: readonly DataEvent[]) => void;
}

interface TaskRow {
  summary: string;
  detail: string;
}

interface ListRow {
  summary: string;
  created_at: string;
  task_id: string;
}

type Statement = Database.Statement<unknown[], unknown>;

/** SQLite's default SQLITE_MAX_LENGTH: the largest string or blob a row can hold. */
const SQLITE_MAX_LENGTH = 1_000_000_000;

const listCursor = z.tuple([z.string(), z.string()]);

const COLUMNS = '(task_id, process, status, created_at, expires_at, summary, detail, trigger_type)';
const REPLACE = `process = excluded.process, status = excluded.status, created_at = excluded.created_at,
  expires_at = excluded.expires_at, summary = excluded.summary, detail = excluded.detail, trigger_type = excluded.trigger_type`;

/**
 * The embedded runtime's {@link TaskStore} on SQLite.
 *
 * Every operation is one prepared statement (two on a conflict), run
 * synchronously on the event-loop thread, so the read-check-write of
 * `create` and `save` is atomic without locks.
 *
 * Durability: the promise-returning methods use the connection's
 * {@link GroupCommit} (writes of one event-loop turn share one commit; the
 * promise resolves once the write is durable; reads wait for the open group
 * to commit, so nobody sees a result that a crash could still take back).
 * The `*Sync` variants are the same operations, durable on return (they
 * commit the open group at once), for synchronous callers and for
 * composition inside a `db.transaction` (see `SqliteTaskDispatcher`), where
 * they join the enclosing transaction.
 *
 * Size: a record is measured as DynamoDB stores it (`encodeTaskRecord`) and
 * refused past the same limit, `MAX_TASK_RECORD_BYTES`, with
 * {@link TaskRecordTooLargeError}: what fails on AWS fails here too.
 *
 * A record is alive while `expiresAt > floor(now / 1000)`; expired rows stay
 * until {@link SqliteTaskStore.purgeExpired} deletes them, but no method sees them.
 *
 * @example
 * const db = openDatabase(join(dataDir, 'sluice.db'));
 * const tasks = new SqliteTaskStore(db);
 * await tasks.create(record);
 */
export class SqliteTaskStore implements TaskStore {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #commits: GroupCommit;
  readonly #create: Statement;
  readonly #save: Statement;
  readonly #update: Statement;
  readonly #get: Statement;
  readonly #getSummary: Statement;
  readonly #setSummary: Statement;
  readonly #purge: Statement;
  readonly #unfinished: Statement;
  readonly #lists = new Map<string, Statement>();
  readonly #countAll: Statement;
  readonly #countOne: Statement;
  readonly #saveAndPublish: (record: TaskRecord, encoded: EncodedTaskRecord, events: readonly DataEvent[]) => SaveOutcome;

  constructor(db: Database.Database, options: SqliteTaskStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#commits = GroupCommit.for(db);
    const { publish } = options;
    // A savepoint inside the group: the record and its events (and their subscribers' tasks) commit together or not at all.
    this.#saveAndPublish = db.transaction((record: TaskRecord, encoded: EncodedTaskRecord, events: readonly DataEvent[]): SaveOutcome => {
      if (!publish) throw new SluiceError(`task ${record.taskId} has ${events.length} data event(s) but this task store publishes none`);
      const outcome = this.#saveNow(record, encoded);
      if (outcome.saved) publish(record, events);
      return outcome;
    });
    // An upsert whose DO UPDATE is guarded: `changes` is 0 when the guard keeps the stored row.
    this.#create = db.prepare(
      `INSERT INTO tasks ${COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET ${REPLACE} WHERE tasks.expires_at <= ?`,
    );
    this.#save = db.prepare(
      `INSERT INTO tasks ${COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET ${REPLACE}
       WHERE tasks.expires_at <= ? OR tasks.status NOT IN ('succeeded', 'failed', 'timed_out', 'cancelled')`,
    );
    // The common save: the row exists, is not terminal, and keeps its process and creation time.
    // Not setting those columns spares the two list indexes that contain them.
    this.#update = db.prepare(
      `UPDATE tasks SET status = ?, expires_at = ?, summary = ?, detail = ?
       WHERE task_id = ? AND process = ? AND created_at = ? AND expires_at > ? AND status NOT IN ('succeeded', 'failed', 'timed_out', 'cancelled')`,
    );
    this.#get = db.prepare('SELECT summary, detail FROM tasks WHERE task_id = ? AND expires_at > ?');
    this.#getSummary = db.prepare('SELECT summary FROM tasks WHERE task_id = ? AND expires_at > ?');
    // Whatever the status: the replays are links, not the outcome (see TaskStore.linkReplay).
    this.#setSummary = db.prepare('UPDATE tasks SET summary = ? WHERE task_id = ?');
    this.#purge = db.prepare('DELETE FROM tasks WHERE rowid IN (SELECT rowid FROM tasks WHERE expires_at <= ? LIMIT ?)');
    const count = (byProcess: boolean) =>
      db.prepare(
        `SELECT process, status, COUNT(*) AS n FROM tasks INDEXED BY tasks_by_window
         WHERE created_at >= ? AND created_at < ? AND expires_at > ?${byProcess ? ' AND process = ?' : ''}
         GROUP BY process, status`,
      );
    this.#countAll = count(false);
    this.#countOne = count(true);
    this.#unfinished = db.prepare(
      `SELECT summary FROM tasks WHERE status IN ('queued', 'running') AND expires_at > ?
       ORDER BY created_at, task_id LIMIT ?`,
    );
  }

  create(record: TaskRecord): Promise<CreateOutcome> {
    return this.#encoded(record, (encoded) => this.#commits.run(() => this.#createNow(record, encoded)));
  }

  save(record: TaskRecord, events: readonly DataEvent[] = []): Promise<SaveOutcome> {
    return this.#encoded(record, (encoded) =>
      this.#commits.run(() => (events.length === 0 ? this.#saveNow(record, encoded) : this.#saveAndPublish(record, encoded, events))),
    );
  }

  linkReplay(taskId: string, replayId: string): Promise<void> {
    return this.#commits.run(() => {
      // Only the summary changes (the links live there), whatever the status: read and write in one turn of the event loop.
      const row = this.#getSummary.get(taskId, this.#nowSec()) as { summary: string } | undefined;
      if (!row) return;
      const linked = withReplay(JSON.parse(row.summary) as TaskSummary, replayId);
      if (linked) this.#setSummary.run(JSON.stringify(linked), taskId);
    });
  }

  /** Measures the record, then writes it; a large record is compressed (to be measured) off the event loop. */
  #encoded<T>(record: TaskRecord, write: (encoded: EncodedTaskRecord) => Promise<T>): Promise<T> {
    let encoded: EncodedTaskRecord | Promise<EncodedTaskRecord>;
    try {
      encoded = encodeTaskRecord(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return encoded instanceof Promise ? encoded.then(write) : write(encoded);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    await this.#commits.settled();
    return this.getSync(taskId);
  }

  async list(query: TaskQuery): Promise<TaskPage> {
    await this.#commits.settled();
    return this.listSync(query);
  }

  /** {@link TaskStore.create}, synchronously; durable on return. */
  createSync(record: TaskRecord): CreateOutcome {
    const encoded = encodeTaskRecordSync(record);
    return this.#commits.runNow(() => this.#createNow(record, encoded));
  }

  /** {@link TaskStore.save}, synchronously; durable on return. */
  saveSync(record: TaskRecord): SaveOutcome {
    const encoded = encodeTaskRecordSync(record);
    return this.#commits.runNow(() => this.#saveNow(record, encoded));
  }

  /** {@link TaskStore.get}, synchronously (sees writes of the open group, not yet durable). */
  getSync(taskId: string): TaskRecord | undefined {
    const row = this.#get.get(taskId, this.#nowSec()) as TaskRow | undefined;
    return row && fromRow(row);
  }

  /**
   * {@link TaskStore.list}, synchronously. The cursor is base64url of the
   * last item's `[createdAt, taskId]`; a page has a `nextCursor` only when
   * more items follow. One index walked in list order per query
   * (`tasks_by_process`, else `tasks_by_trigger`, else `tasks_by_created`),
   * the creation window bounding its range; the other filters are checked
   * on the rows met.
   *
   * @throws {ValidationError} on a limit outside 1..100, an unknown status or trigger type, a non-canonical window bound or a malformed cursor
   */
  listSync(query: TaskQuery): TaskPage {
    const { limit } = query;
    assertTaskQuery(query);
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, listCursor);
    const params: unknown[] = [];
    if (query.process !== undefined) params.push(query.process);
    if (query.trigger !== undefined) params.push(query.trigger);
    if (query.status !== undefined) params.push(query.status);
    params.push(this.#nowSec());
    if (query.since !== undefined) params.push(query.since);
    if (query.until !== undefined) params.push(query.until);
    if (after) params.push(after[0], after[1]);
    params.push(limit + 1);
    const statement = this.#listStatement({
      process: query.process !== undefined,
      trigger: query.trigger !== undefined,
      status: query.status !== undefined,
      since: query.since !== undefined,
      until: query.until !== undefined,
      paged: after !== undefined,
    });
    const rows = statement.all(...params) as ListRow[];
    const items = rows.slice(0, limit).map((row) => JSON.parse(row.summary) as TaskSummary);
    const last = rows[limit - 1];
    return rows.length > limit && last ? { items, nextCursor: encodeCursor([last.created_at, last.task_id]) } : { items };
  }

  async countByStatus(query: TaskCountQuery): Promise<ProcessTaskCounts[]> {
    await this.#commits.settled();
    return this.countByStatusSync(query);
  }

  /**
   * {@link TaskStore.countByStatus}, synchronously: one `GROUP BY process,
   * status` over the covering index `tasks_by_window` (a range of
   * `created_at`; no row is read).
   */
  countByStatusSync(query: TaskCountQuery): ProcessTaskCounts[] {
    assertTaskCountQuery(query);
    const params: unknown[] = [query.since, query.until, this.#nowSec()];
    if (query.process !== undefined) params.push(query.process);
    const rows = (query.process === undefined ? this.#countAll : this.#countOne).all(...params) as Array<{ process: string; status: TaskStatus; n: number }>;
    const byProcess = new Map<string, ProcessTaskCounts>();
    for (const row of rows) {
      let entry = byProcess.get(row.process);
      if (!entry) byProcess.set(row.process, (entry = { process: row.process, counts: emptyStatusCounts() }));
      entry.counts[row.status] = row.n;
    }
    return [...byProcess.values()].sort((a, b) => (a.process < b.process ? -1 : a.process > b.process ? 1 : 0));
  }

  /**
   * Deletes expired records (retention). Pass `limit` to delete in batches,
   * so that purging a large backlog does not block the event loop for long.
   *
   * @returns how many records were deleted
   */
  purgeExpired(nowSec: number = this.#nowSec(), options: { limit?: number } = {}): number {
    return this.#commits.runNow(() => this.#purge.run(nowSec, options.limit ?? -1).changes);
  }

  /** Unexpired `queued` and `running` tasks, oldest first (recovery, operations). */
  listUnfinished(options: { limit?: number } = {}): TaskSummary[] {
    const rows = this.#unfinished.all(this.#nowSec(), options.limit ?? -1) as Array<{ summary: string }>;
    return rows.map((row) => JSON.parse(row.summary) as TaskSummary);
  }

  /**
   * Ends the given tasks as `failed` with `error`, in one transaction, unless
   * they are absent or already terminal. Recovery uses it for tasks that no
   * queue message will deliver again (a synchronous HTTP task whose caller
   * went away with the crashed runtime).
   *
   * @returns the ids of the tasks it failed
   */
  failUnfinished(taskIds: readonly string[], error: TaskError, finishedAt: string = isoTime(this.#clock.now())): string[] {
    const failAll = this.#db.transaction(() => {
      const failed: string[] = [];
      for (const taskId of taskIds) {
        const record = this.getSync(taskId);
        if (!record || isTerminal(record.status)) continue;
        const final: TaskRecord = { ...record, status: 'failed', error, finishedAt };
        if (this.#saveNow(final, encodeTaskRecordSync(final)).saved) failed.push(taskId);
      }
      return failed;
    });
    return this.#commits.runNow(() => failAll());
  }

  #createNow(record: TaskRecord, encoded: EncodedTaskRecord): CreateOutcome {
    if (this.#write(this.#create, record, encoded) === 1) return { created: true };
    return { created: false, existing: this.#mustGet(record.taskId) };
  }

  #saveNow(record: TaskRecord, encoded: EncodedTaskRecord): SaveOutcome {
    if (this.#write(this.#save, record, encoded, this.#update) === 1) return { saved: true };
    return { saved: false, current: this.#mustGet(record.taskId) };
  }

  /** Runs `statement` (an upsert) for `record`, or `update` first when given; returns the changed row count. */
  #write(statement: Statement, record: TaskRecord, encoded: EncodedTaskRecord, update?: Statement): number {
    const { summaryJson, detailJson } = encoded;
    try {
      const nowSec = this.#nowSec();
      if (update) {
        const args = [record.status, record.expiresAt, summaryJson, detailJson, record.taskId, record.process, record.createdAt, nowSec];
        if (update.run(...args).changes === 1) return 1;
      }
      return statement.run(
        record.taskId,
        record.process,
        record.status,
        record.createdAt,
        record.expiresAt,
        summaryJson,
        detailJson,
        record.trigger.type,
        nowSec,
      ).changes;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_TOOBIG') {
        throw new TaskRecordTooLargeError(Buffer.byteLength(summaryJson) + Buffer.byteLength(detailJson), SQLITE_MAX_LENGTH);
      }
      throw error;
    }
  }

  #mustGet(taskId: string): TaskRecord {
    const record = this.getSync(taskId);
    // Unreachable while the event loop runs one statement at a time: the guard just saw the row alive.
    if (!record) throw new SluiceError(`task ${taskId} vanished during a conditional write`);
    return record;
  }

  #listStatement(by: { process: boolean; trigger: boolean; status: boolean; since: boolean; until: boolean; paged: boolean }): Statement {
    const key = Object.values(by).map(Number).join('');
    let statement = this.#lists.get(key);
    if (!statement) {
      const where = [
        by.process && 'process = ?',
        by.trigger && 'trigger_type = ?',
        by.status && 'status = ?',
        'expires_at > ?',
        // The window bounds the index range (created_at follows the equality columns in each index).
        by.since && 'created_at >= ?',
        by.until && 'created_at < ?',
        by.paged && '(created_at, task_id) < (?, ?)',
      ];
      // Walk the index in list order: without table statistics the planner may
      // otherwise pick tasks_by_expiry and sort every unexpired row. A process
      // is the narrower equality when both are given.
      const index = by.process ? 'tasks_by_process' : by.trigger ? 'tasks_by_trigger' : 'tasks_by_created';
      statement = this.#db.prepare(
        `SELECT summary, created_at, task_id FROM tasks INDEXED BY ${index} WHERE ${where.filter(Boolean).join(' AND ')}
         ORDER BY created_at DESC, task_id DESC LIMIT ?`,
      );
      this.#lists.set(key, statement);
    }
    return statement;
  }

  #nowSec(): number {
    return Math.floor(this.#clock.now() / 1000);
  }
}

function fromRow(row: TaskRow): TaskRecord {
  const record = JSON.parse(row.summary) as TaskRecord;
  const detail = JSON.parse(row.detail) as Pick<TaskRecord, 'result' | 'logs' | 'payload'>;
  if ('result' in detail) record.result = detail.result;
  record.logs = detail.logs;
  if (detail.payload !== undefined) record.payload = detail.payload;
  return record;
}
