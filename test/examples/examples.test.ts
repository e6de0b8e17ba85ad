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
import { exampleAuth } from './exampleToken.js';

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

// The data identities of the pipeline's lineage (functions/shared/dataIdentities.ts), written out.
const DATASET = 'files://datasets/flights-20k.json';
const landedFile = (d: string) => `files://landing/flights/${d}.csv`;
const FLIGHTS_TABLE = 'db://warehouse/flights';
const STATS_TABLE = 'db://warehouse/delay_stats';

interface Edge {
  source: string;
  target: string;
  label: string;
  process: string;
  taskId: string;
}

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
  /** A task's published events in the order it emitted them (one task's events may share a millisecond: not by time). */
  const eventsOf = async (taskId: string) =>
    ((await h.call(`/sluice/events?taskId=${taskId}&limit=100`)).body.items as Array<Edge & { meta: unknown; sequence: number }>).sort((a, b) => a.sequence - b.sequence);
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
    const res = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-01', to: '2001-01-07' }, auth: false, headers: await exampleAuth(h) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ days: FIRST_WEEK, flights: flightsOn(FIRST_WEEK).length, airportsLanded: true });
    expect(res.body.files).toEqual(FIRST_WEEK.map((d) => ({ path: `flights/${d}.csv`, flights: flightsOn([d]).length })));
    // The landed file is the source's records (plus seq), in source order.
    const landed = parse(readFileSync(join(files, 'landing/flights/2001-01-03.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(landed.map((r) => [r.date, Number(r.delay), Number(r.distance), r.origin, r.destination])).toEqual(
      flightsOn(['2001-01-03']).map((f) => [f.date, f.delay, f.distance, f.origin, f.destination]),
    );
    expect(readFileSync(join(files, 'landing/airports.csv'), 'utf8')).toBe(readFileSync(join(DATA, 'airports.csv'), 'utf8'));
    // What it moved, as data events: one per landed file, and the airports.
    const events = await eventsOf(res.headers.get('x-sluice-task-id')!);
    expect(events.filter((e) => e.label === 'flights.landed').map(({ source, target, meta }) => ({ source, target, meta }))).toEqual(
      FIRST_WEEK.map((d) => ({ source: DATASET, target: landedFile(d), meta: { day: d, flights: flightsOn([d]).length } })),
    );
    expect(events.filter((e) => e.label === 'airports.landed')).toMatchObject([{ source: 'files://datasets/airports.csv', target: 'files://landing/airports.csv' }]);
    // A range moves the schedule's cursor forward.
    expect((await h.call('/sluice/kv/land-flights/last-day')).body).toMatchObject({ value: '2001-01-07' });

    const bad = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-07', to: '2001-01-01' }, auth: false, headers: await exampleAuth(h) });
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
    expect((await h.call('/sluice/kv/land-flights/last-day')).body).toMatchObject({ value: '2001-01-08', taskId: task.taskId });
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
    const events = await eventsOf(loadTask.taskId);
    expect(events.filter((e) => e.label === 'flights.loaded').map(({ source, target, meta }) => ({ source, target, meta }))).toEqual(
      LANDED.map((d) => ({ source: landedFile(d), target: FLIGHTS_TABLE, meta: { rows: flightsOn([d]).length, file: `flights/${d}.csv` } })),
    );
    expect(events.filter((e) => e.label === 'airports.loaded')).toMatchObject([{ source: 'files://landing/airports.csv', target: 'db://warehouse/airports', meta: { rows: AIRPORTS.length } }]);
  });

  /** The delay-stats tasks started by `loadTaskId`'s flights.loaded events (one each), once they all succeeded. */
  const refreshesOf = async (loadTaskId: string) => {
    const events = (await h.call(`/sluice/events?taskId=${loadTaskId}&label=flights.loaded&limit=100`)).body.items as Array<{ eventId: string }>;
    const ids = new Set(events.map((e) => e.eventId));
    return eventually(async () => {
      const page = await h.call('/sluice/tasks?process=delay-stats&limit=100');
      const mine = (page.body.items as TaskRecord[]).filter((t) => t.trigger.type === 'event' && ids.has(t.trigger.eventId));
      if (mine.length < ids.size || !mine.every((t) => t.status === 'succeeded' || t.status === 'failed')) return undefined;
      return Promise.all(mine.map((t) => h.task(t.taskId)));
    }, { timeoutMs: 60_000, what: `the delay-stats tasks of load run ${loadTaskId}` });
  };

  it('delay-stats, subscribed to flights.loaded, refreshes the aggregate once per load run; lineage shows the whole chain', async () => {
    // One task per flights.loaded event (one per file); the first takes the run's kv lease and refreshes, the others skip.
    const refreshes = await refreshesOf(loadTask.taskId);
    expect(refreshes.map((t) => t.status)).toEqual(LANDED.map(() => 'succeeded'));
    const refreshed = refreshes.filter((t) => (t.result as { status: string }).status === 'refreshed');
    expect(refreshed).toHaveLength(1);
    const expected = delaysByOrigin(flightsOn(LANDED));
    expect(refreshed[0]!.result).toEqual({ loadTask: loadTask.taskId, status: 'refreshed', airports: expected.length, flights: flightsOn(LANDED).length });
    expect(refreshed[0]!.trigger).toMatchObject({ type: 'event', label: 'flights.loaded', depth: 1 });
    if (warehouse.count) {
      expect(await warehouse.count('SELECT COUNT(*) AS n FROM delay_stats')).toBe(expected.length);
      expect(await warehouse.count('SELECT SUM(late_flights) AS n FROM delay_stats')).toBe(expected.reduce((sum, e) => sum + e.delayed, 0));
      const ord = expected.find((e) => e.iata === 'ORD')!;
      expect(await warehouse.count("SELECT total_delay AS n FROM delay_stats WHERE origin = 'ORD'")).toBe(ord.totalDelay);
      expect(await warehouse.count("SELECT ROUND(avg_delay * 100) AS n FROM delay_stats WHERE origin = 'ORD'")).toBe(Math.round(round(ord.totalDelay / ord.flights, 2) * 100));
    }

    // README's lineage call: everything upstream of the aggregate, after one run of the pipeline.
    const lineage = await h.call(`/sluice/lineage?node=${encodeURIComponent(STATS_TABLE)}&direction=upstream&depth=5`);
    expect(lineage.status).toBe(200);
    expect(lineage.body.truncated).toBeUndefined();
    expect(lineage.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual([DATASET, FLIGHTS_TABLE, STATS_TABLE, ...LANDED.map(landedFile)].sort());
    const edges = lineage.body.edges as Edge[];
    const hops = (label: string) => edges.filter((e) => e.label === label).map(({ source, target, process }) => `${process}: ${source} -> ${target}`).sort();
    expect(hops('flights.landed')).toEqual(LANDED.map((d) => `land-flights: ${DATASET} -> ${landedFile(d)}`).sort());
    expect(hops('flights.loaded')).toEqual(LANDED.map((d) => `load-flights: ${landedFile(d)} -> ${FLIGHTS_TABLE}`).sort());
    expect(hops('delay-stats.refreshed')).toEqual([`delay-stats: ${FLIGHTS_TABLE} -> ${STATS_TABLE}`]);
    expect(edges).toHaveLength(2 * LANDED.length + 1);
  });

  it('airport-delays exports the delays per airport, worst first, and answers with the top rows', async () => {
    const res = await h.call('/exports/airport-delays', { method: 'POST', json: { minFlights: 20, top: 5 }, auth: false, headers: await exampleAuth(h) });
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
    // Its event points at the export: downstream of the warehouse, next to the aggregate.
    const events = (await h.call(`/sluice/events?taskId=${res.headers.get('x-sluice-task-id')}`)).body.items;
    expect(events).toMatchObject([{ label: 'airport-delays.exported', source: FLIGHTS_TABLE, target: 'files://exports/airport-delays.csv', meta: { airports: expected.length } }]);
    const downstream = await h.call(`/sluice/lineage?node=${encodeURIComponent(FLIGHTS_TABLE)}&direction=downstream&depth=1`);
    expect(downstream.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual([FLIGHTS_TABLE, STATS_TABLE, 'files://exports/airport-delays.csv'].sort());
  });

  it('airport-delays for one airport; 404 for an airport the warehouse does not know, 400 for bad input', async () => {
    const ord = delaysByOrigin(flightsOn(LANDED)).find((e) => e.iata === 'ORD')!;
    const one = await h.call('/exports/airport-delays/ord', { method: 'POST', auth: false, headers: await exampleAuth(h) });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      file: 'airport-delays-ORD.csv',
      airports: 1,
      top: [{ iata: 'ORD', name: "Chicago O'Hare International", city: 'Chicago', state: 'IL', flights: ord.flights, avgDelay: round(ord.totalDelay / ord.flights, 2) }],
    });
    expect(existsSync(join(files, 'exports/airport-delays-ORD.csv'))).toBe(true);

    const unknown = await h.call('/exports/airport-delays/ZZZ', { method: 'POST', auth: false, headers: await exampleAuth(h) });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ name: 'UnknownAirport', logic: 'lookup' });
    const malformed = await h.call('/exports/airport-delays/O%27H', { method: 'POST', auth: false, headers: await exampleAuth(h) });
    expect(malformed.status).toBe(400);
    const tooMany = await h.call('/exports/airport-delays', { method: 'POST', json: { top: 1000 }, auth: false, headers: await exampleAuth(h) });
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
    const again = await h.call('/flights/landings', { method: 'POST', json: { from: '2001-01-01', to: '2001-01-01' }, auth: false, headers: await exampleAuth(h) });
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
    expect(await eventsOf(loadTask.taskId)).toMatchObject([
      { label: 'flights.loaded', source: landedFile('2001-01-01'), target: FLIGHTS_TABLE },
      { label: 'flights.rejected', source: landedFile('2001-01-20'), target: 'files://landing/rejected/flights/2001-01-20.csv', meta: { file: 'flights/2001-01-20.csv', reason: expect.stringMatching(/^line 3: delay/) } },
    ]);
    // The new run's one flights.loaded event refreshes the aggregate again: now with the streamed flight.
    const [refresh] = await refreshesOf(loadTask.taskId);
    expect(refresh!.result).toMatchObject({ status: 'refreshed', flights: flightsOn(LANDED).length + 1 });
  });

  /** The land-flights task of the firing at `time`, once it ended. */
  const scheduledLanding = (time: string) =>
    eventually(async () => {
      const page = await h.call('/sluice/tasks?process=land-flights&limit=10');
      const item = (page.body.items as TaskRecord[]).find((t) => t.trigger.type === 'schedule' && t.trigger.scheduledTime === time);
      return item && ['succeeded', 'failed'].includes(item.status) ? h.task(item.taskId) : undefined;
    }, { timeoutMs: 30_000, what: `the land-flights task of ${time}` });

  it("land-flights' cursor lives in ctx.kv: an operator's PUT /sluice/kv/land-flights/last-day moves the next firing", async () => {
    const put = await h.call('/sluice/kv/land-flights/last-day', { method: 'PUT', json: { value: '2001-02-27' } });
    expect(put.status).toBe(200);
    // 10:00 was the last land-flights firing; the next is 10:10 (load-flights' firings on the way find nothing to load).
    await clock.advance(10 * 60_000);
    const task = await scheduledLanding('2026-11-29T10:10:00.000Z');
    expect(task).toMatchObject({ status: 'succeeded', result: { days: ['2001-02-28'], flights: flightsOn(['2001-02-28']).length } });
    expect((await h.call('/sluice/kv/land-flights/last-day')).body).toMatchObject({ value: '2001-02-28', taskId: task.taskId });
    expect(existsSync(join(files, 'landing/flights/2001-02-28.csv'))).toBe(true);

    // Without the key (deleted), the next firing resumes after the last landed file's day.
    expect((await h.call('/sluice/kv/land-flights/last-day', { method: 'DELETE' })).status).toBeLessThan(300);
    await clock.advance(10 * 60_000);
    const next = await scheduledLanding('2026-11-29T10:20:00.000Z');
    expect(next).toMatchObject({ status: 'succeeded', result: { days: ['2001-03-01'] } });
    expect((await h.call('/sluice/kv/land-flights/last-day')).body).toMatchObject({ value: '2001-03-01' });

    // A value that is not a day fails the firing for good, saying how to fix it.
    await h.call('/sluice/kv/land-flights/last-day', { method: 'PUT', json: { value: 'March 1st' } });
    await clock.advance(10 * 60_000);
    expect(await scheduledLanding('2026-11-29T10:30:00.000Z')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { name: 'BadCursor', message: expect.stringContaining("PUT /sluice/kv/land-flights/last-day") },
    });
  });
});
