import { assertInstant } from './assertInstant.js';
import type { Reject } from './cronFields.js';
import type { Schedule } from './parseScheduleExpression.js';
import { instantsAtWallClock } from './zonedTime.js';

const AT_BODY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/**
 * Validates the inside of `at(yyyy-mm-ddThh:mm:ss)` (EventBridge Scheduler's
 * one-time schedule: a local date and time in `timezone`, UTC when none) and
 * returns a {@link Schedule} that fires once at that instant.
 *
 * A local time that exists twice (fall back) is its first instant, as a
 * cron time is. One that does not exist (inside a spring-forward gap) is
 * refused: AWS documents no reading of it, and a one-time schedule that
 * silently never fires would be worse than an error.
 */
export function createAtSchedule(expression: string, body: string, timezone: string, reject: Reject): Schedule {
  const match = AT_BODY.exec(body.trim());
  if (!match) return reject("expected 'at(yyyy-mm-ddThh:mm:ss)', as in 'at(2026-12-01T09:00:00)'");
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    reject(`'${body.trim()}' is not a valid date and time`);
  }
  const instant = instantsAtWallClock(wall, timezone)[0];
  if (instant === undefined) reject(`${body.trim()} does not exist in ${timezone} (the clocks skip it when daylight saving time starts)`);
  const at = instant as number;
  return {
    expression,
    kind: 'at',
    timezone,
    nextAfter(afterMs) {
      assertInstant(afterMs);
      return at > afterMs ? at : undefined;
    },
  };
}
