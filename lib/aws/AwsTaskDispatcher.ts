import type { MessageQueue } from '../core/ports/MessageQueue.js';
import { TASK_ID_ATTRIBUTE, type TaskDispatcher, type TaskEnvelope } from '../core/ports/TaskDispatcher.js';
import type { CreateOutcome, TaskStore } from '../core/ports/TaskStore.js';
import type { TaskRecord } from '../core/task/TaskRecord.js';

/** What the dispatcher writes to: in production a `DynamoTaskStore` and an `SqsMessageQueue`. */
export interface AwsTaskDispatcherOptions {
  store: TaskStore;
  queue: MessageQueue;
}

/**
 * {@link TaskDispatcher} for AWS: a conditional put of the `queued` record,
 * then `SendMessage` of the envelope. There is no transaction spanning
 * DynamoDB and SQS, so both steps are made safe to retry instead:
 *
 * - created: send the envelope.
 * - already there, still `queued` with 0 attempts, same payload hash: send
 *   it again. A retried submission cannot know whether its first send
 *   happened (the caller may have timed out between the two steps), so it
 *   sends once more: at-least-once; the worker drops deliveries of tasks that
 *   already finished.
 * - already there with another payload hash: send nothing; the envelope
 *   carries a different payload than the stored task, and the caller will
 *   report the idempotency conflict.
 * - running or finished: send nothing; the task is on its way or done.
 *
 * If the send fails after the record was created, the error propagates and
 * the record stays `queued`: the client's retry (same task id) sends it.
 */
export class AwsTaskDispatcher implements TaskDispatcher {
  private readonly store: TaskStore;
  private readonly queue: MessageQueue;

  constructor(options: AwsTaskDispatcherOptions) {
    this.store = options.store;
    this.queue = options.queue;
  }

  async dispatch(record: TaskRecord, envelope: TaskEnvelope, target: { queue: string }): Promise<CreateOutcome> {
    const outcome = await this.store.create(record);
    if (outcome.created || shouldResend(outcome.existing, record)) await this.enqueue(envelope, target.queue);
    return outcome;
  }

  private async enqueue(envelope: TaskEnvelope, queue: string): Promise<void> {
    await this.queue.send(queue, { body: JSON.stringify(envelope), attributes: { [TASK_ID_ATTRIBUTE]: envelope.taskId } });
  }
}

function shouldResend(existing: TaskRecord, submitted: TaskRecord): boolean {
  return existing.status === 'queued' && existing.attempts === 0 && existing.payloadHash === submitted.payloadHash;
}
