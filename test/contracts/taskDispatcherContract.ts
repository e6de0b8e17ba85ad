import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageQueue, ReceivedMessage } from '../../lib/core/ports/MessageQueue.js';
import { TASK_ID_ATTRIBUTE, type TaskDispatcher, type TaskEnvelope } from '../../lib/core/ports/TaskDispatcher.js';
import type { TaskStore } from '../../lib/core/ports/TaskStore.js';
import { makeRecord } from './taskStoreContract.js';

export interface TaskDispatcherFixture {
  dispatcher: TaskDispatcher;
  store: TaskStore;
  queue: MessageQueue;
  /** A declared queue (visibility timeout 30 s), used as the task queue. */
  queueName: string;
  cleanup(): Promise<void>;
}

async function drain(queue: MessageQueue, name: string): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  for (;;) {
    const batch = await queue.receive(name, { maxMessages: 10, waitTimeSeconds: 1 });
    if (batch.length === 0) return got;
    for (const m of batch) await queue.delete(name, m.receiptHandle);
    got.push(...batch);
  }
}

function envelopeFor(record: ReturnType<typeof makeRecord>): TaskEnvelope {
  return { taskId: record.taskId, process: record.process, trigger: record.trigger, createdAt: record.createdAt, payload: { type: 'api', body: { n: 1 } } };
}

/** Behaviour of every {@link TaskDispatcher}: the embedded and the AWS one. */
export function describeTaskDispatcherContract(name: string, createFixture: () => Promise<TaskDispatcherFixture>): void {
  describe(`TaskDispatcher contract: ${name}`, () => {
    let fx: TaskDispatcherFixture;
    beforeAll(async () => {
      fx = await createFixture();
    });
    afterAll(async () => {
      await fx?.cleanup();
    });

    it('persists the queued record and enqueues its envelope, marked with the task id', async () => {
      const record = makeRecord({ status: 'queued', payloadHash: 'h1', idempotencyKey: 'k1' });
      const envelope = envelopeFor(record);
      expect(await fx.dispatcher.dispatch(record, envelope, { queue: fx.queueName })).toEqual({ created: true });
      expect(await fx.store.get(record.taskId)).toEqual(record);
      const messages = await drain(fx.queue, fx.queueName);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.attributes[TASK_ID_ATTRIBUTE]).toBe(record.taskId);
      expect(JSON.parse(messages[0]!.body)).toEqual(envelope);
    });

    it('returns the existing record for a repeated task id and creates nothing new', async () => {
      const record = makeRecord({ status: 'queued', payloadHash: 'h2' });
      await fx.dispatcher.dispatch(record, envelopeFor(record), { queue: fx.queueName });
      const again = await fx.dispatcher.dispatch({ ...record, payloadHash: 'other' }, envelopeFor(record), { queue: fx.queueName });
      expect(again).toEqual({ created: false, existing: record });
      const messages = await drain(fx.queue, fx.queueName);
      // At-least-once: a still-queued task may be enqueued again, never more than once per dispatch.
      expect(messages.length).toBeGreaterThanOrEqual(1);
      expect(messages.length).toBeLessThanOrEqual(2);
      for (const m of messages) expect(m.attributes[TASK_ID_ATTRIBUTE]).toBe(record.taskId);
    });

    it('does not enqueue a task that already finished', async () => {
      const done = makeRecord({ status: 'succeeded', result: 1, attempts: 1 });
      await fx.store.create(done);
      const outcome = await fx.dispatcher.dispatch({ ...done, status: 'queued' }, envelopeFor(done), { queue: fx.queueName });
      expect(outcome).toEqual({ created: false, existing: done });
      expect(await drain(fx.queue, fx.queueName)).toEqual([]);
    });
  });
}
