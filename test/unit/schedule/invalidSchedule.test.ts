import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/core/errors.js';
import { InvalidScheduleError } from '../../../lib/schedule/InvalidScheduleError.js';
import { parseScheduleExpression } from '../../../lib/schedule/parseScheduleExpression.js';

/** [expression, a fragment the message must contain (names the part and the problem)]. */
const invalid: ReadonlyArray<readonly [string, string]> = [
  ['', "expected 'rate(value unit)', 'cron("],
  ['every 5 minutes', "expected 'rate(value unit)', 'cron("],
  ['cron 0 12 * * ? *', "expected 'rate(value unit)', 'cron("],
  ['Rate(5 minutes)', "expected 'rate(value unit)'"],
  // The two day fields.
  ['cron(0 12 * * * *)', "one of day-of-month ('*') and day-of-week ('*') must be '?'"],
  ['cron(0 12 1 * MON *)', "one of day-of-month ('1') and day-of-week ('MON') must be '?'"],
  ['cron(0 12 ? * ? *)', "day-of-month and day-of-week cannot both be '?'"],
  // Field count.
  ['cron(0 12 * * ?)', 'cron needs 6 fields (minutes hours day-of-month month day-of-week year), got 5'],
  ['cron(0 0 12 * * ? *)', 'got 7'],
  ['cron()', 'got 0'],
  // Ranges of values.
  ['cron(60 12 * * ? *)', "minutes '60': 60 is outside 0-59"],
  ['cron(0 24 * * ? *)', "hours '24': 24 is outside 0-23"],
  ['cron(0 12 32 * ? *)', "day-of-month '32': 32 is outside 1-31"],
  ['cron(0 12 0 * ? *)', "day-of-month '0': 0 is outside 1-31"],
  ['cron(0 12 1 13 ? *)', "month '13': 13 is outside 1-12"],
  ['cron(0 12 ? * 8 *)', "day-of-week '8': 8 is outside 1-7"],
  ['cron(0 12 ? * 0 *)', "day-of-week '0': 0 is outside 1-7"],
  ['cron(0 12 * * ? 1969)', "year '1969': 1969 is outside 1970-2199"],
  ['cron(0 12 * * ? 2200)', "year '2200': 2200 is outside 1970-2199"],
  ['cron(0 12 * FOO ? *)', "month 'FOO': 'FOO' is not a valid month value (expected 1-12 or JAN-DEC)"],
  ['cron(0 12 ? * MONDAY *)', "day-of-week 'MONDAY': 'MONDAY' is not a valid day-of-week value"],
  // '#', 'L' and 'W'.
  ['cron(0 12 ? * MON#6 *)', "day-of-week 'MON#6': the occurrence after '#' must be 1-5, not 6"],
  ['cron(0 12 ? * 2#0 *)', "the occurrence after '#' must be 1-5, not 0"],
  ['cron(0 12 ? * 3#1,6#3 *)', "day-of-week '3#1,6#3': '#' must be the whole field"],
  ['cron(0 12 ? * 8#1 *)', "day-of-week '8#1': 8 is outside 1-7"],
  ['cron(0 12 # * ? *)', "'#' is only allowed in day-of-week"],
  ['cron(0 12 ? * 1-3L *)', "day-of-week '1-3L': 'L' must be the whole field"],
  ['cron(0 12 ? * 2,6L *)', "'L' must be the whole field"],
  ['cron(0 12 1,L * ? *)', "day-of-month '1,L': 'L' and 'W' must be the whole field"],
  ['cron(0 12 1-5W * ? *)', "'L' and 'W' must be the whole field"],
  ['cron(0 12 32W * ? *)', "day-of-month '32W': 32 is outside 1-31"],
  ['cron(0 12 W * ? *)', "'L' and 'W' must be the whole field"],
  // `L-n`: n from 1 to 30 (Quartz), not `L-0` (write `L`), no `W` after it, alone in day-of-month.
  ['cron(0 12 L-0 * ? *)', "day-of-month 'L-0': 'L-0' is the last day: write 'L'"],
  ['cron(0 12 L-31 * ? *)', 'the offset from the last day must be at most 30 (as in Quartz), not 31'],
  ['cron(0 12 L- * ? *)', "'L-' must be followed by a number of days from 1 to 30"],
  ['cron(0 12 L-X * ? *)', "'L-' must be followed by a number of days from 1 to 30, as in 'L-2', not 'X'"],
  ['cron(0 12 L-2W * ? *)', "'L-2W' (a weekday near an offset from the last day) is not accepted"],
  ['cron(0 12 L-2,5 * ? *)', "'L-' must be followed by a number of days"],
  ['cron(0 12 1,L-2 * ? *)', "'L' and 'W' must be the whole field"],
  ['cron(L-2 12 * * ? *)', "minutes 'L-2': 'L' is only allowed alone in day-of-month ('L', 'L-2', 'LW')"],
  // Steps: EventBridge (Quartz) refuses an increment above the field's largest value.
  ['cron(*/60 * * * ? *)', "minutes '*/60': the step 60 is larger than 59, the largest minutes step EventBridge accepts"],
  ['cron(0/60 * * * ? *)', 'the step 60 is larger than 59'],
  ['cron(5-10/61 * * * ? *)', 'the step 61 is larger than 59'],
  ['cron(0 */24 * * ? *)', "hours '*/24': the step 24 is larger than 23, the largest hours step"],
  ['cron(0 0/100 * * ? *)', 'the step 100 is larger than 23'],
  ['cron(0 12 */32 * ? *)', "day-of-month '*/32': the step 32 is larger than 31"],
  ['cron(0 12 1 */13 ? *)', "month '*/13': the step 13 is larger than 12"],
  ['cron(0 12 1 JAN/13 ? *)', 'the step 13 is larger than 12'],
  ['cron(0 12 ? * */8 *)', "day-of-week '*/8': the step 8 is larger than 7"],
  ['cron(0 12 ? * MON/8 *)', 'the step 8 is larger than 7'],
  ['cron(0,*/60 * * * ? *)', 'the step 60 is larger than 59'],
  ['cron(0 12 ? * 1W *)', "day-of-week '1W': 'W' is only allowed in day-of-month"],
  ['cron(L 12 * * ? *)', "minutes 'L': 'L' is only allowed alone in day-of-month"],
  ['cron(? 12 * * ? *)', "minutes '?': '?' is only allowed alone, in day-of-month or day-of-week"],
  ['cron(0 12 1,? * ? *)', "'?' is only allowed alone"],
  // Lists, ranges and steps.
  ['cron(0/0 12 * * ? *)', "minutes '0/0': the step after '/' must be a positive integer, not '0'"],
  ['cron(0/x 12 * * ? *)', "minutes '0/x': the step after '/' must be a positive integer, not 'X'"],
  ['cron(/5 12 * * ? *)', "minutes '/5': a value is missing"],
  ['cron(0/5/2 12 * * ? *)', "has more than one '/'"],
  ['cron(1-2-3 12 * * ? *)', "'1-2-3' is not a range"],
  ['cron(*-5 12 * * ? *)', "'*' can only stand alone or before '/'"],
  ['cron(0 12 1,,2 * ? *)', "day-of-month '1,,2': a list entry is empty"],
  ['cron(0 12 1, * ? *)', 'a list entry is empty'],
  ['cron(0 12 * * ? 2028-2027)', "year '2028-2027': the range 2028-2027 runs backwards"],
  ['cron(-1 12 * * ? *)', "minutes '-1': a value is missing"],
  // Rate.
  ['rate(0 minutes)', "the rate value '0' must be a positive integer"],
  ['rate(-5 minutes)', "the rate value '-5' must be a positive integer"],
  ['rate(1.5 hours)', "the rate value '1.5' must be a positive integer"],
  ['rate(1 minutes)', "a rate of 1 takes the singular unit: 'rate(1 minute)'"],
  ['rate(1 hours)', "'rate(1 hour)'"],
  ['rate(5 minute)', "a rate other than 1 takes the plural unit: 'rate(5 minutes)'"],
  ['rate(5 day)', "'rate(5 days)'"],
  ['rate(5 fortnights)', "the rate unit 'fortnights' must be one of minute, minutes, hour, hours, day, days"],
  ['rate(5 seconds)', "the rate unit 'seconds'"],
  ['rate(5 constructors)', "the rate unit 'constructors'"],
  ['rate(5 MINUTES)', "the rate unit 'MINUTES'"],
  ['rate(5)', 'rate needs a value and a unit'],
  ['rate(5 minutes please)', 'rate needs a value and a unit'],
  ['rate(99999999999999999 days)', 'is too large'],
];

describe('invalid schedule expressions', () => {
  it.each(invalid)('%s -> %s', (expression, fragment) => {
    let thrown: unknown;
    try {
      parseScheduleExpression(expression, { rateAnchorMs: 0 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidScheduleError);
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as InvalidScheduleError;
    expect(error.name).toBe('InvalidScheduleError');
    expect(error.expression).toBe(expression);
    expect(error.message).toBe(`invalid schedule expression '${expression}': ${error.reason}`);
    expect(error.reason).toContain(fragment);
  });

  it('rejects a value that is not a string (e.g. a number from YAML)', () => {
    expect(() => parseScheduleExpression(5 as unknown as string)).toThrow(/expected a string/);
  });
});

describe('valid forms AWS accepts', () => {
  it.each([
    // AWS documentation examples.
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 0 ? * 3#1 *)',
    // Quartz forms EventBridge takes.
    'cron(0 18 ? * L *)',
    'cron(0 18 ? * SATL *)',
    'cron(0 18 LW * ? *)',
    'cron(0 18 31W * ? *)',
    'cron(0 07/12 ? * * *)',
    'cron(0 1-7/2,11-23/2 * * ? *)',
    'cron(30 0 1 JAN-APR,JUL-OCT/2,DEC ? *)',
    'cron(1/5 8-17 ? * Mon-Fri *)',
    'cron(0 0 ? * 1-7 1970-2199)',
    ' cron(0 12 * * ? *)\n',
    'cron(0  12  *  *  ?  *)',
    // Steps up to the field's largest value (Quartz's bound), year steps unbounded.
    'cron(*/59 * * * ? *)',
    'cron(0/59 * * * ? *)',
    'cron(0 */23 * * ? *)',
    'cron(0 0 */31 * ? *)',
    'cron(0 0 1 */12 ? *)',
    'cron(0 0 ? * */7 *)',
    'cron(0 0 1 1 ? 2027/300)',
    // `L-n` in day-of-month (n 1-30).
    'cron(30 9 L-2 * ? *)',
    'cron(30 9 l-1 * ? *)',
    'cron(30 9 L-30 * ? *)',
    'rate(1 minute)',
    'rate(10 hours)',
    'rate( 3 days )',
  ])('%s', (expression) => {
    const schedule = parseScheduleExpression(expression, { rateAnchorMs: 0 });
    expect(schedule.expression).toBe(expression);
    expect(schedule.nextAfter(Date.parse('2026-11-27T00:00:00Z'))).toBeGreaterThan(Date.parse('2026-11-27T00:00:00Z'));
  });
});
