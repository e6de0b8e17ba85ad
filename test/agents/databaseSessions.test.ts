import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import { startPgliteServer } from '../../lib/agents/database/PgliteServer.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import type { AgentHost } from '../../lib/core/agents/AgentHost.js';
import type { DatabaseAgent } from '../../lib/core/agents/DatabaseAgent.js';
import { agentScope } from './agentScope.js';

// What one task leaves on a pooled session must not reach the next task. One connection per pool
// (PGlite: one session behind all): the next task gets the very session the previous one released. Real servers (.ci/run starts them).
const host: AgentHost = { kind: 'embedded', serviceDir: process.cwd() };

const engines: Record<string, { open(): Promise<{ connection: AgentConnection<DatabaseAgent>; stop(): Promise<void> }>; series(n: number): string }> = {
  postgres: {
    open: async () => ({ connection: postgres(), stop: async () => {} }),
    series: (n: number) => `SELECT g AS id FROM generate_series(1, ${n}) AS g`,
  },
  mariadb: {
    open: async () => ({
      connection: createDatabaseConnection('mariadb', { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test', pool: { max: 1 } }, host),
      stop: async () => {},
    }),
    series: (n: number) => `SELECT seq AS id FROM seq_1_to_${n}`,
  },
  // One PostgreSQL session behind every connection: a transaction left open holds back all of them.
  pglite: {
    async open() {
      const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-'));
      const server = await startPgliteServer({ dataDir, name: 'sessions' });
      return {
        connection: createDatabaseConnection('pglite', { type: 'pglite' }, host, { pgliteUrl: server.url }),
        async stop() {
          await server.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
    series: (n: number) => `SELECT g AS id FROM generate_series(1, ${n}) AS g`,
  },
};

function postgres(): AgentConnection<DatabaseAgent> {
  return createDatabaseConnection('postgres', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', pool: { max: 1 } }, host);
}


for (const [name, engine] of Object.entries(engines)) {
  describe(`database sessions back in the pool: ${name}`, () => {
    let connection: AgentConnection<DatabaseAgent>;
    let stop: () => Promise<void>;
    const table = `sluice_sessions_${randomBytes(4).toString('hex')}`;
    const task = () => connection.forTask(agentScope(name).scope);
    const count = async () => Number((await task().query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n);

    beforeAll(async () => {
      ({ connection, stop } = await engine.open());
      await task().execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
    });

    afterAll(async () => {
      await task().execute(`DROP TABLE IF EXISTS ${table}`);
      await connection.close();
      await stop();
    });

    it('rolls back a transaction a task opened with execute, so the next task commits its own writes', async () => {
      await task().execute('BEGIN');
      await task().execute(`INSERT INTO ${table} (id) VALUES (1)`);
      // Inside a leaked transaction this ROLLBACK would undo the other task's insert.
      await task().execute('ROLLBACK');
      expect(await count()).toBe(1);
      await task().execute(`DELETE FROM ${table}`);
    });

    it('frees a stream left paused when the task signal aborts', async () => {
      const { scope, controller } = agentScope(name);
      const iterator = connection.forTask(scope).stream(engine.series(10), [], { batchSize: 2 })[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toHaveLength(2);
      // The task ends (any outcome aborts its signal) with the generator paused at its yield.
      controller.abort(new Error('the task ended'));
      const next = task();
      expect((await next.query<{ one: unknown }>('SELECT 1 AS one')).rows.map((row) => Number(row.one))).toEqual([1]);
      await expect(iterator.next()).rejects.toThrow(/cancelled by the task signal/);
    });
  });
}

describe('database sessions back in the pool: postgres failed transaction', () => {
  it('rolls back a failed transaction a task left open, so later tasks do not get 25P02', async () => {
    const connection = postgres();
    try {
      await expect(connection.forTask(agentScope('postgres').scope).execute('BEGIN; SELECT 1/0')).rejects.toThrow(/division by zero/);
      for (let i = 0; i < 2; i++) {
        expect((await connection.forTask(agentScope('postgres').scope).query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      }
    } finally {
      await connection.close();
    }
  });
});

describe('database sessions back in the pool: mariadb autocommit', () => {
  it('closes a session a task turned autocommit off on, so the next task does not run in an implicit transaction', async () => {
    const { connection } = await engines.mariadb!.open();
    const table = `sluice_sessions_${randomBytes(4).toString('hex')}`;
    const task = () => connection.forTask(agentScope('mariadb').scope);
    try {
      await task().execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY)`);
      await task().execute('SET autocommit = 0');
      await task().execute(`INSERT INTO ${table} (id) VALUES (1)`);
      // With autocommit still off, this ROLLBACK would undo the other task's insert.
      await task().execute('ROLLBACK');
      expect((await task().query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows.map((row) => Number(row.n))).toEqual([1]);
    } finally {
      await task().execute(`DROP TABLE IF EXISTS ${table}`);
      await connection.close();
    }
  });
});
