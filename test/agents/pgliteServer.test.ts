import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import { startPgliteServer } from '../../lib/agents/database/PgliteServer.js';
import { AgentError } from '../../lib/core/agents/agentErrors.js';
import { eventually } from '../helpers/time.js';
import { agentScope } from './agentScope.js';

const host = { kind: 'embedded' as const, serviceDir: process.cwd() };

describe('startPgliteServer', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps one database per name in a directory under dataDir, across restarts', async () => {
    let server = await startPgliteServer({ dataDir, name: 'orders' });
    let connection = createDatabaseConnection('orders', { type: 'pglite' }, host, { pgliteUrl: server.url });
    await connection.forTask(agentScope('orders').scope).execute('CREATE TABLE kept (id INTEGER PRIMARY KEY); INSERT INTO kept VALUES (1), (2)');
    await connection.close();
    await server.close();
    await server.close(); // idempotent
    // The socket's directory went with the server.
    expect(await readdir(dataDir)).toEqual(['orders']);

    server = await startPgliteServer({ dataDir, name: 'orders' });
    connection = createDatabaseConnection('orders', { type: 'database', url: 'pglite:orders' }, host, { pgliteUrl: server.url });
    try {
      const { rows } = await connection.forTask(agentScope('orders').scope).query<{ n: string }>('SELECT COUNT(*) AS n FROM kept');
      expect(rows).toEqual([{ n: '2' }]);
    } finally {
      await connection.close();
      await server.close();
    }
  });

  it('serves on a Unix socket in a directory only its user can enter, never on TCP', async () => {
    const server = await startPgliteServer({ dataDir, name: 'private' });
    const connection = createDatabaseConnection('private', { type: 'pglite' }, host, { pgliteUrl: server.url });
    try {
      const url = new URL(server.url);
      expect(url.port).toBe('');
      const socketDir = url.searchParams.get('host')!;
      expect(socketDir).toBe(join(dataDir, '.private.socket'));
      expect((await stat(socketDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(socketDir, '.s.PGSQL.5432'))).isSocket()).toBe(true);
      const { rows } = await connection.forTask(agentScope('private').scope).query<{ one: number }>('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await connection.close();
      await server.close();
    }
  });

  it('refuses a name that is not a plain file name', async () => {
    await expect(startPgliteServer({ dataDir, name: '../escape' })).rejects.toThrow(/not a PGlite database name/);
  });

  it('closes the cursor of a stream aborted mid-way (PGlite keeps one session for every connection)', async () => {
    const server = await startPgliteServer({ dataDir, name: 'cursors' });
    const connection = createDatabaseConnection('cursors', { type: 'pglite' }, host, { pgliteUrl: server.url });
    try {
      const { scope, controller } = agentScope('cursors');
      const error = await (async () => {
        for await (const batch of connection.forTask(scope).stream('SELECT g FROM generate_series(1, 10000) AS g', [], { batchSize: 100 })) {
          expect(batch).toHaveLength(100);
          controller.abort(new Error('process timeout'));
        }
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentError);
      const probe = connection.forTask(agentScope('cursors').scope);
      await eventually(async () => (await probe.query<{ n: string }>('SELECT COUNT(*) AS n FROM pg_cursors')).rows[0]!.n === '0', { what: 'the orphaned cursor to close' });
    } finally {
      await connection.close();
      await server.close();
    }
  });
});
