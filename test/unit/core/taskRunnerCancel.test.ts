import { describe, expect, it } from 'vitest';
import { TaskCancelledError } from '../../../lib/core/execution/executeTask.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { eventually } from '../../helpers/time.js';

/** Waits for its signal; records the abort reason it saw. */
function waiting(seen: unknown[]): RunnableProcess {
  return {
    name: 'wait',
    timeoutMs: 60_000,
    definition: buildProcessDefinition({
      logics: [{ name: 'wait', run: (ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(seen.push(ctx.signal.reason)), { once: true })) }],
      aggregator: { name: 'agg', run: () => 'done' },
    }),
  };
}

const delivery = (taskId: string): Delivery => ({
  taskId,
  trigger: { type: 'api' },
  payload: { type: 'api', body: {} },
  createdAt: new Date().toISOString(),
  receiveCount: 1,
  maxAttempts: 3,
});

describe('TaskRunner: cancel of a running task', () => {
  it('requestCancel aborts ctx.signal with a TaskCancelledError; the task ends cancelled and its message is acked', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: new ManualClock(), retentionSeconds: 3600, trackRunning: true });
    const seen: unknown[] = [];
    const delivered = runner.deliver(waiting(seen), delivery('c1'));
    await eventually(async () => (await store.get('c1'))?.status === 'running');
    expect(runner.requestCancel('c1')).toBe(true);
    const result = await delivered;
    expect(result).toMatchObject({ decision: 'ack', record: { status: 'cancelled', attempts: 1, error: { kind: 'system', name: 'TaskCancelled', logic: 'wait' } } });
    expect(seen[0]).toBeInstanceOf(TaskCancelledError);
    expect(runner.requestCancel('c1')).toBe(false); // no longer running here
  });

  it('with cancelPollMs (AWS) it reads its record and stops once a cancel is recorded there', async () => {
    const store = new MemoryTaskStore();
    const clock = new ManualClock();
    const runner = new TaskRunner({ store, clock, retentionSeconds: 3600, trackRunning: true, cancelPollMs: 5000 });
    const delivered = runner.deliver(waiting([]), delivery('c2'));
    const running = await eventually(async () => ((await store.get('c2'))?.status === 'running' ? store.get('c2') : undefined));
    await clock.advance(5000); // a read: nothing asked yet
    await store.save({ ...running!, cancelRequestedAt: new Date(clock.now()).toISOString() });
    await clock.advance(5000);
    expect(await delivered).toMatchObject({ decision: 'ack', record: { status: 'cancelled', error: { name: 'TaskCancelled' } } });
  });

  it('a redelivered task whose cancel was recorded while it ran never runs again', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: new ManualClock(), retentionSeconds: 3600, trackRunning: true });
    await store.create({ taskId: 'c3', process: 'wait', status: 'running', trigger: { type: 'api' }, createdAt: new Date().toISOString(), attempts: 1, logs: [], expiresAt: Math.floor(Date.now() / 1000) + 3600, cancelRequestedAt: new Date().toISOString() });
    const seen: unknown[] = [];
    expect(await runner.deliver(waiting(seen), { ...delivery('c3'), receiveCount: 2 })).toMatchObject({ decision: 'ack', ran: true, record: { status: 'cancelled' } });
    expect(seen).toEqual([]);
  });
});
