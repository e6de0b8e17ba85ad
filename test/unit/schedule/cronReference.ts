/**
 * An independent, deliberately naive model of EventBridge cron semantics for
 * differential tests: random AWS expressions are generated together with the
 * sets they mean, and fire times are found by walking the calendar day by day.
 * It shares no code with lib/schedule (nor croner).
 */

export interface ReferenceCron {
  expression: string;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  years: ReadonlySet<number>;
  /** `month` 1-12. */
  matchesDay(year: number, month: number, day: number): boolean;
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** AWS numbering: 1 = Sunday ... 7 = Saturday. */
const awsWeekday = (year: number, month: number, day: number) => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

/** The next fire time strictly after `afterMs`, scanning days up to 2199. */
export function referenceNextAfter(cron: ReferenceCron, afterMs: number): number | undefined {
  const start = new Date(Math.max(afterMs, Date.UTC(1970, 0, 1) - 1));
  let [year, month, day] = [start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate()];
  while (year <= 2199) {
    if (cron.years.has(year) && cron.months.has(month) && cron.matchesDay(year, month, day)) {
      const hours = [...cron.hours].sort((a, b) => a - b);
      const minutes = [...cron.minutes].sort((a, b) => a - b);
      for (const hour of hours) {
        for (const minute of minutes) {
          const candidate = Date.UTC(year, month - 1, day, hour, minute);
          if (candidate > afterMs) return candidate;
        }
      }
    }
    day += 1;
    if (day > daysIn(year, month)) [day, month] = [1, month + 1];
    if (month > 12) [month, year] = [1, year + 1];
  }
  return undefined;
}

/** mulberry32: a small seeded PRNG so failures reproduce. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

interface FieldShape {
  min: number;
  max: number;
  names?: string[];
  wraps: boolean;
  /** The largest step EventBridge accepts (Quartz: the field's largest value; none for years). */
  maxStep?: number;
}

/** Generates one random AWS field text and the values it means. */
function randomField(random: () => number, shape: FieldShape, around?: number): { text: string; values: Set<number> } {
  const { min, max } = shape;
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const value = () => (around === undefined ? int(min, max) : Math.min(max, Math.max(min, around + int(-2, 6))));
  const show = (v: number) => (shape.names && random() < 0.5 ? shape.names[v - min]! : String(v));
  /** a..b, wrapping past max when a > b (Quartz). */
  const span = (a: number, b: number) => {
    const out = [a];
    for (let v = a; v !== b; ) {
      v = v === max ? min : v + 1;
      out.push(v);
    }
    return out;
  };
  const every = (values: number[], step: number) => values.filter((_, i) => i % step === 0);
  switch (Math.floor(random() * 7)) {
    case 0:
      return { text: '*', values: new Set(span(min, max)) };
    case 1: {
      const v = value();
      return { text: show(v), values: new Set([v]) };
    }
    case 2: {
      const values = Array.from({ length: int(2, 4) }, value);
      return { text: values.map(show).join(','), values: new Set(values) };
    }
    case 3: {
      let [a, b] = [value(), value()];
      if (a > b && !shape.wraps) [a, b] = [b, a];
      return { text: `${show(a)}-${show(b)}`, values: new Set(span(a, b)) };
    }
    case 4: {
      const [a, step] = [value(), int(1, shape.maxStep ?? max - min + 1)];
      return { text: `${a}/${step}`, values: new Set(every(span(a, max), step)) };
    }
    case 5: {
      const step = int(1, Math.max(1, Math.floor((max - min) / 2)));
      // (always within maxStep: half the range)
      return { text: `*/${step}`, values: new Set(every(span(min, max), step)) };
    }
    default: {
      let [a, b] = [value(), value()];
      if (a > b && !shape.wraps) [a, b] = [b, a];
      const step = int(1, 4);
      return { text: `${show(a)}-${show(b)}/${step}`, values: new Set(every(span(a, b), step)) };
    }
  }
}

/** A random valid AWS cron expression and the reference model of it. */
export function randomReferenceCron(random: () => number, aroundYear: number): ReferenceCron {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const minutes = randomField(random, { min: 0, max: 59, wraps: true, maxStep: 59 });
  const hours = randomField(random, { min: 0, max: 23, wraps: true, maxStep: 23 });
  const months = randomField(random, { min: 1, max: 12, names: MONTH_NAMES, wraps: true, maxStep: 12 });
  const years = random() < 0.5 ? { text: '*', values: new Set(Array.from({ length: 230 }, (_, i) => 1970 + i)) } : randomField(random, { min: 1970, max: 2199, wraps: false }, aroundYear);
  const weekdayText = (d: number) => (random() < 0.5 ? WEEKDAY_NAMES[d - 1]! : String(d));
  let dayOfMonth = '?';
  let dayOfWeek = '?';
  let matchesDay: ReferenceCron['matchesDay'];
  switch (int(0, 6)) {
    case 0: {
      const days = randomField(random, { min: 1, max: 31, wraps: true, maxStep: 31 });
      dayOfMonth = days.text;
      matchesDay = (_y, _m, d) => days.values.has(d);
      break;
    }
    case 1: {
      if (random() < 0.5) {
        dayOfMonth = 'L';
        matchesDay = (y, m, d) => d === daysIn(y, m);
        break;
      }
      // `L-n`: n days before the last day; a month shorter than n + 1 days has none.
      const n = int(1, 30);
      dayOfMonth = `L-${n}`;
      matchesDay = (y, m, d) => d === daysIn(y, m) - n;
      break;
    }
    case 2:
      dayOfMonth = 'LW';
      matchesDay = (y, m, d) => {
        const last = daysIn(y, m);
        const weekday = awsWeekday(y, m, last);
        return d === (weekday === 1 ? last - 2 : weekday === 7 ? last - 1 : last);
      };
      break;
    case 3: {
      const n = int(1, 31);
      dayOfMonth = `${n}W`;
      // The weekday nearest the n-th without leaving the month; no fire when the month has no n-th.
      matchesDay = (y, m, d) => {
        const last = daysIn(y, m);
        if (n > last) return false;
        const weekday = awsWeekday(y, m, n);
        if (weekday === 7) return d === (n === 1 ? 3 : n - 1);
        if (weekday === 1) return d === (n === last ? n - 2 : n + 1);
        return d === n;
      };
      break;
    }
    case 4: {
      if (random() < 0.15) {
        dayOfWeek = 'L';
        matchesDay = (y, m, d) => awsWeekday(y, m, d) === 7;
        break;
      }
      const days = randomField(random, { min: 1, max: 7, names: WEEKDAY_NAMES, wraps: true, maxStep: 7 });
      dayOfWeek = days.text;
      matchesDay = (y, m, d) => days.values.has(awsWeekday(y, m, d));
      break;
    }
    case 5: {
      const weekday = int(1, 7);
      dayOfWeek = `${weekdayText(weekday)}L`;
      matchesDay = (y, m, d) => awsWeekday(y, m, d) === weekday && d + 7 > daysIn(y, m);
      break;
    }
    default: {
      const [weekday, nth] = [int(1, 7), int(1, 5)];
      dayOfWeek = `${weekdayText(weekday)}#${nth}`;
      matchesDay = (y, m, d) => awsWeekday(y, m, d) === weekday && Math.ceil(d / 7) === nth;
    }
  }
  const lower = random() < 0.2;
  const text = `cron(${minutes.text} ${hours.text} ${dayOfMonth} ${months.text} ${dayOfWeek} ${years.text})`;
  return {
    expression: lower ? text.toLowerCase() : text,
    minutes: minutes.values,
    hours: hours.values,
    months: months.values,
    years: years.values,
    matchesDay,
  };
}
