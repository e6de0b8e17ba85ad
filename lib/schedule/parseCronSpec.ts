import type { CronSpec, DayRule } from './CronSpec.js';
import { CRON_FIELDS, parseValueList, type CronField, type Reject } from './cronFields.js';

/**
 * Validates the inside of `cron(...)` against EventBridge's rules and expands
 * it into a {@link CronSpec}.
 *
 * EventBridge follows Quartz syntax: six fields (minutes hours day-of-month
 * month day-of-week year), names case-insensitive, day-of-week 1 = SUN.
 * Exactly one day field is `?`. `L`, `L-n`, `LW`, `nW`, `nL` and `n#k` each stand
 * alone in their field (AWS: "3#1,6#3" is invalid; Quartz warns that `L`
 * with lists or ranges gives unexpected results).
 *
 * @param reject receives "what is wrong" and throws.
 */
export function parseCronSpec(body: string, reject: Reject): CronSpec {
  const texts = body.trim().split(/\s+/).filter((text) => text !== '');
  if (texts.length !== 6) {
    reject(`cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${texts.length}`);
  }
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = texts as [string, string, string, string, string, string];
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    reject("day-of-month and day-of-week cannot both be '?'; give one of them a value");
  }
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    reject(`one of day-of-month ('${dayOfMonth}') and day-of-week ('${dayOfWeek}') must be '?'; AWS does not combine them`);
  }
  const list = (field: CronField, text: string) => parseValueList(field, text.toUpperCase(), inField(field, text, reject));
  return {
    minutes: list(CRON_FIELDS.minutes, minutes),
    hours: list(CRON_FIELDS.hours, hours),
    months: list(CRON_FIELDS.month, month),
    years: list(CRON_FIELDS.year, year),
    day:
      dayOfMonth === '?'
        ? parseDayOfWeek(dayOfWeek.toUpperCase(), inField(CRON_FIELDS.dayOfWeek, dayOfWeek, reject))
        : parseDayOfMonth(dayOfMonth.toUpperCase(), inField(CRON_FIELDS.dayOfMonth, dayOfMonth, reject)),
  };
}

function inField(field: CronField, text: string, reject: Reject): Reject {
  return (reason) => reject(`${field.label} '${text}': ${reason}`);
}

/**
 * `L`, `L-n`, `LW`, `15W`, or a plain list. `text` is upper-cased.
 *
 * `L-n` (n days before the last day) is missing from the AWS documentation
 * but EventBridge accepts it (Quartz syntax; AWS support has confirmed it to
 * users, and the independent aws-croniter library tests `30 9 L-2 * ? *`).
 * Quartz bounds n to 30; `L-0` is refused as that library refuses it (write
 * `L`), and so is Quartz's `L-nW`, which no AWS source shows.
 */
function parseDayOfMonth(text: string, reject: Reject): DayRule {
  if (text === 'L') return { kind: 'lastDayOfMonth' };
  if (text === 'LW') return { kind: 'lastWeekdayOfMonth' };
  const nearest = /^(\d+)W$/.exec(text);
  if (nearest?.[1] !== undefined) return { kind: 'nearestWeekday', day: single(CRON_FIELDS.dayOfMonth, nearest[1], reject) };
  if (text.startsWith('L-')) return { kind: 'daysBeforeLastDayOfMonth', offset: lastDayOffset(text.slice(2), reject) };
  if (/[LW]/.test(text)) {
    reject("'L' and 'W' must be the whole field: 'L' (last day), 'LW' (last weekday) or one day such as '15W'");
  }
  return { kind: 'daysOfMonth', days: parseValueList(CRON_FIELDS.dayOfMonth, text, reject) };
}

/** `L` (Saturday), `6L`, `3#2`, or a plain list. `text` is upper-cased. */
function parseDayOfWeek(text: string, reject: Reject): DayRule {
  // Quartz: "L" alone in day-of-week simply means 7, Saturday.
  if (text === 'L') return { kind: 'daysOfWeek', days: [7] };
  if (text.includes('#')) {
    const nth = /^([^,#]+)#(\d+)$/.exec(text);
    if (nth?.[1] === undefined || nth[2] === undefined) {
      reject("'#' must be the whole field, one day and one occurrence such as '3#2' or 'MON#1'; lists such as '3#1,6#3' are not allowed");
    }
    const occurrence = Number(nth[2]);
    if (occurrence < 1 || occurrence > 5) reject(`the occurrence after '#' must be 1-5, not ${nth[2]}`);
    return { kind: 'nthDayOfWeek', dayOfWeek: single(CRON_FIELDS.dayOfWeek, nth[1], reject), nth: occurrence };
  }
  const last = /^([^,\-/*]+)L$/.exec(text);
  if (last?.[1] !== undefined) return { kind: 'lastDayOfWeek', dayOfWeek: single(CRON_FIELDS.dayOfWeek, last[1], reject) };
  if (text.includes('L')) {
    reject("'L' must be the whole field: 'L' (Saturday) or one day before it such as '6L' (last Friday)");
  }
  return { kind: 'daysOfWeek', days: parseValueList(CRON_FIELDS.dayOfWeek, text, reject) };
}

/** The `n` of `L-n`: 1-30. */
function lastDayOffset(text: string, reject: Reject): number {
  if (/^\d+W$/.test(text)) reject(`'L-${text}' (a weekday near an offset from the last day) is not accepted; use 'L-${text.slice(0, -1)}' or 'LW'`);
  if (!/^\d+$/.test(text)) reject(`'L-' must be followed by a number of days from 1 to 30, as in 'L-2', not '${text}'`);
  const offset = Number(text);
  if (offset === 0) reject("'L-0' is the last day: write 'L'");
  if (offset > 30) reject(`the offset from the last day must be at most 30 (as in Quartz), not ${offset}`);
  return offset;
}

/** One plain value (a number or a name), as `15W`, `6L` and `3#2` take. */
function single(field: CronField, token: string, reject: Reject): number {
  if (!/^(\d+|[A-Z]+)$/.test(token)) reject(`'${token}' must be a single ${field.label} value`);
  const [value] = parseValueList(field, token, reject);
  return value ?? reject(`'${token}' is not a valid ${field.label} value`);
}
