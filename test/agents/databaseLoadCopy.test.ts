import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseConnection } from '../../lib/agents/database/createDatabaseConnection.js';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import { AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import type { DatabaseAgent } from '../../lib/core/agents/DatabaseAgent.js';
import { agentScope } from './agentScope.js';

/**
 * PostgreSQL's `load` streams every batch through one COPY (bench/load.ts):
 * what a batch after the first one does wrong must still fail the whole load,
 * store nothing and leave the connection usable.
 */
const TABLE = `load_copy_${process.pid}`;

describe('load on PostgreSQL: one COPY for every batch', () => {
  let connection: AgentConnection<DatabaseAgent>;
  let db: DatabaseAgent;

  beforeAll(async () => {
    connection = createDatabaseConnection('warehouse', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, { kind: 'embedded', serviceDir: process.cwd() });
    db = connection.forTask(agentScope('warehouse').scope);
    await db.execute(`DROP TABLE IF EXISTS ${TABLE}`);
    await db.execute(`CREATE TABLE ${TABLE} (id int PRIMARY KEY, name text)`);
  });

  afterAll(async () => {
    await db.execute(`DROP TABLE IF EXISTS ${TABLE}`);
    await connection.close();
  });

  const count = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${TABLE}`)).rows[0]!.n;

  it('loads many batches, values with tabs, newlines and backslashes intact', async () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({ id: i, name: i % 7 === 0 ? `a\tb\nc\\d ${i}` : `row ${i}` }));
    expect(await db.load(TABLE, rows, { batchSize: 100 })).toEqual({ rowCount: 2_500 });
    expect(await count()).toBe(2_500);
    const { rows: back } = await db.query<{ name: string }>(`SELECT name FROM ${TABLE} WHERE id = 7`);
    expect(back).toEqual([{ name: 'a\tb\nc\\d 7' }]);
    await db.execute(`TRUNCATE ${TABLE}`);
  });

  it('refuses a later batch with a column the first row lacks: nothing stored, the connection keeps working', async () => {
    const rows: Record<string, unknown>[] = [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }, { id: 4, other: 'd' }, { id: 5, name: 'e' }];
    await expect(db.load(TABLE, rows, { batchSize: 2 })).rejects.toBeInstanceOf(AgentRefusedError);
    expect(await count()).toBe(0);
    expect(await db.load(TABLE, rows.filter((row) => 'name' in row), { batchSize: 2 })).toEqual({ rowCount: 4 });
    expect(await count()).toBe(4);
    await db.execute(`TRUNCATE ${TABLE}`);
  });

  it("fails with the rows' own error when their iterable throws after some batches: nothing stored", async () => {
    async function* rows() {
      for (let id = 1; id <= 5; id++) yield { id, name: `n${id}` };
      throw new Error('the source broke');
    }
    await expect(db.load(TABLE, rows(), { batchSize: 2 })).rejects.toThrow('the source broke');
    expect(await count()).toBe(0);
  });

  it('merges many batches through the staging table', async () => {
    await db.load(TABLE, [{ id: 1, name: 'old' }, { id: 2, name: 'old' }]);
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: 'new' }));
    expect(await db.load(TABLE, rows, { mode: 'merge', key: 'id', batchSize: 3 })).toEqual({ rowCount: 10 });
    expect((await db.query(`SELECT count(*)::int AS n, min(name) AS name FROM ${TABLE}`)).rows).toEqual([{ n: 10, name: 'new' }]);
    await db.execute(`TRUNCATE ${TABLE}`);
  });
});
