import type { TaskRecord } from '../task/TaskRecord.js';
import type { CreateOutcome } from './TaskStore.js';

/**
 * Accepts a task for asynchronous execution: persists its `queued` record and
 * enqueues its delivery envelope on the process's task queue.
 *
 * The two steps must not lose a task between them. The embedded runtime does
 * both in one SQLite transaction. On AWS they are a conditional put and a
 * `SendMessage`; a retried submission with the same task id finds the record
 * and sends the envelope again if the task is still queued (at-least-once;
 * the worker drops deliveries of finished tasks).
 */
export interface TaskDispatcher {
  dispatch(record: TaskRecord, envelope: TaskEnvelope, target: { queue: string }): Promise<CreateOutcome>;
}

/**
 * The body of a task-queue message that carries a platform task (async API
 * submission or schedule), as opposed to a raw streaming message. It is
 * marked by the message attribute {@link TASK_ID_ATTRIBUTE}.
 */
export interface TaskEnvelope {
  taskId: string;
  process: string;
  trigger: TaskRecord['trigger'];
  createdAt: string;
  /** The normalised payload (see `Payload`). */
  payload: unknown;
  /** Overrides the queue's maxReceiveCount for this task (schedules use 3, as Lambda async retries). */
  maxAttempts?: number;
}

export const TASK_ID_ATTRIBUTE = 'sluice-task-id';
