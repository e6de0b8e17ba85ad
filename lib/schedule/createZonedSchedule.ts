import { assertInstant } from './assertInstant.js';
import type { Schedule } from './parseScheduleExpression.js';
import { instantsAtWallClock, wallClockOf } from './zonedTime.js';

/**
 * A cron {@link Schedule} read in an IANA time zone, with EventBridge
 * Scheduler's daylight-saving rules (User Guide, "Daylight savings time on
 * EventBridge Scheduler", schedule-types.html):
 *
 * - a local time that does not exist (spring forward) is skipped that day:
 *   "if a cron expression falls on a non-existent date and time, your
 *   schedule invocation is skipped";
 * - a local time that exists twice (fall back) fires once, at the first of
 *   its two instants (the daylight-time one): "runs the schedule only once
 *   at 2:30 a.m. before the shift occurs, but does not repeat the schedule
 *   invocation again at 2:30 a.m. after the time shift".
 *
 * croner's own `timezone` option does neither (checked with croner 11.0.1:
 * a 02:30 Europe/Berlin cron fires at 03:00 on 2026-03-29, and twice on
 * 2026-10-25), so croner searches wall times here, as if in UTC, and this
 * maps them to instants.
 *
 * @param wallSchedule the same expression evaluated in UTC, whose instants are read as wall times
 */
export function createZonedSchedule(wallSchedule: Schedule, timezone: string): Schedule {
  return {
    expression: wallSchedule.expression,
    kind: wallSchedule.kind,
    timezone,
    nextAfter(afterMs) {
      assertInstant(afterMs);
      // The first instant of successive wall times only grows, and every
      // wall time up to the one `afterMs` shows has had its first instant at
      // or before `afterMs`: start the search there. Candidates whose first
      // instant is past (the repeated hour after a fall back) or that do
      // not exist (the gap) are passed over: at most an hour's worth.
      for (let wall = wallSchedule.nextAfter(wallClockOf(afterMs, timezone)); wall !== undefined; wall = wallSchedule.nextAfter(wall)) {
        const first = instantsAtWallClock(wall, timezone)[0];
        if (first !== undefined && first > afterMs) return first;
      }
      return undefined;
    },
  };
}
