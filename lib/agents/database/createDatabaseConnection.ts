import type { AgentConnection } from '../../core/agents/AgentConnection.js';
import type { AgentHost } from '../../core/agents/AgentHost.js';
import type { DatabaseAgent } from '../../core/agents/DatabaseAgent.js';
import { ConfigError } from '../../core/errors.js';
import { resolveDatabaseEngine, type DatabaseSettings } from '../../config/connections/databaseSettings.js';
import type { Resolved } from '../../config/connections/secretRef.js';
import { MysqlPool } from './MysqlPool.js';
import { poolPolicy } from './poolPolicy.js';
import { PostgresPool } from './PostgresPool.js';
import { SqlDatabaseAgent } from './SqlDatabaseAgent.js';
import type { SqlPool } from './SqlPool.js';

export interface DatabaseConnectionOptions {
  /** The url of the PGlite server ({@link startPgliteServer}) serving this connection's `pglite` database. */
  pgliteUrl?: string;
}

/**
 * Builds a database connection: one pool (opened lazily, on the first call)
 * shared by every task of the container or worker thread; `forTask` binds
 * it to a task's signal and logger.
 *
 * - `postgres` (and `database` with `postgres://`): pg;
 * - `mysql` (and `mysql://`, `mariadb://`): mysql2;
 * - `pglite` (and `pglite:<name>`): pg, on `options.pgliteUrl` — the
 *   embedded runtime serves the database (startPgliteServer) and passes its url.
 * Pool policy by `host.kind` (see {@link poolPolicy}).
 *
 * @throws ConfigError  a url that names no engine (read from a secret), or a
 *   `pglite` connection without `pgliteUrl` (PGlite exists only in the embedded runtime)
 */
export function createDatabaseConnection(name: string, settings: Resolved<DatabaseSettings>, host: AgentHost, options?: DatabaseConnectionOptions): AgentConnection<DatabaseAgent> {
  let engine: ReturnType<typeof resolveDatabaseEngine>;
  try {
    engine = resolveDatabaseEngine(settings, name);
  } catch (error) {
    throw new ConfigError(`connection '${name}': ${(error as Error).message}`);
  }
  let pool: SqlPool;
  switch (engine.engine) {
    case 'postgres':
      pool = new PostgresPool({ url: engine.url, policy: poolPolicy(host, engine.poolMax), statementTimeoutSeconds: engine.statementTimeoutSeconds, ssl: engine.ssl });
      break;
    case 'mysql':
      pool = new MysqlPool({ url: engine.url, policy: poolPolicy(host, engine.poolMax), statementTimeoutSeconds: engine.statementTimeoutSeconds, ssl: engine.ssl });
      break;
    case 'pglite':
      if (options?.pgliteUrl === undefined) throw new ConfigError(`connection '${name}': the PGlite database '${engine.name ?? name}' is served by the embedded runtime only (no pgliteUrl given)`);
      // PGlite runs one statement at a time: more than two connections per thread only queue.
      pool = new PostgresPool({ url: options.pgliteUrl, policy: { ...poolPolicy(host, undefined), max: 2 }, pglite: true });
      break;
  }
  return {
    forTask: (scope) => new SqlDatabaseAgent(pool, scope),
    close: () => pool.close(),
  };
}
