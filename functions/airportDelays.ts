/**
 * Reverse ETL behind a synchronous route: the warehouse's departure delays
 * per airport, exported as a CSV file for the people who plan around them.
 *
 *   POST /exports/airport-delays          every origin with at least `minFlights` flights
 *   POST /exports/airport-delays/{iata}   one airport (400 InvalidAirportCode for a code that is not
 *                                         3-4 letters or digits; 404 UnknownAirport if the warehouse does not know it)
 *   body (optional, JSON): { "minFlights"?: 100, "top"?: 10 }   integers (a string, boolean or array is a 400)
 *
 *   lookup -> the airport of the path, checked against the warehouse
 *   export -> the aggregates, streamed from the warehouse (server-side
 *             cursor) into `exports:airport-delays[-IATA].csv`, worst first
 *   answer -> the file, how many airports it holds, and its first `top` rows
 *
 * Emits `airport-delays.exported` (db://warehouse/flights ->
 * files://exports/<file>, meta `{ airports, iata? }`): the lineage of the
 * warehouse reaches the file the planners get. It reads `flights` itself
 * rather than `delay_stats`: the answer is then never older than the
 * warehouse (a streamed flight, a load whose refresh has not run yet), and
 * it needs the airports' names anyway.
 */
import * as z from 'zod';
import { defineProcess, NonRetriableError, sql, type Aggregator, type Logic } from '../lib/index.js';
import { fileIdentity, WAREHOUSE_TABLES } from './shared/dataIdentities.js';
import { ensureWarehouse } from './shared/warehouse.js';

// Strict numbers, not z.coerce: a JSON body's `true`, `[5]` or `"abc"` is a 400 naming the type it got, never a number.
const input = z
  .strictObject({
    minFlights: z.number().int().min(1).default(100),
    top: z.number().int().min(1).max(100).default(10),
  })
  .nullish();
type Input = z.infer<typeof input>;

export type AirportDelay = {
  iata: string;
  name: string | null;
  city: string | null;
  state: string | null;
  flights: number;
  /** Minutes, rounded to 2 decimals. */
  avgDelay: number;
  /** Share of flights that left more than 15 minutes late (the US DOT's "delayed"), rounded to 3 decimals. */
  delayedShare: number;
};

export interface DelayExport {
  file: string;
  airports: number;
  top: AirportDelay[];
}

/** 404: a well-formed code the warehouse's `airports` does not hold. */
class UnknownAirport extends NonRetriableError {
  override name = 'UnknownAirport';
}

/** 400: the path's code is not an airport code at all. */
class InvalidAirportCode extends NonRetriableError {
  override name = 'InvalidAirportCode';
}

/** IATA codes are 3 letters or digits; the warehouse's airports also hold 42 four-character FAA codes (`1ND3`). */
const IATA = /^[A-Za-z0-9]{3,4}$/;
/** The most characters of a bad code an error message repeats. */
const ECHOED = 8;

/** A bad code as an error message shows it: quoted, at most {@link ECHOED} characters, its length when cut. */
function shown(code: string): string {
  return code.length <= ECHOED ? JSON.stringify(code) : `${JSON.stringify(code.slice(0, ECHOED))}... (${code.length} characters)`;
}

const lookup: Logic<Input> = {
  name: 'lookup',
  async run(ctx) {
    const raw = ctx.payload.type === 'http' ? ctx.payload.pathParameters.iata : undefined;
    // The code's format first: a malformed one is the caller's mistake, whatever the warehouse holds.
    if (raw !== undefined && !IATA.test(raw)) {
      ctx.response.status(400);
      throw new InvalidAirportCode(`iata: expected an airport code of 3-4 letters or digits, got ${shown(raw)}`);
    }
    const warehouse = ctx.db('warehouse');
    await ensureWarehouse(warehouse);
    if (raw === undefined) return;
    const iata = raw.toUpperCase();
    const { rows } = await warehouse.query(sql`SELECT iata FROM airports WHERE iata = ${iata}`);
    if (rows.length === 0) {
      const any = await warehouse.query('SELECT iata FROM airports LIMIT 1');
      ctx.response.status(404);
      throw new UnknownAirport(`no airport '${iata}' in the warehouse${any.rows.length === 0 ? ' (it has no airports yet: load-flights loads them)' : ''}`);
    }
    ctx.session.set('iata', iata);
  },
};

type AggregateRow = {
  iata: string;
  name: string | null;
  city: string | null;
  state: string | null;
  flights: string | number;
  total_delay: string | number;
  late_flights: string | number;
};

const exportDelays: Logic<Input> = {
  name: 'export',
  async run(ctx) {
    const iata = ctx.session.get<string>('iata');
    const minFlights = iata ? 1 : (ctx.input?.minFlights ?? 100);
    const limit = ctx.input?.top ?? 10;
    // COUNT and SUM come back as exact text (BIGINT/NUMERIC): the averages are computed here, the same on every engine.
    // `LIKE '%'` (no airport asked for) keeps one statement without a parameter PostgreSQL could not type (`? IS NULL`).
    const statement = sql`
      SELECT f.origin AS iata, a.name, a.city, a.state,
             COUNT(*) AS flights,
             SUM(f.delay_minutes) AS total_delay,
             SUM(CASE WHEN f.delay_minutes > 15 THEN 1 ELSE 0 END) AS late_flights
        FROM flights f LEFT JOIN airports a ON a.iata = f.origin
       WHERE f.origin LIKE ${iata ?? '%'}
       GROUP BY f.origin, a.name, a.city, a.state
      HAVING COUNT(*) >= ${minFlights}
       ORDER BY SUM(f.delay_minutes) * 1.0 / COUNT(*) DESC, f.origin`;
    const top: AirportDelay[] = [];
    async function* delays() {
      for await (const batch of ctx.db('warehouse').stream<AggregateRow>(statement, undefined, { batchSize: 500 })) {
        for (const row of batch) {
          const flights = Number(row.flights);
          const delay: AirportDelay = {
            iata: row.iata,
            name: row.name,
            city: row.city,
            state: row.state,
            flights,
            avgDelay: Math.round((Number(row.total_delay) / flights) * 100) / 100,
            delayedShare: Math.round((Number(row.late_flights) / flights) * 1000) / 1000,
          };
          if (top.length < limit) top.push(delay);
          yield delay;
        }
      }
    }
    const file = iata ? `airport-delays-${iata}.csv` : 'airport-delays.csv';
    const { records } = await ctx.files('exports').writeCsv(file, delays());
    ctx.session.set('export', { file, airports: records, top } satisfies DelayExport);
    await ctx.events.emit({
      label: 'airport-delays.exported',
      source: WAREHOUSE_TABLES.flights,
      target: fileIdentity('exports', file),
      meta: { airports: records, ...(iata ? { iata } : {}) },
    });
  },
};

const answer: Aggregator<Input, DelayExport> = {
  name: 'answer',
  run(ctx) {
    const result = ctx.session.get<DelayExport>('export')!;
    ctx.log.info(`exported ${result.airports} airport(s) to ${result.file}`);
    return result;
  },
};

const airportDelays = defineProcess({
  name: 'airport-delays',
  description: 'Reverse ETL: departure delays per airport, from the warehouse to an export file',
  input,
  logics: [lookup, exportDelays],
  aggregator: answer,
});

export const handler = airportDelays.handler;
