/**
 * The examples' data: US domestic flights of January–March 2001 and the US
 * airports, as the `vega-datasets` npm package ships them (real public data,
 * from the Bureau of Transportation Statistics; no network needed).
 *
 *   flights-20k.json  [{ "date": "2001/01/05 06:55", "delay": 12, "distance": 1750,
 *                        "origin": "DTW", "destination": "LAS" }, ...]   20,000 flights
 *   airports.csv      iata,name,city,state,country,latitude,longitude    3,376 airports
 *
 * One record shape travels the whole pipeline: the source's, plus `seq`
 * (see {@link flightId}). This module holds that shape and the transforms
 * the batch (`load-flights`) and streaming (`flight-events`) loads share, so
 * both write identical warehouse rows.
 */
import * as z from 'zod';

/** The source file, in the `datasets` connection. */
export const FLIGHTS_FILE = 'flights-20k.json';
export const AIRPORTS_FILE = 'airports.csv';
/** The days the source covers (UTC calendar days of its local times). */
export const FIRST_DAY = '2001-01-01';
export const LAST_DAY = '2001-03-31';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a day of the (proleptic Gregorian) calendar written `YYYY-MM-DD`: `2001-02-30` and `2001-13-01` are not. */
export function isCalendarDay(value: string): boolean {
  const match = DAY.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // setUTCFullYear rolls an impossible day over (Feb 30 -> Mar 2): a real day comes back unchanged.
  // (Not Date.UTC: it reads years 0-99 as 1900-1999.)
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A calendar day, `YYYY-MM-DD`. A bad value gets one issue: its format (the
 * regex aborts, so the calendar is not asked), or that the calendar has no
 * such day. The regex also stays in the input's JSON Schema (AWS checks it
 * before the worker; a refinement has no JSON form).
 */
export const daySchema = z
  .string()
  .regex(DAY, { message: 'expected a day as YYYY-MM-DD', abort: true })
  .refine(isCalendarDay, { error: (issue) => `${String(issue.input)} is not a day of the calendar` });
const airportCode = z.string().regex(/^[A-Z0-9]{3,4}$/, 'expected an airport code (3-4 capital letters or digits)');

/**
 * A flight as the source has it. `seq` tells apart flights that share date,
 * origin and destination (the source has two such pairs): the 1st, 2nd...
 * of them in source order.
 */
export const flightRecordSchema = z.strictObject({
  /** Local departure time, minute precision, as the source writes it. */
  date: z.string().regex(/^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/, "expected 'YYYY/MM/DD HH:MM'"),
  /** Minutes; negative: left early. */
  delay: z.int().min(-1440).max(2880),
  /** Miles. */
  distance: z.int().positive().max(10_000),
  origin: airportCode,
  destination: airportCode,
  seq: z.int().positive().default(1),
});
export type FlightRecord = z.output<typeof flightRecordSchema>;

/** A landed CSV row (every value a string) as a {@link FlightRecord}. */
export const flightCsvRowSchema = flightRecordSchema.extend({
  delay: z.coerce.number().pipe(flightRecordSchema.shape.delay),
  distance: z.coerce.number().pipe(flightRecordSchema.shape.distance),
  seq: z.coerce.number().pipe(z.int().positive()),
});

/** A row of the warehouse's `flights` table (see warehouse.ts). A type, not an interface: `load()` takes `Record<string, unknown>` rows. */
export type FlightRow = {
  flight_id: string;
  /** YYYY-MM-DD */
  flight_date: string;
  /** 'YYYY-MM-DD HH:MM:00': the literal both PostgreSQL TIMESTAMP and MariaDB DATETIME accept. */
  departed_at: string;
  origin: string;
  destination: string;
  delay_minutes: number;
  distance_miles: number;
  /** Lineage: the landed file, or `stream` for queue messages. */
  loaded_from: string;
};

/** `2001/01/05 06:55` -> `2001-01-05`. */
export const dayOf = (date: string) => date.slice(0, 10).replaceAll('/', '-');

/**
 * The flight's stable key: the same flight gets the same id whether it
 * arrives in a landed file or on the queue, so `load(..., { mode: 'merge' })`
 * makes re-runs and replays harmless.
 */
export const flightId = (r: Pick<FlightRecord, 'date' | 'origin' | 'destination' | 'seq'>) => `${dayOf(r.date)} ${r.date.slice(11)}|${r.origin}|${r.destination}|${r.seq}`;

export function toFlightRow(r: FlightRecord, loadedFrom: string): FlightRow {
  return {
    flight_id: flightId(r),
    flight_date: dayOf(r.date),
    departed_at: `${dayOf(r.date)} ${r.date.slice(11)}:00`,
    origin: r.origin,
    destination: r.destination,
    delay_minutes: r.delay,
    distance_miles: r.distance,
    loaded_from: loadedFrom,
  };
}

/** A row of the warehouse's `airports` table. */
export type AirportRow = {
  iata: string;
  name: string;
  city: string | null;
  state: string | null;
  country: string;
  latitude: number;
  longitude: number;
};

/** An airports.csv record; the source writes `NA` for an unknown city or state. */
export function toAirportRow(r: Record<string, string>): AirportRow {
  const orNull = (value: string | undefined) => (value === undefined || value === '' || value === 'NA' ? null : value);
  const latitude = Number(r.latitude);
  const longitude = Number(r.longitude);
  if (!r.iata || !r.name || !Number.isFinite(latitude) || !Number.isFinite(longitude)) throw new Error(`not an airport record: ${JSON.stringify(r)}`);
  return { iata: r.iata, name: r.name, city: orNull(r.city), state: orNull(r.state), country: r.country ?? 'USA', latitude, longitude };
}

/** The days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}
