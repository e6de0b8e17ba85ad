import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { NonRetriableError, TaskRecordTooLargeError } from '../../../lib/core/errors.js';
import { systemClock } from '../../../lib/core/time/systemClock.js';
import type { TaskStore } from '../../../lib/core/ports/TaskStore.js';
import { buildProcessDefinition } from '../../../lib/core/process/defineProcess.js';
import type { RunnableProcess } from '../../../lib/core/runner/RunnableProcess.js';
import { TaskRunner, type Delivery } from '../../../lib/core/runner/TaskRunner.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';

function processOf(run: (input: unknown, attempt: number) => unknown, input?: z.ZodType): RunnableProcess {
  return {
    name: 'demo',
    timeoutMs: 5000,
    definition: buildProcessDefinition({
      ...(input ? { input } : {}),
      logics: [{ name: 'work', run: (ctx) => ctx.session.set('out', run(ctx.input, ctx.task.attempt) ?? null) }],
      aggregator: { name: 'agg', run: (ctx) => ctx.session.get('out') },
    }),
  };
}

/** Records every write, to assert how many the runner does. */
class CountingStore implements TaskStore {
  writes: Array<{ op: string; status: string }> = [];
  constructor(readonly inner: TaskStore = new MemoryTaskStore()) {}
  async create(r: TaskRecord) {
    this.writes.push({ op: 'create', status: r.status });
    return this.inner.create(r);
  }
  async save(r: TaskRecord) {
    this.writes.push({ op: 'save', status: r.status });
    return this.inner.save(r);
  }
  get = (id: string) => this.inner.get(id);
  list: TaskStore['list'] = (q) => this.inner.list(q);
  countByStatus: TaskStore['countByStatus'] = (q) => this.inner.countByStatus(q);
  linkReplay: TaskStore['linkReplay'] = (id, replayId) => this.inner.linkReplay(id, replayId);
}

const delivery = (overrides: Partial<Delivery> = {}): Delivery => ({
  taskId: `t-${Math.random().toString(36).slice(2)}`,
  trigger: { type: 'queue', queue: 'q', messageId: 'm1' },
  payload: { type: 'queue', queue: 'q', messageId: 'm1', body: { n: 2 }, attributes: {}, receiveCount: 1, sentAt: new Date().toISOString() },
  createdAt: new Date().toISOString(),
  receiveCount: 1,
  maxAttempts: 3,
  ...overrides,
});

describe('TaskRunner.runSync', () => {
  it('stores a sync task once, when it ends, even with trackRunning (its caller is waiting)', async () => {
    const store = new CountingStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    const { record } = await runner.runSync(processOf(() => ({ ok: true })), {
      taskId: 'sync-1',
      trigger: { type: 'http', method: 'GET', path: '/x', route: '/x' },
      payload: { type: 'http', method: 'GET', path: '/x', route: '/x', pathParameters: {}, query: {}, headers: {}, body: undefined },
      input: {},
    });
    expect(store.writes).toEqual([{ op: 'create', status: 'succeeded' }]);
    expect(record).toMatchObject({ taskId: 'sync-1', status: 'succeeded', attempts: 1, result: { ok: true } });
    expect(await store.get('sync-1')).toEqual(record);
  });

  it('does one write per sync task without trackRunning either (the AWS setting)', async () => {
    const store = new CountingStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    await runner.runSync(processOf(() => 1), { taskId: 's2', trigger: { type: 'api' }, payload: { type: 'api', body: null }, input: null });
    expect(store.writes).toEqual([{ op: 'create', status: 'succeeded' }]);
  });

  it('stores a too-large result as a ResultTooLarge failure instead of losing the task', async () => {
    const inner = new MemoryTaskStore();
    const store: TaskStore = {
      ...inner,
      create: async (r) => {
        if (r.result !== undefined) throw new TaskRecordTooLargeError(500_000, 400_000);
        return inner.create(r);
      },
      get: (id) => inner.get(id),
      linkReplay: (id, replayId) => inner.linkReplay(id, replayId),
      list: (q) => inner.list(q),
      countByStatus: (q) => inner.countByStatus(q),
      save: async (r) => {
        if (r.result !== undefined) throw new TaskRecordTooLargeError(500_000, 400_000);
        return inner.save(r);
      },
    };
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const { record } = await runner.runSync(processOf(() => 'x'.repeat(10)), { taskId: 's3', trigger: { type: 'api' }, payload: { type: 'api', body: null }, input: null });
    expect(record).toMatchObject({ status: 'failed', error: { kind: 'system', name: 'ResultTooLarge' } });
    expect(record).not.toHaveProperty('result');
    expect((await inner.get('s3'))?.status).toBe('failed');
  });
});

describe('TaskRunner.deliver', () => {
  it('runs a first delivery and acks it', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    const d = delivery();
    const result = await runner.deliver(processOf((input) => input), d);
    expect(result).toMatchObject({ decision: 'ack', ran: true, record: { status: 'succeeded', attempts: 1, result: { n: 2 }, trigger: d.trigger } });
  });

  it('never runs a finished task again: a duplicate delivery is acked without running', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    let runs = 0;
    const proc = processOf(() => ++runs);
    const d = delivery();
    await runner.deliver(proc, d);
    const again = await runner.deliver(proc, { ...d, receiveCount: 2 });
    expect(again).toMatchObject({ decision: 'ack', ran: false, record: { result: 1 } });
    expect(runs).toBe(1);
  });

  it('retries a failing task as queued until the last attempt, then fails it and dead-letters', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    const proc = processOf((_input, attempt) => {
      throw new Error(`attempt ${attempt} failed`);
    });
    const d = delivery({ maxAttempts: 3 });
    const first = await runner.deliver(proc, d);
    expect(first).toMatchObject({ decision: 'retry', record: { status: 'queued', attempts: 1, error: { message: 'attempt 1 failed' } } });
    const second = await runner.deliver(proc, { ...d, receiveCount: 2 });
    expect(second).toMatchObject({ decision: 'retry', record: { status: 'queued', attempts: 2 } });
    const third = await runner.deliver(proc, { ...d, receiveCount: 3 });
    expect(third).toMatchObject({ decision: 'dead-letter', record: { status: 'failed', attempts: 3, error: { message: 'attempt 3 failed', logic: 'work' } } });
    // A late redelivery of the dead task runs nothing and keeps it dead.
    expect(await runner.deliver(proc, { ...d, receiveCount: 4 })).toMatchObject({ decision: 'dead-letter', ran: false });
  });

  it('succeeds on a retry and keeps the attempt count', async () => {
    const store = new MemoryTaskStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const proc = processOf((_i, attempt) => {
      if (attempt < 2) throw new Error('transient');
      return 'ok';
    });
    const d = delivery();
    await runner.deliver(proc, d);
    const second = await runner.deliver(proc, { ...d, receiveCount: 2 });
    expect(second).toMatchObject({ decision: 'ack', record: { status: 'succeeded', attempts: 2, result: 'ok' } });
    expect(second.record).not.toHaveProperty('error');
  });

  it('fails a NonRetriableError at once', async () => {
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const result = await runner.deliver(processOf(() => { throw new NonRetriableError('schema drift'); }), delivery({ maxAttempts: 5 }));
    expect(result).toMatchObject({ decision: 'dead-letter', record: { status: 'failed', attempts: 1 } });
  });

  it('fails a delivery whose input violates the schema without running it (poison message)', async () => {
    let ran = false;
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 3600, trackRunning: true });
    const proc = processOf(() => (ran = true), z.object({ n: z.number(), name: z.string() }));
    const result = await runner.deliver(proc, delivery());
    expect(ran).toBe(false);
    expect(result).toMatchObject({
      decision: 'dead-letter',
      record: { status: 'failed', error: { kind: 'validation', issues: [{ path: 'name' }] } },
    });
  });

  it('counts attempts from the queue receive count when it is ahead of the record', async () => {
    const runner = new TaskRunner({ store: new MemoryTaskStore(), clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    const result = await runner.deliver(processOf((_i, attempt) => attempt), delivery({ receiveCount: 4, maxAttempts: 5 }));
    expect(result.record).toMatchObject({ attempts: 4, result: 4 });
  });

  it('does 1 read + 1 write for an async task without trackRunning (AWS budget)', async () => {
    const store = new CountingStore();
    const runner = new TaskRunner({ store, clock: systemClock, retentionSeconds: 3600, trackRunning: false });
    await runner.deliver(processOf(() => 1), delivery());
    expect(store.writes).toEqual([{ op: 'save', status: 'succeeded' }]);
  });
});
