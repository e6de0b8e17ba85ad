import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEDULE_MAX_ATTEMPTS } from '../../../lib/core/runner/submitTask.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { scheduleTaskId } from '../../../lib/core/task/taskIds.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/schedules/attempts.yml');

/**
 * A schedule firing gets 3 attempts on the embedded runtime, as Lambda gives
 * an EventBridge (asynchronous) invocation (the AWS side is pinned in
 * test/aws/lambda/scheduleEvents.test.ts): whether it travels through the
 * process's task queue (whose own maxReceiveCount, 8 here, must not apply)
 * or runs in process (no task queue).
 */
describe('embedded runtime: a schedule firing has exactly 3 attempts', () => {
  let h: Harness;
  let clock: ManualClock;
  const due = '2026-06-05T03:00:00.000Z';
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-06-05T02:59:00Z'));
    h = await startHarness({ configPath: CONFIG, clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('the constant is 3 (Lambda retries an asynchronous invocation twice)', () => {
    expect(SCHEDULE_MAX_ATTEMPTS).toBe(3);
  });

  it('in process (no task queue): three attempts, then failed', async () => {
    await clock.advanceTo(Date.parse('2026-06-05T03:00:30Z'));
    const task = await h.waitForTask(scheduleTaskId('direct', 'direct-schedule-1', due), (t) => t.status === 'failed');
    expect(task).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'warehouse offline' } });
  });

  it('through the task queue: three deliveries, then failed and dead-lettered, not the queue\'s 8', async () => {
    const taskId = scheduleTaskId('queued', 'queued-schedule-1', due);
    // The visibility timeout is 6 s (6 x the 1 s timeout): walk a minute so that 8 deliveries would have happened.
    for (let i = 0; i < 10; i++) {
      await clock.advance(7_000);
      await eventually(async () => ((await h.task(taskId)) as TaskRecord | undefined)?.status !== 'running');
    }
    const task = await h.waitForTask(taskId, (t) => t.status === 'failed');
    expect(task).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'warehouse offline' } });
    const dlq = await h.call('/sluice/queues/attempts-test-queued-dlq/messages');
    expect(dlq.status).toBe(200);
    expect(dlq.body.items).toHaveLength(1);
  });
});
