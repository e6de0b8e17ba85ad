import type { TriggerRecord } from '../../core/triggers/TriggerRecord.js';
import { isoTime } from '../../core/time/isoTime.js';
import { nextFirings } from '../../schedule/nextFirings.js';
import { parseScheduleExpression } from '../../schedule/parseScheduleExpression.js';

/**
 * What `GET /sluice/triggers/{id}` adds to a schedule on AWS: its `next` 5
 * firings (ISO-8601 UTC) for a `cron()` or `at()`, computed with
 * EventBridge Scheduler's rules (`lib/schedule/`: time zone, window). Left
 * out for a paused trigger, and for a `rate()`: its phase is the rule's or
 * Scheduler schedule's own (counted from when AWS last wrote it), which
 * this function does not know, and a guessed time would be a wrong one.
 */
export function describeAwsTrigger(record: TriggerRecord, nowMs: number): Record<string, unknown> {
  const { spec } = record;
  if (spec.kind !== 'schedule' || record.paused || spec.expression.trim().startsWith('rate(')) return {};
  try {
    const schedule = parseScheduleExpression(spec.expression, {
      ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}),
      ...(spec.startAt !== undefined ? { startAt: spec.startAt } : {}),
      ...(spec.endAt !== undefined ? { endAt: spec.endAt } : {}),
    });
    return { next: nextFirings(schedule, nowMs, 5).map(isoTime) };
  } catch {
    // A static schedule the checks did not see (they run on runtime ones): nothing to show rather than a 500.
    return {};
  }
}
