import { ValidationError } from '../errors.js';
import { dispatchScheduledTask, submitTask, type SubmitDeps, type SubmittableProcess } from '../runner/submitTask.js';
import type { TriggerRecord } from './TriggerRecord.js';

/**
 * `POST /sluice/triggers/{id}/fire`: a schedule fires now (LOC's "Run
 * Schedule", with its input unless one is given), an http trigger runs as an
 * async task of its process with the given input. Queue and event triggers
 * fire from their sources. The same on every runtime: the task goes to the
 * process's task queue (`TaskDispatcher`).
 *
 * @throws {ValidationError} for a queue or event trigger
 */
export async function fireTrigger(record: TriggerRecord, input: unknown, target: SubmittableProcess, deps: { submitDeps: SubmitDeps; nowMs: number }): Promise<{ taskId: string }> {
  switch (record.spec.kind) {
    case 'schedule': {
      const firing = { rule: record.triggerId, scheduledTimeMs: deps.nowMs, input: input !== undefined ? input : record.spec.input };
      return { taskId: (await dispatchScheduledTask(target, firing, deps.submitDeps)).record.taskId };
    }
    case 'http':
      return { taskId: (await submitTask(target, { payload: input }, deps.submitDeps)).record.taskId };
    case 'queue':
      throw new ValidationError(`a queue trigger fires when its queue has a message: POST /sluice/queues/${record.spec.queue}/messages`, [{ path: 'triggerId', message: 'not a schedule or http trigger' }]);
    case 'event':
      throw new ValidationError('an event trigger fires when a matching data event is published', [{ path: 'triggerId', message: 'not a schedule or http trigger' }]);
  }
}
