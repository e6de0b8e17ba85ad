import { Cron } from 'croner';
import type { CronSpec } from './CronSpec.js';
import { assertInstant } from './assertInstant.js';
import { InvalidScheduleError } from './InvalidScheduleError.js';
import { nextDayBeforeLastDay } from './nextDayBeforeLastDay.js';
import type { Schedule } from './parseScheduleExpression.js';
import { CRONER_OPTIONS, toCronerPattern } from './toCronerPattern.js';

/** AWS accepts years 1970-2199, so nothing fires outside these instants. */
const FIRST_POSSIBLE_MS = Date.UTC(1970, 0, 1);
const AFTER_LAST_POSSIBLE_MS = Date.UTC(2200, 0, 1);

/**
 * A {@link Schedule} for a validated cron expression; croner finds the fire
 * times. croner's answers were checked against an independent reference
 * (test/unit/schedule/cronReference.ts) for every day-rule kind; `L-n`,
 * which croner lacks, is searched by {@link nextDayBeforeLastDay}.
 */
export function createCronSchedule(expression: string, spec: CronSpec): Schedule {
  const { day } = spec;
  if (day.kind === 'daysBeforeLastDayOfMonth') {
    // croner has no `L-n`: a direct walk over the months.
    const years = new Set(spec.years);
    return {
      expression,
      kind: 'cron',
      nextAfter(afterMs) {
        assertInstant(afterMs);
        return nextDayBeforeLastDay(spec, years, day.offset, afterMs);
      },
    };
  }
  const pattern = toCronerPattern(spec);
  let cron: Cron;
  try {
    // No callback: croner only evaluates the pattern, it schedules nothing.
    cron = new Cron(pattern, CRONER_OPTIONS);
  } catch (error) {
    // Validation should make this unreachable; say so rather than fire wrongly.
    throw new InvalidScheduleError(expression, `cannot be evaluated (croner rejected '${pattern}')`, { cause: error });
  }
  return {
    expression,
    kind: 'cron',
    nextAfter(afterMs) {
      assertInstant(afterMs);
      if (afterMs >= AFTER_LAST_POSSIBLE_MS) return undefined;
      // Clamping keeps croner away from far-past dates; nothing fires before 1970.
      const next = cron.nextRun(new Date(Math.max(afterMs, FIRST_POSSIBLE_MS - 1)));
      return next ? next.getTime() : undefined;
    },
  };
}

