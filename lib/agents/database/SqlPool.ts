import type { IdentifierQuote } from './quoteIdentifier.js';
import type { PlaceholderStyle } from './renderSql.js';

/** A statement's result as a driver returns it, mapped to the port's types. */
export interface SqlResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  /** Rows the statement returned or changed. */
  rowCount: number;
  /** The command tag PostgreSQL reported (`COMMIT` answers `ROLLBACK` when the transaction had failed); absent on MySQL. */
  command?: string;
}

/** A server-side cursor (or a socket-paced row stream) over one statement's rows. */
export interface SqlCursor {
  /** The next rows, at most the batch size; `[]` at the end. */
  read(): Promise<Array<Record<string, unknown>>>;
  /** Stops early: frees the cursor; `false` when the session cannot be reused afterwards. */
  close(): Promise<boolean>;
}

/** One pooled connection, held by one agent call (or one transaction, one stream). */
export interface SqlSession {
  run(text: string, values: readonly unknown[]): Promise<SqlResult>;
  cursor(text: string, values: readonly unknown[], batchSize: number): Promise<SqlCursor>;
  /**
   * PostgreSQL's COPY FROM STDIN of every batch of rows into `table`
   * (quoted), as one COPY statement — only when {@link SqlDialect.copy} is
   * true. An error thrown by `batches` fails the COPY (the server discards
   * it) and is rethrown.
   */
  copyRows?(table: string, columns: readonly string[], batches: AsyncIterable<ReadonlyArray<Record<string, unknown>>>): Promise<void>;
  /**
   * The task's signal fired during a call: cancels the running statement on
   * the server (best effort, not awaited) and closes the connection, so the
   * call's promise settles at once. The session is then released as broken.
   */
  abort(): void;
  /**
   * Before the session goes back to the pool: rolls back a transaction the
   * caller's statements left open (`execute('BEGIN')`, or a failed statement
   * after it), so the next task never runs inside it. `false` when the
   * session cannot be reused (the ROLLBACK failed, or the session state is
   * unknown).
   */
  endTransaction(): Promise<boolean>;
  /** Whether the connection is still usable after `error` (a SQL error is; a network error is not). */
  usableAfter(error: unknown): boolean;
}

/** What the generic agent needs to know of an engine's SQL. */
export interface SqlDialect {
  engine: 'postgres' | 'mysql';
  placeholder: PlaceholderStyle;
  quote: IdentifierQuote;
  /** Whether {@link SqlSession.copyRows} exists (PostgreSQL servers: yes; PGlite's socket: no). */
  copy: boolean;
}

/** An engine's pool of sessions, shared by every task of one connection. */
export interface SqlPool {
  readonly dialect: SqlDialect;
  /** A session, validated when it sat idle long enough to have died (frozen Lambda containers). */
  acquire(): Promise<SqlSession>;
  /** Returns a session: kept when `healthy`, closed otherwise. */
  release(session: SqlSession, healthy: boolean): void;
  /** Credentials removed from a driver message. */
  redact(message: string): string;
  close(): Promise<void>;
}
