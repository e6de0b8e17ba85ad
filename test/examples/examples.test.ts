/**
 * The repository's examples (serverless.yml), end to end through the
 * embedded runtime's HTTP server, on the real data set they move
 * (vega-datasets' flights-20k.json and airports.csv), with the warehouse on
 * each engine `SLUICE_WAREHOUSE_URL` can pick: the embedded PGlite default,
 * the PostgreSQL server and the MariaDB server of this machine (a database
 * of its own per run). Every count and aggregate is checked against values
 * computed here from the source file with plain JavaScript, not through Sluice.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';
import { eventually } from '../helpers/time.js';
import { EXAMPLES_CONFIG, startHarness, type Harness } from '../embedded/runtime/runtimeHarness.js';

const DATA = resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const QUEUE = 'sluice-examples-dev-flight-feed';

// ---- The source, read independently of Sluice ------------------------------------------------

interface SourceFlight {
  date: string;
  delay: number;
  distance: number;
  origin: string;
  destination: string;
}
const SOURCE = JSON.parse(readFileSync(join(DATA, 'flights-20k.json'), 'utf8')) as SourceFlight[];
const AIRPORTS = parse(readFileSync(join(DATA, 'airports.csv')), { columns: true }) as Array<Record<string, string>>;
const day = (f: SourceFlight) => f.date.slice(0, 10).replaceAll('/', '-');
const flightsOn = (days: readonly string[]) => SOURCE.filter((f) => days.includes(day(f)));

interface Expected {
  iata: string;
  flights: number;
  totalDelay: number;
  delayed: number;
}
/** Per origin airport: flights, summed delay, flights more than 15 minutes late; worst average first, then by code. */
function delaysByOrigin(flights: readonly SourceFlight[]): Expected[] {
  const by = new Map<string, Expected>();
  for (const f of flights) {
    const e = by.get(f.origin) ?? { iata: f.origin, flights: 0, totalDelay: 0, delayed: 0 };
    e.flights++;
    e.totalDelay += f.delay;
    if (f.delay > 15) e.delayed++;
    by.set(f.origin, e);
  }
  // Exact comparison of the averages (integers cross-multiplied).
  return [...by.values()].sort((a, b) => b.totalDelay * a.flights - a.totalDelay * b.flights || (a.iata < b.iata ? -1 : 1));
}
const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

const FIRST_WEEK = ['2001-01-01', '2001-01-02', '2001-01-03', '2001-01-04', '2001-01-05', '2001-01-06', '2001-01-07'];
const LANDED = [...FIRST_WEEK, '2001-01-08'];

// ---- The warehouses ------------------------------------------------------------------------------

interface Warehouse {
  name: string;
  /** SLUICE_WAREHOUSE_URL; undefined: the embedded default. */
  url?: string;
  /** Reads the warehouse directly with the engine's own driver (not through Sluice). */
  count?: (sql: string) => Promise<number>;
  drop?: () => Promise<void>;
}

const runId = `sluice_examples_${process.pid}_${randomBytes(3).toString('hex')}`;

async function postgresWarehouse(): Promise<Warehouse> {
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${runId}`);
  const url = `postgres://postgres@127.0.0.1:5432/${runId}`;
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  return {
    name: 'PostgreSQL',
    url,
    count: async (sql) => Number((await reader.query(sql)).rows[0].n),
    drop: async () => {
      await reader.end();
      await admin.query(`DROP DATABASE IF EXISTS ${runId} WITH (FORCE)`);
      await admin.end();
    },
  };
}

async function mariadbWarehouse(): Promise<Warehouse> {
  const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test' });
  await admin.query(`CREATE DATABASE ${runId}`);
  const reader = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', database: runId });
  return {
    name: 'MariaDB',
    url: `mysql://root@127.0.0.1:3306/${runId}`,
    count: async (sql) => Number(((await reader.query(sql))[0] as Array<{ n: unknown }>)[0]!.n),
    drop: async () => {
      await reader.end();
      await admin.query(`DROP DATABASE IF EXISTS ${runId}`);
      await admin.end();
    },
  };
}

const WAREHOUSES: Array<[string, () => Promise<Warehouse>]> = [
  ['the embedded PGlite default', async () => ({ name: 'PGlite' })],
  ['PostgreSQL (SLUICE_WAREHOUSE_URL=postgres://...)', postgresWarehouse],
  ['MariaDB (SLUICE_WAREHOUSE_URL=mysql://...)', mariadbWarehouse],
];

// ---- The pipeline -------------------------------------------------------------------------------

describe.each(WAREHOUSES)('the flights pipeline, warehouse on %s', (_label, open) => {
  let h: Harness;
  let clock: ManualClock;
  let files: string;
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await open();
    files = mkdtempSync(join(tmpdir(), 'sluice-examples-files-'));
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FILES_DIR: files };
    delete env.SLUICE_WAREHOUSE_URL;
    if (warehouse.url) env.SLUICE_WAREHOUSE_URL = warehouse.url;
    // Half a minute before land-flights' 10:00 firing; load-flights' rate(5 minutes) is first due at 10:04:30.
    clock = new ManualClock(Date.parse('2026-11-29T09:59:30.000Z'));
    h = await startHarness({ configPath: EXAMPLES_CONFIG, clock, env });
  });
  afterAll(async () => {
    await h?.stop();
    await warehouse?.drop?.();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  let loadTask: TaskRecord;
  /** A task's record once it ended (the first warehouse call may wait for the embedded database to open: seconds). */
  const settled = (taskId: string) =>
    eventually(async () => {
      const t = await h.task(taskId);
      return t && ['succeeded', 'failed', 'timed_out'].includes(t.status) ? t : undefined;
    }, { timeoutMs: 60_000, what: `task ${taskId}` });

  const runLoad = async () => {
    const submitted = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'load-flights', payload: {} } });
    expect(submitted.status).toBe(202);
    const task = await settled(submitted.body.taskId);
    expect(task.status, JSON.stringify(task.error)).toBe('succeeded');
    loadTask = task;
    return task.result as {
      airports: number | null;
      files: Array<{ path: string; status: string; rows: number; reason?: string }>;
      flightsLoaded: number;
      warehouseFlights: number;
    };
  };

  it('land-flights lands a week on request, one CSV per day, and the airports once', async () => {
    const res = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-01', to: '2001-01-07' }, auth: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ days: FIRST_WEEK, flights: flightsOn(FIRST_WEEK).length, airportsLanded: true });
    expect(res.body.files).toEqual(FIRST_WEEK.map((d) => ({ path: `flights/${d}.csv`, flights: flightsOn([d]).length })));
    // The landed file is the source's records (plus seq), in source order.
    const landed = parse(readFileSync(join(files, 'landing/flights/2001-01-03.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(landed.map((r) => [r.date, Number(r.delay), Number(r.distance), r.origin, r.destination])).toEqual(
      flightsOn(['2001-01-03']).map((f) => [f.date, f.delay, f.distance, f.origin, f.destination]),
    );
    expect(readFileSync(join(files, 'landing/airports.csv'), 'utf8')).toBe(readFileSync(join(DATA, 'airports.csv'), 'utf8'));

    const bad = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-07', to: '2001-01-01' }, auth: false });
    expect(bad.status).toBe(400);
  });

  it('land-flights, on its schedule, lands the day after the last one landed', async () => {
    await clock.advance(30_000);
    const task = await eventually(async () => {
      const page = await h.call('/sluice/tasks?process=land-flights&limit=10');
      const item = (page.body.items as TaskRecord[]).find((t) => t.trigger.type === 'schedule');
      return item && ['succeeded', 'failed'].includes(item.status) ? h.task(item.taskId) : undefined;
    }, { timeoutMs: 30_000, what: 'the scheduled land-flights task' });
    expect(task).toMatchObject({ status: 'succeeded', trigger: { type: 'schedule', scheduledTime: '2026-11-29T10:00:00.000Z' } });
    expect(task.result).toMatchObject({ days: ['2001-01-08'], flights: flightsOn(['2001-01-08']).length, airportsLanded: false });
  });

  it('load-flights merges every landed file into the warehouse and moves it to processed/', async () => {
    const result = await runLoad();
    const expected = flightsOn(LANDED);
    expect(result.airports).toBe(AIRPORTS.length);
    expect(result.files).toEqual(LANDED.map((d) => ({ path: `flights/${d}.csv`, status: 'loaded', rows: flightsOn([d]).length })));
    expect(result.flightsLoaded).toBe(expected.length);
    expect(result.warehouseFlights).toBe(expected.length);
    expect(existsSync(join(files, 'landing/flights/2001-01-01.csv'))).toBe(false);
    expect(existsSync(join(files, 'landing/processed/flights/2001-01-01.csv'))).toBe(true);
    expect(existsSync(join(files, 'landing/processed/airports.csv'))).toBe(true);
    // One task-log line per agent call: a load per landed file, plus the airports'.
    const loads = loadTask.logs.filter((l) => (l.data as { connection?: string; operation?: string } | undefined)?.operation === 'load');
    expect(loads.map((l) => (l.data as { connection: string }).connection)).toEqual(Array(LANDED.length + 1).fill('warehouse'));
    if (warehouse.count) {
      expect(await warehouse.count('SELECT COUNT(*) AS n FROM flights')).toBe(expected.length);
      expect(await warehouse.count('SELECT SUM(delay_minutes) AS n FROM flights')).toBe(expected.reduce((sum, f) => sum + f.delay, 0));
      expect(await warehouse.count('SELECT COUNT(*) AS n FROM airports')).toBe(AIRPORTS.length);
      expect(await warehouse.count("SELECT COUNT(*) AS n FROM airports WHERE city IS NULL")).toBe(AIRPORTS.filter((a) => a.city === 'NA').length);
    }
  });

  it('airport-delays exports the delays per airport, worst first, and answers with the top rows', async () => {
    const res = await h.call('/exports/airport-delays', { method: 'POST', json: { minFlights: 20, top: 5 }, auth: false });
    expect(res.status).toBe(200);
    const expected = delaysByOrigin(flightsOn(LANDED)).filter((e) => e.flights >= 20);
    const names = new Map(AIRPORTS.map((a) => [a.iata, a.name]));
    const asRow = (e: Expected) => ({
      iata: e.iata,
      name: names.get(e.iata),
      flights: e.flights,
      avgDelay: round(e.totalDelay / e.flights, 2),
      delayedShare: round(e.delayed / e.flights, 3),
    });
    expect(res.body).toMatchObject({ file: 'airport-delays.csv', airports: expected.length });
    expect(res.body.top).toEqual(expected.slice(0, 5).map((e) => expect.objectContaining(asRow(e))));
    // The export file holds every airport, in the same order.
    const exported = parse(readFileSync(join(files, 'exports/airport-delays.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(exported.map((r) => ({ iata: r.iata, name: r.name, flights: Number(r.flights), avgDelay: Number(r.avgDelay), delayedShare: Number(r.delayedShare) }))).toEqual(
      expected.map(asRow),
    );
  });

  it('airport-delays for one airport; 404 for an airport the warehouse does not know, 400 for bad input', async () => {
    const ord = delaysByOrigin(flightsOn(LANDED)).find((e) => e.iata === 'ORD')!;
    const one = await h.call('/exports/airport-delays/ord', { method: 'POST', auth: false });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      file: 'airport-delays-ORD.csv',
      airports: 1,
      top: [{ iata: 'ORD', name: "Chicago O'Hare International", city: 'Chicago', state: 'IL', flights: ord.flights, avgDelay: round(ord.totalDelay / ord.flights, 2) }],
    });
    expect(existsSync(join(files, 'exports/airport-delays-ORD.csv'))).toBe(true);

    const unknown = await h.call('/exports/airport-delays/ZZZ', { method: 'POST', auth: false });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ name: 'UnknownAirport', logic: 'lookup' });
    const malformed = await h.call('/exports/airport-delays/O%27H', { method: 'POST', auth: false });
    expect(malformed.status).toBe(400);
    const tooMany = await h.call('/exports/airport-delays', { method: 'POST', json: { top: 1000 }, auth: false });
    expect(tooMany.status).toBe(400);
  });

  it('flight-events merges queue messages into the warehouse; a malformed message is dead-lettered', async () => {
    const known = flightsOn(['2001-01-02'])[0]!; // already loaded by the batch: merged, not duplicated
    const fresh = flightsOn(['2001-02-14'])[0]!; // a day not landed
    const send = (body: unknown) => h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body: JSON.stringify(body) });
    const sent = [await send(known), await send(fresh), await send({ ...fresh, origin: 'sfo', delay: 'late' })];
    const tasks = await eventually(async () => {
      const page = await h.call('/sluice/tasks?process=flight-events&limit=10');
      const done = (page.body.items as TaskRecord[]).filter((t) => t.status === 'succeeded' || t.status === 'failed');
      return done.length === 3 ? Promise.all(done.map((t) => h.task(t.taskId))) : undefined;
    }, { timeoutMs: 60_000, what: 'the three flight-events tasks' });
    const byMessage = Object.fromEntries(tasks.map((t) => [(t.trigger as { messageId: string }).messageId, t]));
    const id = (f: SourceFlight) => `${day(f)} ${f.date.slice(11)}|${f.origin}|${f.destination}|1`;
    expect(byMessage[sent[0]!.body.messageId]).toMatchObject({ status: 'succeeded', result: { flightId: id(known), loaded: 1 } });
    expect(byMessage[sent[1]!.body.messageId]).toMatchObject({ status: 'succeeded', result: { flightId: id(fresh), loaded: 1 } });
    expect(byMessage[sent[2]!.body.messageId]).toMatchObject({ status: 'failed', attempts: 1, error: { kind: 'validation' } });
    const dlq = await h.call(`/sluice/queues/${QUEUE}-dlq/messages`);
    expect(dlq.body.items.map((m: { messageId: string }) => m.messageId)).toEqual([sent[2]!.body.messageId]);
    if (warehouse.count) expect(await warehouse.count('SELECT COUNT(*) AS n FROM flights')).toBe(flightsOn(LANDED).length + 1);
  });

  it('load-flights again: a re-landed day changes nothing (merge), a file with a bad record is rejected whole', async () => {
    const again = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-01', to: '2001-01-01' }, auth: false });
    expect(again.status).toBe(200);
    mkdirSync(join(files, 'landing/flights'), { recursive: true });
    const good = flightsOn(['2001-01-20'])[0]!;
    writeFileSync(
      join(files, 'landing/flights/2001-01-20.csv'),
      `date,delay,distance,origin,destination,seq\n${good.date},${good.delay},${good.distance},${good.origin},${good.destination},1\n2001/01/20 07:00,late,500,SFO,LAX,1\n`,
    );
    const result = await runLoad();
    expect(result.airports).toBeNull();
    expect(result.files).toEqual([
      { path: 'flights/2001-01-01.csv', status: 'loaded', rows: flightsOn(['2001-01-01']).length },
      { path: 'flights/2001-01-20.csv', status: 'rejected', rows: 0, reason: expect.stringMatching(/^line 3: delay/) },
    ]);
    // The week and a day from the batch, plus the one streamed flight; nothing from the rejected file.
    expect(result.warehouseFlights).toBe(flightsOn(LANDED).length + 1);
    expect(existsSync(join(files, 'landing/rejected/flights/2001-01-20.csv'))).toBe(true);
  });
});
