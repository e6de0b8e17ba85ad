import { describe, expect, it } from 'vitest';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('rate schedules', () => {
  // The rule was created at 10:02:17.500 on Fri 2026-11-27: it fires every 5 minutes after that.
  const anchor = Date.parse('2026-11-27T10:02:17.500Z');
  const fiveMinutes = parseScheduleExpression('rate(5 minutes)', { rateAnchorMs: anchor });

  it.each([
    ['at creation', '2026-11-27T10:02:17.500Z', '2026-11-27T10:07:17.500Z'],
    ['before creation (the first fire is one interval after it)', '2026-11-27T09:00:00.000Z', '2026-11-27T10:07:17.500Z'],
    ['just before a fire time', '2026-11-27T10:07:17.499Z', '2026-11-27T10:07:17.500Z'],
    ['at a fire time (strictly after)', '2026-11-27T10:07:17.500Z', '2026-11-27T10:12:17.500Z'],
    ['between fire times', '2026-11-27T10:10:00.000Z', '2026-11-27T10:12:17.500Z'],
    // A day is 288 intervals of 5 minutes, so anchor + 1 day is itself a fire time.
    ['one day and 1 ms later', '2026-11-28T10:02:17.501Z', '2026-11-28T10:07:17.500Z'],
  ])('rate(5 minutes) %s', (_label, after, expected) => {
    expect(fiveMinutes.kind).toBe('rate');
    expect(new Date(fiveMinutes.nextAfter(Date.parse(after)) ?? NaN).toISOString()).toBe(expected);
  });

  it('rate(1 day) fires at the creation time of day', () => {
    const daily = parseScheduleExpression('rate(1 day)', { rateAnchorMs: Date.parse('2026-11-27T15:30:00Z') });
    expect(new Date(daily.nextAfter(Date.parse('2026-11-27T15:30:00Z')) ?? NaN).toISOString()).toBe('2026-11-28T15:30:00.000Z');
    expect(new Date(daily.nextAfter(Date.parse('2026-12-01T00:00:00Z')) ?? NaN).toISOString()).toBe('2026-12-01T15:30:00.000Z');
  });

  it.each([
    ['rate(1 minute)', MINUTE],
    ['rate(2 minutes)', 2 * MINUTE],
    ['rate(1 hour)', HOUR],
    ['rate(12 hours)', 12 * HOUR],
    ['rate(1 day)', DAY],
    ['rate(7 days)', 7 * DAY],
  ])('%s has an interval of %i ms', (expression, interval) => {
    const schedule = parseScheduleExpression(expression, { rateAnchorMs: 1_000 });
    expect(schedule.nextAfter(1_000)).toBe(1_000 + interval);
    expect(schedule.nextAfter(1_000 + interval)).toBe(1_000 + 2 * interval);
  });

  it('anchors at parse time by default', () => {
    const before = Date.now();
    const hourly = parseScheduleExpression('rate(1 hour)');
    const after = Date.now();
    const first = hourly.nextAfter(before - 1);
    expect(first).toBeGreaterThanOrEqual(before + HOUR);
    expect(first).toBeLessThanOrEqual(after + HOUR);
  });

  it('rejects a non-finite time', () => {
    expect(() => fiveMinutes.nextAfter(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
