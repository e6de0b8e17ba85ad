import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const QUEUE = 'fx-test-stream';
const DLQ = 'fx-test-stream-dlq';

async function tasksOf(h: Harness, process: string): Promise<TaskRecord[]> {
  const page = await h.call(`/sluice/tasks?process=${process}&limit=100`);
  return Promise.all(page.body.items.map((t: TaskRecord) => h.task(t.taskId)));
}

async function taskForMessage(h: Harness, messageId: string, done: (t: TaskRecord) => boolean) {
  return eventually(async () => (await tasksOf(h, 'stream')).find((t) => t.trigger.type === 'queue' && t.trigger.messageId === messageId && done(t)), {
    what: `task of message ${messageId}`,
  });
}

describe('embedded runtime: queues (with a controllable clock)', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-06-01T08:00:00.000Z'));
    h = await startHarness({ clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const send = async (body: string) => {
    const res = await h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body, headers: { 'x-message-attribute-origin': 'test' } });
    expect(res.status).toBe(202);
    return res.body.messageId as string;
  };

  it('turns each message into a task with the queue payload', async () => {
    const messageId = await send(JSON.stringify({ value: 21 }));
    const task = await taskForMessage(h, messageId, (t) => t.status === 'succeeded');
    expect(task).toMatchObject({ trigger: { type: 'queue', queue: QUEUE, messageId }, attempts: 1, result: { doubled: 42, attempt: 1 } });
    expect((await h.call('/sluice/queues')).body.items.find((q: { name: string }) => q.name === QUEUE)).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('retries a failing message after its backoff delay, then dead-letters it intact after maxReceiveCount', async () => {
    const body = JSON.stringify({ value: -1 });
    const messageId = await send(body);
    const first = await taskForMessage(h, messageId, (t) => t.attempts === 1 && t.status === 'queued');
    expect(first.error).toMatchObject({ kind: 'logic', message: 'bad value on attempt 1', logic: 'check' });
    // Not back before its retry delay (sluice.retry.backoff: 6 s, no jitter)...
    await clock.advance(5_000);
    expect((await h.task(first.taskId)).attempts).toBe(1);
    // ...back after it: attempt 2 of maxReceiveCount 2 is the last.
    await clock.advance(1_500);
    const last = await taskForMessage(h, messageId, (t) => t.status === 'failed');
    expect(last).toMatchObject({ attempts: 2, error: { message: 'bad value on attempt 2' } });
    const dead = await eventually(async () => {
      const page = await h.call(`/sluice/queues/${DLQ}/messages`);
      return page.body.items.find((m: { messageId: string }) => m.messageId === messageId);
    });
    expect(dead).toMatchObject({ body, attributes: { origin: 'test' }, originQueue: QUEUE });
    // The dead task never runs again, however long we wait.
    await clock.advance(60_000);
    expect((await h.task(first.taskId)).attempts).toBe(2);
  });

  it('fails a message for good at once on a non-retriable error or invalid input, and dead-letters it', async () => {
    const nonRetriable = await send(JSON.stringify({ value: -2 }));
    const invalid = await send('{"value":"three"}');
    const notJson = await send('value=3');
    for (const id of [nonRetriable, invalid, notJson]) {
      const task = await taskForMessage(h, id, (t) => t.status === 'failed');
      expect(task.attempts).toBe(1);
    }
    expect((await taskForMessage(h, invalid, () => true)).error).toMatchObject({ kind: 'validation', issues: [{ path: 'value' }] });
    const dlq = await eventually(async () => {
      const page = await h.call(`/sluice/queues/${DLQ}/messages?limit=100`);
      const ids = page.body.items.map((m: { messageId: string }) => m.messageId);
      return [nonRetriable, invalid, notJson].every((id) => ids.includes(id)) ? page : undefined;
    });
    expect(dlq.status).toBe(200);
  });

  it('moves dead letters back to their queue on redrive', async () => {
    const before = (await h.call('/sluice/queues')).body.items.find((q: { name: string }) => q.name === DLQ).visible;
    expect(before).toBeGreaterThan(0);
    const res = await h.call(`/sluice/queues/${DLQ}/redrive`, { method: 'POST' });
    expect(res.body).toMatchObject({ moved: before, to: QUEUE });
    await eventually(async () => (await h.call('/sluice/queues')).body.items.find((q: { name: string }) => q.name === DLQ).visible === before);
    // The tasks already failed for good: redriven messages run nothing and go back to the DLQ.
  });

  it('rejects messages for unknown queues, oversized ones, and bad delays', async () => {
    expect((await h.call('/sluice/queues/nope/messages', { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body: 'x'.repeat(5000) })).status).toBe(413);
    expect((await h.call(`/sluice/queues/${QUEUE}/messages?delaySeconds=901`, { method: 'POST', body: 'x' })).status).toBe(400);
    expect((await h.call(`/sluice/queues/${QUEUE}/messages`, { method: 'POST', body: 'x', auth: false })).status).toBe(401);
  });
});

describe('embedded runtime: schedules (with a controllable clock)', () => {
  let h: Harness;
  let clock: ManualClock;
  // Friday 2026-06-05 09:58 UTC
  const start = Date.parse('2026-06-05T09:58:00.000Z');
  beforeAll(async () => {
    clock = new ManualClock(start);
    h = await startHarness({ clock });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('fires rate and cron schedules at their AWS times as schedule tasks', async () => {
    // 09:58 -> 10:03: the rate(5 minutes) anchored at start-up fires at 10:03, the cron at 10:00.
    await clock.advance(5 * 60_000);
    const tasks = await eventually(async () => {
      const all = await tasksOf(h, 'tick');
      return all.length === 2 && all.every((t) => t.status === 'succeeded') ? all : undefined;
    });
    const byRule = Object.fromEntries(tasks.map((t) => [(t.trigger as { rule: string }).rule, t]));
    expect(byRule['tick-schedule-1']).toMatchObject({
      trigger: { type: 'schedule', scheduledTime: '2026-06-05T10:00:00.000Z' },
      result: { type: 'schedule', rule: 'tick-schedule-1', scheduledTime: '2026-06-05T10:00:00.000Z' },
    });
    expect(byRule['tick-schedule-2']).toMatchObject({
      trigger: { type: 'schedule', scheduledTime: '2026-06-05T10:03:00.000Z' },
      result: { input: { kind: 'rate' } },
    });
  });

  it('runs the schedules of a process without a task queue in process', async () => {
    // rate(10 minutes), anchored at start-up (09:58), first fires at 10:08.
    await clock.advanceTo(Date.parse('2026-06-05T10:08:30.000Z'));
    const task = await eventually(async () => {
      const page = await h.call('/sluice/tasks?process=direct&limit=5');
      return (page.body.items as TaskRecord[]).find((t) => t.status === 'succeeded');
    });
    expect(task.trigger).toEqual({ type: 'schedule', rule: 'direct-schedule-1', scheduledTime: '2026-06-05T10:08:00.000Z' });
  });

  it('honours the weekday rule and never fires a disabled schedule', async () => {
    const cronRunsAt = async () => {
      const times: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await h.call(`/sluice/tasks?process=tick&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        for (const t of page.body.items as TaskRecord[]) {
          const trigger = t.trigger as { rule: string; scheduledTime: string };
          expect(trigger.rule).not.toBe('tick-schedule-3'); // the disabled one
          if (trigger.rule === 'tick-schedule-1') times.push(trigger.scheduledTime);
        }
        cursor = page.body.nextCursor;
      } while (cursor);
      return times.sort();
    };
    // Saturday and Sunday 10:00 pass without a MON-FRI run (records live 1 day here).
    await clock.advanceTo(Date.parse('2026-06-07T10:00:30.000Z'));
    expect(await cronRunsAt()).toEqual([]);
    // Monday 10:00 fires.
    await clock.advanceTo(Date.parse('2026-06-08T10:00:30.000Z'));
    expect(await eventually(async () => ((await cronRunsAt()).length === 1 ? cronRunsAt() : undefined))).toEqual(['2026-06-08T10:00:00.000Z']);
  });
});
