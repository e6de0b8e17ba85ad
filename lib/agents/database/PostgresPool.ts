import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextValue } from './loadValue.js';
import type { PoolPolicy } from './poolPolicy.js';
import { postgresTypeName, postgresTypeParsers } from './postgresTypes.js';
import { redactSecret } from './redactSecret.js';
import { sendCancelRequest } from './sendCancelRequest.js';
import type { SqlCursor, SqlDialect, SqlPool, SqlResult, SqlSession } from './SqlPool.js';
import { withTimeout } from './withTimeout.js';

export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/db` (the password already in it). */
  url: string;
  policy: PoolPolicy;
  statementTimeoutSeconds?: number;
  ssl?: boolean | 'require';
  /**
   * PGlite behind its socket server: no COPY FROM STDIN (its multiplexer
   * breaks the sub-protocol), no CancelRequest (ignored: the abort closes the
   * connection, the statement runs to its end in PGlite).
   */
  pglite?: boolean;
}

/** How long a validation ping of an idle connection may take before the connection counts as dead. */
const PING_TIMEOUT_MS = 2_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** How long the ROLLBACK of a transaction left open may take before the connection is closed instead. */
const ROLLBACK_TIMEOUT_MS = 2_000;

/**
 * A node-postgres pool as the database agent's {@link SqlPool}: type parsers
 * set on this pool only (the `types` option, not the global `pg.types`),
 * server-side cursors (pg-cursor), COPY FROM STDIN (pg-copy-streams), a
 * CancelRequest plus closing the connection on abort.
 */
export class PostgresPool implements SqlPool {
  readonly dialect: SqlDialect;
  readonly #pool: pg.Pool;
  readonly #server: { host: string; port: number };
  readonly #password: string | undefined;
  readonly #idleSince = new WeakMap<pg.PoolClient, number>();
  readonly #known = new WeakSet<pg.PoolClient>();
  #closed: Promise<void> | undefined;

  constructor(private readonly options: PostgresPoolOptions) {
    const url = new URL(options.url);
    this.#server = { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? 5432 : Number(url.port) };
    this.#password = url.password === '' ? undefined : decodeURIComponent(url.password);
    this.dialect = { engine: 'postgres', placeholder: '$n', quote: '"', copy: options.pglite !== true };
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.policy.max,
      idleTimeoutMillis: options.policy.idleTimeoutMs,
      connectionTimeoutMillis: options.policy.connectTimeoutMs,
      // Idle connections must not keep a worker or a Lambda's event loop alive.
      allowExitOnIdle: true,
      types: postgresTypeParsers,
      application_name: 'sluice',
      ...(options.statementTimeoutSeconds !== undefined ? { statement_timeout: Math.round(options.statementTimeoutSeconds * 1000) } : {}),
      ...(options.ssl !== undefined ? { ssl: options.ssl === 'require' ? { rejectUnauthorized: false } : options.ssl } : {}),
    });
    // An idle connection the server closes emits 'error' on the pool; the pool drops it, nothing else to do.
    this.#pool.on('error', () => {});
  }

  async acquire(): Promise<SqlSession> {
    const client = await this.#pool.connect();
    if (!this.#known.has(client)) {
      this.#known.add(client);
      // A connection closed by abort() (or by the server) while checked out must not crash the process.
      client.on('error', () => {});
    }
    const idleSince = this.#idleSince.get(client);
    if (idleSince !== undefined && Date.now() - idleSince > this.options.policy.validateAfterMs) {
      try {
        await withTimeout(client.query('SELECT 1'), PING_TIMEOUT_MS, 'the ping');
      } catch {
        destroy(client);
        client.release(true);
        return this.acquire();
      }
    }
    return new PostgresSession(client, this.#server, this.options.pglite !== true, (cursor) => this.#closeOrphan(cursor));
  }

  /**
   * PGlite's session outlives the connection an aborted stream closed, and
   * so does its WITH HOLD cursor (a materialized result): close it from
   * another connection. Best effort, after the aborted statement ends.
   */
  #closeOrphan(cursor: string): void {
    void this.#pool.query(`CLOSE ${cursor}`).catch(() => {});
  }

  release(session: SqlSession, healthy: boolean): void {
    const { client } = session as PostgresSession;
    this.#idleSince.set(client, Date.now());
    client.release(healthy ? undefined : true);
  }

  redact(message: string): string {
    return redactSecret(message, this.#password);
  }

  close(): Promise<void> {
    // end() waits for every connection's Terminate: a dead one (frozen container) never answers.
    this.#closed ??= withTimeout(this.#pool.end(), CLOSE_TIMEOUT_MS, 'closing the pool').catch(() => {});
    return this.#closed;
  }
}

/** Closes a client's socket at once (`client.end()` would wait for the running statement). */
function destroy(client: pg.PoolClient): void {
  (client as unknown as { connection?: { stream?: Socket } }).connection?.stream?.destroy();
}

class PostgresSession implements SqlSession {
  constructor(
    readonly client: pg.PoolClient,
    private readonly server: { host: string; port: number },
    private readonly cancellable: boolean,
    private readonly closeOrphan: (cursor: string) => void,
  ) {}

  /** The WITH HOLD cursor this session has open (PGlite streams). */
  #holdCursorName: string | undefined;

  /**
   * Whether the client's transaction status may be out of date: pg settles a
   * failed statement at its ErrorResponse, before the ReadyForQuery that
   * carries the status, and a cursor's statement ends after its last read.
   */
  #statusStale = false;

  async run(text: string, values: readonly unknown[]): Promise<SqlResult> {
    this.#statusStale = true;
    const results = (await this.client.query({ text, values: values.map(toPostgresValue) })) as pg.QueryResult | pg.QueryResult[];
    this.#statusStale = false;
    // Several statements in one text without parameters: the last one's result.
    const result = Array.isArray(results) ? results[results.length - 1]! : results;
    return {
      columns: (result.fields ?? []).map((field) => ({ name: field.name, type: postgresTypeName(field.dataTypeID) })),
      rows: result.rows,
      rowCount: result.rowCount ?? result.rows.length,
      ...(typeof result.command === 'string' ? { command: result.command } : {}),
    };
  }

  async cursor(text: string, values: readonly unknown[], batchSize: number): Promise<SqlCursor> {
    this.#statusStale = true;
    if (!this.cancellable) return this.#holdCursor(text, values, batchSize);
    const cursor = this.client.query(new Cursor<Record<string, unknown>>(text, values.map(toPostgresValue), { types: postgresTypeParsers }));
    return {
      read: async () => {
        const rows = await cursor.read(batchSize);
        // The end comes after the statement's ReadyForQuery: the status is current (no ROLLBACK needed).
        if (rows.length === 0) this.#statusStale = false;
        return rows;
      },
      close: async () => {
        await cursor.close();
        // close() settles at the ReadyForQuery of its Sync, after the client read its status.
        this.#statusStale = false;
        return true;
      },
    };
  }

  /**
   * PGlite is one session shared by every connection: another connection's
   * COMMIT ends the implicit transaction pg-cursor's portal lives in (the
   * portal vanishes), and an explicit transaction would hold back every other
   * connection until the stream ends (a loop that loads what it reads would
   * wait for itself). A `WITH HOLD` cursor outlives transactions: PostgreSQL
   * materializes the result when its DECLARE commits and FETCH reads it batch
   * by batch: the caller's memory stays bounded, PGlite holds the whole result
   * (in its WASM memory and temporary files) until the cursor closes.
   */
  async #holdCursor(text: string, values: readonly unknown[], batchSize: number): Promise<SqlCursor> {
    const name = `sluice_cursor_${randomBytes(8).toString('hex')}`;
    this.#holdCursorName = name;
    await this.run(`DECLARE ${name} NO SCROLL CURSOR WITH HOLD FOR ${text}`, values);
    let open = true;
    const close = async () => {
      if (open) {
        open = false;
        await this.run(`CLOSE ${name}`, []);
        this.#holdCursorName = undefined;
      }
      return true;
    };
    return {
      read: async () => {
        if (!open) return [];
        const { rows } = await this.run(`FETCH FORWARD ${batchSize} FROM ${name}`, []);
        if (rows.length === 0) await close();
        return rows;
      },
      close,
    };
  }

  async copyRows(table: string, columns: readonly string[], batches: AsyncIterable<ReadonlyArray<Record<string, unknown>>>): Promise<void> {
    const names = columns.map((column) => column.slice(1, -1));
    let failure: { error: unknown } | undefined;
    // One chunk per batch: pg-copy-streams sends each chunk as its own CopyData message.
    const text = async function* () {
      try {
        for await (const rows of batches) yield copyText(rows, names);
      } catch (error) {
        failure = { error };
        // What the server logs with the COPY's failure: not the rows' error, which may quote data.
        throw new Error('the rows to load failed');
      }
    };
    try {
      await pipeline(Readable.from(text()), this.client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
    } catch (error) {
      throw failure ? failure.error : error;
    }
  }

  async endTransaction(): Promise<boolean> {
    // The transaction status of the last ReadyForQuery: I idle, T in a transaction, E in a failed one.
    const status = this.client.getTransactionStatus();
    if (status === 'I' && !this.#statusStale) return true;
    if (status !== 'I' && status !== 'T' && status !== 'E') return false;
    // Out of date, or in a transaction: ROLLBACK (only a warning outside a transaction) settles it.
    return withTimeout(this.client.query('ROLLBACK'), ROLLBACK_TIMEOUT_MS, 'the rollback').then(
      () => this.client.getTransactionStatus() === 'I',
      () => false,
    );
  }

  abort(): void {
    const { processID, secretKey } = this.client as unknown as { processID: number | null; secretKey: number | null };
    if (this.cancellable && processID !== null && secretKey !== null) void sendCancelRequest(this.server.host, this.server.port, processID, secretKey);
    destroy(this.client);
    if (this.#holdCursorName !== undefined) this.closeOrphan(this.#holdCursorName);
  }

  usableAfter(error: unknown): boolean {
    // A statement's error leaves the session usable; a broken connection or a server shutting down does not.
    if (!(error instanceof pg.DatabaseError)) return false;
    const code = error.code ?? '';
    // 25P02: the session sits in a failed transaction; endTransaction() would roll it back, but a session that got there is not trusted.
    return error.severity !== 'FATAL' && error.severity !== 'PANIC' && !code.startsWith('08') && !code.startsWith('57P') && code !== '25P02';
  }
}

/** bigint as text (pg does not bind it); a Date as its ISO UTC text (pg would write local time, read in a `timestamp` column as another instant). */
function toPostgresValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
  return value;
}

/** `rows` in COPY text format, a line each (concatenated: no array per row or per value). */
function copyText(rows: ReadonlyArray<Record<string, unknown>>, names: readonly string[]): string {
  const last = names.length - 1;
  if (last < 0) return '\n'.repeat(rows.length);
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < last; i++) text += `${copyTextValue(row[names[i]!])}\t`;
    text += `${copyTextValue(row[names[last]!])}\n`;
  }
  return text;
}
