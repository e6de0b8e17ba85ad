import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../../lib/core/task/TaskRecord.js';
import { eventually } from '../../helpers/time.js';
import { startHarness, type Harness } from './runtimeHarness.js';

const CONFIG = resolve(import.meta.dirname, '../../fixtures/isolation/serverless.yml');

describe('embedded runtime: concurrency limits count running tasks', () => {
  let h: Harness;
  let scratch: string;
  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'sluice-conc-'));
    h = await startHarness({ configPath: CONFIG });
  });
  afterAll(async () => {
    await h?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  const allTasks = async (process: string): Promise<TaskRecord[]> => {
    const page = await h.call(`/sluice/tasks?process=${process}&limit=100`);
    return Promise.all((page.body.items as TaskRecord[]).map((t) => h.task(t.taskId)));
  };

  it.each([
    ['limited', 'reservedConcurrency 2', 2],
    ['defaulted', 'defaultConcurrency 3', 3],
  ])('never runs more than the limit of %s (%s) from a queue backlog in batches of 10', async (process, _what, limit) => {
    const dir = join(scratch, process);
    const queue = `iso-test-${process}`;
    // The whole backlog is there before the consumer gets its first batch of 10.
    const sent = await Promise.all(
      Array.from({ length: 12 }, () => h.call(`/sluice/queues/${queue}/messages`, { method: 'POST', body: JSON.stringify({ dir, ms: 150 }) })),
    );
    expect(sent.every((r) => r.status === 202)).toBe(true);
    const done = await eventually(async () => {
      const tasks = await allTasks(process);
      return tasks.length === 12 && tasks.every((t) => t.status === 'succeeded') ? tasks : undefined;
    }, { timeoutMs: 20_000, what: `12 ${process} tasks` });
    const seen = done.map((t) => (t.result as { seen: number }).seen);
    expect(Math.max(...seen)).toBe(limit); // reached (tasks do run in parallel), never exceeded
  });

  it('throttles sync requests past reservedConcurrency at once with a JSON 429, never queueing them past the timeout', async () => {
    const dir = join(scratch, 'throttled');
    // The slow one holds the only slot (reservedConcurrency 1) while the others arrive.
    let slowSettled = false;
    const slow = h.call('/throttled', { method: 'POST', json: { dir, ms: 1500 }, auth: false }).finally(() => (slowSettled = true));
    await eventually(async () => (await allTasks('throttled')).length === 0 && existsSync(dir) && readdirSync(dir).length === 1, {
      what: 'the slow task to hold its slot',
    });
    const burst = await Promise.all(Array.from({ length: 10 }, () => h.call('/throttled', { method: 'POST', json: { dir, ms: 0 }, auth: false })));
    expect(slowSettled).toBe(false);
    for (const res of burst) {
      expect(res.status).toBe(429);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.body).toEqual({ error: 'ThrottledError', message: expect.stringMatching(/'throttled' is at its concurrency limit \(1 running task\)/) });
      expect(res.headers.get('x-sluice-task-id')).toBeNull();
    }
    expect((await slow).status).toBe(200);
    // Throttled requests never became tasks; the slot is free again.
    expect((await allTasks('throttled')).map((t) => t.status)).toEqual(['succeeded']);
    expect((await h.call('/throttled', { method: 'POST', json: { dir, ms: 0 }, auth: false })).status).toBe(200);
  });
});
