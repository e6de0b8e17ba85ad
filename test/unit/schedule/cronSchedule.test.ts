import { describe, expect, it } from 'vitest';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
type Weekday = (typeof WEEKDAYS)[number];

/**
 * [expression, after, expected next fire time, its weekday, why].
 * Every expected value was worked out by hand from the calendar; anchors used:
 * the 1st of 2026-11 is a Sunday, 2026-12 Tuesday, 2027-01 Friday, 2027-02
 * Monday, 2027-03 Monday, 2027-04 Thursday, 2027-05 Saturday, 2027-06 Tuesday,
 * 2027-08 Sunday, 2027-09 Wednesday, 2028-01 Saturday, 2028-02 Tuesday.
 * The weekday column is checked against Date, which catches slips in that
 * arithmetic (it does not involve the code under test).
 */
type Case = readonly [expression: string, after: string, expected: string, weekday: Weekday, why: string];

const cases: readonly Case[] = [
  // AWS day-of-week 2 is MONDAY (1 = SUN). serverless-offline fires this on Tuesdays.
  ['cron(0 10 ? * 2 *)', '2026-11-27T00:00:00Z', '2026-11-30T10:00:00Z', 'Mon', 'Fri 27 -> Sat 28, Sun 29, Mon 30'],
  ['cron(0 10 ? * 2 *)', '2026-11-30T09:59:59.999Z', '2026-11-30T10:00:00Z', 'Mon', 'one ms before the fire time'],
  ['cron(0 10 ? * 2 *)', '2026-11-30T10:00:00Z', '2026-12-07T10:00:00Z', 'Mon', 'strictly after: at the fire time, the next Monday'],
  ['cron(0 10 ? * MON *)', '2026-11-27T00:00:00Z', '2026-11-30T10:00:00Z', 'Mon', 'name form'],

  // 6L = the last Friday of the month (6 = FRI in AWS numbering).
  ['cron(0 18 ? * 6L *)', '2026-11-27T00:00:00Z', '2026-11-27T18:00:00Z', 'Fri', 'Nov 2026 Fridays 6,13,20,27; Nov 30 is a Monday'],
  ['cron(0 18 ? * 6L *)', '2026-11-27T18:00:00Z', '2026-12-25T18:00:00Z', 'Fri', 'Dec 1 Tue -> Fridays 4,11,18,25'],
  ['cron(0 18 ? * 6L *)', '2026-12-25T18:00:00Z', '2027-01-29T18:00:00Z', 'Fri', 'Jan 1 Fri -> five Fridays 1..29'],
  ['cron(0 18 ? * 6L *)', '2027-04-01T00:00:00Z', '2027-04-30T18:00:00Z', 'Fri', 'Apr 1 Thu -> Fri 30 is also the last day'],
  ['cron(0 18 ? * FRIL *)', '2027-04-01T00:00:00Z', '2027-04-30T18:00:00Z', 'Fri', 'name form of 6L'],

  // 3#2 = the second Tuesday (3 = TUE).
  ['cron(0 9 ? * 3#2 *)', '2026-11-27T00:00:00Z', '2026-12-08T09:00:00Z', 'Tue', "Nov's (10th) is past; Dec 1 Tue -> 1, 8"],
  ['cron(0 9 ? * 3#2 *)', '2026-12-08T09:00:00Z', '2027-01-12T09:00:00Z', 'Tue', 'Jan 1 Fri -> Tuesdays 5, 12'],
  ['cron(0 9 ? * 3#2 *)', '2027-06-01T00:00:00Z', '2027-06-08T09:00:00Z', 'Tue', 'month starting on a Tuesday'],
  ['cron(0 9 ? * 3#2 *)', '2027-09-01T00:00:00Z', '2027-09-14T09:00:00Z', 'Tue', 'Sep 1 Wed -> Tuesdays 7, 14'],
  ['cron(0 9 ? * TUE#2 *)', '2027-09-01T00:00:00Z', '2027-09-14T09:00:00Z', 'Tue', 'name form'],
  ['cron(0 9 ? * 2#1 *)', '2026-11-27T00:00:00Z', '2026-12-07T09:00:00Z', 'Mon', 'AWS docs example: first Monday; Dec 1 Tue -> Mon 7'],
  ['cron(0 0 ? * 5#5 *)', '2026-11-27T00:00:00Z', '2026-12-31T00:00:00Z', 'Thu', 'Dec 1 Tue -> Thursdays 3,10,17,24,31'],
  ['cron(0 0 ? * 5#5 *)', '2026-12-31T00:00:00Z', '2027-04-29T00:00:00Z', 'Thu', 'Jan-Mar 2027 have four Thursdays; Apr 1 Thu -> 1..29'],

  // 15W = the weekday nearest the 15th.
  ['cron(0 8 15W * ? *)', '2026-11-27T00:00:00Z', '2026-12-15T08:00:00Z', 'Tue', 'Dec 15 is a Tuesday: the 15th itself'],
  ['cron(0 8 15W * ? *)', '2027-05-01T00:00:00Z', '2027-05-14T08:00:00Z', 'Fri', 'May 15 2027 is a Saturday -> Friday 14'],
  ['cron(0 8 15W * ? *)', '2027-05-14T08:00:00Z', '2027-06-15T08:00:00Z', 'Tue', 'not Sat May 15 again; Jun 15 is a Tuesday'],
  ['cron(0 8 15W * ? *)', '2027-08-01T00:00:00Z', '2027-08-16T08:00:00Z', 'Mon', 'Aug 15 2027 is a Sunday -> Monday 16'],
  ['cron(0 8 15W * ? *)', '2026-11-15T12:00:00Z', '2026-11-16T08:00:00Z', 'Mon', 'Nov 15 2026 is a Sunday: the fire is on the 16th'],
  ['cron(0 8 1W * ? *)', '2027-04-30T00:00:00Z', '2027-05-03T08:00:00Z', 'Mon', 'May 1 Sat -> Mon 3, not Fri Apr 30 (W stays in the month)'],
  ['cron(0 8 31W * ? *)', '2027-01-02T00:00:00Z', '2027-01-29T08:00:00Z', 'Fri', 'Jan 31 2027 Sun -> Fri 29, not Mon Feb 1'],
  ['cron(0 8 LW * ? *)', '2027-02-01T00:00:00Z', '2027-02-26T08:00:00Z', 'Fri', 'last weekday: Feb 28 2027 is a Sunday -> Fri 26'],
  ['cron(0 8 LW * ? *)', '2026-11-27T09:00:00Z', '2026-11-30T08:00:00Z', 'Mon', 'Nov 30 2026 is a Monday'],

  // L = last day of the month.
  ['cron(0 0 L * ? *)', '2026-11-27T00:00:00Z', '2026-11-30T00:00:00Z', 'Mon', 'November has 30 days'],
  ['cron(0 0 L * ? *)', '2027-02-01T00:00:00Z', '2027-02-28T00:00:00Z', 'Sun', '2027 is not a leap year'],
  ['cron(0 0 L * ? *)', '2027-02-28T00:00:00Z', '2027-03-31T00:00:00Z', 'Wed', 'strictly after Feb 28 -> Mar 31'],
  ['cron(0 0 L * ? *)', '2028-02-01T00:00:00Z', '2028-02-29T00:00:00Z', 'Tue', '2028 is a leap year'],
  ['cron(0 0 L 2 ? 2100)', '2026-11-27T00:00:00Z', '2100-02-28T00:00:00Z', 'Sun', '2100 is divisible by 100, not 400: not a leap year'],

  // Steps, ranges and lists.
  ['cron(0/15 * * * ? *)', '2026-11-27T10:07:30Z', '2026-11-27T10:15:00Z', 'Fri', 'minutes 0,15,30,45'],
  ['cron(0/15 * * * ? *)', '2026-11-27T10:45:00Z', '2026-11-27T11:00:00Z', 'Fri', 'next hour'],
  ['cron(0/15 * * * ? *)', '2026-12-31T23:50:00Z', '2027-01-01T00:00:00Z', 'Fri', 'across the year boundary'],
  ['cron(*/15 * * * ? *)', '2026-11-27T10:07:30Z', '2026-11-27T10:15:00Z', 'Fri', "'*/15' = '0/15'"],
  ['cron(5/20 * * * ? *)', '2026-11-27T10:45:00Z', '2026-11-27T11:05:00Z', 'Fri', 'minutes 5,25,45'],
  ['cron(0 12 ? * MON-FRI *)', '2026-11-27T11:00:00Z', '2026-11-27T12:00:00Z', 'Fri', 'Friday is in MON-FRI'],
  ['cron(0 12 ? * MON-FRI *)', '2026-11-27T12:00:00Z', '2026-11-30T12:00:00Z', 'Mon', 'skips Sat 28 and Sun 29'],
  ['cron(0 12 ? * 2-6 *)', '2026-11-28T00:00:00Z', '2026-11-30T12:00:00Z', 'Mon', 'numeric form of MON-FRI'],
  ['cron(0 12 ? * mon-fri *)', '2026-11-28T00:00:00Z', '2026-11-30T12:00:00Z', 'Mon', 'names are case-insensitive'],
  ['cron(0/5 8-17 ? * MON-FRI *)', '2026-11-27T17:55:00Z', '2026-11-30T08:00:00Z', 'Mon', 'AWS docs example: last slot of Friday was 17:55'],
  ['cron(0 0 ? * L *)', '2026-11-27T00:00:00Z', '2026-11-28T00:00:00Z', 'Sat', "'L' alone in day-of-week is 7, Saturday"],
  ['cron(0 0 ? * 1-7/2 *)', '2026-11-28T00:00:00Z', '2026-11-29T00:00:00Z', 'Sun', 'days 1,3,5,7 = SUN,TUE,THU,SAT'],
  ['cron(0 0 ? * 1-7/2 *)', '2026-11-29T00:00:00Z', '2026-12-01T00:00:00Z', 'Tue', 'skips Monday'],
  ['cron(0 0 1 */3 ? *)', '2026-11-27T00:00:00Z', '2027-01-01T00:00:00Z', 'Fri', 'months 1,4,7,10'],
  ['cron(0 0 1 1 ? 2020/4)', '2026-11-27T00:00:00Z', '2028-01-01T00:00:00Z', 'Sat', 'years 2020, 2024, 2028, ...'],
  // Quartz wraps backwards ranges: hours 22,23,0,1,2 on FRI,SAT,SUN,MON.
  ['cron(0 22-2 ? * FRI-MON *)', '2026-11-27T00:00:00Z', '2026-11-27T01:00:00Z', 'Fri', 'hour 1 is in 22-2'],
  ['cron(0 22-2 ? * FRI-MON *)', '2026-11-30T02:00:00Z', '2026-11-30T22:00:00Z', 'Mon', 'Monday is in FRI-MON'],
  ['cron(0 22-2 ? * FRI-MON *)', '2026-11-30T23:00:00Z', '2026-12-04T00:00:00Z', 'Fri', 'Tue-Thu are not'],

  // Year range.
  ['cron(30 9 1 JAN,JUL ? 2027-2028)', '2026-11-27T00:00:00Z', '2027-01-01T09:30:00Z', 'Fri', 'first in range'],
  ['cron(30 9 1 JAN,JUL ? 2027-2028)', '2027-01-01T09:30:00Z', '2027-07-01T09:30:00Z', 'Thu', 'July'],
  ['cron(30 9 1 JAN,JUL ? 2027-2028)', '2027-07-01T09:30:00Z', '2028-01-01T09:30:00Z', 'Sat', 'next year'],
  ['cron(30 9 1 JAN,JUL ? 2027-2028)', '2028-01-01T09:30:00Z', '2028-07-01T09:30:00Z', 'Sat', 'last fire time'],
];

describe('cron schedules (hand-checked against the calendar)', () => {
  it.each(cases)('%s after %s -> %s (%s: %s)', (expression, after, expected, weekday) => {
    expect(WEEKDAYS[new Date(expected).getUTCDay()]).toBe(weekday);
    const schedule = parseScheduleExpression(expression);
    expect(schedule.kind).toBe('cron');
    expect(schedule.expression).toBe(expression);
    expect(new Date(schedule.nextAfter(Date.parse(after)) ?? NaN).toISOString()).toBe(new Date(expected).toISOString());
  });

  it('never fires again once the year range is over', () => {
    const schedule = parseScheduleExpression('cron(30 9 1 JAN,JUL ? 2027-2028)');
    expect(schedule.nextAfter(Date.parse('2028-07-01T09:30:00Z'))).toBeUndefined();
    expect(schedule.nextAfter(Date.parse('2031-03-03T00:00:00Z'))).toBeUndefined();
  });

  it('never fires after 2199, the last year AWS accepts', () => {
    const schedule = parseScheduleExpression('cron(0 0 * * ? *)');
    // 2199-12-31 at 00:00 is the last possible midnight.
    expect(schedule.nextAfter(Date.parse('2199-12-30T12:00:00Z'))).toBe(Date.parse('2199-12-31T00:00:00Z'));
    expect(schedule.nextAfter(Date.parse('2199-12-31T00:00:00Z'))).toBeUndefined();
  });

  it('starts in 1970 when asked about earlier times', () => {
    const schedule = parseScheduleExpression('cron(0 0 1 JAN ? *)');
    expect(schedule.nextAfter(Date.parse('1900-06-01T00:00:00Z'))).toBe(Date.parse('1970-01-01T00:00:00Z'));
  });

  it('returns undefined for a date that does not exist (February 31)', () => {
    expect(parseScheduleExpression('cron(0 0 31 2 ? *)').nextAfter(Date.parse('2026-11-27T00:00:00Z'))).toBeUndefined();
  });

  it('walks several fire times in order (second Tuesday)', () => {
    const schedule = parseScheduleExpression('cron(0 9 ? * 3#2 2027)');
    const fires: string[] = [];
    for (let t = Date.parse('2027-01-01T00:00:00Z'), next = schedule.nextAfter(t); next !== undefined; t = next, next = schedule.nextAfter(t)) {
      fires.push(new Date(next).toISOString().slice(0, 10));
    }
    // Second Tuesdays of 2027, from the weekday of each 1st:
    // Jan Fri->12, Feb Mon->9, Mar Mon->9, Apr Thu->13, May Sat->11, Jun Tue->8,
    // Jul Thu->13, Aug Sun->10, Sep Wed->14, Oct Fri->12, Nov Mon->9, Dec Wed->14.
    expect(fires).toEqual([
      '2027-01-12', '2027-02-09', '2027-03-09', '2027-04-13', '2027-05-11', '2027-06-08',
      '2027-07-13', '2027-08-10', '2027-09-14', '2027-10-12', '2027-11-09', '2027-12-14',
    ]);
  });

  it('L-2 fires two days before the last day of every month (Feb 26 in 2027, Feb 27 in 2028)', () => {
    const schedule = parseScheduleExpression('cron(30 9 L-2 * ? *)');
    const fires: string[] = [];
    for (let t = Date.parse('2027-01-01T00:00:00Z'), i = 0; i < 14; i++) {
      t = schedule.nextAfter(t)!;
      fires.push(new Date(t).toISOString());
    }
    expect(fires).toEqual([
      '2027-01-29T09:30:00.000Z', '2027-02-26T09:30:00.000Z', '2027-03-29T09:30:00.000Z', '2027-04-28T09:30:00.000Z',
      '2027-05-29T09:30:00.000Z', '2027-06-28T09:30:00.000Z', '2027-07-29T09:30:00.000Z', '2027-08-29T09:30:00.000Z',
      '2027-09-28T09:30:00.000Z', '2027-10-29T09:30:00.000Z', '2027-11-28T09:30:00.000Z', '2027-12-29T09:30:00.000Z',
      '2028-01-29T09:30:00.000Z', '2028-02-27T09:30:00.000Z',
    ]);
  });

  it('L-n honours hours, minutes, months and years, and skips months too short for the offset', () => {
    // L-29: day 2 of a 31-day month, day 1 of a 30-day month, none in February.
    const l29 = parseScheduleExpression('cron(0 0 L-29 JAN-MAR ? 2027)');
    expect(new Date(l29.nextAfter(Date.parse('2027-01-02T00:00:00Z'))!).toISOString()).toBe('2027-03-02T00:00:00.000Z');
    expect(l29.nextAfter(Date.parse('2027-03-02T00:00:00Z'))).toBeUndefined();
    const l30 = parseScheduleExpression('cron(0 0 L-30 * ? *)');
    expect(new Date(l30.nextAfter(Date.parse('2027-01-01T00:00:00Z'))!).toISOString()).toBe('2027-03-01T00:00:00.000Z');
    const twice = parseScheduleExpression('cron(15,45 8,20 L-1 * ? *)');
    const fires: string[] = [];
    for (let t = Date.parse('2027-04-29T08:15:00Z'), i = 0; i < 4; i++) fires.push(new Date((t = twice.nextAfter(t)!)).toISOString());
    expect(fires).toEqual(['2027-04-29T08:45:00.000Z', '2027-04-29T20:15:00.000Z', '2027-04-29T20:45:00.000Z', '2027-05-30T08:15:00.000Z']);
  });

  it('rejects a non-finite time', () => {
    expect(() => parseScheduleExpression('cron(0 0 * * ? *)').nextAfter(NaN)).toThrow(RangeError);
  });
});
