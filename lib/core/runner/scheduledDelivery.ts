import { isoTime } from '../time/isoTime.js';
import type { SchedulePayload } from '../task/Payload.js';
import { scheduleTaskId } from '../task/taskIds.js';
import { SCHEDULE_MAX_ATTEMPTS, scheduleTrigger, type ScheduleFiring } from './submitTask.js';
import type { Delivery } from './TaskRunner.js';

/**
 * The delivery of one schedule firing that runs without a queue (AWS:
 * EventBridge invokes the function; embedded: a process without a task
 * queue). Its id derives from process, rule and due time, as
 * `dispatchScheduledTask` derives it, so one firing is one task everywhere.
 * `receiveCount` is 0: the stored attempt count numbers the retries.
 */
export function scheduledDelivery(
  process: string,
  firing: ScheduleFiring,
  nowMs: number,
  deadlineMs?: number,
): Delivery {
  const scheduledTime = isoTime(firing.scheduledTimeMs);
  const payload: SchedulePayload = { type: 'schedule', rule: firing.rule, scheduledTime, input: firing.input };
  return {
    taskId: scheduleTaskId(process, firing.rule, scheduledTime),
    trigger: scheduleTrigger(firing, scheduledTime),
    payload,
    createdAt: isoTime(nowMs),
    receiveCount: 0,
    maxAttempts: SCHEDULE_MAX_ATTEMPTS,
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}
