/**
 * Scheduled batch ETL: merges the landed flight files into the warehouse.
 *
 *   discover      -> the warehouse tables (created when missing) and the
 *                    files waiting in `landing:flights/`
 *   load-airports -> `landing:airports.csv`, when there, replaces the
 *                    `airports` table (atomically: readers never see it half
 *                    loaded) and moves to `processed/`; a warehouse whose
 *                    `airports` is empty (a new one, after SLUICE_WAREHOUSE_URL
 *                    changed) is loaded from `processed/airports.csv` instead
 *   load-flights  -> each file streamed through readCsv, validated and
 *                    transformed (shared/flights.ts), merged into `flights` on
 *                    `flight_id`, then moved to `processed/`; a file with a bad
 *                    record is loaded not at all (one transaction per file)
 *                    and moved to `rejected/`
 *   summary       -> what was loaded, and the warehouse's row count
 *
 * Data events (published with the task's outcome; see shared/dataIdentities.ts):
 *   flights.loaded    per loaded file: files://landing/flights/<day>.csv -> db://warehouse/flights,
 *                     meta `{ rows, file }`; `delay-stats` subscribes to it
 *   flights.rejected  per rejected file: the landed file -> files://landing/rejected/flights/<day>.csv,
 *                     meta `{ file, reason }`
 *   airports.loaded   files://landing/airports.csv -> db://warehouse/airports, meta `{ rows, file }`
 *                     (`file`: the path read, `processed/airports.csv` for a reload)
 * A task emits at most 99 events: hence at most 98 files per run (`maxFiles`).
 *
 * Merging on a stable key makes a re-run harmless: a file loaded twice (the
 * task retried between its load and its move) leaves the same rows.
 *
 * Triggers (serverless.yml): every 5 minutes, and async runs through
 * `POST /sluice/tasks` with `{ "process": "load-flights", "payload": {} }`.
 */
import * as z from 'zod';
import { defineProcess, type Aggregator, type FileStorageAgent, type Logic } from '../lib/index.js';
import { fileIdentity, WAREHOUSE_TABLES } from './shared/dataIdentities.js';
import { AIRPORTS_FILE, flightCsvRowSchema, toAirportRow, toFlightRow, type FlightRow } from './shared/flights.js';
import { ensureWarehouse } from './shared/warehouse.js';

/** One event per file, plus the airports': a task emits at most 99 events. */
const MAX_FILES = 98;
const DEFAULT_MAX_FILES = 50;
const input = z.strictObject({ maxFiles: z.int().min(1).max(MAX_FILES).default(DEFAULT_MAX_FILES) }).nullish();
type Input = z.infer<typeof input>;

export interface FileLoad {
  path: string;
  status: 'loaded' | 'rejected';
  rows: number;
  /** Why a rejected file was rejected (its first bad record). */
  reason?: string;
}

export interface LoadSummary {
  airports: number | null;
  files: FileLoad[];
  flightsLoaded: number;
  /** Rows in `flights` after the load. */
  warehouseFlights: number;
}

/** A landed record that does not validate: the file it is in is rejected. */
class BadRecord extends Error {
  override name = 'BadRecord';
}

/** The records of a landed flight file as warehouse rows; throws {@link BadRecord} at the first invalid one. */
async function* flightRowsOf(landing: FileStorageAgent, path: string): AsyncIterable<FlightRow> {
  let line = 1;
  for await (const record of landing.readCsv(path)) {
    line++;
    const parsed = flightCsvRowSchema.safeParse(record);
    if (!parsed.success) throw new BadRecord(`line ${line}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    yield toFlightRow(parsed.data, path.slice(path.lastIndexOf('/') + 1));
  }
}

const discover: Logic<Input> = {
  name: 'discover',
  async run(ctx) {
    await ensureWarehouse(ctx.db('warehouse'));
    const waiting = (await ctx.files('landing').list('flights')).filter((f) => f.path.endsWith('.csv'));
    ctx.session.set('pending', waiting.slice(0, ctx.input?.maxFiles ?? DEFAULT_MAX_FILES).map((f) => f.path));
    ctx.log.info(`${waiting.length} flight file(s) waiting`);
  },
};

const PROCESSED_AIRPORTS = `processed/${AIRPORTS_FILE}`;

const loadAirports: Logic<Input> = {
  name: 'load-airports',
  async run(ctx) {
    const landing = ctx.files('landing');
    const warehouse = ctx.db('warehouse');
    let source: string;
    if (await landing.stat(AIRPORTS_FILE)) {
      source = AIRPORTS_FILE;
    } else {
      // Self-healing: a warehouse without airports (a new one: SLUICE_WAREHOUSE_URL switched) gets them
      // from the copy loaded before, which land-flights will not land again.
      const { rows } = await warehouse.query('SELECT iata FROM airports LIMIT 1');
      if (rows.length > 0) return;
      if (!(await landing.stat(PROCESSED_AIRPORTS))) {
        ctx.log.warn(`the warehouse has no airports and ${AIRPORTS_FILE} is not landed: land-flights lands it on its next run`);
        return;
      }
      source = PROCESSED_AIRPORTS;
      ctx.log.info(`the warehouse has no airports: reloading them from ${PROCESSED_AIRPORTS}`);
    }
    const rows = async function* () {
      for await (const record of landing.readCsv(source)) yield toAirportRow(record);
    };
    const { rowCount } = await warehouse.load('airports', rows(), { mode: 'replace' });
    if (source === AIRPORTS_FILE) await landing.move(AIRPORTS_FILE, PROCESSED_AIRPORTS);
    ctx.session.set('airports', rowCount);
    // The processed copy is the same dataset: its identity is where it was landed.
    await ctx.events.emit({ label: 'airports.loaded', source: fileIdentity('landing', AIRPORTS_FILE), target: WAREHOUSE_TABLES.airports, meta: { rows: rowCount, file: source } });
  },
};

const loadFlights: Logic<Input> = {
  name: 'load-flights',
  async run(ctx) {
    const landing = ctx.files('landing');
    const warehouse = ctx.db('warehouse');
    const files: FileLoad[] = [];
    for (const path of ctx.session.get<string[]>('pending') ?? []) {
      let bad: BadRecord | undefined;
      const rows = async function* () {
        try {
          yield* flightRowsOf(landing, path);
        } catch (error) {
          if (error instanceof BadRecord) bad = error;
          throw error;
        }
      };
      try {
        const { rowCount } = await warehouse.load('flights', rows(), { mode: 'merge', key: 'flight_id' });
        await landing.move(path, `processed/${path}`);
        files.push({ path, status: 'loaded', rows: rowCount });
        await ctx.events.emit({ label: 'flights.loaded', source: fileIdentity('landing', path), target: WAREHOUSE_TABLES.flights, meta: { rows: rowCount, file: path } });
      } catch (error) {
        // Only a bad record rejects the file; anything else (the database is down) fails the task, to be retried.
        if (bad === undefined) throw error;
        await landing.move(path, `rejected/${path}`);
        files.push({ path, status: 'rejected', rows: 0, reason: bad.message });
        await ctx.events.emit({ label: 'flights.rejected', source: fileIdentity('landing', path), target: fileIdentity('landing', `rejected/${path}`), meta: { file: path, reason: bad.message.slice(0, 1000) } });
        ctx.log.warn(`rejected ${path}`, { reason: bad.message });
      }
    }
    ctx.session.set('files', files);
  },
};

const summary: Aggregator<Input, LoadSummary> = {
  name: 'summary',
  async run(ctx) {
    const files = ctx.session.get<FileLoad[]>('files') ?? [];
    const { rows } = await ctx.db('warehouse').query<{ n: string | number }>('SELECT COUNT(*) AS n FROM flights');
    return {
      airports: ctx.session.get<number>('airports') ?? null,
      files,
      flightsLoaded: files.reduce((sum, f) => sum + f.rows, 0),
      warehouseFlights: Number(rows[0]?.n ?? 0),
    };
  },
};

const loadFlightsProcess = defineProcess({
  name: 'load-flights',
  description: 'Scheduled batch ETL: landed flight files merged into the warehouse',
  input,
  logics: [discover, loadAirports, loadFlights],
  aggregator: summary,
});

export const handler = loadFlightsProcess.handler;
