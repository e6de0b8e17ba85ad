import { createAtSchedule } from './createAtSchedule.js';
import { createCronSchedule } from './createCronSchedule.js';
import { createRateSchedule } from './createRateSchedule.js';
import { createZonedSchedule } from './createZonedSchedule.js';
import { InvalidScheduleError } from './InvalidScheduleError.js';
import { parseCronSpec } from './parseCronSpec.js';
import { isTimeZone } from './zonedTime.js';

/** A parsed schedule expression: an EventBridge rule's (UTC), or a Scheduler schedule's (time zone, `at()`, window). */
export interface Schedule {
  /** The expression as given, e.g. 'cron(0 10 ? * MON-FRI *)', 'rate(5 minutes)' or 'at(2026-12-01T09:00:00)'. */
  readonly expression: string;
  readonly kind: 'rate' | 'cron' | 'at';
  /** The IANA zone a cron or `at()` is read in; absent: UTC. */
  readonly timezone?: string;
  /** The next fire time strictly after `afterMs` (epoch ms, UTC), or undefined if it never fires again (year range, `endAt` or its one `at()` passed). */
  nextAfter(afterMs: number): number | undefined;
}

export interface ParseScheduleOptions {
  /**
   * When the rule was created, in epoch ms: a `rate(...)` without `startAt`
   * fires every interval after it. Ignored for `cron(...)` and `at(...)`.
   * @default Date.now() at parse time
   */
  rateAnchorMs?: number;
  /**
   * IANA time zone in which a cron or `at()` is read (validated with `Intl`).
   * A rate is unaffected. @default UTC
   */
  timezone?: string;
  /** First instant a firing may have (inclusive); a rate's first firing is at it. Epoch ms or ISO-8601 with offset. Ignored by `at()`, as AWS ignores it. */
  startAt?: number | string;
  /** Last instant a firing may have (inclusive). Epoch ms or ISO-8601 with offset. Ignored by `at()`. */
  endAt?: number | string;
}

/**
 * Parses a schedule expression and validates it the way AWS does, so a
 * start-up check catches what a deployment would reject.
 *
 * - `rate(value unit)`: fires at anchor + k * interval, k >= 1 (k >= 0 from `startAt`).
 * - `cron(minutes hours day-of-month month day-of-week year)`: minute
 *   precision, day-of-week 1 = SUN, exactly one day field `?`, with `L`,
 *   `LW`, `15W`, `6L` (last Friday) and `3#2` (second Tuesday); in UTC, or in
 *   `timezone` with EventBridge Scheduler's daylight-saving rules
 *   ({@link createZonedSchedule}: a nonexistent local time is skipped, a
 *   repeated one fires once, at its first instant).
 * - `at(yyyy-mm-ddThh:mm:ss)`: once, at that local time ({@link createAtSchedule}).
 *
 * @throws {InvalidScheduleError} naming the offending part (an unknown time zone by its name).
 * @example
 * const schedule = parseScheduleExpression('cron(0 10 ? * 2 *)'); // Mondays 10:00 UTC
 * schedule.nextAfter(Date.UTC(2026, 10, 27)); // 2026-11-30T10:00Z, a Monday
 * parseScheduleExpression('cron(30 2 * * ? *)', { timezone: 'Europe/Berlin' }); // 02:30 Berlin time; not on 2026-03-29
 */
export function parseScheduleExpression(expression: string, options: ParseScheduleOptions = {}): Schedule {
  const given = String(expression);
  const reject = (reason: string): never => {
    throw new InvalidScheduleError(given, reason);
  };
  if (typeof expression !== 'string') reject(`expected a string such as 'rate(5 minutes)', got ${typeof expression}`);
  const { timezone } = options;
  if (timezone !== undefined && !isTimeZone(timezone)) reject(`time zone ${JSON.stringify(timezone)} is not an IANA time zone name (such as 'Europe/Berlin')`);
  const form = /^(rate|cron|at)\((.*)\)$/s.exec(given.trim());
  if (form?.[1] === undefined || form[2] === undefined) {
    return reject("expected 'rate(value unit)', 'cron(minutes hours day-of-month month day-of-week year)' or 'at(yyyy-mm-ddThh:mm:ss)'");
  }
  if (form[1] === 'at') return createAtSchedule(given, form[2], timezone ?? 'UTC', reject);
  const startAtMs = instantOption(options.startAt, 'startAt', reject);
  const endAtMs = instantOption(options.endAt, 'endAt', reject);
  if (startAtMs !== undefined && endAtMs !== undefined && endAtMs < startAtMs) reject('endAt is before startAt');
  let schedule: Schedule;
  if (form[1] === 'rate') {
    schedule = createRateSchedule(given, form[2], startAtMs ?? options.rateAnchorMs ?? Date.now(), reject, startAtMs !== undefined);
    if (timezone !== undefined) schedule = { ...schedule, timezone, nextAfter: schedule.nextAfter };
  } else {
    const spec = parseCronSpec(form[2], reject);
    schedule = createCronSchedule(given, spec);
    if (timezone !== undefined) schedule = createZonedSchedule(schedule, timezone);
  }
  return startAtMs === undefined && endAtMs === undefined ? schedule : withinWindow(schedule, startAtMs, endAtMs);
}

/** Only the firings in [startAtMs, endAtMs]. */
function withinWindow(schedule: Schedule, startAtMs: number | undefined, endAtMs: number | undefined): Schedule {
  return {
    ...schedule,
    nextAfter(afterMs) {
      const next = schedule.nextAfter(startAtMs === undefined ? afterMs : Math.max(afterMs, startAtMs - 1));
      return next === undefined || (endAtMs !== undefined && next > endAtMs) ? undefined : next;
    },
  };
}

function instantOption(value: number | string | undefined, name: string, reject: (reason: string) => never): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) reject(`${name} must be epoch milliseconds or an ISO-8601 instant`);
    return value;
  }
  // An instant, not a local time: the offset is required (Scheduler's StartDate/EndDate are instants too).
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) return reject(`${name} ${JSON.stringify(value)} is not an ISO-8601 instant with an offset (such as '2026-12-01T08:00:00Z')`);
  return ms;
}
