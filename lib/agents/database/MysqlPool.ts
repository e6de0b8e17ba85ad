import type { Readable } from 'node:stream';
import mysql from 'mysql2/promise';
import type { FieldPacket, ResultSetHeader } from 'mysql2';
import { mysqlTypeName, mysqlTypeOptions } from './mysqlTypes.js';
import type { PoolPolicy } from './poolPolicy.js';
import { redactSecret } from './redactSecret.js';
import type { SqlCursor, SqlDialect, SqlPool, SqlResult, SqlSession } from './SqlPool.js';
import { withTimeout } from './withTimeout.js';

export interface MysqlPoolOptions {
  /** `mysql://user:password@host:port/db` or `mariadb://...` (the password already in it). */
  url: string;
  policy: PoolPolicy;
  /** The server's statement time limit: MariaDB `max_statement_time` (every statement), MySQL `max_execution_time` (SELECT only). */
  statementTimeoutSeconds?: number;
  ssl?: boolean | 'require';
}

const PING_TIMEOUT_MS = 2_000;
const CLOSE_TIMEOUT_MS = 5_000;
/** How long the ROLLBACK of a transaction left open may take before the connection is closed instead. */
const ROLLBACK_TIMEOUT_MS = 2_000;
/** The OK packet's server status flags (MySQL's SERVER_STATUS_IN_TRANS, SERVER_STATUS_AUTOCOMMIT). */
const SERVER_STATUS_IN_TRANS = 0x0001;
const SERVER_STATUS_AUTOCOMMIT = 0x0002;

type Row = Record<string, unknown>;
/** The callback connection under mysql2's promise wrapper: its query() can stream. */
type CoreConnection = { query(sql: string, values: unknown[]): { stream(options: { highWaterMark: number }): Readable } };

/**
 * A mysql2 pool as the database agent's {@link SqlPool} (MySQL and MariaDB):
 * prepared statements (`execute`) when there are parameters, the text
 * protocol otherwise; every session in UTC (`time_zone = '+00:00'`), so
 * TIMESTAMP columns read as UTC like DATETIME; streams paced by the socket
 * (mysql2's `query().stream()` pauses the connection when the consumer lags);
 * `KILL QUERY` from a second connection plus closing the connection on abort.
 */
export class MysqlPool implements SqlPool {
  readonly dialect: SqlDialect = { engine: 'mysql', placeholder: '?', quote: '`', copy: false };
  readonly #pool: mysql.Pool;
  readonly #config: mysql.ConnectionOptions;
  /** Keyed by the core connection: getConnection() wraps it in a new promise object every time. */
  readonly #idleSince = new WeakMap<object, number>();
  #closed: Promise<void> | undefined;

  constructor(private readonly options: MysqlPoolOptions) {
    const url = new URL(options.url);
    this.#config = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? 3306 : Number(url.port),
      user: decodeURIComponent(url.username),
      ...(url.password !== '' ? { password: decodeURIComponent(url.password) } : {}),
      ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
      connectTimeout: options.policy.connectTimeoutMs,
      ...(options.ssl !== undefined && options.ssl !== false ? { ssl: options.ssl === 'require' ? { rejectUnauthorized: false } : {} } : {}),
      ...mysqlTypeOptions,
    };
    this.#pool = mysql.createPool({
      ...this.#config,
      connectionLimit: options.policy.max,
      maxIdle: options.policy.max,
      idleTimeout: options.policy.idleTimeoutMs,
      enableKeepAlive: true,
    });
    const timeout = options.statementTimeoutSeconds;
    this.#pool.pool.on('connection', (connection) => {
      // TIMESTAMP columns are converted to the session's time zone: UTC, so they read like DATETIME.
      connection.query("SET time_zone = '+00:00'", () => {});
      if (timeout === undefined) return;
      // The server stops a statement running longer: MariaDB's max_statement_time (seconds, every
      // statement); MySQL has only max_execution_time (milliseconds, SELECT only).
      connection.query(`SET SESSION max_statement_time = ${timeout}`, (error: unknown) => {
        if (error) connection.query(`SET SESSION max_execution_time = ${Math.round(timeout * 1000)}`, () => {});
      });
    });
  }

  async acquire(): Promise<SqlSession> {
    const connection = await this.#pool.getConnection();
    const idleSince = this.#idleSince.get(coreOf(connection));
    if (idleSince !== undefined && Date.now() - idleSince > this.options.policy.validateAfterMs) {
      try {
        await withTimeout(connection.ping(), PING_TIMEOUT_MS, 'the ping');
      } catch {
        connection.destroy();
        return this.acquire();
      }
    }
    return new MysqlSession(connection, this.#config);
  }

  release(session: SqlSession, healthy: boolean): void {
    const mysqlSession = session as MysqlSession;
    if (mysqlSession.destroyed) return;
    if (healthy) {
      this.#idleSince.set(coreOf(mysqlSession.connection), Date.now());
      mysqlSession.connection.release();
    } else {
      mysqlSession.connection.destroy();
    }
  }

  redact(message: string): string {
    return redactSecret(message, this.#config.password);
  }

  close(): Promise<void> {
    // end() waits for every connection's QUIT: a dead one (frozen container) never answers.
    this.#closed ??= withTimeout(this.#pool.end(), CLOSE_TIMEOUT_MS, 'closing the pool').catch(() => {});
    return this.#closed;
  }
}

class MysqlSession implements SqlSession {
  destroyed = false;
  /**
   * The server status flags of the last OK packet (a statement without a
   * result set): only those can open or end a transaction or turn autocommit
   * off (mysql2 does not expose a result set's EOF status; a SELECT changes neither).
   */
  #serverStatus = SERVER_STATUS_AUTOCOMMIT;

  constructor(
    readonly connection: mysql.PoolConnection,
    private readonly config: mysql.ConnectionOptions,
  ) {}

  async run(text: string, values: readonly unknown[]): Promise<SqlResult> {
    const options = { sql: text };
    // Some statements cannot be prepared (on MariaDB among others): without parameters, the text protocol runs anything.
    const [result, fields] = values.length > 0 ? await this.connection.execute(options, values.map(toMysqlValue) as never) : await this.connection.query(options);
    if (!Array.isArray(result)) {
      this.#serverStatus = (result as ResultSetHeader).serverStatus ?? this.#serverStatus;
      return { columns: [], rows: [], rowCount: (result as ResultSetHeader).affectedRows };
    }
    return { columns: columnsOf(fields as FieldPacket[] | undefined), rows: result as Row[], rowCount: result.length };
  }

  async cursor(text: string, values: readonly unknown[], batchSize: number): Promise<SqlCursor> {
    // The promise wrapper has no stream(): the core connection's query does.
    const rows = coreOf(this.connection).query(text, values.map(toMysqlValue)).stream({ highWaterMark: batchSize });
    const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<Row>;
    return {
      read: async () => {
        const batch: Row[] = [];
        while (batch.length < batchSize) {
          const next = await iterator.next();
          if (next.done === true) break;
          batch.push(next.value);
        }
        return batch;
      },
      // The server keeps sending the rest of the result: the connection cannot be reused without reading it all.
      close: async () => {
        rows.destroy();
        return false;
      },
    };
  }

  async endTransaction(): Promise<boolean> {
    // `SET autocommit = 0` makes every later statement open a transaction: that session is not reused.
    if ((this.#serverStatus & SERVER_STATUS_AUTOCOMMIT) === 0) return false;
    if ((this.#serverStatus & SERVER_STATUS_IN_TRANS) === 0) return true;
    return withTimeout(this.run('ROLLBACK', []), ROLLBACK_TIMEOUT_MS, 'the rollback').then(
      () => (this.#serverStatus & SERVER_STATUS_IN_TRANS) === 0,
      () => false,
    );
  }

  abort(): void {
    const threadId = this.connection.threadId;
    // KILL QUERY needs a second connection: this one is busy with the statement to kill.
    void mysql
      .createConnection({ ...this.config, connectTimeout: 5_000 })
      .then(async (killer) => {
        try {
          await killer.query(`KILL QUERY ${Number(threadId)}`);
        } finally {
          killer.destroy();
        }
      })
      .catch(() => {});
    this.destroyed = true;
    this.connection.destroy();
  }

  usableAfter(error: unknown): boolean {
    const { fatal, sqlState } = (error ?? {}) as { fatal?: boolean; sqlState?: string };
    return fatal !== true && typeof sqlState === 'string';
  }
}

/** The callback connection under mysql2's promise wrapper. */
function coreOf(connection: mysql.PoolConnection): CoreConnection {
  return (connection as unknown as { connection: CoreConnection }).connection;
}

function columnsOf(fields: FieldPacket[] | undefined): SqlResult['columns'] {
  return (fields ?? []).map((field) => ({ name: field.name, type: mysqlTypeName(field.columnType, field.characterSet) }));
}

function toMysqlValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return value;
}
