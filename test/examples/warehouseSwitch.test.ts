/**
 * README's "the warehouse is one variable", as a new user meets it: the
 * tour on the embedded PGlite warehouse, then `SLUICE_WAREHOUSE_URL`
 * pointed at a PostgreSQL database (a fresh one of this machine's server)
 * and the tour again, with the same data directory and the same landing
 * files. The airports were landed and moved to `processed/` by the first
 * run; the new warehouse must get them all the same (load-flights reloads
 * an empty `airports` from the processed copy), so the one-airport export
 * answers 200, not 404.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import type { TaskRecord } from '../../lib/core/task/TaskRecord.js';
import { eventually } from '../helpers/time.js';
import { EXAMPLES_CONFIG, startHarness, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { exampleAuth } from './exampleToken.js';

const DATA = resolve(import.meta.dirname, '../../node_modules/vega-datasets/data');
const AIRPORTS = parse(readFileSync(join(DATA, 'airports.csv')), { columns: true }) as Array<Record<string, string>>;
const SOURCE = JSON.parse(readFileSync(join(DATA, 'flights-20k.json'), 'utf8')) as Array<{ date: string; origin: string }>;
const FIRST_WEEK = new Set(['01', '02', '03', '04', '05', '06', '07'].map((d) => `2001/01/${d}`));
const SFO_FLIGHTS = SOURCE.filter((f) => f.origin === 'SFO' && FIRST_WEEK.has(f.date.slice(0, 10))).length;

interface LoadSummary {
  airports: number | null;
  files: Array<{ path: string; status: string; rows: number }>;
  flightsLoaded: number;
  warehouseFlights: number;
}

describe('switching the warehouse (SLUICE_WAREHOUSE_URL) with the same landing files', () => {
  const db = `sluice_switch_${process.pid}_${randomBytes(3).toString('hex')}`;
  const files = mkdtempSync(join(tmpdir(), 'sluice-switch-files-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-switch-data-'));
  let admin: pg.Client;
  let h: Harness | undefined;

  /** `npm start` on this data directory, the warehouse at `url` (undefined: the embedded PGlite). */
  async function start(url?: string): Promise<Harness> {
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FILES_DIR: files };
    delete env.SLUICE_WAREHOUSE_URL;
    if (url) env.SLUICE_WAREHOUSE_URL = url;
    // A clock that never moves: no schedule fires behind the test's back.
    return startHarness({ configPath: EXAMPLES_CONFIG, clock: new ManualClock(Date.parse('2026-11-29T09:00:30.000Z')), env, dataDir });
  }

  /** README's `POST /sluice/tasks` for load-flights, with this Idempotency-Key; the task once it ended. */
  async function load(runtime: Harness, key: string): Promise<TaskRecord> {
    const submitted = await runtime.call('/sluice/tasks', { method: 'POST', json: { process: 'load-flights', payload: {} }, headers: { 'idempotency-key': key } });
    expect(submitted.status).toBe(202);
    return eventually(async () => {
      const t = await runtime.task(submitted.body.taskId);
      return t && ['succeeded', 'failed', 'timed_out'].includes(t.status) ? t : undefined;
    }, { timeoutMs: 60_000, what: `load-flights task ${submitted.body.taskId}` });
  }

  const landFirstWeek = async (runtime: Harness) => runtime.call('/flights/landings', { method: 'POST', json: { from: '2001-01-01', to: '2001-01-07' }, auth: false, headers: await exampleAuth(runtime) });

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
  });
  afterAll(async () => {
    await h?.stop();
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin?.end();
    rmSync(files, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the tour on PGlite, then on PostgreSQL: the new warehouse gets the airports again, and the one-airport export works', async () => {
    // The tour on the embedded default.
    h = await start();
    expect((await landFirstWeek(h)).body).toMatchObject({ airportsLanded: true });
    const first = await load(h, 'load-first-week');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect(first.result).toMatchObject({ airports: AIRPORTS.length, flightsLoaded: expect.any(Number) });
    expect(existsSync(join(files, 'landing/processed/airports.csv'))).toBe(true);
    expect((await h.call('/exports/airport-delays/SFO', { method: 'POST', auth: false, headers: await exampleAuth(h) })).status).toBe(200);
    await h.stop();

    // One variable: the same data directory and landing files, another warehouse.
    h = await start(`postgres://postgres@127.0.0.1:5432/${db}`);
    const relanded = await landFirstWeek(h);
    expect(relanded.status).toBe(200);
    // airports.csv is in processed/ since the first load: land-flights does not land it again.
    expect(relanded.body).toMatchObject({ airportsLanded: false });

    // The README's old fixed key replays the first warehouse's task: nothing is loaded here
    // (so the README's key changes per run).
    const replayed = await load(h, 'load-first-week');
    expect(replayed.taskId).toBe(first.taskId);

    const second = await load(h, `load-${randomBytes(4).toString('hex')}`);
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    const summary = second.result as LoadSummary;
    expect(summary.airports).toBe(AIRPORTS.length);
    expect(summary.files).toHaveLength(7);
    expect(second.logs.some((l) => l.message.includes('reloading them from processed/airports.csv'))).toBe(true);
    const reader = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${db}` });
    await reader.connect();
    try {
      expect(Number((await reader.query('SELECT COUNT(*) AS n FROM airports')).rows[0].n)).toBe(AIRPORTS.length);
    } finally {
      await reader.end();
    }

    const sfo = await h.call('/exports/airport-delays/SFO', { method: 'POST', auth: false, headers: await exampleAuth(h) });
    expect(sfo.status, JSON.stringify(sfo.body)).toBe(200);
    expect(sfo.body).toMatchObject({ file: 'airport-delays-SFO.csv', airports: 1, top: [{ iata: 'SFO', name: 'San Francisco International', flights: SFO_FLIGHTS }] });

    // A later load finds the airports there: nothing reloaded.
    const third = await load(h, `load-${randomBytes(4).toString('hex')}`);
    expect(third.result).toMatchObject({ airports: null, files: [] });

    // refreshAirports lands the reference data again on request; the next load replaces the table from it.
    const refreshed = await h.call('/flights/landings', { method: 'POST', json: { refreshAirports: true }, auth: false, headers: await exampleAuth(h) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ airportsLanded: true });
    const fourth = await load(h, `load-${randomBytes(4).toString('hex')}`);
    expect(fourth.result).toMatchObject({ airports: AIRPORTS.length });
  }, 120_000); // two runtime starts inside the test (each 10-20 s on a busy 2-core machine), and delay-stats runs after every load
});
