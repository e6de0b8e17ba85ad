/**
 * Start time of the embedded PGlite server and the database agent's speed on
 * PGlite vs PostgreSQL (and MariaDB), through the same adapters the runtime
 * uses. Needs the local servers (PostgreSQL 127.0.0.1:5432, MariaDB 3306,
 * database `test`).
 *
 *   node --import tsx scripts/measureDatabaseEngines.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabaseConnection } from '../lib/agents/database/createDatabaseConnection.js';
import { startPgliteServer } from '../lib/agents/database/PgliteServer.js';
import type { DatabaseSettings } from '../lib/config/connections/databaseSettings.js';
import type { Resolved } from '../lib/config/connections/secretRef.js';
import type { DatabaseAgent } from '../lib/core/agents/DatabaseAgent.js';
import type { AgentScope } from '../lib/core/agents/AgentScope.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, log() {} };
const scope: AgentScope = { connection: 'bench', signal: new AbortController().signal, deadlineMs: Infinity, log: silent, now: () => Date.now() };

async function timed(what: string, work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  console.log(`  ${what.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms`);
  return ms;
}

async function workload(db: DatabaseAgent, placeholder: (i: number) => string, series: string): Promise<void> {
  const table = `bench_${process.pid}`;
  await db.execute(`DROP TABLE IF EXISTS ${table}`);
  await db.execute(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, name VARCHAR(40), score INTEGER)`);
  await timed('1,000 point queries, one after another', async () => {
    for (let i = 0; i < 1_000; i++) await db.query(`SELECT ${placeholder(1)} AS v`, [i]);
  });
  await timed('load append 50,000 rows', () => db.load(table, Array.from({ length: 50_000 }, (_, i) => ({ id: i, name: `name ${i}`, score: i % 100 }))));
  await timed('load merge 10,000 rows', () => db.load(table, Array.from({ length: 10_000 }, (_, i) => ({ id: i * 5, name: 'merged', score: 1 })), { mode: 'merge', key: 'id' }));
  await timed('aggregate over 50,000 rows', () => db.query(`SELECT score, COUNT(*) AS n FROM ${table} GROUP BY score ORDER BY score`));
  await timed('query 10,000 rows', () => db.query(`SELECT * FROM ${table} WHERE id < 10000`));
  await timed('stream 100,000 rows (batches of 1,000)', async () => {
    for await (const batch of db.stream(series, [], { batchSize: 1_000 })) void batch;
  });
  await db.execute(`DROP TABLE ${table}`);
}

const host = { kind: 'embedded' as const, serviceDir: process.cwd() };
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-pglite-bench-'));
try {
  console.log('PGlite (file-backed, in its own thread, pg over 127.0.0.1)');
  let server = await (async () => {
    let started: Awaited<ReturnType<typeof startPgliteServer>> | undefined;
    await timed('start, new database', async () => (started = await startPgliteServer({ dataDir, name: 'bench' })));
    return started!;
  })();
  await server.close();
  await timed('start, existing database', async () => (server = await startPgliteServer({ dataDir, name: 'bench' })));
  const pglite = createDatabaseConnection('pglite', { type: 'pglite' }, host, { pgliteUrl: server.url });
  const pgSql = { placeholder: (i: number) => `$${i}`, series: 'SELECT g AS id, g * 2 AS twice FROM generate_series(1, 100000) AS g' };
  await workload(pglite.forTask(scope), pgSql.placeholder, pgSql.series);
  await pglite.close();
  await server.close();

  for (const [name, settings, placeholder, series] of [
    ['PostgreSQL 127.0.0.1:5432', { type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test' }, pgSql.placeholder, pgSql.series],
    ['MariaDB 127.0.0.1:3306', { type: 'mysql', url: 'mysql://root@127.0.0.1:3306/test' }, () => '?', 'SELECT seq AS id, seq * 2 AS twice FROM seq_1_to_100000'],
  ] as const) {
    console.log(name);
    const connection = createDatabaseConnection(name, settings as Resolved<DatabaseSettings>, host);
    await workload(connection.forTask(scope), placeholder, series);
    await connection.close();
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
