/**
 * The database agent a logic gets from `ctx.db(name)` (LOC's DatabaseAgent):
 * one port, adapters for PostgreSQL (pg), MySQL/MariaDB (mysql2) and the
 * embedded default. Every call honours the task's signal (the query is
 * cancelled at the process timeout) and writes one task-log line.
 *
 * Placeholders: each engine's native style (`$1` on PostgreSQL and the
 * embedded default, `?` on MySQL) with `params`; or the portable `sql`
 * tagged template ({@link SqlStatement}), which every adapter renders in its
 * own style — values never become SQL text.
 *
 * Type mapping, identical across engines where the type exists:
 * - integers up to 2^53-1 (SMALLINT, INTEGER) → number; BIGINT → string
 *   (exact; `Number()` it when you know it fits);
 * - NUMERIC/DECIMAL → string (exact decimal text);
 * - REAL/DOUBLE → number; BOOLEAN (MySQL TINYINT(1) stays a number);
 * - DATE → 'YYYY-MM-DD' string; TIMESTAMP/TIMESTAMPTZ/DATETIME → ISO-8601
 *   UTC string (`2026-11-29T12:00:00.000Z`; a timestamp without time zone is
 *   read as UTC); years 0001-9999 (a date outside them comes back as the
 *   engine's text). A `Date` value (parameter or loaded row) must be valid
 *   and in years 0001-9999: anything else is refused (AgentRefusedError
 *   naming the parameter or column) before sending;
 * - JSON/JSONB → parsed value; BYTEA/BLOB → Uint8Array; NULL → null.
 */
export interface DatabaseAgent {
  /** Runs a statement that returns rows. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * Runs a statement for its effect. `rowCount`: rows inserted/updated/deleted.
   * Each call runs on a pooled connection of its own: a transaction a call
   * opens (`BEGIN`) is rolled back when the call returns — use `transaction`.
   */
  execute(statement: string | SqlStatement, params?: readonly unknown[]): Promise<{ rowCount: number }>;
  /**
   * Runs `work` in one transaction on one connection: commits when it
   * resolves, rolls back when it throws (and rethrows). `tx` is only valid
   * inside `work`.
   *
   * A statement of `tx` that fails dooms the transaction, even when `work`
   * catches its error and resolves: it is rolled back and `transaction`
   * rejects with an AgentError ("the transaction was rolled back: a statement
   * in it failed", `cause`: the first failed statement's error). PostgreSQL
   * aborts a transaction at its first error (its COMMIT becomes a ROLLBACK);
   * MySQL would keep the other statements: the adapter rolls back on both,
   * so no engine commits half of the work.
   */
  transaction<T>(work: (tx: DatabaseTransaction) => Promise<T>): Promise<T>;
  /**
   * Reads a large result in batches of at most `batchSize` rows (default
   * 1,000) through a server-side cursor: memory is bounded whatever the
   * table size. Breaking out of the loop closes the cursor; so does the
   * task's signal, even while the loop is paused between batches (a stream
   * left unfinished is closed when the task ends).
   */
  stream<Row extends Record<string, unknown> = Record<string, unknown>>(
    statement: string | SqlStatement,
    params?: readonly unknown[],
    options?: { batchSize?: number },
  ): AsyncIterable<Row[]>;
  /**
   * Bulk-loads rows into `table` (dlt's write dispositions):
   * - `append` (default): inserts;
   * - `replace`: the table's rows become exactly these, atomically (readers
   *   see the old rows until the load commits, never a half-loaded table);
   * - `merge`: upsert on `key` (one column or several: a unique key the table has);
   *   a key the rows repeat keeps its last row (dlt's merge), on every engine.
   * Columns are the keys of the first row. Returns the rows written.
   */
  load(table: string, rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>, options?: LoadOptions): Promise<{ rowCount: number }>;
}

/** What `transaction` hands its callback: query and execute on the transaction's connection. */
export type DatabaseTransaction = Pick<DatabaseAgent, 'query' | 'execute'>;

export interface QueryResult<Row = Record<string, unknown>> {
  /** In select order; `type` is the engine's type name in lower case (`int8`, `numeric`, `varchar`...). */
  columns: Array<{ name: string; type: string }>;
  rows: Row[];
}

export type LoadMode = 'append' | 'replace' | 'merge';

export interface LoadOptions {
  /** @default 'append' */
  mode?: LoadMode;
  /** Required for `merge`: the column(s) of a unique key. */
  key?: string | readonly string[];
  /** Rows per INSERT/COPY batch. @default 1000 */
  batchSize?: number;
}

/** A statement from the portable `sql` tag: text pieces and the values between them. */
export interface SqlStatement {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

/**
 * The portable, injection-safe form: `` sql`select * from t where id = ${id}` ``.
 * Each value is a bound parameter, rendered `$n` or `?` by the adapter.
 */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlStatement {
  return Object.freeze({ strings: Object.freeze([...strings]), values: Object.freeze([...values]) });
}

export function isSqlStatement(value: unknown): value is SqlStatement {
  return typeof value === 'object' && value !== null && Array.isArray((value as SqlStatement).strings) && Array.isArray((value as SqlStatement).values);
}
