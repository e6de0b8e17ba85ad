/**
 * What `TaskRunner.deliver` writes and which attempt it runs, in the cases
 * mutation testing found unpinned: a redriven message (SQS resets its receive
 * count) and the `running` record written with `trackRunning`.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { taskRecordFactory } from '../../helpers/taskRecords.js';

const process: RunnableProcess = {
  name: 'p',
  timeoutMs: 5000,
  definition: buildProcessDefinition({ logics: [{ name: 'a', run: () => undefined }], aggregator: { name: 'agg', run: (ctx) => ({ attempt: ctx.task.attempt }) } }),
};

/** Keeps a copy of every record saved, in order. */
class RecordingStore extends MemoryTaskStore {
  saved: TaskRecord[] = [];
  override async save(record: TaskRecord) {
    this.saved.push(structuredClone(record));
    return super.save(record);
  }
}

const delivery = (taskId: string, overrides: Partial<Delivery> = {}): Delivery => ({
  taskId,
  trigger: { type: 'api' },
  payload: { type: 'api', body: {} },
  createdAt: new Date().toISOString(),
  receiveCount: 1,
  maxAttempts: 5,
  ...overrides,
});

describe('TaskRunner.deliver: records and attempts', () => {
  it('runs a redriven task (receive count back to 1) as the attempt after its stored ones', async () => {
    const store = new RecordingStore();
    const record = taskRecordFactory({ prefix: 'redriven', startMs: Date.now() })({ process: 'p', attempts: 2, error: { kind: 'logic', name: 'Error', message: 'earlier' } });
    await store.create(record);
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const result = await runner.deliver(process, delivery(record.taskId, { receiveCount: 1 }));
    expect(result).toMatchObject({ decision: 'ack', ran: true, record: { status: 'succeeded', attempts: 3, result: { attempt: 3 } } });
    // And the receive count wins when it is ahead (a crash lost the record's last write).
    const ahead = taskRecordFactory({ prefix: 'ahead', startMs: Date.now() })({ process: 'p', attempts: 1 });
    await store.create(ahead);
    expect((await runner.deliver(process, delivery(ahead.taskId, { receiveCount: 4 }))).record).toMatchObject({ attempts: 4, result: { attempt: 4 } });
  });

  it('writes a running record before running when trackRunning is on: status, attempt, start, no finish, the earlier logs kept', async () => {
    const store = new RecordingStore();
    const earlierLog = { time: '2026-01-01T00:00:00.000Z', level: 'warn' as const, message: 'attempt 1 of 5 failed' };
    const queued = taskRecordFactory({ prefix: 'tracked', startMs: Date.now() })({ process: 'p', attempts: 1, logs: [earlierLog], finishedAt: '2026-01-01T00:00:00.000Z' });
    await store.create(queued);
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    await runner.deliver(process, delivery(queued.taskId, { receiveCount: 2 }));
    const [running, final] = store.saved;
    expect(running).toMatchObject({ taskId: queued.taskId, status: 'running', attempts: 2, startedAt: expect.any(String), logs: [earlierLog] });
    expect(running).not.toHaveProperty('finishedAt');
    expect(final).toMatchObject({ status: 'succeeded', attempts: 2, finishedAt: expect.any(String) });
  });

  it('starts a first delivery of an unknown task (a raw queue message) with no logs, then stores its result', async () => {
    const store = new RecordingStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    await runner.deliver(process, delivery('raw-1', { trigger: { type: 'queue', queue: 'q', messageId: 'm' } }));
    expect(store.saved[0]).toMatchObject({ taskId: 'raw-1', process: 'p', status: 'running', attempts: 1, logs: [], trigger: { type: 'queue', queue: 'q', messageId: 'm' } });
    expect(await store.get('raw-1')).toMatchObject({ status: 'succeeded', result: { attempt: 1 } });
  });
});
