/**
 * Issue 10 on the embedded runtime, end to end through the platform API:
 * retries spaced by the function's backoff (measured on the ManualClock as
 * the visibility of the task's message), `RetryAfterError`, cancel of a
 * queued and of a running task, replay (single, with an override, bulk with
 * a dry run and an Idempotency-Key) and the dead-letter view and replay.
 */
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskDeadLetterQueueName, taskQueueName } from '../../../lib/config/sluiceNames.js';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { ManualClock } from '../../../lib/testing/ManualClock.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/control/serverless.yml');
const FLAKY_QUEUE = taskQueueName('control', 'test', 'flaky');

describe('embedded runtime: task control', () => {
  let h: Harness;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = new ManualClock(Date.parse('2026-07-01T00:00:00.000Z'));
    h = await startHarness({ configPath: CONFIG, clock });
  });
  afterAll(async () => {
    await h?.stop();
    // Restarted on the first runtime's directory (see the restart test), which the harness then leaves.
    if (h) rmSync(h.dataDir, { recursive: true, force: true });
  });

  const submit = async (process: string, payload: unknown, key?: string) => {
    const reply = await h.call('/sluice/tasks', { method: 'POST', json: { process, payload }, ...(key ? { headers: { 'idempotency-key': key } } : {}) });
    expect(reply.status).toBe(202);
    return reply.body.taskId as string;
  };
  const until = (taskId: string, done: (t: TaskRecord) => boolean) => h.waitForTask(taskId, done);
  /** The task's message in its queue: when it becomes visible again (the retry's delay, stored with the message). */
  type Listed = { messageId: string; visibleAt: string; state: string; taskId?: string; task?: Partial<TaskRecord> };
  const messagesIn = async (queue: string) => {
    const page = await h.call(`/sluice/queues/${queue}/messages?limit=100`);
    expect(page.status).toBe(200);
    return page.body.items as Listed[];
  };
  const messageOf = async (queue: string, taskId: string) => (await messagesIn(queue)).find((m) => m.taskId === taskId);
  /** The delay is counted from the main thread's clock, which only the test moves (task times come from the worker, a few real ms later). */
  const inSeconds = (s: number) => new Date(clock.now() + s * 1000).toISOString();

  it('spaces retries by the backoff (30 s, then 60 s: multiplier 2, no jitter), applied to the message by the queue', async () => {
    const taskId = await submit('flaky', { failures: 2 });
    const first = await until(taskId, (t) => t.attempts === 1 && t.status === 'queued');
    expect(first.logs.at(-1)!.message).toBe('attempt 1 of 4 failed; the task will be retried in 30 s (backoff)');
    expect(await messageOf(FLAKY_QUEUE, taskId)).toMatchObject({ state: 'delayed', visibleAt: inSeconds(30) });

    await clock.advance(29_999);
    expect((await h.task(taskId)).attempts).toBe(1); // still invisible: nothing can deliver it
    await clock.advance(1);
    const second = await until(taskId, (t) => t.attempts === 2 && t.status === 'queued');
    expect(second.logs.at(-1)!.message).toContain('retried in 60 s (backoff)');
    expect((await messageOf(FLAKY_QUEUE, taskId))!.visibleAt).toBe(inSeconds(60));

    await clock.advance(60_000);
    expect(await until(taskId, (t) => t.status === 'succeeded')).toMatchObject({ attempts: 3, result: { attempt: 3 } });
  });

  it('keeps a retry\'s delay across a restart (a restart releases in-flight messages, not delayed retries)', async () => {
    const taskId = await submit('flaky', { failures: 1, retryAfter: 300 });
    await until(taskId, (t) => t.attempts === 1 && t.status === 'queued');
    const due = inSeconds(300);
    const { dataDir } = h;
    await h.runtime.stop();
    h = await startHarness({ configPath: CONFIG, clock, dataDir });
    expect(await messageOf(FLAKY_QUEUE, taskId)).toMatchObject({ state: 'delayed', visibleAt: due });
    expect((await h.task(taskId)).attempts).toBe(1);
    await clock.advance(300_000);
    expect(await until(taskId, (t) => t.status === 'succeeded')).toMatchObject({ attempts: 2 });
  });

  it('a RetryAfterError sets the next delay instead of the backoff', async () => {
    const taskId = await submit('flaky', { failures: 1, retryAfter: 7 });
    const first = await until(taskId, (t) => t.attempts === 1 && t.status === 'queued');
    expect(first.error).toMatchObject({ name: 'RetryAfterError', message: 'rate limited' });
    expect(first.logs.at(-1)!.message).toContain('retried in 7 s (as its RetryAfterError asked)');
    expect((await messageOf(FLAKY_QUEUE, taskId))!.visibleAt).toBe(inSeconds(7));
    await clock.advance(7000);
    expect(await until(taskId, (t) => t.status === 'succeeded')).toMatchObject({ attempts: 2 });
  });

  it('cancels a queued task: cancelled at once, never runs, its message is dropped when delivered', async () => {
    const taskId = await submit('flaky', { failures: 1, retryAfter: 600 });
    await until(taskId, (t) => t.attempts === 1 && t.status === 'queued'); // waiting 10 minutes for its retry
    const reply = await h.call(`/sluice/tasks/${taskId}/cancel`, { method: 'POST' });
    expect(reply.status).toBe(200);
    expect(reply.body.task).toMatchObject({ taskId, status: 'cancelled', attempts: 1 });
    await clock.advance(600_000);
    await eventually(async () => (await messageOf(FLAKY_QUEUE, taskId)) === undefined, { what: 'the message to be dropped' });
    expect(await h.task(taskId)).toMatchObject({ status: 'cancelled', attempts: 1 });
    const listed = await h.call('/sluice/tasks?status=cancelled');
    expect(listed.body.items.map((t: TaskRecord) => t.taskId)).toContain(taskId);
    expect((await h.call(`/sluice/tasks/${taskId}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('cancels a running task: its ctx.signal aborts with the cancel reason and it ends cancelled', async () => {
    const taskId = await submit('slow', {});
    await until(taskId, (t) => t.status === 'running');
    const reply = await h.call(`/sluice/tasks/${taskId}/cancel`, { method: 'POST' });
    expect(reply.status).toBe(202);
    expect(reply.body.task).toMatchObject({ status: 'running' });
    expect(reply.body.task.cancelRequestedAt).toBeDefined();
    const done = await until(taskId, (t) => t.status === 'cancelled');
    expect(done.error).toMatchObject({ name: 'TaskCancelled' });
    expect(done.attempts).toBe(1);
    // In whichever logic the cancel found it (the record says `running` before the worker starts the code).
    expect(done.logs.some((l) => /^task cancelled/.test(l.message))).toBe(true);
    expect((await h.call('/sluice/tasks/unknown-task/cancel', { method: 'POST' })).status).toBe(404);
  });

  it('replays a finished task as a new linked task, with its payload or an override', async () => {
    const original = await submit('echo', { n: 1, fail: true });
    expect(await until(original, (t) => t.status === 'failed')).toMatchObject({ payload: { type: 'api', body: { n: 1, fail: true } } });

    const same = await h.call(`/sluice/tasks/${original}/replay`, { method: 'POST' });
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ replayOf: original, status: 'queued' });
    expect(same.body.taskId).not.toBe(original);
    expect(await until(same.body.taskId, (t) => t.status === 'failed')).toMatchObject({ replayOf: original, error: { message: 'item 1 is bad' } });

    const fixed = await h.call(`/sluice/tasks/${original}/replay`, { method: 'POST', json: { payload: { n: 1 } } });
    expect(fixed.status).toBe(202);
    expect(await until(fixed.body.taskId, (t) => t.status === 'succeeded')).toMatchObject({ replayOf: original, result: { n: 1 } });

    const kept = await h.task(original);
    expect(kept).toMatchObject({ status: 'failed', attempts: 1, replays: [same.body.taskId, fixed.body.taskId] });
    expect((await h.call(`/sluice/tasks/${original}/replay`, { method: 'POST', json: { payload: { n: 'x' } } })).status).toBe(400);
    expect((await h.call('/sluice/tasks/nope/replay', { method: 'POST' })).status).toBe(404);
  });

  it('bulk replay: a dry run counts, an Idempotency-Key replays nothing twice', async () => {
    await clock.advance(1000);
    const since = new Date(clock.now()).toISOString();
    const ids = [];
    for (let n = 10; n < 15; n++) ids.push(await submit('echo', { n, fail: true }));
    for (const id of ids) await until(id, (t) => t.status === 'failed');
    const filter = { process: 'echo', status: 'failed', since };

    // No filter, no job: an empty request never replays everything.
    expect((await h.call('/sluice/tasks/replay', { method: 'POST', json: {} })).status).toBe(400);
    expect((await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter: { since: 'yesterday' } } })).status).toBe(400);
    expect((await h.call('/sluice/tasks/replay')).status).toBe(405);
    const dry = await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, matched: 5, replayed: 0 });

    const headers = { 'idempotency-key': 'bulk-1' };
    const run = await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter }, headers });
    expect(run.body).toMatchObject({ dryRun: false, matched: 5, replayed: 5, alreadyReplayed: 0 });
    for (const id of ids) await until((await h.task(id)).replays![0]!, (t) => t.status === 'failed');

    // The replays failed too and match the filter: the same job leaves its own replays alone.
    const again = await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter }, headers });
    expect(again.body).toMatchObject({ matched: 5, replayed: 0, alreadyReplayed: 5, skipped: 5 });
    for (const id of ids) expect((await h.task(id)).replays).toHaveLength(1);
  });

  it('bulk replay in pages: maxTasks stops at a page boundary with a nextCursor; the same request with it goes on, nothing twice', async () => {
    await clock.advance(1000);
    const since = new Date(clock.now()).toISOString();
    const ids = [];
    for (let n = 20; n < 25; n++) ids.push(await submit('echo', { n, fail: true }));
    for (const id of ids) await until(id, (t) => t.status === 'failed');
    const filter = { process: 'echo', status: 'failed', since };
    const headers = { 'idempotency-key': 'paged-1' };
    const reports = [];
    let cursor: string | undefined;
    do {
      const res = await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter, maxTasks: 2, ...(cursor ? { cursor } : {}) }, headers });
      expect(res.status).toBe(200);
      reports.push(res.body);
      cursor = res.body.nextCursor;
      expect(reports.length).toBeLessThan(5);
    } while (cursor);
    expect(reports.map((r) => [r.matched, r.replayed, r.truncated])).toEqual([
      [2, 2, true],
      [2, 2, true],
      [1, 1, false],
    ]);
    expect(reports[2]).not.toHaveProperty('nextCursor');
    for (const id of ids) expect((await h.task(id)).replays).toHaveLength(1);
    // A cursor is the store's: a made-up one is a 400 naming it.
    const bad = await h.call('/sluice/tasks/replay', { method: 'POST', json: { filter, cursor: 'not-a-cursor' }, headers });
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });

  it('lists dead letters with their task and replays one, deleting the message once the replay is queued', async () => {
    const taskId = await submit('echo', { n: 99, fail: true });
    await until(taskId, (t) => t.status === 'failed');
    const dlq = taskDeadLetterQueueName('control', 'test', 'echo');
    const dead = await eventually(() => messageOf(dlq, taskId));
    expect(dead).toMatchObject({ taskId, task: { taskId, process: 'echo', status: 'failed', attempts: 1, error: { name: 'NonRetriableError', message: 'item 99 is bad' } } });

    const replay = await h.call(`/sluice/queues/${dlq}/messages/${dead!.messageId}/replay`, { method: 'POST' });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ replayOf: taskId, deadLetterDeleted: true });
    expect(await messageOf(dlq, taskId)).toBeUndefined();
    expect(await until(replay.body.taskId, (t) => t.status === 'failed')).toMatchObject({ replayOf: taskId });
    expect((await h.call(`/sluice/queues/${dlq}/messages/${dead!.messageId}/replay`, { method: 'POST' })).status).toBe(404);
  });
});
