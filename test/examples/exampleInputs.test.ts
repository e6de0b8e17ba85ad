/**
 * The examples' inputs (serverless.yml's processes) as a caller gets them
 * wrong: each mistake is a 400 naming the field and what was wrong with it,
 * before anything runs, and never a 200 that did nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/testing/ManualClock.js';
import { EXAMPLES_CONFIG, startHarness, type Harness } from '../embedded/runtime/runtimeHarness.js';
import { exampleAuth } from './exampleToken.js';

describe('the examples refuse malformed input with a 400 that names the field', () => {
  const files = mkdtempSync(join(tmpdir(), 'sluice-inputs-files-'));
  let h: Harness;

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_FILES_DIR: files };
    delete env.SLUICE_WAREHOUSE_URL;
    h = await startHarness({ configPath: EXAMPLES_CONFIG, clock: new ManualClock(Date.parse('2026-11-29T09:00:30.000Z')), env });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(files, { recursive: true, force: true });
  });

  const landings = async (json: unknown) => h.call('/flights/landings', { method: 'POST', json, auth: false, headers: await exampleAuth(h) });
  const delays = async (json: unknown, path = '/exports/airport-delays') => h.call(path, { method: 'POST', json, auth: false, headers: await exampleAuth(h) });

  const notADay = (path: string, day: string) => ({ path, message: `${day} is not a day of the calendar` });
  it.each([
    ['2001-02-30', '2001-03-01', [notADay('from', '2001-02-30')]],
    ['2001-02-01', '2001-02-29', [notADay('to', '2001-02-29')]],
    ['2001-13-01', '2001-13-02', [notADay('from', '2001-13-01'), notADay('to', '2001-13-02')]],
    ['2001-1-1', '2001-01-02', [{ path: 'from', message: 'expected a day as YYYY-MM-DD' }]],
  ])('land-flights: {from: %s, to: %s} is a 400 naming the bad day(s) only', async (from, to, issues) => {
    const res = await landings({ from, to });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'ValidationError' });
    // Not also a misleading "from must not be after to".
    expect(res.body.issues).toEqual(issues);
  });

  it('land-flights: a leap day is a day; a range the wrong way round or over 92 days is a 400 on to', async () => {
    expect((await landings({ from: '2000-02-29', to: '2000-02-29' })).status).toBe(200);
    const backwards = await landings({ from: '2001-01-07', to: '2001-01-01' });
    expect(backwards.status).toBe(400);
    expect(backwards.body.issues).toEqual([{ path: 'to', message: 'from must not be after to' }]);
    const long = await landings({ from: '1999-01-01', to: '1999-04-03' });
    expect(long.status).toBe(400);
    expect(long.body.issues).toEqual([{ path: 'to', message: 'a range has at most 92 days' }]);
    const quarter = await landings({ from: '1999-01-01', to: '1999-04-02' }); // before the source's days: nothing to land
    expect(quarter.status).toBe(200);
    expect(quarter.body.days).toHaveLength(92);
  });

  it('land-flights through POST /sluice/tasks: an impossible day is refused at submission', async () => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'land-flights', payload: { from: '2001-13-01', to: '2001-13-01' } } });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual(expect.arrayContaining([{ path: 'from', message: '2001-13-01 is not a day of the calendar' }]));
  });

  it('load-flights: maxFiles over 98 is refused at submission (one event per file, at most 99 per task)', async () => {
    const res = await h.call('/sluice/tasks', { method: 'POST', json: { process: 'load-flights', payload: { maxFiles: 99 } } });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([expect.objectContaining({ path: 'maxFiles' })]);
  });

  it.each([
    [true, 'boolean'],
    [[5], 'array'],
    [null, 'null'],
    ['abc', 'string'],
    ['20', 'string'],
  ])('airport-delays: minFlights %j is a 400 naming minFlights and the %s it got', async (minFlights, type) => {
    const res = await delays({ minFlights });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'ValidationError' });
    expect(res.body.issues).toEqual([{ path: 'minFlights', message: `Invalid input: expected number, received ${type}` }]);
  });

  it('airport-delays: top 2.5 is a 400 (an integer); integers in range are taken', async () => {
    const res = await delays({ top: 2.5 });
    expect(res.status).toBe(400);
    expect(res.body.issues).toEqual([{ path: 'top', message: expect.stringMatching(/int/i) }]);
    expect((await delays({ minFlights: 1, top: 3 })).status).toBe(200);
  });

  it('airport-delays: a malformed airport code is a 400 that repeats a short prefix of it; a well-formed unknown one a 404', async () => {
    const long = await delays(undefined, `/exports/airport-delays/${'A'.repeat(5000)}`);
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ name: 'InvalidAirportCode', message: 'iata: expected an airport code of 3-4 letters or digits, got "AAAAAAAA"... (5000 characters)' });
    expect(JSON.stringify(long.body).length).toBeLessThan(400);
    const quote = await delays(undefined, '/exports/airport-delays/O%27H');
    expect(quote.status).toBe(400);
    expect(quote.body.error).toMatchObject({ name: 'InvalidAirportCode', message: `iata: expected an airport code of 3-4 letters or digits, got "O'H"` });
    // Nothing loaded yet: the 404 says why.
    const unknown = await delays(undefined, '/exports/airport-delays/SFO');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ name: 'UnknownAirport', message: "no airport 'SFO' in the warehouse (it has no airports yet: load-flights loads them)" });
  });
});
