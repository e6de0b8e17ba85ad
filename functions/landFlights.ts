/**
 * Batch extract: lands days of flights from the source data set as one CSV
 * file per day, the way a partner's daily feed would arrive.
 *
 *   plan    -> the days to land: the input's range, else (schedule) the day
 *              after the cursor, so each firing lands the next day. The
 *              cursor is the kv entry `land-flights/last-day` (the last day
 *              landed, `YYYY-MM-DD`; a range landing moves it forward, never
 *              back). Absent (a new data directory, or an operator deleted
 *              it), the last day found among the landed files is used.
 *              Operators move it: `PUT /sluice/kv/land-flights/last-day`
 *              `{"value":"2001-01-31"}` makes the next firing land Feb 1st;
 *              `"2000-12-31"` starts over. A value that is not a day fails
 *              the task (not retried) naming the key.
 *   extract -> the source's flights of those days, streamed from
 *              `datasets:flights-20k.json`
 *   land    -> `landing:flights/<day>.csv` per day, and `landing:airports.csv`
 *              (the reference data) when it was never landed, or again when
 *              the input says `"refreshAirports": true`; the cursor advances
 *              once the files are written
 *
 * Data events (published with the task's outcome): `flights.landed` per file
 * (files://datasets/flights-20k.json -> files://landing/flights/<day>.csv,
 * meta `{ day, flights }`) and `airports.landed` (files://datasets/airports.csv
 * -> files://landing/airports.csv). See shared/dataIdentities.ts.
 *
 * Triggers (serverless.yml): every 10 minutes, and `POST /flights/landings`
 * with `{ "from": "2001-01-01", "to": "2001-01-07" }` to land a range now
 * (both calendar days, at most 92 of them; 400 otherwise), optionally with
 * `"refreshAirports": true`. `load-flights` picks the files up (and reloads
 * the airports from its processed copy into a warehouse that has none).
 */
import * as z from 'zod';
import { defineProcess, NonRetriableError, type Aggregator, type Logic, type LogicContext } from '../lib/index.js';
import { fileIdentity } from './shared/dataIdentities.js';
import { AIRPORTS_FILE, dayOf, daySchema, daysBetween, FIRST_DAY, FLIGHTS_FILE, isCalendarDay, LAST_DAY, type FlightRecord } from './shared/flights.js';

/** The most days one request lands (a quarter). */
const MAX_DAYS = 92;
/** Whether both ends of the range are given and are calendar days. */
const isRange = (i: { from?: string; to?: string }): i is { from: string; to: string } =>
  i.from !== undefined && i.to !== undefined && isCalendarDay(i.from) && isCalendarDay(i.to);

const input = z
  .strictObject({
    from: daySchema.optional(),
    to: daySchema.optional(),
    /** Land airports.csv again even when it was landed before (e.g. after the source's airports changed). */
    refreshAirports: z.boolean().default(false),
  })
  .refine((i) => (i.from === undefined) === (i.to === undefined), { message: 'give both from and to, or neither' })
  // Only between two real days: a malformed one already has its own issue, and comparing it would add a misleading second.
  .refine((i) => !isRange(i) || i.from <= i.to, { message: 'from must not be after to', path: ['to'] })
  .refine((i) => !isRange(i) || Date.parse(i.to) - Date.parse(i.from) < MAX_DAYS * 86_400_000, { message: `a range has at most ${MAX_DAYS} days`, path: ['to'] })
  .nullish();
type Input = z.infer<typeof input>;

export interface Landing {
  days: string[];
  files: Array<{ path: string; flights: number }>;
  flights: number;
  airportsLanded: boolean;
}

/** Every landed day's file, wherever `load-flights` has moved it since. */
const LANDED_DIRS = ['flights', 'processed/flights', 'rejected/flights'];

/** The schedule's cursor in `ctx.kv`: the last day landed (see the module comment). */
export const CURSOR_KEY = 'land-flights/last-day';

/** A cursor an operator set to something else than a day. */
class BadCursor extends NonRetriableError {
  override name = 'BadCursor';
}

/** `2001-01-31` -> `2001-02-01`. */
const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/** The cursor: the kv entry, else the last day among the landed files (undefined: nothing landed yet). */
async function lastLandedDay(ctx: LogicContext<Input>): Promise<string | undefined> {
  const cursor = await ctx.kv.get(CURSOR_KEY);
  if (cursor !== undefined) {
    if (typeof cursor !== 'string' || !isCalendarDay(cursor)) {
      throw new BadCursor(`kv '${CURSOR_KEY}' is ${JSON.stringify(cursor)}, not a day 'YYYY-MM-DD': PUT /sluice/kv/${CURSOR_KEY} {"value":"2001-01-31"}, or DELETE it to resume after the last landed file`);
    }
    return cursor;
  }
  const landing = ctx.files('landing');
  const landed = (await Promise.all(LANDED_DIRS.map((dir) => landing.list(dir)))).flat().map((f) => /(\d{4}-\d{2}-\d{2})\.csv$/.exec(f.path)?.[1]);
  const last = landed.filter((d): d is string => d !== undefined).sort().at(-1);
  ctx.log.info(`no kv '${CURSOR_KEY}': resuming after the last landed file's day (${last ?? 'none'})`);
  return last;
}

const plan: Logic<Input> = {
  name: 'plan',
  async run(ctx) {
    if (ctx.input?.from && ctx.input.to) {
      ctx.session.set('days', daysBetween(ctx.input.from, ctx.input.to));
      return;
    }
    const last = await lastLandedDay(ctx);
    // A cursor before the data set (an operator starting over) resumes at its first day.
    const after = last === undefined ? FIRST_DAY : dayAfter(last);
    const next = after < FIRST_DAY ? FIRST_DAY : after > LAST_DAY ? undefined : after;
    if (next === undefined) ctx.log.info(`every day of ${FLIGHTS_FILE} is landed (last ${last})`);
    ctx.session.set('days', next === undefined ? [] : [next]);
  },
};

const extractAndLand: Logic<Input> = {
  name: 'extract-and-land',
  async run(ctx) {
    const days = new Set(ctx.session.get<string[]>('days'));
    const byDay = new Map<string, FlightRecord[]>();
    const seen = new Map<string, number>();
    if (days.size > 0) {
      // One pass over the source (it is not sorted by anything we rely on).
      for await (const r of ctx.files('datasets').readJsonArray<Omit<FlightRecord, 'seq'>>(FLIGHTS_FILE)) {
        const day = dayOf(r.date);
        if (!days.has(day)) continue;
        const same = `${r.date}|${r.origin}|${r.destination}`;
        const seq = (seen.get(same) ?? 0) + 1;
        seen.set(same, seq);
        const records = byDay.get(day) ?? [];
        records.push({ date: r.date, delay: r.delay, distance: r.distance, origin: r.origin, destination: r.destination, seq });
        byDay.set(day, records);
      }
    }
    const landing = ctx.files('landing');
    const files: Landing['files'] = [];
    for (const [day, records] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
      const path = `flights/${day}.csv`;
      await landing.writeCsv(path, records);
      files.push({ path, flights: records.length });
    }
    ctx.session.set('files', files);
    await ctx.events.emit(
      files.map((f) => ({
        label: 'flights.landed',
        source: fileIdentity('datasets', FLIGHTS_FILE),
        target: fileIdentity('landing', f.path),
        meta: { day: f.path.slice('flights/'.length, -'.csv'.length), flights: f.flights },
      })),
    );
    // Forward only: re-landing an old day must not make the schedule land everything after it again.
    const planned = [...days].sort().at(-1);
    const cursor = await ctx.kv.get(CURSOR_KEY);
    if (planned !== undefined && (typeof cursor !== 'string' || cursor < planned)) await ctx.kv.set(CURSOR_KEY, planned);
  },
};

const landAirports: Logic<Input> = {
  name: 'land-airports',
  async run(ctx) {
    const landing = ctx.files('landing');
    const already = (await landing.stat(AIRPORTS_FILE)) ?? (await landing.stat(`processed/${AIRPORTS_FILE}`));
    if (already && !ctx.input?.refreshAirports) return;
    await landing.putStream(AIRPORTS_FILE, await ctx.files('datasets').getStream(AIRPORTS_FILE), { contentType: 'text/csv' });
    ctx.session.set('airportsLanded', true);
    await ctx.events.emit({ label: 'airports.landed', source: fileIdentity('datasets', AIRPORTS_FILE), target: fileIdentity('landing', AIRPORTS_FILE) });
  },
};

const report: Aggregator<Input, Landing> = {
  name: 'report',
  run(ctx) {
    const files = ctx.session.get<Landing['files']>('files') ?? [];
    const landing: Landing = {
      days: ctx.session.get<string[]>('days') ?? [],
      files,
      flights: files.reduce((sum, f) => sum + f.flights, 0),
      airportsLanded: ctx.session.get<boolean>('airportsLanded') ?? false,
    };
    ctx.log.info(`landed ${landing.flights} flights in ${files.length} file(s)`, { days: landing.days.length });
    return landing;
  },
};

const landFlights = defineProcess({
  name: 'land-flights',
  description: 'Batch extract: days of flights landed as one CSV file per day',
  input,
  logics: [plan, extractAndLand, landAirports],
  aggregator: report,
});

export const handler = landFlights.handler;
