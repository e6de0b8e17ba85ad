import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '../../core/errors.js';
import { ensurePrivateFile, type OnTightened, tightenIfPresent, warnTightened } from './privateFiles.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** How {@link openDatabase} opens a database. */
export interface OpenDatabaseOptions {
  /**
   * When a commit is durable.
   *
   * - `normal` (WAL + `synchronous=NORMAL`): a committed transaction survives
   *   a crash of the process (`kill -9`, OOM kill, uncaught exception),
   *   because SQLite has written it to the WAL file before the commit
   *   returns; the OS flushes it later. A power loss or kernel panic may roll
   *   back the last transactions (the database stays consistent). No fsync
   *   per commit, so tens of thousands of commits per second.
   * - `full` (`synchronous=FULL`): the WAL is fsynced on every commit, so a
   *   committed transaction also survives a power loss, at the cost of one
   *   fsync per commit (from ~0.1 ms on NVMe to several ms on cloud disks).
   *   The stores' group commit (see `GroupCommit`) pays it once per
   *   event-loop turn rather than once per write, but it still bounds the
   *   rate when requests arrive one at a time.
   *
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full';
  /**
   * Hold the database's file lock for the life of the connection
   * (`locking_mode=EXCLUSIVE`): no other connection, in this or another
   * process, can open it meanwhile, and the OS drops the lock when the
   * process dies, even by `kill -9`. Opening a database that another
   * connection holds fails with `SQLITE_BUSY`. Used by `EmbeddedStorage` as
   * the single-owner guard.
   *
   * @default false
   */
  exclusive?: boolean;
  /**
   * How long a statement waits for a lock held by another connection.
   *
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Told when an existing database file (or its `-wal`/`-shm`) was readable
   * by group or others and was tightened to 0600.
   *
   * @default process.emitWarning
   */
  onTightened?: OnTightened;
}

/**
 * Opens (creating it and its parent directories if needed) the embedded
 * runtime's SQLite database, private to its owner (0600, and so its `-wal`
 * and `-shm`, which SQLite creates with the database file's mode; existing
 * files with looser modes are tightened), configured for a single synchronous connection
 * on the event-loop thread, and brings its schema up to date.
 *
 * Use one connection per runtime: better-sqlite3 is synchronous, so every
 * statement runs on the event-loop thread and transactions never interleave.
 *
 * @throws {ConfigError} when the database was written by a newer Sluice (its schema version is unknown)
 * @example
 * const db = openDatabase('.sluice/sluice.db');
 * const tasks = new SqliteTaskStore(db);
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database.Database {
  const memory = path === ':memory:' || path === '';
  const onTightened = options.onTightened ?? warnTightened;
  if (!memory) {
    mkdirSync(dirname(path), { recursive: true });
    ensurePrivateFile(path, onTightened);
    for (const suffix of ['-wal', '-shm']) tightenIfPresent(`${path}${suffix}`, onTightened);
  }
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
  try {
    // The locking mode must be set before the first read takes a lock.
    if (options.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    // 32 MiB page cache (the default is 2 MiB): the hot pages of tasks and messages stay in memory.
    db.pragma('cache_size = -32768');
    // Checkpoint every 10,000 WAL pages (~40 MB) instead of SQLite's 1,000: a
    // checkpoint fsyncs and copies each page once however often it was
    // rewritten, so rarer checkpoints cost far less per write (measured: about
    // a third of the write path at 1,000). The WAL file grows to ~40 MB.
    if (!memory) db.pragma('wal_autocheckpoint = 10000');
    // Take the lock now (rather than at the first statement) so that a second owner fails here.
    if (options.exclusive) db.exec('BEGIN EXCLUSIVE; COMMIT');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The highest migration applied to `db` (0 for an empty database). */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (!table) return 0;
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_version').get() as { version: number | null };
  return row.version ?? 0;
}

/** Applies every migration newer than the database's version, each in one transaction. */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const current = schemaVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new ConfigError(
      `the database ${db.name} has schema version ${current}, newer than this Sluice supports (${SCHEMA_VERSION}); upgrade Sluice or use another data directory`,
    );
  }
  const record = db.prepare('INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.description, new Date().toISOString());
    })();
  }
}
