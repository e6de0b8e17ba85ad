import { describe, expect, it } from 'vitest';
import { InvalidScheduleError } from '../../../lib/schedule/InvalidScheduleError.js';
import { nextFirings } from '../../../lib/schedule/nextFirings.js';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';
import { CASES } from './dstCases.js';

/**
 * Time zones and daylight saving time as EventBridge Scheduler applies them.
 *
 * The expected instants (dstCases.ts) were worked out by hand from the zones' 2026
 * rules; every one is then checked here with Intl.DateTimeFormat alone (its
 * `longOffset` and its local reading), never with the code under test:
 * - `local` is what a clock in the zone shows at the expected instant;
 * - a firing on a fall-back day is the first of the two instants showing
 *   that local time (the same reading one hour earlier is not there, one
 *   hour later is);
 * - a skipped local time (`gaps`) is shown by no instant of that day.
 */

/** `2026-03-29T02:30` as a clock in `zone` shows the instant `iso`, from Intl only. */
function localReading(zone: string, iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(Date.parse(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** The UTC offset Intl reports for `zone` at `iso`, e.g. `GMT+02:00`. */
function offsetAt(zone: string, iso: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(Date.parse(iso)).find((part) => part.type === 'timeZoneName')!.value;
}

describe('the expected table, checked with Intl alone', () => {
  it.each(CASES)('$label', (row) => {
    row.utc.forEach((iso, i) => {
      expect(localReading(row.zone, iso)).toBe(row.local[i]);
      expect(offsetAt(row.zone, iso)).toBe(row.offsets[i]);
      const hourBefore = new Date(Date.parse(iso) - 3_600_000).toISOString();
      const hourAfter = new Date(Date.parse(iso) + 3_600_000).toISOString();
      if (row.ambiguous?.includes(i)) {
        expect(localReading(row.zone, hourBefore), 'an hour earlier reads differently').not.toBe(row.local[i]);
        expect(localReading(row.zone, hourAfter), 'an hour later reads the same again').toBe(row.local[i]);
      } else {
        expect(localReading(row.zone, hourAfter)).not.toBe(row.local[i]);
      }
    });
    for (const missing of row.gaps ?? []) {
      const day = Date.parse(`${missing.slice(0, 10)}T00:00:00Z`);
      for (let t = day - 86_400_000; t < day + 2 * 86_400_000; t += 60_000) {
        expect(localReading(row.zone, new Date(t).toISOString())).not.toBe(missing);
      }
    }
  });
});

describe('cron schedules in a time zone (EventBridge Scheduler daylight-saving rules)', () => {
  it.each(CASES)('$label', (row) => {
    const schedule = parseScheduleExpression(row.expression, { timezone: row.zone });
    expect(schedule.timezone).toBe(row.zone);
    expect(nextFirings(schedule, Date.parse(row.from), row.utc.length).map((ms) => new Date(ms).toISOString())).toEqual(row.utc);
  });

  it('from inside the repeated hour, the next firing is after it (nothing fires twice)', () => {
    const schedule = parseScheduleExpression('cron(0/20 2 * * ? *)', { timezone: 'Europe/Berlin' });
    // 01:10Z is 02:10 CET, the second pass: 02:20 and 02:40 already fired in the first.
    expect(new Date(schedule.nextAfter(Date.parse('2026-10-25T01:10:00Z'))!).toISOString()).toBe('2026-10-26T01:00:00.000Z');
  });

  it('a rate is not moved by daylight saving time: rate(1 day) stays 24 hours', () => {
    const schedule = parseScheduleExpression('rate(1 day)', { timezone: 'Europe/Berlin', startAt: '2026-03-28T01:30:00Z' });
    expect(nextFirings(schedule, Date.parse('2026-03-27T00:00:00Z'), 3).map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T01:30:00.000Z',
    ]);
    // ... so its local time moves from 02:30 to 03:30.
    expect(localReading('Europe/Berlin', '2026-03-30T01:30:00.000Z')).toBe('2026-03-30T03:30');
  });

  it('refuses an unknown time zone, naming it', () => {
    expect(() => parseScheduleExpression('cron(0 9 * * ? *)', { timezone: 'Europe/Berlinn' })).toThrow(InvalidScheduleError);
    expect(() => parseScheduleExpression('cron(0 9 * * ? *)', { timezone: 'Europe/Berlinn' })).toThrow(/'Europe\/Berlinn'|"Europe\/Berlinn"/);
    expect(() => parseScheduleExpression('cron(0 9 * * ? *)', { timezone: '+01:00' })).toThrow(InvalidScheduleError);
  });
});

describe('startAt and endAt', () => {
  it('a startAt in the future: the next firings start there; endAt ends them', () => {
    const schedule = parseScheduleExpression('cron(0 9 * * ? *)', { timezone: 'Europe/Berlin', startAt: '2026-12-01T00:00:00Z', endAt: '2026-12-03T23:59:59Z' });
    expect(nextFirings(schedule, Date.parse('2026-11-29T15:00:00Z'), 5).map((ms) => new Date(ms).toISOString())).toEqual([
      '2026-12-01T08:00:00.000Z',
      '2026-12-02T08:00:00.000Z',
      '2026-12-03T08:00:00.000Z',
    ]);
  });

  it('a firing exactly at startAt or endAt counts', () => {
    const schedule = parseScheduleExpression('cron(0 8 * * ? *)', { startAt: '2026-12-01T08:00:00Z', endAt: '2026-12-02T08:00:00Z' });
    expect(nextFirings(schedule, 0, 5)).toEqual([Date.parse('2026-12-01T08:00:00Z'), Date.parse('2026-12-02T08:00:00Z')]);
  });

  it('a rate fires first at its startAt', () => {
    const schedule = parseScheduleExpression('rate(5 minutes)', { startAt: Date.parse('2026-12-01T08:00:00Z'), rateAnchorMs: 0 });
    expect(nextFirings(schedule, Date.parse('2026-11-29T00:00:00Z'), 2)).toEqual([Date.parse('2026-12-01T08:00:00Z'), Date.parse('2026-12-01T08:05:00Z')]);
  });

  it('refuses an endAt before its startAt and an instant without offset', () => {
    expect(() => parseScheduleExpression('rate(5 minutes)', { startAt: '2026-12-02T00:00:00Z', endAt: '2026-12-01T00:00:00Z' })).toThrow(/endAt is before startAt/);
    expect(() => parseScheduleExpression('rate(5 minutes)', { startAt: '2026-12-02T00:00:00' })).toThrow(/startAt/);
  });
});

describe('at() one-time schedules', () => {
  it('fires once, at its local time in the zone', () => {
    const schedule = parseScheduleExpression('at(2026-12-01T09:00:00)', { timezone: 'Europe/Berlin' });
    expect(schedule.kind).toBe('at');
    expect(nextFirings(schedule, Date.parse('2026-11-29T00:00:00Z'), 5)).toEqual([Date.parse('2026-12-01T08:00:00Z')]);
    expect(schedule.nextAfter(Date.parse('2026-12-01T08:00:00Z'))).toBeUndefined();
  });

  it('is UTC without a time zone, and ignores startAt/endAt as AWS does', () => {
    const schedule = parseScheduleExpression('at(2026-12-01T09:00:00)', { startAt: '2027-01-01T00:00:00Z' });
    expect(schedule.nextAfter(0)).toBe(Date.parse('2026-12-01T09:00:00Z'));
  });

  it('a repeated local time is its first instant; a nonexistent one is refused', () => {
    expect(parseScheduleExpression('at(2026-11-01T01:30:00)', { timezone: 'America/New_York' }).nextAfter(0)).toBe(Date.parse('2026-11-01T05:30:00Z'));
    expect(() => parseScheduleExpression('at(2026-03-29T02:30:00)', { timezone: 'Europe/Berlin' })).toThrow(/does not exist in Europe\/Berlin/);
  });

  it.each(['at(2026-02-30T09:00:00)', 'at(2026-12-01 09:00:00)', 'at(2026-12-01T09:00)', 'at(2026-12-01T24:00:00)'])('refuses %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(InvalidScheduleError);
  });
});
