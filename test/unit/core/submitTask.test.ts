/**
 * The records and envelopes `submitTask` and `dispatchScheduledTask` hand to
 * the dispatcher (both runtimes call them): exact fields, retention
 * arithmetic, the Idempotency-Key syntax. The dispatcher here is the port's
 * simplest honest implementation: the in-memory store's create plus a list
 * of sent envelopes.
 */
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { TaskDispatcher, TaskEnvelope } from '../../../lib/core/ports/TaskDispatcher.js';
import { dispatchScheduledTask, SCHEDULE_MAX_ATTEMPTS, submitTask } from '../../../lib/core/runner/submitTask.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { MemoryTaskStore } from '../../../lib/testing/MemoryTaskStore.js';
import { dispatchedPayloadHash } from '../../../lib/core/task/taskEnvelopeCodec.js';

// Far ahead: the in-memory store hides records expired by the wall clock.
const NOW = Date.parse('2030-01-02T03:04:05.678Z');
const NOW_S = 1_893_553_445;
const process = { name: 'orders', taskQueue: 'orders-tasks', definition: { input: z.object({ id: z.string() }) } };

function deps() {
  const store = new MemoryTaskStore();
  const sent: Array<{ envelope: TaskEnvelope; queue: string }> = [];
  const dispatcher: TaskDispatcher = {
    async dispatch(record, envelope, target) {
      const outcome = await store.create(record);
      if (outcome.created) sent.push({ envelope, queue: target.queue });
      return outcome;
    },
  };
  return { store, sent, deps: { dispatcher, clock: new ManualClock(NOW), retentionSeconds: 86_400 } };
}

describe('submitTask', () => {
  it('dispatches a queued api task expiring retentionSeconds after now (epoch seconds), without idempotency fields when there is no key', async () => {
    const { sent, deps: d } = deps();
    const { created, record } = await submitTask(process, { payload: { id: 'a' } }, d);
    expect(created).toBe(true);
    expect(record).toEqual({
      taskId: expect.any(String),
      process: 'orders',
      status: 'queued',
      trigger: { type: 'api' },
      createdAt: '2030-01-02T03:04:05.678Z',
      attempts: 0,
      logs: [],
      expiresAt: NOW_S + 86_400,
      // Every dispatched record keeps its envelope payload's hash: a message claiming this task must carry it.
      payloadHash: dispatchedPayloadHash({ type: 'api', body: { id: 'a' } }),
    });
    expect(sent).toEqual([
      { queue: 'orders-tasks', envelope: { taskId: record.taskId, process: 'orders', trigger: { type: 'api' }, createdAt: '2030-01-02T03:04:05.678Z', payload: { type: 'api', body: { id: 'a' } } } },
    ]);
  });

  it('keeps the key and the payload hash with an idempotent task, and returns the first task for a replay', async () => {
    const { sent, deps: d } = deps();
    const first = await submitTask(process, { payload: { id: 'a' }, idempotencyKey: 'k-1' }, d);
    expect(first.record).toMatchObject({ idempotencyKey: 'k-1', payloadHash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const replay = await submitTask(process, { payload: { id: 'a' }, idempotencyKey: 'k-1' }, d);
    expect(replay).toEqual({ created: false, record: first.record });
    expect(sent).toHaveLength(1);
    await expect(submitTask(process, { payload: { id: 'b' }, idempotencyKey: 'k-1' }, d)).rejects.toThrow(
      expect.objectContaining({ name: 'IdempotencyConflictError', message: expect.stringContaining("'k-1'") }),
    );
  });

  it('takes an Idempotency-Key of 1-255 visible ASCII characters, nothing else', async () => {
    const { deps: d } = deps();
    for (const key of ['!', '~'.repeat(255), 'a-Z_0.9:/']) await expect(submitTask(process, { payload: { id: 'a' }, idempotencyKey: key }, d)).resolves.toMatchObject({ created: true });
    for (const key of ['', ' ', 'a b', 'x'.repeat(256), 'caf\u00e9', 'a\tb', '\x7f']) {
      await expect(submitTask(process, { payload: { id: 'a' }, idempotencyKey: key }, d), JSON.stringify(key)).rejects.toThrow(
        expect.objectContaining({ name: 'ValidationError', message: 'Idempotency-Key must be 1-255 visible ASCII characters', issues: [{ path: 'Idempotency-Key', message: 'invalid' }] }),
      );
    }
  });

  it('validates the payload when it knows the schema, and not when it does not (the AWS platform function)', async () => {
    const { sent, deps: d } = deps();
    await expect(submitTask(process, { payload: { id: 1 } }, d)).rejects.toThrow(expect.objectContaining({ name: 'ValidationError', issues: [expect.objectContaining({ path: 'id' })] }));
    expect(sent).toEqual([]);
    await expect(submitTask({ name: 'orders', taskQueue: 'q' }, { payload: { id: 1 } }, d)).resolves.toMatchObject({ created: true });
  });

  it('refuses a process without a task queue', async () => {
    const { deps: d } = deps();
    await expect(submitTask({ name: 'direct', taskQueue: undefined }, { payload: {} }, d)).rejects.toThrow(expect.objectContaining({ name: 'AsyncDisabledError' }));
  });
});

describe('dispatchScheduledTask', () => {
  it('dispatches a queued schedule task with 3 attempts, once per rule and due time', async () => {
    const { sent, deps: d } = deps();
    const firing = { rule: 'nightly', scheduledTimeMs: Date.parse('2030-01-02T02:00:00Z'), input: { kind: 'full' } };
    const first = await dispatchScheduledTask(process, firing, d);
    expect(first.record).toEqual({
      taskId: expect.any(String),
      process: 'orders',
      status: 'queued',
      trigger: { type: 'schedule', rule: 'nightly', scheduledTime: '2030-01-02T02:00:00.000Z' },
      createdAt: '2030-01-02T03:04:05.678Z',
      attempts: 0,
      logs: [],
      expiresAt: NOW_S + 86_400,
      payloadHash: dispatchedPayloadHash({ type: 'schedule', rule: 'nightly', scheduledTime: '2030-01-02T02:00:00.000Z', input: { kind: 'full' } }),
    });
    expect(SCHEDULE_MAX_ATTEMPTS).toBe(3);
    expect(sent[0]!.envelope).toMatchObject({ maxAttempts: 3, payload: { type: 'schedule', rule: 'nightly', scheduledTime: '2030-01-02T02:00:00.000Z', input: { kind: 'full' } } });
    const again = await dispatchScheduledTask(process, firing, d);
    expect(again).toEqual({ created: false, record: first.record });
    expect(sent).toHaveLength(1);
  });
});
