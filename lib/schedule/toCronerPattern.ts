import type { CronSpec, DayRule } from './CronSpec.js';
import { assertNever } from '../core/errors.js';

/**
 * Options under which {@link toCronerPattern}'s output means what the AWS
 * expression means (toolchain.md §5): the 7-part form (seconds first, year
 * last), Quartz weekday numbering (1 = SUN, as AWS), UTC.
 */
export const CRONER_OPTIONS = {
  mode: '7-part',
  alternativeWeekdays: true,
  timezone: 'UTC',
  // AWS makes one day field '?', so a day must match the other field alone;
  // AND with an unrestricted field says exactly that, whatever croner's default.
  domAndDow: true,
} as const;

/**
 * Renders a validated {@link CronSpec} as a croner@11 pattern.
 *
 * Ranges, steps, names and wrap-around ranges are already expanded, so croner
 * only sees plain values plus its own `L`, `LW`, `nW`, `n#k` and `n#L`. That
 * keeps croner's own range and step parsing (which rejects `FRI-MON` and reads
 * `0 10 ? * 2 *` differently without these options) out of the picture.
 */
export function toCronerPattern(spec: CronSpec): string {
  const [dayOfMonth, dayOfWeek] = dayFields(spec.day);
  return ['0', runs(spec.minutes), runs(spec.hours), dayOfMonth, runs(spec.months), dayOfWeek, runs(spec.years)].join(' ');
}

function dayFields(day: DayRule): [dayOfMonth: string, dayOfWeek: string] {
  switch (day.kind) {
    case 'daysOfMonth':
      return [runs(day.days), '*'];
    case 'lastDayOfMonth':
      return ['L', '*'];
    case 'lastWeekdayOfMonth':
      return ['LW', '*'];
    case 'daysBeforeLastDayOfMonth':
      // createCronSchedule searches `L-n` itself; croner cannot express it.
      throw new RangeError(`croner has no pattern for L-${day.offset}`);
    case 'nearestWeekday':
      return [`${day.day}W`, '*'];
    case 'daysOfWeek':
      // A plain list: no weekday ranges for croner to renumber.
      return ['*', day.days.join(',')];
    case 'lastDayOfWeek':
      // AWS writes the last Friday `6L`; croner writes it `6#L`.
      return ['*', `${day.dayOfWeek}#L`];
    case 'nthDayOfWeek':
      return ['*', `${day.dayOfWeek}#${day.nth}`];
    default:
      return assertNever(day, 'day rule');
  }
}

/** `[0,1,2,3,7,9,10]` -> `0-3,7,9-10`: keeps the 230-value year list short. */
function runs(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    parts.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
