import { type Clock } from '../core/ports/Clock.js';
import { systemClock } from '../core/time/systemClock.js';
import { isoTime } from '../core/time/isoTime.js';
import type { MessageQueue } from '../core/ports/MessageQueue.js';
import type { TaskDispatcher, TaskEnvelope } from '../core/ports/TaskDispatcher.js';
import type { CreateOutcome, TaskStore } from '../core/ports/TaskStore.js';
import type { TaskRecord } from '../core/task/TaskRecord.js';
import { taskMessageOf } from '../core/task/taskEnvelopeCodec.js';

/** What the dispatcher writes to: in production a `DynamoTaskStore` and an `SqsMessageQueue`. */
export interface AwsTaskDispatcherOptions {
  store: TaskStore;
  queue: MessageQueue;
  /** Times the failure of an undeliverable task. @default systemClock */
  clock?: Clock;
  /**
   * What a failed first send leaves: `'fail'` saves the record `failed`
   * (`DispatchFailed`), for a caller that answers now and is not retried by
   * anyone (the platform API); `'keep-queued'` leaves it `queued` with 0
   * attempts, for a caller that retries the same dispatch until it
   * succeeds (the event dispatcher: its stream record is delivered again),
   * whose retry then re-sends the message.
   * @default 'fail'
   */
  onSendFailure?: 'fail' | 'keep-queued';
}

/**
 * {@link TaskDispatcher} for AWS: a conditional put of the `queued` record,
 * then `SendMessage` of the envelope. There is no transaction spanning
 * DynamoDB and SQS, so both steps are made safe to retry instead, and no
 * step may leave a `queued` record that no message will deliver:
 *
 * - before anything is written, the envelope is encoded with the shared
 *   codec (`taskMessageOf`: characters SQS refuses are escaped, so every
 *   JSON payload travels) and checked against SQS's rules (size): a message
 *   SQS would refuse is refused here, with no record left behind;
 * - created: send the envelope. If that send fails, the record is saved
 *   `failed` (`DispatchFailed`) before the error propagates (500): the
 *   client learns it from the response and, on a retry with the same
 *   idempotency key, from the record. (With `onSendFailure: 'keep-queued'`
 *   the record stays queued instead, for a caller whose own retry re-sends.) (Sending first and putting second
 *   would instead leave messages naming tasks that do not exist, which the
 *   worker must then reject as forged; marking the rare failure is simpler
 *   and honest. A send that timed out after SQS took it is harmless: its
 *   delivery finds the task final and runs nothing.)
 * - already there, still `queued` with 0 attempts, same payload hash: send
 *   it again. A retried submission cannot know whether its first send
 *   happened (the Lambda may have died between the two steps), so it sends
 *   once more: at-least-once; the worker drops deliveries of tasks that
 *   already finished. A failure of this re-send propagates and leaves the
 *   record as it was (a message may already be on its way).
 * - already there with another payload hash: send nothing; the envelope
 *   carries a different payload than the stored task, and the caller will
 *   report the idempotency conflict.
 * - running or finished: send nothing; the task is on its way or done.
 */
export class AwsTaskDispatcher implements TaskDispatcher {
  private readonly store: TaskStore;
  private readonly queue: MessageQueue;
  private readonly clock: Clock;
  private readonly onSendFailure: 'fail' | 'keep-queued';

  constructor(options: AwsTaskDispatcherOptions) {
    this.store = options.store;
    this.queue = options.queue;
    this.clock = options.clock ?? systemClock;
    this.onSendFailure = options.onSendFailure ?? 'fail';
  }

  async dispatch(record: TaskRecord, envelope: TaskEnvelope, target: { queue: string }): Promise<CreateOutcome> {
    const message = taskMessageOf(envelope);
    const outcome = await this.store.create(record);
    if (outcome.created) {
      try {
        await this.queue.send(target.queue, message);
      } catch (error) {
        if (this.onSendFailure === 'fail') await this.markUndeliverable(record, error);
        throw error;
      }
    } else if (shouldResend(outcome.existing, record)) {
      await this.queue.send(target.queue, message);
    }
    return outcome;
  }

  /** The task's message was never sent: end the record so that it does not wait for a delivery forever. */
  private async markUndeliverable(record: TaskRecord, cause: unknown): Promise<void> {
    const now = isoTime(this.clock.now());
    const reason = cause instanceof Error ? cause.message : String(cause);
    const failed: TaskRecord = {
      ...record,
      status: 'failed',
      finishedAt: now,
      error: { kind: 'system', name: 'DispatchFailed', message: `the task could not be queued: ${reason}` },
      logs: [{ time: now, level: 'error', message: 'the task message could not be sent to its queue; the task will not run' }],
    };
    try {
      await this.store.save(failed);
    } catch (error) {
      // Both AWS services failing: the send error is what the caller needs; the record stays queued.
      console.error(`task ${record.taskId}: could not mark the undeliverable task failed`, error);
    }
  }
}

function shouldResend(existing: TaskRecord, submitted: TaskRecord): boolean {
  return existing.status === 'queued' && existing.attempts === 0 && existing.payloadHash === submitted.payloadHash;
}
