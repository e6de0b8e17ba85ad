import { assertInstant } from './assertInstant.js';
import type { Reject } from './cronFields.js';
import type { Schedule } from './parseScheduleExpression.js';

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const MAX_DATE_MS = 8.64e15;

/**
 * Validates the inside of `rate(...)` and returns its {@link Schedule}.
 *
 * AWS: the value is a positive integer, the unit `minute|hour|day` in the
 * singular when the value is 1 and in the plural otherwise (`rate(1 hours)`
 * and `rate(5 hour)` are invalid). The rule fires every interval counted
 * from its creation: at anchor + k * interval for k >= 1 (creation itself is
 * not a fire time). With `firesAtAnchor` (a Scheduler schedule's `startAt`,
 * "the first occurrence of the schedule"), k starts at 0. Daylight saving
 * time never moves a rate: `rate(1 day)` is 24 hours (Scheduler User Guide).
 */
export function createRateSchedule(expression: string, body: string, anchorMs: number, reject: Reject, firesAtAnchor = false): Schedule {
  const tokens = body.trim().split(/\s+/).filter((token) => token !== '');
  if (tokens.length !== 2) reject(`rate needs a value and a unit, as in 'rate(5 minutes)'; got ${tokens.length} part(s)`);
  const [valueText = '', unitText = ''] = tokens;
  if (!/^\d+$/.test(valueText) || Number(valueText) < 1) reject(`the rate value '${valueText}' must be a positive integer`);
  const value = Number(valueText);
  const singular = unitText.endsWith('s') ? unitText.slice(0, -1) : unitText;
  if (!Object.hasOwn(UNIT_MS, singular)) reject(`the rate unit '${unitText}' must be one of minute, minutes, hour, hours, day, days`);
  if (value === 1 && unitText !== singular) reject(`a rate of 1 takes the singular unit: 'rate(1 ${singular})'`);
  if (value !== 1 && unitText === singular) reject(`a rate other than 1 takes the plural unit: 'rate(${value} ${singular}s)'`);
  const intervalMs = value * UNIT_MS[singular as Unit];
  if (!Number.isSafeInteger(intervalMs)) reject(`the rate value ${valueText} is too large`);
  assertInstant(anchorMs);
  return {
    expression,
    kind: 'rate',
    nextAfter(afterMs) {
      assertInstant(afterMs);
      if (firesAtAnchor && afterMs < anchorMs) return anchorMs;
      const periods = Math.max(1, Math.floor((afterMs - anchorMs) / intervalMs) + 1);
      const next = anchorMs + periods * intervalMs;
      // Past the last instant a Date can hold there is no next fire time to report.
      return next <= MAX_DATE_MS ? next : undefined;
    },
  };
}
