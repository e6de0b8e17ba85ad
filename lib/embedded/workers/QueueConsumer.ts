import type { Clock } from '../../core/ports/Clock.js';
import type { ReceivedMessage } from '../../core/ports/MessageQueue.js';
import { assertNever } from '../../core/errors.js';
import { decodeDelivery } from '../../core/runner/decodeDelivery.js';
import type { RunnableProcess } from '../../core/runner/RunnableProcess.js';
import type { TaskRunner } from '../../core/runner/TaskRunner.js';
import type { SqliteMessageQueue } from '../sqlite/SqliteMessageQueue.js';
import type { Semaphore } from '../runtime/Semaphore.js';
import type { RuntimeLog } from '../runtime/RuntimeLog.js';

export interface QueueConsumerOptions {
  queue: string;
  /** Records per invocation (Lambda's `batchSize`). */
  batchSize: number;
  /** Seconds to wait for a fuller batch (Lambda's `maximumBatchingWindow`). */
  batchingWindowSeconds: number;
  /** The queue's redrive limit; undefined when it has no dead-letter queue. */
  maxReceiveCount: number | undefined;
  process: RunnableProcess;
  slots: Semaphore;
  queues: SqliteMessageQueue;
  runner: TaskRunner;
  clock: Clock;
  log: RuntimeLog;
}

/**
 * The embedded twin of Lambda's SQS event source mapping: receives batches
 * from a queue while the function has free concurrency slots (no more
 * messages than free slots), runs one task per message, each holding a slot
 * of its own (the limit counts tasks, not batches), then deletes the messages whose
 * task is finished and leaves the others to come back after their
 * retry delay (the visibility is set to it, as the Lambda handler does with
 * `ChangeMessageVisibility` before reporting `batchItemFailures`). It sleeps on
 * the queue's notifier instead of polling.
 */
export class QueueConsumer {
  #stopped = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  readonly #inFlight = new Set<string>();

  constructor(private readonly options: QueueConsumerOptions) {}

  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => this.options.log.error(`consumer of '${this.options.queue}' stopped`, error));
  }

  /** Stops receiving. Batches already running keep going (the runtime drains them). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
  }

  /** Makes the messages of unfinished batches visible again at once (shutdown). */
  async releaseInFlight(): Promise<number> {
    const handles = [...this.#inFlight];
    this.#inFlight.clear();
    for (const handle of handles) {
      try {
        await this.options.queues.changeVisibility(this.options.queue, handle, 0);
      } catch {
        // Already deleted or received again: nothing to release.
      }
    }
    return handles.length;
  }

  async #run(): Promise<void> {
    const { slots } = this.options;
    while (!this.#stopped) {
      await slots.whenAvailable();
      if (this.#stopped) return;
      const batch = await this.#collectBatch();
      if (this.#stopped) {
        for (const m of batch) await this.options.queues.changeVisibility(this.options.queue, m.receiptHandle, 0);
        return;
      }
      if (batch.length === 0) {
        await this.#sleepUntilAvailable();
        continue;
      }
      for (const m of batch) {
        this.#inFlight.add(m.receiptHandle);
        // Taken now, before the next receive looks at the free slots; a sync request may
        // have taken one meanwhile, then this message waits for its turn.
        void this.#runOne(m, slots.tryAcquire());
      }
    }
  }

  async #collectBatch(): Promise<ReceivedMessage[]> {
    const { queues, queue, batchSize, batchingWindowSeconds, clock, slots } = this.options;
    const batch: ReceivedMessage[] = [];
    const deadline = clock.now() + batchingWindowSeconds * 1000;
    // Never hold more received messages than the function may run tasks now.
    const wanted = () => Math.min(batchSize, Math.max(1, slots.available));
    while (batch.length < wanted() && !this.#stopped) {
      const received = await queues.receive(queue, { maxMessages: Math.min(10, wanted() - batch.length) });
      batch.push(...received);
      if (received.length > 0 && batch.length < wanted()) continue;
      if (batch.length === 0 || batchingWindowSeconds === 0 || clock.now() >= deadline) break;
      await this.#sleepUntilAvailable(deadline - clock.now());
    }
    return batch;
  }

  async #sleepUntilAvailable(maxMs?: number): Promise<void> {
    const { queues, queue, clock } = this.options;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const timer = maxMs === undefined ? undefined : clock.setTimeout(() => wake(), maxMs);
    const unsubscribe = queues.onAvailable(queue, () => wake());
    this.#wake = () => wake();
    try {
      // onAvailable fires at once for a message already visible, so one sent
      // between our last (empty) receive and this subscription is not missed.
      if (!this.#stopped) await woken;
    } finally {
      unsubscribe();
      if (timer) clock.clearTimeout(timer);
      this.#wake = undefined;
    }
  }

  /** Runs one message's task while holding one slot of the function (taken here when `slot` is undefined). */
  async #runOne(message: ReceivedMessage, slot: (() => void) | undefined): Promise<void> {
    const { queues, queue, runner, process, maxReceiveCount, log, slots } = this.options;
    const release = slot ?? (await slots.acquire());
    try {
      if (this.#stopped && !slot) {
        // Stopping while it waited for a slot: it never started; hand it back for redelivery.
        if (this.#inFlight.has(message.receiptHandle)) await queues.changeVisibility(queue, message.receiptHandle, 0);
        return;
      }
      const delivery = decodeDelivery(process.name, { queue, ...message }, maxReceiveCount);
      const result = await runner.deliver(process, delivery);
      if (!this.#inFlight.has(message.receiptHandle)) return; // released by shutdown meanwhile
      const { decision } = result;
      switch (decision) {
        case 'ack':
          await queues.delete(queue, message.receiptHandle);
          break;
        case 'retry':
          // Back after the backoff: the delay is the message's visibility, stored with it, so it survives a restart.
          await queues.retryLater(queue, message.receiptHandle, result.delaySeconds);
          break;
        case 'dead-letter':
          await queues.deadLetter(queue, message.receiptHandle);
          break;
        default:
          assertNever(decision, 'delivery decision');
      }
    } catch (error) {
      // The store or queue failed around the task: leave the message; it returns.
      log.error(`delivery of message ${message.messageId} from '${queue}' failed; it will be retried`, error);
    } finally {
      this.#inFlight.delete(message.receiptHandle);
      release();
    }
  }
}
