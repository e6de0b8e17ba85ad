import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import { startPgliteServer } from '../../lib/agents/database/PgliteServer.js';
import type { AgentHost } from '../../lib/core/agents/AgentHost.js';
import { describeDatabaseAgentContract } from '../contracts/databaseAgentContract.js';

// Real servers on this machine (.ci/run starts them): PostgreSQL 127.0.0.1:5432 and MariaDB 127.0.0.1:3306, database `test`.
const host: AgentHost = { kind: 'embedded', serviceDir: process.cwd() };

/** A port nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const postgresTypes = { bigint: 'BIGINT', numeric: 'NUMERIC(10, 4)', date: 'DATE', timestamp: 'TIMESTAMPTZ', json: 'JSONB', bytes: 'BYTEA', text: 'TEXT' };
const postgresSql = {
  placeholder: (i: number) => `$${i}`,
  nativeSum: 'SELECT $1::int + $2::int AS s',
  series: (n: number) => `SELECT g AS id FROM generate_series(1, ${n}) AS g`,
  types: postgresTypes,
};

describeDatabaseAgentContract('pglite', {
  ...postgresSql,
  // PGlite cannot cancel: the statement runs to its end, holding the database (a short one keeps the suite fast).
  sleep: 'SELECT pg_sleep(1)',
  async open() {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-'));
    const server = await startPgliteServer({ dataDir, name: 'contract' });
    return {
      connection: createDatabaseConnection('pglite', { type: 'pglite' }, host, { pgliteUrl: server.url }),
      async stop() {
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  // No socket in that directory.
  openBroken: (secret) =>
    createDatabaseConnection('broken', { type: 'database', url: 'pglite:broken' }, host, { pgliteUrl: `postgres://postgres:${secret}@localhost/postgres?host=${encodeURIComponent(join(tmpdir(), 'sluice-no-such-socket-dir'))}` }),
});

describeDatabaseAgentContract('postgres', {
  ...postgresSql,
  sleep: 'SELECT pg_sleep(10)',
  runningSleeps: "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND state = 'active'",
  async open() {
    return { connection: createDatabaseConnection('postgres', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, host), stop: async () => {} };
  },
  openBroken(secret) {
    // The local server trusts every local user (no password to get wrong): nothing listens on this port.
    return createDatabaseConnection('broken', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:9/test', password: secret }, host);
  },
});

describeDatabaseAgentContract('mariadb', {
  placeholder: () => '?',
  nativeSum: 'SELECT ? + ? AS s',
  series: (n) => `SELECT seq AS id FROM seq_1_to_${n}`,
  sleep: 'SELECT SLEEP(10)',
  runningSleeps: "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info = 'SELECT SLEEP(10)'",
  types: { bigint: 'BIGINT', numeric: 'DECIMAL(10, 4)', date: 'DATE', timestamp: 'DATETIME(3)', json: 'JSON', bytes: 'VARBINARY(16)', text: 'TEXT' },
  async open() {
    return { connection: createDatabaseConnection('mariadb', { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test' }, host), stop: async () => {} };
  },
  openBroken(secret) {
    return createDatabaseConnection('broken', { type: 'database', url: 'mariadb://root@127.0.0.1:3306/test', password: secret }, host);
  },
});

void closedPort;
