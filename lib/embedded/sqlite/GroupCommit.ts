import type Database from 'better-sqlite3';

interface Group {
  promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

const instances = new WeakMap<Database.Database, GroupCommit>();

/**
 * Group commit: the writes of one event-loop turn share one SQLite
 * transaction, committed in a `setImmediate` callback; a write's promise
 * resolves only after that commit.
 *
 * Why: on a file database a commit costs far more than a statement (every
 * dirty page is appended to the WAL again, and checkpoints follow), so one
 * commit per write caps the rate at a few thousand writes per second. Under
 * load, the many requests handled in one turn (HTTP submissions, receives,
 * result saves) share one commit instead. A caller is told "done" only once
 * its write is durable, so `kill -9` never loses an acknowledged write; it
 * may lose the writes of the last turn, whose callers were not answered.
 *
 * Rules for operations passed to {@link GroupCommit.join}, `run` and `runNow`:
 * each must be atomic on its own (one statement, or a `db.transaction(...)`
 * function, which becomes a savepoint inside the group, so a throwing
 * operation rolls back alone). Reads see the group's uncommitted writes (one
 * connection); readers that must not observe a write before it is durable
 * wait for {@link GroupCommit.settled} first.
 *
 * One instance per connection: {@link GroupCommit.for}.
 */
export class GroupCommit {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  #group: Group | undefined;
  #depth = 0;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
  }

  /** The group commit of `db` (created on first use). */
  static for(db: Database.Database): GroupCommit {
    let instance = instances.get(db);
    if (!instance) {
      instance = new GroupCommit(db);
      instances.set(db, instance);
    }
    return instance;
  }

  /**
   * Runs `operation` now inside the open group, opening one when none is
   * open, and returns its result. It is durable once {@link GroupCommit.durable} resolves.
   * Nested in another operation or in an explicit transaction, it just runs.
   */
  join<T>(operation: () => T): T {
    if (!this.#group && this.#depth === 0 && !this.#db.inTransaction) this.#open();
    return this.#call(operation);
  }

  /** Runs `operation` in the group; resolves with its result once it is durable. */
  run<T>(operation: () => T): Promise<T> {
    let result: T;
    try {
      result = this.join(operation);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.durable().then(() => result);
  }

  /**
   * Runs `operation` and makes it durable before returning: when a group is
   * open it joins it and commits the group at once. For synchronous APIs.
   */
  runNow<T>(operation: () => T): T {
    if (!this.#group || this.#depth > 0) return this.#call(operation);
    try {
      return this.#call(operation);
    } finally {
      this.flush();
    }
  }

  /** Resolves when the open group has committed (at once when none is open); rejects if its commit fails. */
  durable(): Promise<void> {
    return this.#group?.promise ?? Promise.resolve();
  }

  /** Resolves when the open group has committed or rolled back (at once when none is open). */
  settled(): Promise<void> {
    return this.#group ? this.#group.promise.then(noop, noop) : Promise.resolve();
  }

  /** Commits the open group now (e.g. before closing the database). */
  flush(): void {
    const group = this.#group;
    if (!group) return;
    this.#group = undefined;
    try {
      if (!this.#db.open) throw new Error('the database was closed before the writes of this turn were committed');
      this.#commit.run();
    } catch (error) {
      // A failed COMMIT (disk full, I/O error) may leave the transaction open: roll the whole group back.
      if (this.#db.open && this.#db.inTransaction) this.#db.exec('ROLLBACK');
      group.reject(error);
      return;
    }
    group.resolve();
  }

  #open(): void {
    this.#begin.run();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Marked handled: a failure reaches whoever awaits it, and is not an unhandled rejection otherwise.
    promise.catch(noop);
    this.#group = { promise, resolve, reject };
    setImmediate(() => this.flush());
  }

  #call<T>(operation: () => T): T {
    this.#depth++;
    try {
      return operation();
    } finally {
      this.#depth--;
    }
  }
}

function noop(): void {}
