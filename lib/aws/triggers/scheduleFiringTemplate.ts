import type { OverlapPolicy } from '../../core/schedule/scheduleOverlap.js';
import { DEFAULT_OVERLAP } from '../../core/schedule/scheduleOverlap.js';

/** EventBridge's (and Scheduler's) limit on a target's input. */
export const SCHEDULE_INPUT_LIMIT = 8192;

/** EventBridge Scheduler's context attribute for the firing's scheduled time (ISO-8601, UTC), quoted into JSON. */
export const SCHEDULER_TIME = '"<aws.scheduler.scheduled-time>"';

/**
 * The event a schedule firing invokes a process function with, as a
 * template: `{"sluiceSchedule":{"rule":"<rule>","time":<time>,"input":<input>,"overlap":"<policy>"}}`
 * (read by `processEvent.ts`), where `<time>` is EventBridge's input
 * transformer placeholder or {@link SCHEDULER_TIME}. `overlap` is left out
 * for the default (`skip`). `<` and `>` inside the input are written as JSON
 * escapes so neither service can mistake them for placeholders.
 *
 * One encoder for the plugin's static schedules and the platform function's
 * runtime ones: both reach `handleScheduleEvent` in the same form.
 *
 * @returns the template, or `undefined` when it is over {@link SCHEDULE_INPUT_LIMIT}
 */
export function scheduleFiringTemplate(firing: { rule: string; input?: unknown; overlap: OverlapPolicy }, time: string): string | undefined {
  const escape = (json: string): string => json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  const input = firing.input === undefined ? '' : `,"input":${escape(JSON.stringify(firing.input))}`;
  const overlap = firing.overlap === DEFAULT_OVERLAP ? '' : `,"overlap":${JSON.stringify(firing.overlap)}`;
  const template = `{"sluiceSchedule":{"rule":${escape(JSON.stringify(firing.rule))},"time":${time}${input}${overlap}}}`;
  return template.length > SCHEDULE_INPUT_LIMIT ? undefined : template;
}
