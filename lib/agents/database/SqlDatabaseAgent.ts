import type { AgentScope } from '../../core/agents/AgentScope.js';
import { AgentError, AgentRefusedError } from '../../core/agents/agentErrors.js';
import type { DatabaseAgent, DatabaseTransaction, LoadOptions, QueryResult, SqlStatement } from '../../core/agents/DatabaseAgent.js';
import { traceAgentCall, type CallMeasure } from '../../core/agents/traceAgentCall.js';
import { loadRows } from './loadRows.js';
import { invalidDateReason } from './loadValue.js';
import { renderSql } from './renderSql.js';
import type { SqlPool, SqlSession } from './SqlPool.js';
import { CallAbortedError, untilAborted } from './untilAborted.js';

type Row = Record<string, unknown>;

/** What a transaction's work threw, carried past the wrapping of driver errors. */
class WorkFailure {
  constructor(
    readonly error: unknown,
    readonly rolledBack: boolean,
  ) {}
}

/** A transaction in progress: whether `tx` may still be used, and its first failed statement. */
interface TransactionState {
  open: boolean;
  failure?: { error: unknown };
}

/** Rows per stream batch when the caller gives none. */
const DEFAULT_BATCH_SIZE = 1_000;

/**
 * The database agent of one task over one engine's {@link SqlPool}: the port's
 * semantics live here once, the engines differ only below `SqlPool`.
 *
 * Every call writes one log line (traceAgentCall), holds a pooled session for
 * its duration, and races the task's signal: on abort the statement is
 * cancelled on the server, the connection closed and the call rejects at
 * once with an {@link AgentError}. Driver errors become AgentErrors naming
 * the connection and operation, credentials redacted.
 */
export class SqlDatabaseAgent implements DatabaseAgent {
  constructor(
    private readonly pool: SqlPool,
    private readonly scope: AgentScope,
  ) {}

  query<R extends Row = Row>(statement: string | SqlStatement, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return traceAgentCall(
      this.scope,
      'query',
      () => this.#withSession('query', (session) => this.#query<R>(session, statement, params)),
      (result) => ({ rows: result.rows.length }),
    );
  }

  execute(statement: string | SqlStatement, params?: readonly unknown[]): Promise<{ rowCount: number }> {
    return traceAgentCall(
      this.scope,
      'execute',
      () => this.#withSession('execute', (session) => this.#execute(session, statement, params)),
      (result) => ({ rows: result.rowCount }),
    );
  }

  transaction<T>(work: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
    return traceAgentCall(this.scope, 'transaction', () =>
      this.#withSession('transaction', async (session) => {
        const state: TransactionState = { open: true };
        const tx: DatabaseTransaction = {
          query: <R extends Row = Row>(statement: string | SqlStatement, params?: readonly unknown[]) =>
            this.#inTransaction(state, 'transaction.query', () => this.#query<R>(session, statement, params), (result) => ({ rows: result.rows.length })),
          execute: (statement, params) => this.#inTransaction(state, 'transaction.execute', () => this.#execute(session, statement, params), (result) => ({ rows: result.rowCount })),
        };
        await session.run('BEGIN', []);
        let result: T;
        try {
          result = await work(tx);
        } catch (error) {
          state.open = false;
          throw new WorkFailure(error, await this.#rollback(session));
        }
        state.open = false;
        // A statement failed and the work caught its error: PostgreSQL has aborted the transaction
        // (its COMMIT would answer ROLLBACK), MySQL would commit the other statements. Both roll back.
        if (state.failure !== undefined) throw new WorkFailure(this.#rolledBack(state.failure.error), await this.#rollback(session));
        const commit = await session.run('COMMIT', []);
        // Belt and braces: PostgreSQL turns the COMMIT of a failed transaction into a ROLLBACK.
        if (commit.command === 'ROLLBACK') throw new WorkFailure(this.#rolledBack(undefined), true);
        return result;
      }),
    );
  }

  /** ROLLBACK; false when it failed (the connection is gone), which must not hide why the work failed. */
  #rollback(session: SqlSession): Promise<boolean> {
    return session.run('ROLLBACK', []).then(
      () => true,
      () => false,
    );
  }

  #rolledBack(cause: unknown): AgentError {
    return new AgentError(
      this.scope.connection,
      'transaction',
      'the transaction was rolled back: a statement in it failed; nothing of it was committed (a failed statement aborts the whole transaction: let its error propagate, or run what may fail outside the transaction)',
      cause === undefined ? undefined : { cause },
    );
  }

  /** A statement of a transaction's work: its own log line, its driver error wrapped, refused once the transaction ended. */
  async #inTransaction<T>(state: TransactionState, operation: string, call: () => Promise<T>, measure: (result: T) => CallMeasure): Promise<T> {
    if (!state.open) throw new AgentRefusedError(this.scope.connection, operation, 'the transaction has ended: use tx only inside its callback');
    return traceAgentCall(
      this.scope,
      operation,
      () =>
        call().catch((error: unknown) => {
          const wrapped = this.#wrap(operation, error);
          state.failure ??= { error: wrapped };
          return Promise.reject(wrapped);
        }),
      measure,
    );
  }

  stream<R extends Row = Row>(statement: string | SqlStatement, params?: readonly unknown[], options?: { batchSize?: number }): AsyncIterable<R[]> {
    const batchSize = options?.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new AgentRefusedError(this.scope.connection, 'stream', `batchSize must be a positive integer (got ${batchSize})`);
    const agent = this;
    return {
      [Symbol.asyncIterator]: () => agent.#streamBatches<R>(statement, params, batchSize),
    };
  }

  load(table: string, rows: Iterable<Row> | AsyncIterable<Row>, options?: LoadOptions): Promise<{ rowCount: number }> {
    return traceAgentCall(
      this.scope,
      'load',
      () => this.#withSession('load', (session) => loadRows(session, this.pool.dialect, this.scope.connection, table, rows, options ?? {})),
      (result) => ({ rows: result.rowCount, mode: options?.mode ?? 'append' }),
    );
  }

  async #query<R extends Row>(session: SqlSession, statement: string | SqlStatement, params: readonly unknown[] | undefined): Promise<QueryResult<R>> {
    const { text, values } = this.#render('query', statement, params);
    const result = await session.run(text, values);
    return { columns: result.columns, rows: result.rows as R[] };
  }

  async #execute(session: SqlSession, statement: string | SqlStatement, params: readonly unknown[] | undefined): Promise<{ rowCount: number }> {
    const { text, values } = this.#render('execute', statement, params);
    return { rowCount: (await session.run(text, values)).rowCount };
  }

  #render(operation: string, statement: string | SqlStatement, params: readonly unknown[] | undefined) {
    let rendered: ReturnType<typeof renderSql>;
    try {
      rendered = renderSql(statement, params, this.pool.dialect.placeholder);
    } catch (error) {
      throw new AgentRefusedError(this.scope.connection, operation, (error as Error).message);
    }
    for (const [index, value] of rendered.values.entries()) {
      const invalid = invalidDateReason(value);
      if (invalid !== undefined) throw new AgentRefusedError(this.scope.connection, operation, `parameter ${index + 1} is ${invalid}`);
    }
    return rendered;
  }

  /**
   * Holds one session for `work`, racing the task's signal; releases it
   * healthy, or closed when it was aborted or its connection failed.
   */
  async #withSession<T>(operation: string, work: (session: SqlSession) => Promise<T>): Promise<T> {
    const session = await this.#acquire(operation);
    let healthy = true;
    try {
      return await untilAborted(this.scope.signal, work(session), () => {
        healthy = false;
        session.abort();
      });
    } catch (error) {
      if (error instanceof WorkFailure) {
        // The transaction's own work failed: its error goes back to the caller as it was thrown.
        if (!error.rolledBack) healthy = false;
        throw error.error;
      }
      if (healthy && !session.usableAfter(error)) healthy = false;
      throw this.#wrap(operation, error);
    } finally {
      // A transaction the caller left open (execute('BEGIN')) must not carry over to the next task.
      if (healthy) healthy = await session.endTransaction();
      this.pool.release(session, healthy);
    }
  }

  async #acquire(operation: string): Promise<SqlSession> {
    if (this.scope.signal.aborted) throw new AgentRefusedError(this.scope.connection, operation, 'the task was cancelled before the call');
    const acquiring = this.pool.acquire();
    try {
      return await untilAborted(this.scope.signal, acquiring, () => {
        // The session may still come: give it straight back.
        acquiring.then((session) => this.pool.release(session, true)).catch(() => {});
      });
    } catch (error) {
      throw this.#wrap(operation, error);
    }
  }

  async *#streamBatches<R extends Row>(statement: string | SqlStatement, params: readonly unknown[] | undefined, batchSize: number): AsyncGenerator<R[]> {
    const started = this.scope.now();
    let session: SqlSession | undefined;
    let healthy = true;
    let released = false;
    let logged = false;
    let rows = 0;
    let failure: unknown;
    const abort = () => {
      if (!healthy) return;
      healthy = false;
      session?.abort();
    };
    const release = () => {
      if (released || session === undefined) return;
      released = true;
      this.pool.release(session, healthy);
    };
    const log = () => {
      if (logged) return;
      logged = true;
      this.#logStream(started, rows, failure);
    };
    // A generator paused at its yield never hears the signal: a stream its consumer neither finished
    // nor broke out of would hold its session past the task's end. The task's signal (aborted when
    // the task ends, whatever its outcome) closes the cursor and the connection, and frees the session.
    const onTaskEnd = () => {
      abort();
      release();
      failure ??= this.#wrap('stream', new CallAbortedError('cancelled by the task signal'));
      log();
    };
    try {
      const { text, values } = this.#render('stream', statement, params);
      session = await this.#acquire('stream');
      this.scope.signal.addEventListener('abort', onTaskEnd, { once: true });
      const cursor = await untilAborted(this.scope.signal, session.cursor(text, values, batchSize), abort);
      let done = false;
      try {
        for (;;) {
          const batch = await untilAborted(this.scope.signal, cursor.read(), abort);
          if (batch.length === 0) {
            done = true;
            break;
          }
          rows += batch.length;
          yield batch as R[];
        }
      } finally {
        // Breaking out of the loop (or an error in its body) lands here with the cursor open.
        if (!done && healthy && !(await cursor.close().catch(() => false))) healthy = false;
      }
    } catch (error) {
      if (healthy && session !== undefined && !session.usableAfter(error)) healthy = false;
      failure ??= this.#wrap('stream', error);
      throw this.#wrap('stream', error);
    } finally {
      if (session !== undefined && !released && healthy) healthy = await session.endTransaction();
      this.scope.signal.removeEventListener('abort', onTaskEnd);
      release();
      log();
    }
  }

  /** The stream's one log line (traceAgentCall wraps a promise; a stream is a generator). */
  #logStream(started: number, rows: number, failure: unknown): void {
    const data = { connection: this.scope.connection, operation: 'stream', durationMs: this.scope.now() - started, rows };
    if (failure === undefined) this.scope.log.info(`${this.scope.connection} stream`, data);
    else this.scope.log.warn(`${this.scope.connection} stream failed`, { ...data, error: `${(failure as Error).name}: ${(failure as Error).message}` });
  }

  /** The driver's error as an AgentError: the connection named, credentials redacted (in the cause too). */
  #wrap(operation: string, error: unknown): Error {
    if (error instanceof AgentError || error instanceof AgentRefusedError) return error;
    if (error instanceof CallAbortedError) return new AgentError(this.scope.connection, operation, error.message, { cause: this.scope.signal.reason });
    const raw = error instanceof Error ? error.message : String(error);
    const code = typeof (error as { code?: unknown })?.code === 'string' ? ` (${(error as { code: string }).code})` : '';
    const message = this.pool.redact(raw) + code;
    if (error instanceof Error) {
      error.message = this.pool.redact(error.message);
      if (error.stack !== undefined) error.stack = this.pool.redact(error.stack);
    }
    return new AgentError(this.scope.connection, operation, message, { cause: error });
  }
}
