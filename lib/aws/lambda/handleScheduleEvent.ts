import { SluiceError, assertNever } from '../../core/errors.js';
import type { Clock } from '../../core/ports/Clock.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import { SCHEDULE_MAX_ATTEMPTS } from '../../core/runner/submitTask.js';
import { scheduledDelivery } from '../../core/runner/scheduledDelivery.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import type { TaskStatus } from '../../core/task/TaskRecord.js';
import type { ScheduleFiring } from './processEvent.js';
import type { DynamoScheduleOverlap } from '../DynamoScheduleOverlap.js';
import type { ScheduleTriggerState } from '../triggers/ScheduleTriggerState.js';

export interface ScheduleEventContext {
  runner: TaskRunner;
  process: RunnableProcess;
  clock: Clock;
  /** Absolute epoch ms by which Lambda stops the invocation. */
  deadlineMs: number;
  /** Enforces the rule's overlap policy (`allow` never asks it). */
  overlap: DynamoScheduleOverlap;
  /** The trigger registry's say (a paused static schedule, a paused or deleted runtime one); absent without the trigger table. */
  triggers?: ScheduleTriggerState;
}

/** What a schedule invocation returns (Lambda keeps it for async invocations' destinations). */
export type ScheduleSummary =
  | {
      taskId: string;
      status: TaskStatus;
      /** False when this firing's task had already finished and nothing ran. */
      ran: boolean;
    }
  /** The overlap policy, or the trigger registry (paused, deleted), dropped the firing: no task was created. */
  | { taskId: string; skipped: string; ran: false };

/** Thrown so that Lambda retries the asynchronous invocation. */
export class ScheduledTaskRetryError extends SluiceError {
  override name = 'ScheduledTaskRetryError';
}

/**
 * Runs one firing of a schedule. EventBridge invokes the function
 * asynchronously, so Lambda's own retries (2, hence
 * {@link SCHEDULE_MAX_ATTEMPTS} attempts) are the task's retries:
 *
 * - the task id derives from process, rule and due time (as the embedded
 *   runtime's `dispatchScheduledTask` does), so a duplicate invocation of the
 *   same firing finds the task and runs nothing;
 * - `retry`: throws, and Lambda invokes again; the stored attempt count makes
 *   the next one attempt n+1;
 * - `ack` / `dead-letter`: returns a summary; the task is final.
 *
 * First the trigger registry (when the function has it): a firing of a
 * paused static schedule, or of a runtime schedule paused or deleted, logs a
 * line and returns `{ skipped }` (see `ScheduleTriggerState`).
 * Before that, unless the rule's `overlap` is `allow`, the firing passes the
 * overlap policy ({@link DynamoScheduleOverlap}: Scheduler and EventBridge
 * rules have none): dropped, it logs a line, is recorded on the rule's
 * pointer item, and returns `{ skipped }` without creating a task.
 */
export async function handleScheduleEvent(firing: ScheduleFiring, ctx: ScheduleEventContext): Promise<ScheduleSummary> {
  // Lambda does not tell an async invocation which retry it is: the stored attempts do.
  const delivery = scheduledDelivery(ctx.process.name, { rule: firing.rule, scheduledTimeMs: Date.parse(firing.time), input: firing.input }, ctx.clock.now(), ctx.deadlineMs);
  const { taskId } = delivery;
  const scheduledTime = (delivery.trigger as { scheduledTime: string }).scheduledTime;
  const skip = await ctx.triggers?.skipReason(ctx.process.name, firing.rule);
  if (skip !== undefined) {
    console.warn(`schedule '${firing.rule}' of '${ctx.process.name}': firing due ${scheduledTime} skipped: ${skip}`);
    return { taskId, skipped: skip, ran: false };
  }
  if (firing.overlap !== 'allow') {
    const admission = await ctx.overlap.admit(ctx.process.name, firing.rule, firing.overlap, taskId, Date.parse(scheduledTime), ctx.clock.now());
    if (!admission.admitted) {
      console.warn(`schedule '${firing.rule}' of '${ctx.process.name}': firing due ${scheduledTime} skipped (overlap ${firing.overlap}): ${admission.reason}`);
      return { taskId, skipped: admission.reason, ran: false };
    }
  }
  const { decision, record, ran } = await ctx.runner.deliver(ctx.process, delivery);
  switch (decision) {
    case 'retry':
      throw new ScheduledTaskRetryError(
        `scheduled task ${taskId} (rule '${firing.rule}', due ${scheduledTime}) failed attempt ${record.attempts} of ${SCHEDULE_MAX_ATTEMPTS}: ${record.error?.message ?? record.status}`,
      );
    case 'ack':
    case 'dead-letter':
      return { taskId, status: record.status, ran };
    default:
      return assertNever(decision, 'delivery decision');
  }
}
