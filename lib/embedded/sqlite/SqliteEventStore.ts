import type Database from 'better-sqlite3';
import * as z from 'zod';
import { ValidationError } from '../../core/errors.js';
import type { DataEvent, EventPage, EventQuery } from '../../core/events/DataEvent.js';
import { checkEventQuery } from '../../core/events/dataEventRules.js';
import { decodeCursor, encodeCursor } from '../../core/pageCursor.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { EventStore, LineageDirection } from '../../core/ports/EventStore.js';
import { systemClock } from '../../core/time/systemClock.js';
import { GroupCommit } from './GroupCommit.js';

type Statement = Database.Statement<unknown[], unknown>;

const cursorSchema = z.tuple([z.string(), z.string()]);

/** Search filters in the order their index is preferred (most selective first). */
const FILTERS = [
  ['taskId', 'task_id', 'events_by_task'],
  ['source', 'source', 'events_by_source'],
  ['target', 'target', 'events_by_target'],
  ['label', 'label', 'events_by_label'],
  ['process', 'process', 'events_by_process'],
] as const;

/**
 * The embedded runtime's {@link EventStore}, in `sluice.db` beside the tasks:
 * events are written by the task store's save, in the transaction of their
 * task's final record (see `SqliteTaskStore` and `EmbeddedStorage`), through
 * {@link SqliteEventStore.insertSync}.
 *
 * Reads wait for the open group commit, as the task store's do: no one sees
 * an event that a crash could still take back.
 */
export class SqliteEventStore implements EventStore {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #commits: GroupCommit;
  readonly #insert: Statement;
  readonly #get: Statement;
  readonly #edges: Record<LineageDirection, Statement>;
  readonly #purge: Statement;
  readonly #searches = new Map<string, Statement>();

  constructor(db: Database.Database, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#commits = GroupCommit.for(db);
    this.#insert = db.prepare(
      `INSERT INTO events (event_id, created_at, label, source, target, process, task_id, expires_at, body)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#get = db.prepare('SELECT body FROM events WHERE event_id = ? AND expires_at > ?');
    const edges = (column: string, index: string) =>
      db.prepare(`SELECT body FROM events INDEXED BY ${index} WHERE ${column} = ? AND expires_at > ? ORDER BY created_at DESC, event_id DESC LIMIT ?`);
    this.#edges = { upstream: edges('target', 'events_by_target'), downstream: edges('source', 'events_by_source') };
    this.#purge = db.prepare('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE expires_at <= ? LIMIT ?)');
  }

  /**
   * Stores published events, expiring at `expiresAt` (epoch seconds: their
   * task record's). Synchronous, for the enclosing transaction of the task's
   * final save; joins it.
   */
  insertSync(events: readonly DataEvent[], expiresAt: number): void {
    for (const e of events) {
      this.#insert.run(e.eventId, e.createdAt, e.label, e.source, e.target, e.process, e.taskId, expiresAt, JSON.stringify(e));
    }
  }

  async search(query: EventQuery): Promise<EventPage> {
    const q = checkEventQuery(query);
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, cursorSchema);
    await this.#commits.settled();
    const used = FILTERS.filter(([field]) => q[field] !== undefined);
    const params: unknown[] = used.map(([field]) => q[field]);
    if (q.since !== undefined) params.push(q.since);
    if (q.until !== undefined) params.push(q.until);
    params.push(this.#nowSec());
    if (after) params.push(after[0], after[1]);
    params.push(q.limit + 1);
    const statement = this.#searchStatement(used.map(([, column]) => column), used[0]?.[2] ?? 'events_by_created', q.since !== undefined, q.until !== undefined, after !== undefined);
    const rows = statement.all(...params) as Array<{ body: string }>;
    const items = rows.slice(0, q.limit).map((row) => JSON.parse(row.body) as DataEvent);
    const last = items[q.limit - 1];
    return rows.length > q.limit && last ? { items, nextCursor: encodeCursor([last.createdAt, last.eventId]) } : { items };
  }

  async get(eventId: string): Promise<DataEvent | undefined> {
    await this.#commits.settled();
    const row = this.#get.get(eventId, this.#nowSec()) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as DataEvent);
  }

  async edges(node: string, direction: LineageDirection, limit: number): Promise<DataEvent[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError('edges: limit must be an integer from 1 to 1000', [{ path: 'limit', message: '1..1000' }]);
    await this.#commits.settled();
    const rows = this.#edges[direction].all(node, this.#nowSec(), limit) as Array<{ body: string }>;
    return rows.map((row) => JSON.parse(row.body) as DataEvent);
  }

  /** Deletes expired events (retention), at most `limit` per call. @returns how many */
  purgeExpired(nowSec: number = this.#nowSec(), options: { limit?: number } = {}): number {
    return this.#commits.runNow(() => this.#purge.run(nowSec, options.limit ?? -1).changes);
  }

  #searchStatement(columns: readonly string[], index: string, since: boolean, until: boolean, paged: boolean): Statement {
    const key = `${columns.join(',')}|${+since}${+until}${+paged}`;
    let statement = this.#searches.get(key);
    if (!statement) {
      const where = [
        ...columns.map((column) => `${column} = ?`),
        since && 'created_at >= ?',
        until && 'created_at < ?',
        'expires_at > ?',
        paged && '(created_at, event_id) < (?, ?)',
      ].filter(Boolean);
      // The index of the most selective filter, walked in answer order (see SqliteTaskStore's lists for why it is named).
      statement = this.#db.prepare(`SELECT body FROM events INDEXED BY ${index} WHERE ${where.join(' AND ')} ORDER BY created_at DESC, event_id DESC LIMIT ?`);
      this.#searches.set(key, statement);
    }
    return statement;
  }

  #nowSec(): number {
    return Math.floor(this.#clock.now() / 1000);
  }
}
