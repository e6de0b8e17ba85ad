import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../lib/core/agents/AgentConnection.js';
import { AgentError, AgentRefusedError } from '../../lib/core/agents/agentErrors.js';
import { sql, type DatabaseAgent } from '../../lib/core/agents/DatabaseAgent.js';
import { agentScope } from '../agents/agentScope.js';
import { eventually } from '../helpers/time.js';

/** One engine the contract runs against, and the little SQL that differs between engines. */
export interface DatabaseContractTarget {
  /** A connection to a reachable database, and what to stop afterwards. */
  open(): Promise<{ connection: AgentConnection<DatabaseAgent>; stop(): Promise<void> }>;
  /** A connection that cannot connect (wrong password or nothing listening), built with `secret` as its password. */
  openBroken(secret: string): AgentConnection<DatabaseAgent>;
  /** The engine's native placeholder of parameter `i` (1-based): `$i` or `?`. */
  placeholder(i: number): string;
  /** Native placeholders: a statement adding its two parameters, as column `s`. */
  nativeSum: string;
  /** The rows 1..n as column `id`. */
  series(n: number): string;
  /** A statement running for a while (cancelled by the test). */
  sleep: string;
  /** Counts (as `n`) the server's sessions still running `sleep`; absent when the engine cannot cancel (PGlite). */
  runningSleeps?: string;
  /** Column types of the type-mapping table. */
  types: { bigint: string; numeric: string; date: string; timestamp: string; json: string; bytes: string; text: string };
}

function tableName(label: string): string {
  return `sluice_${label}_${randomBytes(4).toString('hex')}`;
}

/**
 * What every DatabaseAgent adapter must do (DatabaseAgent.ts): placeholders
 * and the `sql` tag, transactions, streams through a cursor, the three load
 * modes, the type mapping, cancellation by the task's signal, one log line
 * per call without parameters, errors naming the connection and never the
 * password.
 */
export function describeDatabaseAgentContract(name: string, target: DatabaseContractTarget): void {
  describe(`DatabaseAgent contract: ${name}`, () => {
    let connection: AgentConnection<DatabaseAgent>;
    let stop: () => Promise<void>;
    const tables: string[] = [];
    const agent = () => connection.forTask(agentScope(name).scope);

    async function createTable(label: string, columns: string): Promise<string> {
      const table = tableName(label);
      tables.push(table);
      await agent().execute(`CREATE TABLE ${table} (${columns})`);
      return table;
    }

    beforeAll(async () => {
      ({ connection, stop } = await target.open());
    });

    afterAll(async () => {
      for (const table of tables) await agent().execute(`DROP TABLE IF EXISTS ${table}`);
      await connection.close();
      await stop();
    });

    it('runs statements with native placeholders and with the sql tag, values staying values', async () => {
      const db = agent();
      const native = await db.query<{ s: unknown }>(target.nativeSum, [2, 3]);
      expect(Number(native.rows[0]!.s)).toBe(5);

      const attack = "x'); DROP TABLE users; --";
      const tagged = await db.query<{ v: string; n: unknown }>(sql`SELECT ${attack} AS v, ${7} AS n`);
      expect(tagged.rows).toHaveLength(1);
      expect(tagged.rows[0]!.v).toBe(attack);
      expect(tagged.columns.map((column) => column.name)).toEqual(['v', 'n']);

      const table = await createTable('exec', `id INTEGER PRIMARY KEY, name ${target.types.text}`);
      expect(await db.execute(`INSERT INTO ${table} (id, name) VALUES (1, 'a'), (2, 'b')`)).toEqual({ rowCount: 2 });
      // A statement as the sql tag builds it, around a table name the tag cannot bind.
      const update = { strings: [`UPDATE ${table} SET name = `, ' WHERE id >= ', ''], values: [attack, 1] };
      expect(await db.execute(update)).toEqual({ rowCount: 2 });
      expect((await db.query<{ name: string }>(`SELECT name FROM ${table} WHERE id = 2`)).rows[0]!.name).toBe(attack);
    });

    it('commits a transaction that resolves and rolls back one that throws', async () => {
      const db = agent();
      const table = await createTable('tx', 'id INTEGER PRIMARY KEY');
      const result = await db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${table} (id) VALUES (1)`);
        return (await tx.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n;
      });
      expect(Number(result)).toBe(1);

      const failure = new Error('work failed');
      await expect(
        db.transaction(async (tx) => {
          await tx.execute(`INSERT INTO ${table} (id) VALUES (2)`);
          throw failure;
        }),
      ).rejects.toBe(failure);
      const rows = await db.query<{ id: unknown }>(`SELECT id FROM ${table} ORDER BY id`);
      expect(rows.rows.map((row) => Number(row.id))).toEqual([1]);

      let leaked: { execute: DatabaseAgent['execute'] } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.execute(`INSERT INTO ${table} (id) VALUES (3)`)).rejects.toBeInstanceOf(AgentRefusedError);
    });

    it('rolls back, and rejects, a transaction whose statement failed although the work caught the error', async () => {
      const db = agent();
      const table = await createTable('txfail', 'id INTEGER PRIMARY KEY');
      let caught: unknown;
      const error = await db
        .transaction(async (tx) => {
          await tx.execute(`INSERT INTO ${table} (id) VALUES (1)`);
          // The "insert or ignore" pattern: the duplicate's error is caught and the work goes on.
          await tx.execute(`INSERT INTO ${table} (id) VALUES (1)`).catch((failure: unknown) => (caught = failure));
          return 'done';
        })
        .catch((failure: unknown) => failure);
      expect(caught).toBeInstanceOf(AgentError);
      expect(error).toBeInstanceOf(AgentError);
      expect((error as AgentError).message).toMatch(new RegExp(`^${name}: transaction failed: the transaction was rolled back: a statement in it failed`));
      expect((error as AgentError).cause).toBe(caught);
      expect(Number((await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n)).toBe(0);
      // The session went back to the pool usable.
      await db.transaction(async (tx) => void (await tx.execute(`INSERT INTO ${table} (id) VALUES (2)`)));
      expect(Number((await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n)).toBe(1);
    });

    it('streams more rows than a batch in bounded batches, and frees the session when the loop breaks', async () => {
      const db = agent();
      let total = 0;
      let sum = 0;
      let largest = 0;
      for await (const batch of db.stream<{ id: unknown }>(target.series(50_000), [], { batchSize: 500 })) {
        largest = Math.max(largest, batch.length);
        total += batch.length;
        for (const row of batch) sum += Number(row.id);
      }
      expect(largest).toBe(500);
      expect(total).toBe(50_000);
      expect(sum).toBe((50_000 * 50_001) / 2);

      // More early breaks than the pool has connections: each one must give its session back.
      for (let i = 0; i < 8; i++) {
        for await (const batch of db.stream(target.series(10_000), [], { batchSize: 100 })) {
          expect(batch).toHaveLength(100);
          break;
        }
      }
      expect(Number((await db.query<{ s: unknown }>(target.nativeSum, [1, 1])).rows[0]!.s)).toBe(2);
    });

    it('loads what it streams, batch by batch, in the loop body', async () => {
      const db = agent();
      const source = await createTable('src', `id INTEGER PRIMARY KEY, v ${target.types.text}`);
      const copy = await createTable('dst', `id INTEGER PRIMARY KEY, v ${target.types.text}`);
      await db.load(
        source,
        Array.from({ length: 3_000 }, (_, i) => ({ id: i, v: `v${i}` })),
      );
      let moved = 0;
      for await (const batch of db.stream<{ id: number; v: string }>(`SELECT id, v FROM ${source} ORDER BY id`, [], { batchSize: 500 })) {
        moved += (await db.load(copy, batch)).rowCount;
      }
      expect(moved).toBe(3_000);
      expect(Number((await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${copy}`)).rows[0]!.n)).toBe(3_000);
    });

    it('loads rows: append, merge updating existing keys, replace', async () => {
      const db = agent();
      const table = await createTable('load', `id INTEGER PRIMARY KEY, name ${target.types.text}, score INTEGER`);
      const rows = Array.from({ length: 2_500 }, (_, i) => ({ id: i + 1, name: `row\t${i}\n"q" \\ '`, score: i }));
      expect(await db.load(table, rows, { batchSize: 1_000 })).toEqual({ rowCount: 2_500 });
      const appended = await db.query<{ name: string }>(`SELECT name FROM ${table} WHERE id = 3`);
      expect(appended.rows[0]!.name).toBe(`row\t2\n"q" \\ '`);

      async function* changes() {
        yield { id: 1, name: 'first', score: 100 };
        yield { id: 2_501, name: 'new', score: null };
      }
      expect(await db.load(table, changes(), { mode: 'merge', key: 'id' })).toEqual({ rowCount: 2 });
      const merged = await db.query<{ id: unknown; name: string; score: unknown }>(`SELECT id, name, score FROM ${table} WHERE id IN (1, 2, 2501) ORDER BY id`);
      expect(merged.rows.map((row) => [Number(row.id), row.name, row.score === null ? null : Number(row.score)])).toEqual([
        [1, 'first', 100],
        [2, `row\t1\n"q" \\ '`, 1],
        [2_501, 'new', null],
      ]);

      expect(await db.load(table, [{ id: 7, name: 'only', score: 7 }], { mode: 'replace' })).toEqual({ rowCount: 1 });
      const replaced = await db.query<{ id: unknown }>(`SELECT id FROM ${table}`);
      expect(replaced.rows.map((row) => Number(row.id))).toEqual([7]);
    });

    it('merges a key the rows repeat into its last row, whatever the batches', async () => {
      const db = agent();
      const table = await createTable('mergedup', `id INTEGER PRIMARY KEY, name ${target.types.text}`);
      await db.load(table, [{ id: 1, name: 'old' }]);
      const rows = [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
        { id: 1, name: 'c' },
        { id: 3, name: 'd' },
        { id: 2, name: 'e' },
        { id: 1, name: 'f' },
      ];
      for (const batchSize of [1_000, 2]) {
        expect(await db.load(table, rows, { mode: 'merge', key: 'id', batchSize })).toEqual({ rowCount: 6 });
        const merged = await db.query<{ id: unknown; name: string }>(`SELECT id, name FROM ${table} ORDER BY id`);
        expect(merged.rows.map((row) => [Number(row.id), row.name])).toEqual([
          [1, 'f'],
          [2, 'e'],
          [3, 'd'],
        ]);
      }
    });

    it('replaces atomically: a concurrent reader sees the old count or the new one, never a partial table', async () => {
      const db = agent();
      const table = await createTable('replace', 'id INTEGER PRIMARY KEY');
      await db.load(
        table,
        Array.from({ length: 1_000 }, (_, i) => ({ id: i })),
      );
      async function* slowRows() {
        for (let i = 0; i < 3_000; i++) {
          if (i % 100 === 0) await sleep(2);
          yield { id: i };
        }
      }
      let loading = true;
      const seen = new Set<number>();
      const reader = (async () => {
        const readerDb = agent();
        while (loading) {
          seen.add(Number((await readerDb.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n));
          await sleep(1);
        }
      })();
      await db.load(table, slowRows(), { mode: 'replace', batchSize: 100 });
      loading = false;
      await reader;
      seen.add(Number((await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n));
      expect([...seen].every((count) => count === 1_000 || count === 3_000)).toBe(true);
      expect(seen.has(3_000)).toBe(true);
    });

    it('refuses invalid identifiers and a merge without key before sending anything', async () => {
      const db = agent();
      await expect(db.load('t; DROP TABLE x', [{ id: 1 }])).rejects.toBeInstanceOf(AgentRefusedError);
      await expect(db.load('a.b.c', [{ id: 1 }])).rejects.toBeInstanceOf(AgentRefusedError);
      await expect(db.load('valid_name', [{ 'id) VALUES (1); --': 1 }])).rejects.toBeInstanceOf(AgentRefusedError);
      await expect(db.load('valid_name', [{ id: 1 }], { mode: 'merge' })).rejects.toBeInstanceOf(AgentRefusedError);
      const table = await createTable('nocolumns', 'id INTEGER');
      await expect(db.load(table, [{}])).rejects.toThrow(new AgentRefusedError(name, 'load', "the first row has no columns (columns are the first row's keys)"));
    });

    it('maps types the same way on every engine', async () => {
      const db = agent();
      const { types } = target;
      const table = await createTable(
        'types',
        `id INTEGER PRIMARY KEY, big ${types.bigint}, num ${types.numeric}, day ${types.date}, at ${types.timestamp}, doc ${types.json}, note ${types.text}, bytes ${types.bytes}`,
      );
      const row = {
        id: 1,
        big: '9007199254740993',
        num: '12345.6789',
        day: '2026-11-29',
        at: new Date('2026-11-29T12:34:56.789Z'),
        doc: { a: [1, 'two', null], b: { c: true } },
        note: null,
        bytes: new Uint8Array([0, 255, 1, 128]),
      };
      await db.load(table, [row]);
      const placeholders = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => target.placeholder(i)).join(', ');
      await db.execute(`INSERT INTO ${table} (id, big, num, day, at, doc, note, bytes) VALUES (${placeholders})`, [
        2,
        '9007199254740993',
        '12345.6789',
        '2026-11-29',
        row.at,
        JSON.stringify(row.doc),
        null,
        row.bytes,
      ]);
      const result = await db.query(`SELECT big, num, day, at, doc, note, bytes FROM ${table} ORDER BY id`);
      for (const read of result.rows) {
        expect(read).toEqual({
          big: '9007199254740993',
          num: '12345.6789',
          day: '2026-11-29',
          at: '2026-11-29T12:34:56.789Z',
          doc: { a: [1, 'two', null], b: { c: true } },
          note: null,
          bytes: new Uint8Array([0, 255, 1, 128]),
        });
        expect(Object.getPrototypeOf(read.bytes)).toBe(Uint8Array.prototype);
      }
      expect(result.columns.map((column) => column.name)).toEqual(['big', 'num', 'day', 'at', 'doc', 'note', 'bytes']);
      expect(result.columns.every((column) => column.type === column.type.toLowerCase() && column.type.length > 0)).toBe(true);
    });

    it('refuses an invalid or out-of-range Date naming its column or parameter, and reads year 0001 as ISO-8601', async () => {
      const db = agent();
      const table = await createTable('dates', `id INTEGER PRIMARY KEY, note ${target.types.text}, at ${target.types.timestamp}`);
      for (const [column, row] of [
        ['note', { id: 1, note: new Date('x'), at: null }],
        ['at', { id: 2, note: null, at: new Date(Number.NaN) }],
        ['at', { id: 3, note: null, at: new Date(8.64e15) }],
      ] as const) {
        const error = await db.load(table, [row]).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(AgentRefusedError);
        expect((error as Error).message).toContain(`column '${column}'`);
      }
      const error = await db.execute(`INSERT INTO ${table} (id, at) VALUES (${target.placeholder(1)}, ${target.placeholder(2)})`, [4, new Date('x')]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentRefusedError);
      expect((error as Error).message).toContain('parameter 2 is an invalid Date');
      expect(Number((await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0]!.n)).toBe(0);

      await db.load(table, [{ id: 5, note: 'first', at: new Date('0001-01-01T00:00:00.000Z') }]);
      await db.execute(`INSERT INTO ${table} (id, note, at) VALUES (6, 'last', ${target.placeholder(1)})`, [new Date('9999-12-31T23:59:59.999Z')]);
      const read = await db.query<{ at: unknown }>(`SELECT at FROM ${table} ORDER BY id`);
      expect(read.rows.map((row) => row.at)).toEqual(['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']);
    });

    it('cancels a running query when the task signal aborts, and the pool still works', async () => {
      const { scope, controller } = agentScope(name);
      const db = connection.forTask(scope);
      setTimeout(() => controller.abort(new Error('process timeout')), 200);
      const error = await db.query(target.sleep).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentError);
      expect((error as AgentError).message).toContain(name);
      await expect(db.query('SELECT 1 AS one')).rejects.toBeInstanceOf(AgentRefusedError);
      if (target.runningSleeps !== undefined) {
        // Cancelled on the server too, not only given up by the client.
        const probe = agent();
        await eventually(async () => Number((await probe.query<{ n: unknown }>(target.runningSleeps!)).rows[0]!.n) === 0, { what: 'the cancelled statement to stop', timeoutMs: 3_000 });
      }
      expect(Number((await agent().query<{ s: unknown }>(target.nativeSum, [20, 22])).rows[0]!.s)).toBe(42);
    });

    it('reports a failed statement as an AgentError and keeps the session usable', async () => {
      const db = agent();
      const error = await db.query('SELECT * FROM sluice_no_such_table_anywhere').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentError);
      expect((error as AgentError).message).toMatch(new RegExp(`^${name}: query failed: .*sluice_no_such_table_anywhere`));
      expect((error as AgentError).cause).toBeInstanceOf(Error);
      expect(Number((await db.query<{ s: unknown }>(target.nativeSum, [1, 2])).rows[0]!.s)).toBe(3);
    });

    it('stops a stream when the task signal aborts between batches', async () => {
      const { scope, controller, lines } = agentScope(name);
      const db = connection.forTask(scope);
      let batches = 0;
      const error = await (async () => {
        for await (const batch of db.stream(target.series(50_000), [], { batchSize: 100 })) {
          expect(batch).toHaveLength(100);
          if (++batches === 3) controller.abort(new Error('process timeout'));
        }
      })().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AgentError);
      expect(batches).toBe(3);
      expect(lines.map((line) => [line.level, line.message])).toEqual([['warn', `${name} stream failed`]]);
      expect(Number((await agent().query<{ s: unknown }>(target.nativeSum, [2, 2])).rows[0]!.s)).toBe(4);
    });

    it('writes one log line per call, without parameters', async () => {
      const { scope, lines } = agentScope(name);
      const db = connection.forTask(scope);
      await db.query(target.nativeSum, [1234567, 7654321]);
      await db.query(sql`SELECT ${'very-secret-value'} AS v`);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ level: 'info', message: `${name} query`, data: { connection: name, operation: 'query', rows: 1 } });
      expect(typeof (lines[0]!.data as { durationMs: unknown }).durationMs).toBe('number');
      const written = JSON.stringify(lines);
      expect(written).not.toContain('1234567');
      expect(written).not.toContain('very-secret-value');
    });

    it('fails to connect with an AgentError naming the connection, never the password', async () => {
      const secret = `pw-${randomBytes(6).toString('hex')}`;
      const broken = target.openBroken(secret);
      const { scope, lines } = agentScope('broken');
      try {
        const error = await broken.forTask(scope).query('SELECT 1 AS one').catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(AgentError);
        expect((error as AgentError).message).toMatch(/^broken: query failed: /);
        const everything = JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: String((error as Error).cause), lines });
        expect(everything).not.toContain(secret);
        expect(lines).toHaveLength(1);
        expect(lines[0]!.level).toBe('warn');
      } finally {
        await broken.close();
      }
    });
  });
}
