import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { KeyValueStore, KeyValueStoreOptions, KvEntry, KvListOptions, KvPage, KvWriteOptions } from '../../core/agents/KeyValueStore.js';
import { AgentError } from '../../core/agents/agentErrors.js';
import { KvNotANumberError, KvRefusedError } from '../../core/agents/kvErrors.js';
import {
  assertIncrementBy,
  assertKvKey,
  assertKvPrefix,
  assertKvTaskId,
  checkKvOptions,
  decodeKvValue,
  encodeKvCursor,
  encodeKvValue,
  kvExpired,
  kvExpiryMs,
  kvListPosition,
} from '../../core/agents/kvRules.js';
import type { Clock, ClockTimer } from '../../core/ports/Clock.js';
import { isoTime } from '../../core/time/isoTime.js';
import { systemClock } from '../../core/time/systemClock.js';
import { ensurePrivateFile, type OnTightened, tightenIfPresent, warnTightened } from './privateFiles.js';

/** The key-value store's own file in the data directory. */
export const KV_DATABASE_FILE = 'kv.sqlite';

/** `<dataDir>/kv.sqlite`. */
export function kvDatabasePath(dataDir: string): string {
  return join(dataDir, KV_DATABASE_FILE);
}

export interface SqliteKeyValueStoreOptions extends KeyValueStoreOptions {
  /** The database file, `kvDatabasePath(dataDir)`; created (0600, parents too) when missing. */
  path: string;
  /** @default systemClock */
  clock?: Clock;
  /**
   * How long a write waits for another connection's transaction (ms). The
   * wait blocks the calling thread (better-sqlite3 is synchronous); write
   * transactions here last microseconds.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /** @default process.emitWarning */
  onTightened?: OnTightened;
}

interface Row {
  key: string;
  value: string;
  updated_at_ms: number;
  task_id: string | null;
  expires_at_ms: number | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  task_id TEXT,
  expires_at_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_expiry ON kv (expires_at_ms) WHERE expires_at_ms IS NOT NULL;
`;

/** Rows deleted per purge transaction: a purge never holds the write lock for long. */
const PURGE_BATCH = 1000;

/**
 * {@link KeyValueStore} on SQLite, in its own file (`<dataDir>/kv.sqlite`):
 * the runtime's main database is held exclusively by the main thread, while
 * this file is opened by every worker thread that runs logics, each with its
 * own connection (WAL, so readers never wait; `busy_timeout`, so writers
 * queue; `synchronous=NORMAL`: a commit survives a process crash, a power
 * loss may roll back the last ones, as in `openDatabase`).
 *
 * - Keys are TEXT with SQLite's BINARY collation (UTF-8 byte order); a prefix
 *   is a key range, not LIKE, so `%` and `_` are plain characters.
 * - `setIfAbsent` is one upsert statement that replaces only an expired
 *   row; `increment` reads and writes in one `BEGIN IMMEDIATE` transaction.
 *   Both hold SQLite's single write lock throughout, so concurrent callers on
 *   any connection or thread run one after the other.
 * - Expired rows stay until {@link purgeExpired} (or a write to their key);
 *   every read filters them.
 *
 * @example
 * ```ts
 * const kv = new SqliteKeyValueStore({ path: kvDatabasePath(dataDir), maxTtlSeconds: 86_400 });
 * await kv.set('orders/cursor', { since: '2026-11-29' }, { taskId });
 * const stop = kv.startPurging(60_000);
 * ```
 */
export class SqliteKeyValueStore implements KeyValueStore {
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #options: KeyValueStoreOptions;
  readonly #stmt: ReturnType<typeof prepare>;
  readonly #increment: Database.Transaction<(key: string, by: number, now: number, newExpiry: number | undefined, taskId: string | undefined) => number>;
  #stopPurging: (() => void) | undefined;

  constructor(options: SqliteKeyValueStoreOptions) {
    this.#options = checkKvOptions(options);
    this.#clock = options.clock ?? systemClock;
    this.#db = openKvDatabase(options.path, options.busyTimeoutMs ?? 5000, options.onTightened ?? warnTightened);
    this.#stmt = prepare(this.#db);
    this.#increment = this.#db.transaction((key: string, by: number, now: number, newExpiry: number | undefined, taskId: string | undefined) =>
      this.#addToCounter(key, by, now, newExpiry, taskId),
    );
  }

  async get(key: string): Promise<KvEntry | undefined> {
    assertKvKey('get', key);
    const row = this.#run('get', () => this.#stmt.get.get(key, this.#clock.now()) as Row | undefined);
    return row && toEntry(row);
  }

  async set(key: string, value: unknown, options: KvWriteOptions = {}): Promise<void> {
    const write = this.#prepareWrite('set', key, value, options);
    this.#run('set', () => this.#stmt.upsert.run(write));
  }

  async delete(key: string): Promise<boolean> {
    assertKvKey('delete', key);
    const row = this.#run('delete', () => this.#stmt.deleteReturning.get(key) as Pick<Row, 'expires_at_ms'> | undefined);
    return row !== undefined && !kvExpired(row.expires_at_ms, this.#clock.now());
  }

  async setIfAbsent(key: string, value: unknown, options: KvWriteOptions = {}): Promise<boolean> {
    const write = this.#prepareWrite('setIfAbsent', key, value, options);
    // One statement is atomic; the WHERE lets the upsert replace only an expired row.
    return this.#run('setIfAbsent', () => this.#stmt.insertIfAbsent.run({ ...write, now: write.updated_at_ms }).changes === 1);
  }

  async increment(key: string, by = 1, options: KvWriteOptions = {}): Promise<number> {
    assertKvKey('increment', key);
    assertIncrementBy(key, by);
    assertKvTaskId('increment', key, options.taskId);
    const now = this.#clock.now();
    const newExpiry = kvExpiryMs('increment', key, now, options.ttlSeconds, this.#options);
    return this.#run('increment', () => this.#increment.immediate(key, by, now, newExpiry, options.taskId));
  }

  /** Read, check and write a counter: run `.immediate()`, so the write lock is taken before the read and no other connection writes in between. */
  #addToCounter(key: string, by: number, now: number, newExpiry: number | undefined, taskId: string | undefined): number {
    const current = this.#stmt.getAny.get(key) as Pick<Row, 'value' | 'expires_at_ms'> | undefined;
    let next: number;
    let expiry: number | undefined | null;
    if (current === undefined || kvExpired(current.expires_at_ms, now)) {
      next = by;
      expiry = newExpiry;
    } else {
      const value = decodeKvValue(current.value);
      if (typeof value !== 'number') throw new KvNotANumberError(key, value);
      next = value + by;
      expiry = current.expires_at_ms;
    }
    this.#stmt.upsert.run({ key, value: JSON.stringify(next), updated_at_ms: now, task_id: taskId ?? null, expires_at_ms: expiry ?? null });
    return next;
  }

  async list(prefix: string, options: KvListOptions = {}): Promise<KvPage> {
    assertKvPrefix(prefix);
    const { limit, after } = kvListPosition(prefix, options);
    const upper = prefixUpperBound(prefix);
    const statement = this.#stmt.list[`${after === undefined ? 'from' : 'after'}${upper === undefined ? '' : 'Below'}`];
    const rows = this.#run('list', () => statement.all({ lower: after ?? prefix, upper, now: this.#clock.now(), take: limit + 1 }) as Row[]);
    const items = rows.slice(0, limit).map(toEntry);
    return rows.length > limit ? { items, nextCursor: encodeKvCursor(items[items.length - 1]!.key) } : { items };
  }

  /**
   * Deletes the rows expired by now, in batches of 1,000 (one short write
   * transaction each). Returns how many. Only reclaims space: reads ignore
   * expired rows anyway.
   */
  purgeExpired(): number {
    const now = this.#clock.now();
    let deleted = 0;
    for (;;) {
      const changes = this.#run('purgeExpired', () => this.#stmt.purge.run(now, PURGE_BATCH).changes);
      deleted += changes;
      if (changes < PURGE_BATCH) return deleted;
    }
  }

  /**
   * Runs {@link purgeExpired} every `everyMs` on the store's clock until the
   * returned function is called. One connection (the runtime's main thread)
   * is enough; a purge that fails (the database busy) is tried again next time.
   * Calling it again replaces the previous schedule; {@link close} stops it.
   */
  startPurging(everyMs: number): () => void {
    this.#stopPurging?.();
    let timer: ClockTimer | undefined;
    let stopped = false;
    const tick = () => {
      try {
        this.purgeExpired();
      } catch {
        // SQLITE_BUSY past the timeout: the next round purges what this one missed.
      }
      if (!stopped) timer = this.#clock.setTimeout(tick, everyMs);
    };
    timer = this.#clock.setTimeout(tick, everyMs);
    const stop = () => {
      stopped = true;
      if (timer) this.#clock.clearTimeout(timer);
    };
    this.#stopPurging = stop;
    return stop;
  }

  /** Stops purging (see {@link startPurging}) and closes the connection. */
  close(): void {
    this.#stopPurging?.();
    this.#db.close();
  }

  /**
   * Runs a statement, a driver failure (SQLITE_BUSY past the timeout, a full
   * disk) becoming a retriable {@link AgentError}; refusals pass through.
   */
  #run<T>(operation: string, statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      if (error instanceof KvRefusedError) throw error;
      const detail = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
      throw new AgentError('kv', operation, `SQLite ${this.#db.name}: ${detail}`, { cause: error });
    }
  }

  #prepareWrite(operation: string, key: string, value: unknown, options: KvWriteOptions): Row {
    assertKvKey(operation, key);
    assertKvTaskId(operation, key, options.taskId);
    const json = encodeKvValue(operation, key, value);
    const now = this.#clock.now();
    const expiry = kvExpiryMs(operation, key, now, options.ttlSeconds, this.#options);
    return { key, value: json, updated_at_ms: now, task_id: options.taskId ?? null, expires_at_ms: expiry ?? null };
  }
}

function prepare(db: Database.Database) {
  const live = '(expires_at_ms IS NULL OR expires_at_ms > @now)';
  return {
    get: db.prepare(`SELECT * FROM kv WHERE key = ? AND (expires_at_ms IS NULL OR expires_at_ms > ?)`),
    getAny: db.prepare('SELECT value, expires_at_ms FROM kv WHERE key = ?'),
    upsert: db.prepare(
      `INSERT INTO kv (key, value, updated_at_ms, task_id, expires_at_ms) VALUES (@key, @value, @updated_at_ms, @task_id, @expires_at_ms)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms, task_id = excluded.task_id, expires_at_ms = excluded.expires_at_ms`,
    ),
    insertIfAbsent: db.prepare(
      `INSERT INTO kv (key, value, updated_at_ms, task_id, expires_at_ms) VALUES (@key, @value, @updated_at_ms, @task_id, @expires_at_ms)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at_ms = excluded.updated_at_ms, task_id = excluded.task_id, expires_at_ms = excluded.expires_at_ms
       WHERE kv.expires_at_ms IS NOT NULL AND kv.expires_at_ms <= @now`,
    ),
    deleteReturning: db.prepare('DELETE FROM kv WHERE key = ? RETURNING expires_at_ms'),
    // Four plain range scans of the primary key (an OR of bounds would keep SQLite from seeking).
    list: {
      from: db.prepare(`SELECT * FROM kv WHERE key >= @lower AND ${live} ORDER BY key LIMIT @take`),
      fromBelow: db.prepare(`SELECT * FROM kv WHERE key >= @lower AND key < @upper AND ${live} ORDER BY key LIMIT @take`),
      after: db.prepare(`SELECT * FROM kv WHERE key > @lower AND ${live} ORDER BY key LIMIT @take`),
      afterBelow: db.prepare(`SELECT * FROM kv WHERE key > @lower AND key < @upper AND ${live} ORDER BY key LIMIT @take`),
    },
    purge: db.prepare('DELETE FROM kv WHERE key IN (SELECT key FROM kv WHERE expires_at_ms <= ? LIMIT ?)'),
  };
}

/**
 * Opens the key-value database for one connection of many: WAL (readers
 * never block the writer), `busy_timeout` (writers wait for each other),
 * `synchronous=NORMAL`, the file and its `-wal`/`-shm` private (0600).
 * The schema is created if missing (idempotent, so every thread may do it).
 */
function openKvDatabase(path: string, busyTimeoutMs: number, onTightened: OnTightened): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  ensurePrivateFile(path, onTightened);
  for (const suffix of ['-wal', '-shm']) tightenIfPresent(`${path}${suffix}`, onTightened);
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function toEntry(row: Row): KvEntry {
  const entry: KvEntry = { key: row.key, value: decodeKvValue(row.value), updatedAt: isoTime(row.updated_at_ms) };
  if (row.task_id !== null) entry.taskId = row.task_id;
  if (row.expires_at_ms !== null) entry.expiresAt = isoTime(row.expires_at_ms);
  return entry;
}

/**
 * The smallest string above every string that starts with `prefix`, in
 * UTF-8 byte order (= code point order): the prefix with its last code
 * point incremented (skipping the surrogate range), dropping trailing
 * U+10FFFF. `undefined` when there is none (every key is in range).
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return points.join('') + String.fromCodePoint(next);
  }
  return undefined;
}
