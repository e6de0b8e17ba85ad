/** One field of an AWS cron expression: its value range and optional names. */
export interface CronField {
  /** As AWS documents it; used in error messages. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** `names[i]` stands for the value `min + i` (case-insensitive). */
  readonly names?: readonly string[];
  /**
   * Whether a range whose start exceeds its end wraps round (`22-2` hours =
   * 22,23,0,1,2; `FRI-MON`), as in Quartz, whose syntax EventBridge follows.
   * A backwards year range has no such reading.
   */
  readonly wraps: boolean;
  /**
   * The largest step after `/` EventBridge accepts, or undefined for no
   * bound. Quartz, whose parser EventBridge uses, refuses an increment above
   * 59 for minutes, 23 for hours, 31 for day-of-month, 12 for month and 7
   * for day-of-week ("Increment > 60"), and does not bound year steps.
   * EventBridge refuses `cron(*\/60 * * * ? *)`.
   */
  readonly maxStep?: number;
}

const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;

/** The six fields, in AWS order, with the values the AWS documentation allows. */
export const CRON_FIELDS = {
  minutes: { label: 'minutes', min: 0, max: 59, wraps: true, maxStep: 59 },
  hours: { label: 'hours', min: 0, max: 23, wraps: true, maxStep: 23 },
  dayOfMonth: { label: 'day-of-month', min: 1, max: 31, wraps: true, maxStep: 31 },
  month: { label: 'month', min: 1, max: 12, names: MONTH_NAMES, wraps: true, maxStep: 12 },
  // AWS numbering: 1 = SUN ... 7 = SAT.
  dayOfWeek: { label: 'day-of-week', min: 1, max: 7, names: WEEKDAY_NAMES, wraps: true, maxStep: 7 },
  year: { label: 'year', min: 1970, max: 2199, wraps: false },
} as const satisfies Record<string, CronField>;

/** Reports what is wrong with the field being parsed; never returns. */
export type Reject = (reason: string) => never;

/**
 * Parses the common part of the cron syntax: a comma-separated list of `*`,
 * `v`, `a-b`, `*\/s`, `v/s` or `a-b/s`, into the sorted values it allows.
 * `v/s` runs from v to the field's maximum, as in Quartz.
 * Expects the text upper-cased; the caller handles `?`, `L`, `W` and `#`.
 */
export function parseValueList(field: CronField, text: string, reject: Reject): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') reject('a list entry is empty');
    for (const value of parseItem(field, item, reject)) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseItem(field: CronField, item: string, reject: Reject): number[] {
  const parts = item.split('/');
  if (parts.length > 2) reject(`'${item}' has more than one '/'`);
  const [base = '', stepText] = parts;
  const step = stepText === undefined ? 1 : parseStep(field, stepText, reject);
  let start: number;
  let end: number;
  if (base === '*') {
    start = field.min;
    end = field.max;
  } else {
    const bounds = base.split('-');
    if (bounds.length > 2) reject(`'${base}' is not a range (use 'a-b')`);
    start = parseValue(field, bounds[0] ?? '', reject);
    // A lone start with a step (`5/10`) runs to the end of the field.
    end = bounds[1] !== undefined ? parseValue(field, bounds[1], reject) : stepText !== undefined ? field.max : start;
  }
  return inclusiveRun(field, start, end, reject).filter((_, index) => index % step === 0);
}

function parseStep(field: CronField, text: string, reject: Reject): number {
  const step = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(step >= 1)) reject(`the step after '/' must be a positive integer, not '${text}'`);
  if (field.maxStep !== undefined && step > field.maxStep) {
    reject(`the step ${step} is larger than ${field.maxStep}, the largest ${field.label} step EventBridge accepts`);
  }
  return step;
}

/** The values from start to end, wrapping past the maximum when start > end. */
function inclusiveRun(field: CronField, start: number, end: number, reject: Reject): number[] {
  if (start > end && !field.wraps) reject(`the range ${start}-${end} runs backwards`);
  const run: number[] = [];
  for (let value = start; value !== end; value = value === field.max ? field.min : value + 1) run.push(value);
  run.push(end);
  return run;
}

function parseValue(field: CronField, token: string, reject: Reject): number {
  const expected = `expected ${field.min}-${field.max}${field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : ''}`;
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < field.min || value > field.max) reject(`${value} is outside ${field.min}-${field.max}`);
    return value;
  }
  const nameIndex = field.names?.indexOf(token) ?? -1;
  if (nameIndex >= 0) return field.min + nameIndex;
  if (token === '') reject(`a value is missing (${expected})`);
  if (token === '*') reject(`'*' can only stand alone or before '/'`);
  const hint = misplacedSpecialCharacter(token);
  if (hint) reject(hint);
  return reject(`'${token}' is not a valid ${field.label} value (${expected})`);
}

/**
 * A clearer message than "not a valid value" for tokens that use `?`, `L`,
 * `W` or `#` where they are not allowed (the day-field parsers take the
 * allowed forms out before plain values are parsed).
 */
function misplacedSpecialCharacter(token: string): string | undefined {
  if (token.includes('?')) return "'?' is only allowed alone, in day-of-month or day-of-week";
  if (token.includes('#')) return "'#' is only allowed in day-of-week, alone, as in '3#2'";
  if (/^(\d+|L)?W$/.test(token)) return "'W' is only allowed in day-of-month, alone, as in '15W' or 'LW'";
  if (/^(\d+|[A-Z]{3})?L$|^L-/.test(token)) return "'L' is only allowed alone in day-of-month ('L', 'L-2', 'LW') or day-of-week ('L', '6L')";
  return undefined;
}
