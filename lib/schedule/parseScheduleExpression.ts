import { createCronSchedule } from './createCronSchedule.js';
import { createRateSchedule } from './createRateSchedule.js';
import { InvalidScheduleError } from './InvalidScheduleError.js';
import { parseCronSpec } from './parseCronSpec.js';

/** A parsed EventBridge schedule expression (scheduled rules, UTC). */
export interface Schedule {
  /** The expression as given, e.g. 'cron(0 10 ? * MON-FRI *)' or 'rate(5 minutes)'. */
  readonly expression: string;
  readonly kind: 'rate' | 'cron';
  /** The next fire time strictly after `afterMs` (epoch ms, UTC), or undefined if it never fires again (e.g. year range over). */
  nextAfter(afterMs: number): number | undefined;
}

export interface ParseScheduleOptions {
  /**
   * When the rule was created, in epoch ms: a `rate(...)` fires every
   * interval after it. Ignored for `cron(...)`.
   * @default Date.now() at parse time
   */
  rateAnchorMs?: number;
}

/**
 * Parses a `schedule` expression with EventBridge scheduled-rule semantics
 * and validates it the way AWS does, so a start-up check catches what a
 * deployment would reject.
 *
 * - `rate(value unit)`: fires at anchor + k * interval, k >= 1.
 * - `cron(minutes hours day-of-month month day-of-week year)`: UTC, minute
 *   precision, day-of-week 1 = SUN, exactly one day field `?`, with `L`,
 *   `LW`, `15W`, `6L` (last Friday) and `3#2` (second Tuesday).
 *
 * @throws {InvalidScheduleError} naming the offending part.
 * @example
 * const schedule = parseScheduleExpression('cron(0 10 ? * 2 *)'); // Mondays 10:00 UTC
 * schedule.nextAfter(Date.UTC(2026, 10, 27)); // 2026-11-30T10:00Z, a Monday
 */
export function parseScheduleExpression(expression: string, options: ParseScheduleOptions = {}): Schedule {
  const given = String(expression);
  const reject = (reason: string): never => {
    throw new InvalidScheduleError(given, reason);
  };
  if (typeof expression !== 'string') reject(`expected a string such as 'rate(5 minutes)', got ${typeof expression}`);
  const form = /^(rate|cron)\((.*)\)$/s.exec(given.trim());
  if (form?.[1] === undefined || form[2] === undefined) {
    return reject("expected 'rate(value unit)' or 'cron(minutes hours day-of-month month day-of-week year)'");
  }
  if (form[1] === 'rate') return createRateSchedule(given, form[2], options.rateAnchorMs ?? Date.now(), reject);
  return createCronSchedule(given, parseCronSpec(form[2], reject));
}
